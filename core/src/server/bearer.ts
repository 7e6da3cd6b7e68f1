/** Operator tokens (`/metrics`, `/admin/*`): `Authorization: Bearer <token>`, compared in constant time. */
import { timingSafeEqual } from 'node:crypto';

export type BearerCheck = (authorization: string | undefined) => boolean;

export function bearerCheck(token: string): BearerCheck {
  const expected = Buffer.from(`Bearer ${token}`);
  return (authorization) => {
    const given = Buffer.from(authorization ?? '');
    return given.length === expected.length && timingSafeEqual(given, expected);
  };
}

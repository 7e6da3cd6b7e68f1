/**
 * HS256 tokens, minted with jose before any measured phase: the load generator's signing
 * cost must not count, the server's verification cost (Actorwire) is meant to.
 */
import { SignJWT } from 'jose';

export async function mintTokens(secret: string, count: number): Promise<string[]> {
  const key = new TextEncoder().encode(secret);
  const out: string[] = new Array(count);
  const batch = 500;
  for (let start = 0; start < count; start += batch) {
    const end = Math.min(count, start + batch);
    const part = [];
    for (let i = start; i < end; i++) {
      part.push(new SignJWT({}).setProtectedHeader({ alg: 'HS256' }).setSubject(`u${i}`).setIssuedAt().setExpirationTime('2h').sign(key));
    }
    (await Promise.all(part)).forEach((t, j) => (out[start + j] = t));
  }
  return out;
}

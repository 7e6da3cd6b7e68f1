/**
 * HS256 tokens, minted with jose before any measured phase: the load generator's signing
 * cost must not count, the server's verification cost (Actorwire) is meant to.
 */
import { SignJWT } from 'jose';

/**
 * `epoch` (seconds) is the run's, the same for every job: token i is the same in every round, as
 * the same clients reconnecting would present (and a server's verified-token cache is not filled
 * anew by each round, which the churn leak check would see as growth).
 */
export async function mintTokens(secret: string, epoch: number, count: number): Promise<string[]> {
  const key = new TextEncoder().encode(secret);
  const out: string[] = new Array(count);
  const batch = 500;
  for (let start = 0; start < count; start += batch) {
    const end = Math.min(count, start + batch);
    const part = [];
    for (let i = start; i < end; i++) {
      part.push(new SignJWT({}).setProtectedHeader({ alg: 'HS256' }).setSubject(`u${i}`).setIssuedAt(epoch).setExpirationTime(epoch + 3 * 3600).sign(key));
    }
    (await Promise.all(part)).forEach((t, j) => (out[start + j] = t));
  }
  return out;
}

/**
 * Cold starts: a fresh server (auth + rooms, no rate limit) taking 1,000 connections with 200
 * in flight, each subscribing as soon as it is connected. A socket closed without a close frame
 * right after connecting (uWS closing a socket just upgraded after an await — see core's
 * CorkAnchor) showed up here about once in 25,000 connects; every client must get its ack.
 */
import t from 'tap';
import { SignJWT } from 'jose';
import { startTestServer } from '@actorwire/testing';
import authPlugin from '@actorwire/plugin-auth';
import rooms from '../src/index.js';

const SECRET = 'cold-start-tests-secret-0123456789-abcdefghij';

t.test('3 fresh servers × 1,000 connections (200 in flight), each subscribing on connect: every one acknowledged', async (t) => {
  const token = await new SignJWT({ sub: 'u', exp: Math.floor(Date.now() / 1000) + 600 }).setProtectedHeader({ alg: 'HS256' }).sign(new TextEncoder().encode(SECRET));
  for (let round = 0; round < 3; round++) {
    const srv = await startTestServer({
      plugins: [[authPlugin, { secret: SECRET }], rooms],
      config: { websocket: { maxConnections: 0, rateLimit: { messagesPerSecond: 0 } } },
    });
    let failed = 0;
    let firstFailure = '';
    let next = 0;
    const worker = async () => {
      while (next < 1000) {
        const i = next++;
        try {
          const c = await srv.connect(`/ws?token=${token}`);
          const ack = await c.request({ type: 'subscribe', room: `r${i % 100}` }, 10_000);
          if (ack.type !== 'subscribed') throw new Error(`got ${ack.type}`);
          c.terminate();
        } catch (err) {
          failed++;
          firstFailure ||= `client ${i}: ${(err as Error).message}`;
        }
      }
    };
    await Promise.all(Array.from({ length: 200 }, worker));
    await srv.stop();
    t.equal(failed, 0, `round ${round}: all 1,000 acknowledged${firstFailure ? ` (first failure: ${firstFailure})` : ''}`);
  }
});

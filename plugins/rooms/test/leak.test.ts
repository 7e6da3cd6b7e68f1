/** Disconnect cleans every membership: 1,000 connect/subscribe/close cycles leave no room behind. */
import t from 'tap';
import type { Presence, SessionRegistry, TopicRegistry } from '@actorwire/core';
import { server, until } from './support/helpers.js';

t.test('1,000 connect → subscribe → close cycles leave the room registry and presence empty', async (t) => {
  const srv = await server({ auth: true, config: { websocket: { rateLimit: { messagesPerSecond: 0, burst: 200, maxViolations: 50 } } } });
  t.teardown(() => srv.stop());
  const topics = srv.kernel.services.get('topics');
  const presence = srv.kernel.services.get('presence');
  const sessions = srv.kernel.services.get('sessions');
  const watcher = await srv.as({ sub: 'watcher' });
  await watcher.request({ type: 'subscribe', room: 'room-0' });

  const cycles = 1000;
  const parallel = 20;
  for (let i = 0; i < cycles; i += parallel) {
    await Promise.all(
      Array.from({ length: parallel }, async (_, j) => {
        const n = i + j;
        const c = await srv.as({ sub: `u${n % 37}` });
        const ack = await c.request({ type: 'subscribe', room: `room-${n % 10}` });
        if (ack.type !== 'subscribed') throw new Error(`cycle ${n}: ${JSON.stringify(ack)}`);
        if (n % 3 === 0) await c.request({ type: 'subscribe', room: `extra-${n % 50}` });
        await c.close();
      }),
    );
  }
  await until(() => sessions.count() === 1, 5000, 'every cycle closed');
  t.same([...topics.localTopics()], [['room-0', 1]], 'only the watcher\'s room is left');
  t.same(await presence.topics(), { 'room-0': 1 }, 'presence holds only the watcher');
  t.equal(await presence.count('room-5'), 0);
  t.equal(sessions.ofUser('u5').size, 0, 'no user index entry left');
  t.equal((await watcher.request({ type: 'presence', room: 'room-0' })).data.client_count, 1);
});

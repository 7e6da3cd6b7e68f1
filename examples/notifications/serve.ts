/**
 * Two instances sharing one Redis, each serving the notifications page, with the demo token
 * endpoint on (NOTIFICATIONS_DEMO_TOKENS=1): open the page on one, notify through the other.
 *
 *   REDIS_URL=redis://127.0.0.1:6379 npm run serve -w @actorwire/example-notifications
 */
import { startInstance, type Instance } from '@actorwire/example-support/instances';

const REDIS_URL = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';
const SECRET = process.env.JWT_SECRET ?? 'notifications-example-secret-change-me-0123';
const env = (port: string) => ({
  PORT: port,
  JWT_SECRET: SECRET,
  REDIS_URL,
  ACTORWIRE_PLUGINS: 'auth,rooms,redis-pubsub,./examples/notifications/plugin.ts',
  NOTIFICATIONS_DEMO_TOKENS: '1',
});

const instances: Instance[] = [];
const stop = () => {
  for (const i of instances) i.child.kill('SIGTERM');
};
process.once('SIGINT', stop);
process.once('SIGTERM', stop);
try {
  instances.push(await startInstance('A', env(process.env.PORT_A ?? '8081')), await startInstance('B', env(process.env.PORT_B ?? '8082')));
  const [a, b] = instances as [Instance, Instance];
  console.log(`Redis ${REDIS_URL}; instance A on :${a.port}, instance B on :${b.port}

  open   http://127.0.0.1:${b.port}/notifications?user=bob        (bob's page, on instance B)
  notify curl -X POST http://127.0.0.1:${a.port}/api/notify \\
           -H "authorization: Bearer $(JWT_SECRET=${SECRET} npx actorwire-token --sub backend --role service)" \\
           -H 'content-type: application/json' \\
           -d '{"user_id":"bob","event":"order.shipped","data":{"order_id":42}}'   (through instance A)

Ctrl-C stops both.`);
} catch (err) {
  console.error(`FAILED: ${(err as Error).message}`);
  stop();
  process.exitCode = 1;
}

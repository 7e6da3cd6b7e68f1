/**
 * A frozen broker (`kill -STOP` on a broker this test starts for itself): forwarded room
 * publishes still reach the room at once, what waits for the broker is bounded, the rest is
 * dropped and counted, /health is degraded, and forwarding resumes after SIGCONT.
 */
import t from 'tap';
import { fileURLToPath } from 'node:url';
import { Kafka, logLevel } from 'kafkajs';
import { consuming, server, unique, user } from './support.js';

interface Broker { brokers: string; pid: number; stop(): Promise<void> }

t.test('broker paused: publishes are not held up, forwards are bounded and counted, then resume', async (t) => {
  const services = await import(fileURLToPath(new URL('../../../scripts/services/kafka.mjs', import.meta.url))) as { startKafkaBroker(o?: object): Promise<Broker> };
  const broker = await services.startKafkaBroker();
  t.teardown(() => broker.stop());
  const admin = new Kafka({ clientId: 'stall-test', brokers: [broker.brokers], logLevel: logLevel.NOTHING }).admin();
  const out = unique('forwarded');
  await admin.connect();
  await admin.createTopics({ waitForLeaders: true, topics: [{ topic: out, numPartitions: 1, replicationFactor: 1 }] });
  await admin.disconnect();
  const srv = await server({ brokers: [broker.brokers], forwardTopic: out, forwardRooms: ['support-{id}'], forwardMaxPending: 50 }, [], { websocket: { rateLimit: { messagesPerSecond: 0 } } });
  t.teardown(() => srv.stop());
  await consuming(srv);
  const carl = await user(srv, 'carl');
  await carl.request({ type: 'subscribe', room: 'support-1' });

  process.kill(broker.pid, 'SIGSTOP');
  t.teardown(() => { try { process.kill(broker.pid, 'SIGCONT'); } catch { /* gone */ } });
  const started = Date.now();
  for (let i = 0; i < 300; i++) carl.send({ type: 'publish', room: 'support-1', data: { i } });
  for (let i = 0; i < 300; i++) t.equal((await carl.next('message', 5000)).data.i, i, `publish ${i} reached the room`);
  const took = Date.now() - started;
  t.ok(took < 5000, `300 publishes delivered in ${took} ms with the broker frozen`);
  const health = await (await fetch(`${srv.httpBase}/health`, { headers: { connection: 'close' } })).json() as { components: { kafka: { status: string; forward: { pending: number; dropped: number } } } };
  t.equal(health.components.kafka.status, 'degraded');
  t.ok(health.components.kafka.forward.pending <= 50, `at most 50 forwards wait for the broker (${health.components.kafka.forward.pending})`);
  t.ok(health.components.kafka.forward.dropped >= 250, `the rest were dropped and counted (${health.components.kafka.forward.dropped})`);

  process.kill(broker.pid, 'SIGCONT');
  const consumer = new Kafka({ clientId: 'stall-reader', brokers: [broker.brokers], logLevel: logLevel.NOTHING }).consumer({ groupId: unique('reader') });
  await consumer.connect();
  await consumer.subscribe({ topic: out, fromBeginning: true });
  const seen: string[] = [];
  void consumer.run({ eachMessage: async ({ message }) => { seen.push(message.value?.toString() ?? ''); } });
  t.teardown(() => consumer.disconnect());
  const { until } = await import('@actorwire/testing');
  await until(async () => {
    carl.send({ type: 'publish', room: 'support-1', data: { after: true } });
    await carl.next('message', 2000);
    return seen.some((v) => v.includes('"after":true'));
  }, 60_000, 'forwarding resumed after SIGCONT');
  t.pass('resumed');
});

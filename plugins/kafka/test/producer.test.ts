/** KAFKA_BROKERS: the producer path — a client's room publish is forwarded to a topic with the user id and trace headers. */
import t from 'tap';
import { createTopics, otlpCollector, readTopic, server, unique, user } from './support.js';

t.test('client publish in a forwarded room → Kafka record with ws-user-id and the message', async (t) => {
  const out = unique('client.messages');
  await createTopics(out);
  const collector = await otlpCollector();
  t.teardown(() => collector.close());
  const srv = await server({ forwardTopic: out, forwardTypes: ['publish'], forwardRooms: ['support-{id}'] }, [], { otel: { endpoint: collector.endpoint } });
  t.teardown(() => srv.stop());
  const carl = await user(srv, 'carl');
  await carl.request({ type: 'subscribe', room: 'support-9' });
  await carl.request({ type: 'subscribe', room: 'random' });
  carl.send({ type: 'publish', room: 'random', data: 'not forwarded' });
  carl.send({ type: 'publish', room: 'support-9', data: { text: 'help!' } });
  await carl.next((f) => f.type === 'message' && f.room === 'support-9');

  const [rec] = await readTopic(out, 1);
  const body = JSON.parse(rec!.value);
  t.same({ type: body.type, room: body.room, data: body.data, user_id: body.user_id }, { type: 'publish', room: 'support-9', data: { text: 'help!' }, user_id: 'carl' });
  t.equal(rec!.headers['ws-user-id'], 'carl');
  t.equal(rec!.headers['ws-room'], 'support-9');
  t.match(rec!.headers.traceparent ?? '', /^00-[0-9a-f]{32}-[0-9a-f]{16}-0[01]$/, 'W3C trace context in the headers');
});

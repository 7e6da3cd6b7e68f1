/**
 * The dashboard, end to end on your machine: the example REST backend (port 8090), and Actorwire
 * (port 8080) with auth, rooms, kafka, snapshots, analytics and the page. With KAFKA_BROKERS the
 * backend reports each change as a Kafka record, and the page updates from it; without, it
 * reports them through the snapshots changes API (tables) and the analytics service has no
 * event (reload to see new payments).
 *
 *   KAFKA_BROKERS=127.0.0.1:9092 npm run serve -w @actorwire/example-dashboard
 */
import { Kafka, logLevel } from 'kafkajs';
import { startInstance, type Instance } from '@actorwire/example-support/instances';
import { demoToken } from '@actorwire/example-support';
import { startBackend, type Change } from './backend.js';

const SECRET = process.env.JWT_SECRET ?? 'dashboard-example-secret-change-me-0123456';
// Unset or empty: no Kafka (the changes API reports table changes).
const BROKERS = process.env.KAFKA_BROKERS?.split(',').filter(Boolean).length ? process.env.KAFKA_BROKERS.split(',').filter(Boolean) : undefined;
const TOPICS = { tables: 'tables.events', payments: 'payments.events' } as const;
const PORT = process.env.PORT ?? '8080';

const kafka = BROKERS ? new Kafka({ clientId: 'dashboard-example-backend', brokers: BROKERS, logLevel: logLevel.NOTHING }) : undefined;
if (kafka) {
  // The topics exist before Actorwire's consumer subscribes to them.
  const admin = kafka.admin();
  await admin.connect();
  await admin.createTopics({ topics: Object.values(TOPICS).map((topic) => ({ topic, numPartitions: 1 })), waitForLeaders: true });
  await admin.disconnect();
}
const producer = kafka?.producer();
if (producer) await producer.connect();

/** What the restaurant system's services would do after a write. */
async function report(c: Change): Promise<void> {
  if (producer) {
    const value = c.entity === 'tables' ? { section_id: c.section, table_id: c.id, event: 'table.updated' } : { restaurant_id: c.restaurantId, event: 'payment.created' };
    await producer.send({ topic: TOPICS[c.entity], messages: [{ value: JSON.stringify(value) }] });
  } else if (c.entity === 'tables') {
    await fetch(`http://127.0.0.1:${PORT}/api/snapshots/changes`, {
      method: 'POST',
      headers: { authorization: `Bearer ${demoToken(SECRET, 'backend', 60, { role: 'service' })}`, 'content-type': 'application/json' },
      body: JSON.stringify({ entity: 'tables', section: c.section }),
    }).catch(() => undefined);
  }
}

const backend = await startBackend({ port: Number(process.env.BACKEND_PORT ?? 8090), onChange: (c) => report(c).catch((e: Error) => console.error(`report: ${e.message}`)) });
let server: Instance | undefined;
const stop = () => {
  server?.child.kill('SIGTERM');
  void backend.close();
  void producer?.disconnect();
};
process.once('SIGINT', stop);
process.once('SIGTERM', stop);
try {
  const topics = `tables:${TOPICS.tables},payments:${TOPICS.payments}`;
  server = await startInstance('dashboard', {
    PORT,
    JWT_SECRET: SECRET,
    REST_BASE_URL: backend.url,
    ACTORWIRE_PLUGINS: `auth,rooms,${BROKERS ? 'kafka,' : ''}snapshots,analytics,./examples/dashboard/plugin.ts`,
    ...(BROKERS ? { KAFKA_BROKERS: BROKERS.join(','), WS_ENTITY_TOPICS: topics } : {}),
    DASHBOARD_DEMO_TOKENS: '1',
  });
  console.log(`backend ${backend.url}; Actorwire on :${server.port}${BROKERS ? `; Kafka ${BROKERS.join(',')}` : ' (no Kafka: changes API)'}

  open    http://127.0.0.1:${server.port}/dashboard?user=owner#hall-1
  seat    curl -X POST ${backend.url}/tables/2 -H 'content-type: application/json' -d '{"status":"occupied"}'
  pay     curl -X POST ${backend.url}/payments -H 'content-type: application/json' -d '{"restaurantId":"r1","amount":42.5}'

Ctrl-C stops everything.`);
} catch (err) {
  console.error(`FAILED: ${(err as Error).message}`);
  stop();
  process.exitCode = 1;
}

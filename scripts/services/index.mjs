#!/usr/bin/env node
// Entry point for test runners: provision real Redis / Kafka once, hand the env to
// every test file, stop what was started afterwards.
//
//   import { provision } from './scripts/services/index.mjs';
//   const svc = await provision({ redis: true, kafka: true, testFiles });
//   // spawn tests with { env: svc.childEnv() }   (= process.env + svc.env, minus missing services)
//   await svc.stop();
//
//   node scripts/services/index.mjs [redis] [kafka]   # provision, print env, stop on Ctrl-C
import fs from 'node:fs';
import { ensureKafka } from './kafka.mjs';
import { ensureRedis } from './redis.mjs';
import { ensureOtlpProtos } from './otlp-protos.mjs';
import { isMain } from './_common.mjs';

export {
  ensureKafka,
  startKafkaBroker,
  resolveKafkaJars,
  waitForKafka,
  kafkaVersion,
  DEFAULT_KAFKA_VERSION,
  FALLBACK_KAFKA_VERSION,
} from './kafka.mjs';
export { ensureOtlpProtos } from './otlp-protos.mjs';
export { ensureRedis, startRedisServer, startRedisCluster, ensureRedisBinaries, ping as redisPing } from './redis.mjs';

const SERVICES = {
  redis: { envVar: 'REDIS_URL', ensure: ensureRedis, pick: (r) => r.url, label: 'Redis' },
  kafka: { envVar: 'KAFKA_BROKERS', ensure: ensureKafka, pick: (k) => k.brokers, label: 'Kafka' },
  otlpProtos: { envVar: 'OTLP_PROTO_DIR', ensure: ensureOtlpProtos, pick: (p) => p.dir, label: 'the OTLP .proto files' },
};

/** Test files whose source mentions the service's env var (best effort). */
function testsNeeding(envVar, testFiles = []) {
  const out = [];
  for (const f of testFiles) {
    try {
      if (fs.readFileSync(f, 'utf8').includes(envVar)) out.push(f);
    } catch {
      /* unreadable: ignore */
    }
  }
  return out;
}

function loudWarning(label, envVar, reason, affected) {
  const bar = '!'.repeat(78);
  const lines = [
    '',
    bar,
    `!! WARNING: ${label} is NOT available — ${envVar} is not set for the tests.`,
    `!! Reason: ${reason}`,
    affected === null
      ? `!! Every test that needs ${envVar} will be SKIPPED.`
      : affected.length
        ? `!! These test files need ${envVar} and will SKIP their ${label} tests:\n${affected.map((f) => `!!   - ${f}`).join('\n')}`
        : `!! No given test file mentions ${envVar}; tests needing ${label} would be skipped.`,
    `!! In CI (CI=true) this is a failure.`,
    bar,
    '',
  ];
  console.error(lines.join('\n'));
}

/**
 * Provision the requested services.
 * @param {{redis?: boolean, kafka?: boolean, testFiles?: string[], ci?: boolean,
 *          kafkaOptions?: object, redisOptions?: object}} [opts]
 * @returns {Promise<{env: {REDIS_URL?: string, KAFKA_BROKERS?: string}, missing: object,
 *                    services: object, childEnv(base?: object): object, stop(): Promise<void>}>}
 *   `childEnv()` is the env to give test processes: process.env + env, with the variable
 *   of a service that could not be provided removed (so a broken KAFKA_BROKERS=… is not inherited).
 *   In CI (CI=true, or opts.ci) a service that cannot be provided throws; locally the
 *   env is returned without it (listed in `missing`) after a loud warning.
 */
export async function provision(opts = {}) {
  const ci = opts.ci ?? process.env.CI === 'true';
  const wanted = Object.keys(SERVICES).filter((k) => opts[k]);
  const env = {};
  const missing = {};
  const services = {};
  const handles = [];
  const stop = async () => {
    const hs = handles.splice(0);
    await Promise.allSettled(hs.map((h) => h.stop()));
  };

  // Start in parallel: Kafka (JVM) dominates; Redis is usually instant.
  const results = await Promise.allSettled(
    wanted.map((name) => SERVICES[name].ensure(opts[`${name}Options`] ?? {})),
  );
  const failures = [];
  results.forEach((r, i) => {
    const name = wanted[i];
    const svc = SERVICES[name];
    if (r.status === 'fulfilled') {
      handles.push(r.value);
      services[name] = r.value;
      env[svc.envVar] = svc.pick(r.value);
    } else {
      const reason = r.reason?.message ?? String(r.reason);
      missing[name] = reason;
      failures.push({ name, svc, reason });
    }
  });

  if (failures.length) {
    if (ci) {
      await stop();
      const msg = failures.map((f) => `${f.name}: could not provide ${f.svc.label} (${f.svc.envVar}): ${f.reason}`).join('\n');
      const err = new Error(`[services] CI=true and a required service is unavailable:\n${msg}`);
      err.missing = missing;
      throw err;
    }
    for (const f of failures) {
      loudWarning(f.svc.label, f.svc.envVar, f.reason, opts.testFiles ? testsNeeding(f.svc.envVar, opts.testFiles) : null);
    }
  }
  /** `base` (default process.env) + the provisioned env, minus the vars of missing services. */
  const childEnv = (base = process.env) => {
    const out = { ...base, ...env };
    for (const name of Object.keys(missing)) delete out[SERVICES[name].envVar];
    return out;
  };
  return { env, missing, services, childEnv, stop };
}

if (isMain(import.meta.url)) {
  const args = process.argv.slice(2);
  const want = args.length ? Object.fromEntries(args.map((a) => [a, true])) : { redis: true, kafka: true };
  provision(want).then(
    (p) => {
      for (const [k, v] of Object.entries(p.env)) console.log(`${k}=${v}`);
      console.error('[services] provisioned; Ctrl-C to stop what was started');
      const shutdown = () => p.stop().finally(() => process.exit(0));
      process.once('SIGINT', shutdown);
      process.once('SIGTERM', shutdown);
      setInterval(() => {}, 1 << 30);
    },
    (e) => {
      console.error(e.message);
      process.exit(1);
    },
  );
}

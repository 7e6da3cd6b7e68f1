#!/usr/bin/env node
// The official OTLP .proto definitions, for tests that decode what the server exports.
//
//   import { ensureOtlpProtos } from './scripts/services/otlp-protos.mjs';
//   const { dir } = await ensureOtlpProtos();   // dir/opentelemetry/proto/collector/trace/v1/trace_service.proto
//
// They come from Maven Central's io.opentelemetry.proto:opentelemetry-proto jar (the
// opentelemetry-proto repository's files, as released), unpacked once into the cache by Maven —
// the same tool that resolves the Kafka jars. npm has no package that ships the .proto files.
import fs from 'node:fs';
import path from 'node:path';
import { spawnSync } from 'node:child_process';
import { cacheRoot, isMain, rmrf } from './_common.mjs';

export const OTLP_PROTO_VERSION = process.env.OTLP_PROTO_VERSION ?? '1.11.0-alpha';
const DEP_PLUGIN = 'org.apache.maven.plugins:maven-dependency-plugin:3.8.1';
const ENTRY = 'opentelemetry/proto/collector/trace/v1/trace_service.proto';

const POM = `<project xmlns="http://maven.apache.org/POM/4.0.0">
  <modelVersion>4.0.0</modelVersion>
  <groupId>actorwire.test</groupId><artifactId>otlp-protos</artifactId><version>1</version>
  <packaging>pom</packaging>
</project>
`;

/** Unpack the .proto files of `version` into the cache (once); resolves to `{ dir, stop() }`. */
export async function ensureOtlpProtos(opts = {}) {
  const version = opts.version ?? OTLP_PROTO_VERSION;
  const base = path.join(cacheRoot(), 'otlp-proto', version);
  const dir = path.join(base, 'protos');
  if (!fs.existsSync(path.join(dir, ENTRY))) {
    fs.mkdirSync(base, { recursive: true });
    fs.writeFileSync(path.join(base, 'pom.xml'), POM);
    const tmp = `${dir}.tmp-${process.pid}`;
    rmrf(tmp);
    const res = spawnSync('mvn', [
      '-q', '-B', '-f', path.join(base, 'pom.xml'),
      `${DEP_PLUGIN}:unpack`,
      `-Dartifact=io.opentelemetry.proto:opentelemetry-proto:${version}:jar`,
      `-DoutputDirectory=${tmp}`,
      '-Dmdep.unpack.includes=**/*.proto',
    ], { encoding: 'utf8', timeout: opts.timeoutMs ?? 5 * 60_000 });
    if (res.error?.code === 'ENOENT') throw new Error('mvn (Apache Maven) not found on PATH; it is needed once to fetch the OTLP .proto files (apt-get install -y maven)');
    if (res.status !== 0 || !fs.existsSync(path.join(tmp, ENTRY))) {
      rmrf(tmp);
      throw new Error(`mvn could not unpack io.opentelemetry.proto:opentelemetry-proto:${version} (exit ${res.status}):\n${`${res.stdout}\n${res.stderr}`.split('\n').slice(-20).join('\n')}`);
    }
    rmrf(dir);
    fs.renameSync(tmp, dir);
  }
  return { dir, started: false, stop: async () => undefined };
}

if (isMain(import.meta.url)) {
  ensureOtlpProtos().then((p) => console.log(p.dir), (e) => { console.error(e.message); process.exit(1); });
}

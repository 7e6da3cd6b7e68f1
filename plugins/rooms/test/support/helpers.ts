/** Shared test helpers: servers with the rooms plugin (and the test auth stand-in), users, HTTP. */
import { request } from 'node:http';
import type { PluginEntry } from '@actorwire/core';
import { sleep, startTestServer, until, type TestServer, type TestClient } from '@actorwire/testing';

export { sleep, until };
import rooms, { type RoomsOptions } from '../../src/index.js';
import { testAuth, token, type Claims } from './test-auth.js';

export { token };

export interface Srv extends TestServer {
  /** Connect as a user (claims → test token), or anonymously without claims. */
  as(claims?: Claims): Promise<TestClient>;
}

export async function server(
  opts: { auth?: boolean; rooms?: Partial<RoomsOptions>; config?: NonNullable<Parameters<typeof startTestServer>[0]>['config']; plugins?: PluginEntry[]; allowLateAuth?: boolean; logger?: NonNullable<Parameters<typeof startTestServer>[0]>['logger'] } = {},
): Promise<Srv> {
  const plugins: PluginEntry[] = [];
  if (opts.auth) plugins.push(testAuth({ allowLateAuth: opts.allowLateAuth }));
  plugins.push([rooms, (opts.rooms ?? {}) as Record<string, unknown>]);
  plugins.push(...(opts.plugins ?? []));
  const srv = await startTestServer({ plugins, config: opts.config, ...(opts.logger ? { logger: opts.logger } : {}) });
  return Object.assign(srv, {
    as(claims?: Claims) {
      return srv.connect(claims ? `/ws?token=${token(claims)}` : '/ws');
    },
  });
}

/** One HTTP request without keep-alive (so the test process can exit at once). */
export async function http(
  srv: TestServer,
  method: string,
  path: string,
  opts: { body?: unknown; raw?: string; token?: string; headers?: Record<string, string> } = {},
): Promise<{ status: number; body: any; headers: Record<string, unknown> }> {
  const headers: Record<string, string> = { ...(opts.headers ?? {}) };
  if (opts.token) headers.authorization = `Bearer ${opts.token}`;
  let body: string | undefined;
  if (opts.raw !== undefined) body = opts.raw;
  else if (opts.body !== undefined) body = JSON.stringify(opts.body);
  if (body !== undefined) {
    headers['content-type'] ??= 'application/json';
    headers['content-length'] = String(Buffer.byteLength(body));
  }
  return new Promise((resolve, reject) => {
    const req = request(srv.httpBase + path, { method, headers, agent: false }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => {
        const text = Buffer.concat(chunks).toString('utf8');
        let parsed: unknown = text;
        try {
          parsed = JSON.parse(text);
        } catch {
          // keep text
        }
        resolve({ status: res.statusCode ?? 0, body: parsed, headers: res.headers });
      });
    });
    req.on('error', reject);
    req.end(body);
  });
}


/**
 * Test support: a real server with auth + analytics, the in-process REST upstream of the
 * snapshots tests (records every call, answers what the test says), and tokens.
 */
import type { PluginEntry } from '@actorwire/core';
import { expectRefused, startTestServer, type TestServer } from '@actorwire/testing';
import authPlugin from '@actorwire/plugin-auth';
import { SECRET, jwt, startUpstream, type Upstream } from '../../snapshots/test/support.js';
import analytics, { type AnalyticsOptions } from '../src/index.js';

export { jwt, startUpstream, type Upstream };

export interface ServerOptions {
  analytics?: Partial<AnalyticsOptions>;
  /** Plugins registered before analytics (rooms, kafka). */
  plugins?: PluginEntry[];
}

export function server(up: Upstream, o: ServerOptions = {}): Promise<TestServer> {
  return startTestServer({
    plugins: [[authPlugin, { secret: SECRET }], ...(o.plugins ?? []), [analytics, { restBaseUrl: up.url, refreshWindow: 50, ...o.analytics }]],
  });
}

/** Connect to a dashboard, with a token in the Authorization header when claims are given. */
export async function dashboard(srv: TestServer, path: string, claims?: Record<string, unknown>) {
  return srv.connect(path, claims === undefined ? {} : { headers: { authorization: `Bearer ${await jwt(claims)}` } });
}

/** The HTTP answer to an upgrade the server refuses (fails the test if it is accepted). */
export async function refusal(srv: TestServer, path: string, claims?: Record<string, unknown>): Promise<{ status: number; body: any }> {
  return expectRefused(`${srv.wsBase}${path}`, claims === undefined ? {} : { headers: { authorization: `Bearer ${await jwt(claims)}` } });
}

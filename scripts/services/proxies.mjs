// The reverse proxies the topology tests run in front of instances, one shape for both:
//   for (const proxy of proxies) { … await proxy.start({ backends: [a, b], healthCheck: true }) … }
// HAProxy checks /health itself; nginx (open source) skips a draining instance on its 503
// answers (deploy/nginx.conf), so `healthCheck` is HAProxy's alone.
import { haproxyInstalled, startHaproxy } from './haproxy.mjs';
import { nginxInstalled, startNginx } from './nginx.mjs';

/** @type {Array<{ name: string, package: string, installed(): boolean, start(opts: { backends: number[], healthCheck?: boolean }): Promise<{ port: number, stop(): Promise<void> }> }>} */
export const proxies = [
  { name: 'HAProxy', package: 'haproxy', installed: haproxyInstalled, start: startHaproxy },
  { name: 'nginx', package: 'nginx', installed: nginxInstalled, start: ({ backends }) => startNginx({ backends }) },
];

/** HTTP and WebSocket routes declared by plugins (and the kernel), checked for duplicates. */
import { KernelError, KernelErrors } from '@actorwire/errors';
import { KERNEL_OWNER, who, type Seal } from './registration.js';
import type { HttpHandler, HttpMethod, RouteRegistry, WsRouteOptions } from '../types.js';

export interface HttpRoute {
  method: HttpMethod;
  path: string;
  handler: HttpHandler;
  owner: string;
}

const METHODS: readonly HttpMethod[] = ['get', 'post', 'put', 'patch', 'delete', 'options', 'head'];

export class Routes implements RouteRegistry {
  readonly httpRoutes: HttpRoute[] = [];
  private readonly wsMap = new Map<string, WsRouteOptions & { owner: string }>();

  constructor(private readonly seal: Seal) {}

  private check(owner: string, key: string, existing: string | undefined): void {
    this.seal.check(owner, `route ${key}`);
    if (existing !== undefined) {
      throw new KernelError(KernelErrors.DUPLICATE_ROUTE, `${who(owner)} declares route ${key}, already declared by ${who(existing)}`, owner);
    }
  }

  ws(path: string, options: WsRouteOptions = {}, owner: string = KERNEL_OWNER): void {
    if (!path.startsWith('/')) throw new KernelError(KernelErrors.PLUGIN_REGISTER, `${who(owner)}: ws route "${path}" must start with /`, owner);
    this.check(owner, `WS ${path}`, this.wsMap.get(path)?.owner ?? this.httpRoutes.find((r) => r.method === 'get' && r.path === path)?.owner);
    this.wsMap.set(path, { ...options, owner });
  }

  http(method: HttpMethod, path: string, handler: HttpHandler, owner: string = KERNEL_OWNER): void {
    const m = String(method).toLowerCase() as HttpMethod;
    if (!METHODS.includes(m)) throw new KernelError(KernelErrors.PLUGIN_REGISTER, `${who(owner)}: unknown HTTP method ${method}`, owner);
    if (!path.startsWith('/')) throw new KernelError(KernelErrors.PLUGIN_REGISTER, `${who(owner)}: route "${path}" must start with /`, owner);
    const existing = this.httpRoutes.find((r) => r.method === m && r.path === path)?.owner ?? (m === 'get' ? this.wsMap.get(path)?.owner : undefined);
    this.check(owner, `${m.toUpperCase()} ${path}`, existing);
    this.httpRoutes.push({ method: m, path, handler, owner });
  }

  wsRoutes(): ReadonlyMap<string, WsRouteOptions> {
    return this.wsMap;
  }
}

/** Names of `:param` segments of a route pattern, in order (uWS reads them by index). */
export function paramNames(pattern: string): string[] {
  return pattern.split('/').filter((s) => s.startsWith(':')).map((s) => s.slice(1));
}

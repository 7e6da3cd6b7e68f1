/** HTTP and WebSocket routes declared by plugins (and the kernel), checked for duplicates. */
import { KernelError, KernelErrors } from './errors.js';
import type { HttpHandler, HttpMethod, RouteRegistry, WsRouteOptions } from './types.js';

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
  owner = 'kernel';
  /** Routes cannot change once the server listens. */
  sealed = false;

  private check(key: string, exists: boolean): void {
    if (this.sealed) throw new KernelError(KernelErrors.LATE_REGISTRATION, `plugin "${this.owner}" declared route ${key} after startup`, this.owner);
    if (exists) throw new KernelError(KernelErrors.DUPLICATE_ROUTE, `plugin "${this.owner}" declares route ${key}, which is already declared`, this.owner);
  }

  ws(path: string, options: WsRouteOptions = {}): void {
    if (!path.startsWith('/')) throw new KernelError(KernelErrors.PLUGIN_REGISTER, `plugin "${this.owner}": ws route "${path}" must start with /`, this.owner);
    this.check(`WS ${path}`, this.wsMap.has(path) || this.httpRoutes.some((r) => r.method === 'get' && r.path === path));
    this.wsMap.set(path, { ...options, owner: this.owner });
  }

  http(method: HttpMethod, path: string, handler: HttpHandler): void {
    const m = String(method).toLowerCase() as HttpMethod;
    if (!METHODS.includes(m)) throw new KernelError(KernelErrors.PLUGIN_REGISTER, `plugin "${this.owner}": unknown HTTP method ${method}`, this.owner);
    if (!path.startsWith('/')) throw new KernelError(KernelErrors.PLUGIN_REGISTER, `plugin "${this.owner}": route "${path}" must start with /`, this.owner);
    this.check(`${m.toUpperCase()} ${path}`, this.httpRoutes.some((r) => r.method === m && r.path === path) || (m === 'get' && this.wsMap.has(path)));
    this.httpRoutes.push({ method: m, path, handler, owner: this.owner });
  }

  wsRoutes(): ReadonlyMap<string, WsRouteOptions> {
    return this.wsMap;
  }
}

/** Names of `:param` segments of a route pattern, in order (uWS reads them by index). */
export function paramNames(pattern: string): string[] {
  return pattern.split('/').filter((s) => s.startsWith(':')).map((s) => s.slice(1));
}

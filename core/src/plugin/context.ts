/**
 * The `ctx` a plugin's `register` gets: the kernel's registries seen through a facade that
 * records the plugin as the owner of every message type, topic, policy, hook, route,
 * health check and service it registers. Duplicates name both owners; everything
 * is sealed once the server starts (the registries check the shared Seal).
 */
import type { Logger } from 'pino';
import type { Meter, Tracer } from '@opentelemetry/api';
import type { ActorwireConfig } from '@actorwire/config';
import type { HookRegistry } from '../registries/hooks.js';
import type { Messages } from '../registries/messages.js';
import type { Policies } from '../registries/policies.js';
import type { Routes } from '../registries/routes.js';
import type { Services } from '../registries/services.js';
import type { Topics } from '../registries/topics.js';
import type { Dialects } from '../registries/dialects.js';
import type { InputGuard, InputLimits } from '@actorwire/inputs';
import type {
  Bus, ComponentHealth, Plugin, PluginContext, SessionRegistry, TopicRegistry,
} from '../types.js';

export interface KernelParts {
  config: ActorwireConfig;
  logger: Logger;
  services: Services;
  messages: Messages;
  topics: Topics;
  policies: Policies;
  dialects: Dialects;
  routes: Routes;
  hooks: HookRegistry;
  sessions: SessionRegistry;
  bus: Bus;
  tracer: Tracer;
  meter: Meter;
  /** A meter of its own for a plugin: its instruments carry its name as the instrumentation scope. */
  meterFor(name: string, version: string): Meter;
  tracerFor(name: string, version: string): Tracer;
  health(owner: string, component: string, check: () => ComponentHealth | Record<string, unknown>): void;
  inputs(source: string, limits?: Partial<InputLimits>): InputGuard;
}

export function pluginContext(plugin: Plugin, k: KernelParts): PluginContext {
  const owner = plugin.name;
  const { messages, topics, policies, routes, hooks } = k;
  // Every TopicRegistry method but `define` works on the shared registry as it is.
  const topicView: TopicRegistry = {
    define: (pattern, def) => topics.define(pattern, def, owner),
    authorize: (session, topic, action) => topics.authorize(session, topic, action),
    subscribe: (session, topic, opts) => topics.subscribe(session, topic, opts),
    unsubscribe: (session, topic) => topics.unsubscribe(session, topic),
    publish: (session, topic, frame) => topics.publish(session, topic, frame),
    historyOf: (topic) => topics.historyOf(topic),
    history: (topic, query) => topics.history(topic, query),
    localCount: (topic) => topics.localCount(topic),
    localMembers: (topic) => topics.localMembers(topic),
    localTopics: () => topics.localTopics(),
  };
  return {
    name: owner,
    config: k.config,
    logger: k.logger.child({ plugin: owner }),
    services: k.services.forPlugin(plugin),
    messages: {
      define: (type, def) => messages.define(type, def, owner),
      has: (type) => messages.has(type),
      types: () => messages.types(),
    },
    topics: topicView,
    policies: {
      define: (name, fn) => policies.define(name, fn, owner),
      override: (name, fn) => policies.override(name, fn, owner),
      get: (name) => policies.get(name),
      check: (name, input) => policies.check(name, input),
    },
    dialects: {
      define: (dialect) => k.dialects.define(dialect, owner),
      get: (name) => k.dialects.get(name),
      names: () => k.dialects.names(),
    },
    routes: {
      ws: (path, options) => routes.ws(path, options, owner),
      http: (method, path, handler) => routes.http(method, path, handler, owner),
      wsRoutes: () => routes.wsRoutes(),
    },
    hooks: { on: (name, fn, scope) => hooks.on(name, fn, owner, scope) },
    sessions: k.sessions,
    bus: k.bus,
    tracer: k.tracerFor(plugin.name, plugin.version),
    meter: k.meterFor(plugin.name, plugin.version),
    health: (component, check) => k.health(owner, component, check),
    inputs: (source, limits) => k.inputs(source, limits),
  };
}

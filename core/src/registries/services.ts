/**
 * The typed service registry over the Awilix container. The kernel provides its services;
 * each plugin provides what its manifest declares (`provides`, `replaces`) through its own
 * view, which records the plugin as the owner. Reads are typed by `ActorwireServices`.
 */
import { asFunction, asValue, type AwilixContainer } from 'awilix';
import { KernelError, KernelErrors } from '@actorwire/errors';
import { KERNEL_OWNER, who, type Seal } from './registration.js';
import type { ActorwireServices, ServiceName, ServiceReader, ServiceRegistry } from '../types.js';

/** Services the kernel provides itself; plugins may replace these only with `replaces`. */
export const KERNEL_SERVICES: ReadonlySet<string> = new Set([
  'config', 'logger', 'tracer', 'meter', 'bus', 'sessions', 'topics', 'policies', 'presence', 'broker', 'clock', 'instanceId', 'stats',
]);

export interface ServiceManifest {
  name: string;
  provides?: readonly string[];
  replaces?: readonly string[];
}

export class Services implements ServiceReader {
  private readonly owners = new Map<string, string>();

  constructor(
    private readonly container: AwilixContainer<ActorwireServices>,
    private readonly seal: Seal,
  ) {}

  /** A kernel service. */
  kernel<K extends ServiceName>(name: K, value: ActorwireServices[K]): void {
    this.container.register(name, asValue(value));
    this.owners.set(name, KERNEL_OWNER);
  }

  owner(name: string): string | undefined {
    return this.owners.get(name);
  }

  has(name: ServiceName): boolean {
    return this.container.hasRegistration(name);
  }

  get<K extends ServiceName>(name: K, asker = KERNEL_OWNER): ActorwireServices[K] {
    if (!this.container.hasRegistration(name)) {
      throw new KernelError(
        KernelErrors.PLUGIN_MISSING_SERVICE,
        `${who(asker)} asked for service "${name}", which no loaded plugin provides`,
        asker,
      );
    }
    return this.container.resolve(name);
  }

  find<K extends ServiceName>(name: K): ActorwireServices[K] | undefined {
    return this.container.hasRegistration(name) ? this.container.resolve(name) : undefined;
  }

  /** The view a plugin registers through. */
  forPlugin(manifest: ServiceManifest): ServiceRegistry {
    const plugin = manifest.name;
    const check = (name: string): void => {
      this.seal.check(plugin, `service "${name}"`);
      const declared = manifest.provides?.includes(name) ?? false;
      const replacing = manifest.replaces?.includes(name) ?? false;
      const current = this.owners.get(name);
      if (!declared && !replacing) {
        const hint = current !== undefined ? `; it is provided by ${who(current)}: declare replaces: ['${name}']` : `: declare provides: ['${name}']`;
        throw new KernelError(KernelErrors.PLUGIN_UNDECLARED_SERVICE, `plugin "${plugin}" provides service "${name}" without declaring it${hint}`, plugin);
      }
      if (declared && current !== undefined) {
        throw new KernelError(
          KernelErrors.PLUGIN_DUPLICATE_SERVICE,
          `plugin "${plugin}" provides service "${name}", already provided by ${who(current)}`,
          plugin,
        );
      }
    };
    // Factories read through a view that names the plugin when a service is missing.
    const reader: ServiceReader = {
      get: (name) => this.get(name, plugin),
      find: (name) => this.find(name),
      has: (name) => this.has(name),
    };
    return {
      ...reader,
      provide: (name, value) => {
        check(name);
        this.container.register(name, asValue(value));
        this.owners.set(name, plugin);
      },
      provideFactory: (name, factory) => {
        check(name);
        this.container.register(name, asFunction(() => factory(reader)).singleton());
        this.owners.set(name, plugin);
      },
    };
  }
}

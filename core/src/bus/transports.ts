import { KernelError, KernelErrors } from '../errors.js';
import type { Transport, TransportRegistry } from '../types.js';

export class Transports implements TransportRegistry {
  private readonly items: Transport[] = [];

  add(transport: Transport): void {
    if (this.items.some((t) => t.name === transport.name)) {
      throw new KernelError(KernelErrors.PLUGIN_REGISTER, `transport "${transport.name}" is already added`, transport.name);
    }
    this.items.push(transport);
  }

  list(): readonly Transport[] {
    return this.items;
  }
}

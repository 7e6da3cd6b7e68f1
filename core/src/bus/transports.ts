import { KernelError, KernelErrors } from '../errors.js';
import { KERNEL_OWNER, who, type Seal } from '../registration.js';
import type { Transport, TransportRegistry } from '../types.js';

export class Transports implements TransportRegistry {
  private readonly items: Transport[] = [];
  private readonly owners = new Map<string, string>();

  constructor(private readonly seal: Seal) {}

  add(transport: Transport, owner: string = KERNEL_OWNER): void {
    this.seal.check(owner, `transport "${transport.name}"`);
    const existing = this.owners.get(transport.name);
    if (existing !== undefined) {
      throw new KernelError(KernelErrors.DUPLICATE_TRANSPORT, `${who(owner)} adds transport "${transport.name}", already added by ${who(existing)}`, owner);
    }
    this.items.push(transport);
    this.owners.set(transport.name, owner);
  }

  list(): readonly Transport[] {
    return this.items;
  }
}

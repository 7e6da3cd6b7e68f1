/** Named authorization policies that topic definitions refer to. */
import { KernelError, KernelErrors } from './errors.js';
import type { AuthorizeInput, AuthorizeResult, Policy, PolicyRegistry } from './types.js';

export class Policies implements PolicyRegistry {
  private readonly map = new Map<string, Policy>();

  define(name: string, fn: Policy): void {
    if (this.map.has(name)) throw new KernelError(KernelErrors.DUPLICATE_POLICY, `policy "${name}" is already defined (use policies.override to replace it)`, name);
    this.map.set(name, fn);
  }

  override(name: string, fn: Policy): void {
    this.map.set(name, fn);
  }

  get(name: string): Policy | undefined {
    return this.map.get(name);
  }

  async check(name: string, input: AuthorizeInput): Promise<AuthorizeResult> {
    const fn = this.map.get(name);
    // An unknown policy name is a configuration mistake: deny rather than allow.
    if (!fn) return false;
    return fn(input);
  }
}

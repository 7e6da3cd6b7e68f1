/** Named authorization policies that topic definitions refer to. */
import { KernelError, KernelErrors } from '@actorwire/errors';
import { KERNEL_OWNER, who, type Seal } from './registration.js';
import type { AuthorizeInput, AuthorizeResult, Policy, PolicyRegistry } from '../types.js';

interface OwnedPolicy {
  fn: Policy;
  owner: string;
}

export class Policies implements PolicyRegistry {
  private readonly map = new Map<string, OwnedPolicy>();

  constructor(private readonly seal: Seal) {}

  define(name: string, fn: Policy, owner: string = KERNEL_OWNER): void {
    this.seal.check(owner, `policy "${name}"`);
    const existing = this.map.get(name);
    if (existing) {
      throw new KernelError(
        KernelErrors.DUPLICATE_POLICY,
        `${who(owner)} defines policy "${name}", already defined by ${who(existing.owner)} (use policies.override to replace it)`,
        owner,
      );
    }
    this.map.set(name, { fn, owner });
  }

  /** Replace a policy on purpose (e.g. a backend check instead of claims); the new owner is recorded. */
  override(name: string, fn: Policy, owner: string = KERNEL_OWNER): void {
    this.seal.check(owner, `policy "${name}"`);
    this.map.set(name, { fn, owner });
  }

  get(name: string): Policy | undefined {
    return this.map.get(name)?.fn;
  }

  owner(name: string): string | undefined {
    return this.map.get(name)?.owner;
  }

  async check(name: string, input: AuthorizeInput): Promise<AuthorizeResult> {
    return this.checkNow(name, input);
  }

  /** `check` without a promise when the policy answers synchronously. */
  checkNow(name: string, input: AuthorizeInput): AuthorizeResult | PromiseLike<AuthorizeResult> {
    const entry = this.map.get(name);
    // An unknown policy name is a configuration mistake: deny rather than allow.
    if (!entry) return false;
    return entry.fn(input);
  }
}

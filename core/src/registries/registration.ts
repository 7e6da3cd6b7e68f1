/**
 * What every registry shares: who registers (the owner: a plugin name or `kernel`) and the
 * seal that closes registration once the server starts.
 */
import { KernelError, KernelErrors } from '@actorwire/errors';

export const KERNEL_OWNER = 'kernel';

/** Describe an owner for messages: `plugin "rooms"` or `the kernel`. */
export function who(owner: string): string {
  return owner === KERNEL_OWNER ? 'the kernel' : `plugin "${owner}"`;
}

export class Seal {
  private sealed = false;

  close(): void {
    this.sealed = true;
  }

  get closed(): boolean {
    return this.sealed;
  }

  /** Throw WS_ERR_LATE_REGISTRATION when `owner` registers `what` after start. */
  check(owner: string, what: string): void {
    if (!this.sealed) return;
    throw new KernelError(
      KernelErrors.LATE_REGISTRATION,
      `${who(owner)} registered ${what} after the server started: register everything in register(ctx)`,
      owner,
    );
  }
}

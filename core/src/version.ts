import { createRequire } from 'node:module';

const pkg = createRequire(import.meta.url)('../package.json') as { version: string };

/** The kernel API version plugins declare a range against. */
export const KERNEL_VERSION: string = pkg.version;

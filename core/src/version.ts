import { packageInfo } from './util/package-info.js';

/** The kernel API version plugins declare a range against. */
export const KERNEL_VERSION: string = packageInfo(import.meta.url).version;

/** Absolute paths, independent of the directory `npm run bench` or node was started in. */
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

export const SRC_DIR = dirname(fileURLToPath(import.meta.url));
export const BENCH_DIR = resolve(SRC_DIR, '..');
export const REPO_ROOT = resolve(BENCH_DIR, '..');
export const RESULTS_DIR = resolve(BENCH_DIR, 'results');

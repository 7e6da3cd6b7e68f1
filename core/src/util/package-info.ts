import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

export interface PackageInfo {
  name: string;
  version: string;
}

/**
 * The name and version of the package a module belongs to: the nearest package.json with both,
 * from the module's folder up (so `src/`, `dist/` and a plugin file at its package's root all
 * find their own, never the application's around them). Plugins use it so their `version` is
 * the one they are published under: `version: packageInfo(import.meta.url).version`.
 */
export function packageInfo(moduleUrl: string): PackageInfo {
  let dir = dirname(fileURLToPath(moduleUrl));
  for (;;) {
    const file = join(dir, 'package.json');
    if (existsSync(file)) {
      const pkg = JSON.parse(readFileSync(file, 'utf8')) as Partial<PackageInfo>;
      if (typeof pkg.name === 'string' && typeof pkg.version === 'string') return { name: pkg.name, version: pkg.version };
    }
    const parent = dirname(dir);
    if (parent === dir) throw new TypeError(`no package.json with a name and a version above ${fileURLToPath(moduleUrl)}`);
    dir = parent;
  }
}

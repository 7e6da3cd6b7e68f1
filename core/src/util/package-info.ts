import { createRequire } from 'node:module';

export interface PackageInfo {
  name: string;
  version: string;
}

/**
 * The name and version of the package a module belongs to, read from `../package.json` next to
 * its `src/` or `dist/` folder. Plugins use it so their `version` is the one they are published
 * under: `version: packageInfo(import.meta.url).version`.
 */
export function packageInfo(moduleUrl: string, relative = '../package.json'): PackageInfo {
  const pkg = createRequire(moduleUrl)(relative) as Partial<PackageInfo>;
  if (typeof pkg.name !== 'string' || typeof pkg.version !== 'string') {
    throw new TypeError(`${relative} from ${moduleUrl} has no name or version`);
  }
  return { name: pkg.name, version: pkg.version };
}

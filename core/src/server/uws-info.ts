/**
 * Which uWebSockets.js build the process runs on (core/uws/resolve.cjs chose it at load): for
 * the startup log and `/health`. A pure-JS emulation is only ever chosen when the operator
 * allowed it (ACTORWIRE_UWS_ALLOW_EMULATION).
 */
import { info } from '#uws-resolve';

export interface UwsInfo {
  native: boolean;
  /** The package's own name (`@btc-vision/uwebsockets.js`, …). */
  package: string;
  version: string;
  /** The name it was loaded by (ACTORWIRE_UWS_MODULE, `uWebSockets.js`, or the package's). */
  module: string;
  node: string;
  /** Node's ABI (`process.versions.modules`). */
  abi: string;
  glibc: string | undefined;
}

export function detectUws(): UwsInfo {
  const i = info();
  return { native: i.native, package: i.package, version: i.version, module: i.module, node: i.node, abi: i.abi, glibc: i.glibc };
}

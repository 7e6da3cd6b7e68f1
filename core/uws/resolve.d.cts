/** What resolve.cjs chose (see there). */
export interface UwsCandidateOutcome {
  module: string;
  package?: string;
  version?: string;
  native?: boolean;
  outcome: string;
}
export interface UwsChoice {
  /** The name it was loaded by (an env-named module, `uWebSockets.js`, or a registry build). */
  module: string;
  /** Its package.json name and version. */
  package: string;
  version: string;
  /** False only with ACTORWIRE_UWS_ALLOW_EMULATION (the pure-JS fallback). */
  native: boolean;
  /** Node's ABI (`process.versions.modules`), version and the runtime glibc. */
  abi: string;
  node: string;
  glibc: string | undefined;
  tried: UwsCandidateOutcome[];
}
export declare function info(): UwsChoice;
export declare function load(): UwsChoice & { binding: unknown };
export declare const CANDIDATES: readonly string[];

/** The plugin's options: their JSON schema (ajv fills the defaults) and how they are read from the environment. */
import { KernelError, KernelErrors } from '@actorwire/core';
import { envBool, envDuration, envInt, envList, envString, envUrl } from '@actorwire/config';

export const HMAC_ALGORITHMS = ['HS256', 'HS384', 'HS512'] as const;
export const ASYMMETRIC_ALGORITHMS = [
  'RS256', 'RS384', 'RS512',
  'PS256', 'PS384', 'PS512',
  'ES256', 'ES384', 'ES512',
  'EdDSA', 'Ed25519',
] as const;

export type HmacAlgorithm = (typeof HMAC_ALGORITHMS)[number];
export type AsymmetricAlgorithm = (typeof ASYMMETRIC_ALGORITHMS)[number];
export type TokenSource = 'header' | 'query' | 'path' | 'subprotocol';

export interface AuthOptions {
  /** HMAC secret (UTF-8). Enables HS256/384/512. Env `JWT_SECRET`. */
  secret?: string;
  /** PEM public key(s) or certificate(s), or a path to a PEM file. Enables RS*, PS*, ES*, EdDSA. Env `JWT_PUBLIC_KEY`. */
  publicKey?: string;
  /** URL of a JSON Web Key Set. Env `JWKS_URL`. */
  jwksUrl?: string;
  /** Algorithm allow-list per key type. Env `JWT_ALGORITHMS` (one list, split by family). */
  algorithms: { secret: HmacAlgorithm[]; publicKey: AsymmetricAlgorithm[]; jwks: AsymmetricAlgorithm[] };
  /** Accepted `iss` value(s); empty = not checked. Env `JWT_ISSUER` (comma-separated). */
  issuer: string | string[];
  /** Accepted `aud` value(s) (one must match); empty = not checked. Env `JWT_AUDIENCE` (comma-separated). */
  audience: string | string[];
  /** Leeway for `exp`/`nbf` (ms). Env `JWT_CLOCK_TOLERANCE` (`30s`, `500ms`, …). */
  clockTolerance: number;
  /** Claims a token must carry (e.g. `exp`). Env `JWT_REQUIRED_CLAIMS`. */
  requiredClaims: string[];
  /** Claims tried in order for the user id. Env `JWT_USER_ID_CLAIMS`. */
  userIdClaims: string[];
  /** Claim holding the role. Env `JWT_ROLE_CLAIM`. */
  roleClaim: string;
  /** Where an upgrade request's token is looked for, in order (first match wins). Env `JWT_TOKEN_SOURCES`. */
  sources: TokenSource[];
  /** Query parameter carrying a token. Env `JWT_QUERY_PARAM`. */
  queryParam: string;
  /** `Sec-WebSocket-Protocol` markers followed by a token (`bearer, <jwt>`). Env `JWT_SUBPROTOCOLS`. */
  subprotocols: string[];
  /**
   * Routes requiring auth accept an upgrade without a token and wait for an `auth` message
   * (within the kernel's auth timeout). false: answer 401 before the upgrade. Per route:
   * `WsRouteOptions.meta.lateAuth`. Env `JWT_LATE_AUTH`.
   */
  lateAuth: boolean;
  /** Failed `auth` messages after which the session is closed with 4401; 0 = never. Env `JWT_MAX_AUTH_FAILURES`. */
  maxAuthFailures: number;
  /** Longer tokens are refused as malformed without parsing. Env `JWT_MAX_TOKEN_LENGTH`. */
  maxTokenLength: number;
  /** Refuse to start without a key instead of starting in open mode. Env `JWT_REQUIRE_KEY`. */
  requireKey: boolean;
  /**
   * Verified-token cache: a token seen before is not verified again while it is valid (until its
   * `exp`, and never longer than `maxAge` ms, so a rotated-out key stops being honoured within
   * it). `maxEntries` 0 turns it off. Env `JWT_CACHE_SIZE`, `JWT_CACHE_MAX_AGE`.
   */
  tokenCache: { maxEntries: number; maxAge: number };
  /** Remote JWKS cache (ms). Env `JWKS_COOLDOWN`, `JWKS_CACHE_MAX_AGE`, `JWKS_TIMEOUT`. */
  jwks: { cooldown: number; cacheMaxAge: number; timeout: number };
}

const stringList = (def: string[]) => ({ type: 'array', items: { type: 'string', minLength: 1 }, default: def }) as const;

export const optionsSchema = {
  type: 'object',
  additionalProperties: false,
  properties: {
    secret: { type: 'string', minLength: 1 },
    publicKey: { type: 'string', minLength: 1 },
    jwksUrl: { type: 'string', format: 'uri', pattern: '^https?://' },
    algorithms: {
      type: 'object',
      additionalProperties: false,
      default: {},
      properties: {
        secret: { type: 'array', items: { enum: [...HMAC_ALGORITHMS] }, default: [...HMAC_ALGORITHMS] },
        publicKey: { type: 'array', items: { enum: [...ASYMMETRIC_ALGORITHMS] }, default: [...ASYMMETRIC_ALGORITHMS] },
        jwks: { type: 'array', items: { enum: [...ASYMMETRIC_ALGORITHMS] }, default: [...ASYMMETRIC_ALGORITHMS] },
      },
    },
    issuer: { anyOf: [{ type: 'string', minLength: 1 }, { type: 'array', items: { type: 'string', minLength: 1 } }], default: [] },
    audience: { anyOf: [{ type: 'string', minLength: 1 }, { type: 'array', items: { type: 'string', minLength: 1 } }], default: [] },
    clockTolerance: { type: 'integer', minimum: 0, default: 0 },
    requiredClaims: stringList([]),
    userIdClaims: { ...stringList(['sub', 'user_id']), minItems: 1 },
    roleClaim: { type: 'string', minLength: 1, default: 'role' },
    sources: {
      type: 'array',
      items: { enum: ['header', 'query', 'path', 'subprotocol'] },
      uniqueItems: true,
      default: ['header', 'query', 'path', 'subprotocol'],
    },
    queryParam: { type: 'string', minLength: 1, default: 'token' },
    subprotocols: stringList(['bearer', 'access_token']),
    lateAuth: { type: 'boolean', default: true },
    maxAuthFailures: { type: 'integer', minimum: 0, default: 5 },
    maxTokenLength: { type: 'integer', minimum: 64, default: 8192 },
    requireKey: { type: 'boolean', default: false },
    tokenCache: {
      type: 'object',
      additionalProperties: false,
      default: {},
      properties: {
        maxEntries: { type: 'integer', minimum: 0, default: 10_000 },
        maxAge: { type: 'integer', minimum: 0, default: 300_000 },
      },
    },
    jwks: {
      type: 'object',
      additionalProperties: false,
      default: {},
      properties: {
        cooldown: { type: 'integer', minimum: 0, default: 30_000 },
        cacheMaxAge: { type: 'integer', minimum: 0, default: 600_000 },
        timeout: { type: 'integer', minimum: 1, default: 5_000 },
      },
    },
  },
} as const;

const ALL = new Set<string>([...HMAC_ALGORITHMS, ...ASYMMETRIC_ALGORITHMS]);

function algorithmsFromEnv(env: NodeJS.ProcessEnv): AuthOptions['algorithms'] | undefined {
  const list = envList(env, 'JWT_ALGORITHMS');
  if (!list) return undefined;
  for (const a of list) {
    if (a.toLowerCase() === 'none') {
      throw new KernelError(KernelErrors.CONFIG, 'invalid JWT_ALGORITHMS: "none" is never allowed', 'JWT_ALGORITHMS');
    }
    if (!ALL.has(a)) {
      throw new KernelError(KernelErrors.CONFIG, `invalid JWT_ALGORITHMS=${JSON.stringify(list.join(','))}: unknown algorithm ${JSON.stringify(a)} (known: ${[...ALL].join(', ')})`, 'JWT_ALGORITHMS');
    }
  }
  const hs = list.filter((a): a is HmacAlgorithm => (HMAC_ALGORITHMS as readonly string[]).includes(a));
  const asym = list.filter((a): a is AsymmetricAlgorithm => (ASYMMETRIC_ALGORITHMS as readonly string[]).includes(a));
  return { secret: hs, publicKey: asym, jwks: asym };
}

function sourcesFromEnv(env: NodeJS.ProcessEnv): TokenSource[] | undefined {
  const list = envList(env, 'JWT_TOKEN_SOURCES');
  if (!list) return undefined;
  const known: TokenSource[] = ['header', 'query', 'path', 'subprotocol'];
  for (const s of list) {
    if (!(known as string[]).includes(s)) {
      throw new KernelError(KernelErrors.CONFIG, `invalid JWT_TOKEN_SOURCES: unknown source ${JSON.stringify(s)} (known: ${known.join(', ')})`, 'JWT_TOKEN_SOURCES');
    }
  }
  return list as TokenSource[];
}

/** Options from the environment; every reader throws a KernelError naming the variable. */
export function optionsFromEnv(env: NodeJS.ProcessEnv): Partial<AuthOptions> {
  const jwks = {
    cooldown: envDuration(env, 'JWKS_COOLDOWN'),
    cacheMaxAge: envDuration(env, 'JWKS_CACHE_MAX_AGE'),
    timeout: envDuration(env, 'JWKS_TIMEOUT', { min: 1 }),
  };
  const tokenCache = { maxEntries: envInt(env, 'JWT_CACHE_SIZE', { min: 0 }), maxAge: envDuration(env, 'JWT_CACHE_MAX_AGE') };
  const jwksUrl = envUrl(env, 'JWKS_URL');
  if (jwksUrl !== undefined && !/^https?:\/\//i.test(jwksUrl)) {
    throw new KernelError(KernelErrors.CONFIG, `invalid JWKS_URL=${JSON.stringify(jwksUrl)}: expected an http(s) URL`, 'JWKS_URL');
  }
  // `secret` is not read with a trimming reader: a secret's spaces are part of it.
  const rawSecret = env.JWT_SECRET;
  return {
    secret: rawSecret !== undefined && rawSecret !== '' ? rawSecret : undefined,
    publicKey: envString(env, 'JWT_PUBLIC_KEY'),
    jwksUrl,
    algorithms: algorithmsFromEnv(env),
    issuer: envList(env, 'JWT_ISSUER'),
    audience: envList(env, 'JWT_AUDIENCE'),
    clockTolerance: envDuration(env, 'JWT_CLOCK_TOLERANCE'),
    requiredClaims: envList(env, 'JWT_REQUIRED_CLAIMS'),
    userIdClaims: envList(env, 'JWT_USER_ID_CLAIMS'),
    roleClaim: envString(env, 'JWT_ROLE_CLAIM'),
    sources: sourcesFromEnv(env),
    queryParam: envString(env, 'JWT_QUERY_PARAM'),
    subprotocols: envList(env, 'JWT_SUBPROTOCOLS'),
    lateAuth: envBool(env, 'JWT_LATE_AUTH'),
    maxAuthFailures: envInt(env, 'JWT_MAX_AUTH_FAILURES', { min: 0 }),
    maxTokenLength: envInt(env, 'JWT_MAX_TOKEN_LENGTH', { min: 64 }),
    requireKey: envBool(env, 'JWT_REQUIRE_KEY'),
    tokenCache: Object.values(tokenCache).some((v) => v !== undefined)
      ? (Object.fromEntries(Object.entries(tokenCache).filter(([, v]) => v !== undefined)) as AuthOptions['tokenCache'])
      : undefined,
    jwks: Object.values(jwks).some((v) => v !== undefined)
      ? (Object.fromEntries(Object.entries(jwks).filter(([, v]) => v !== undefined)) as AuthOptions['jwks'])
      : undefined,
  };
}

/**
 * Key resolution: which keys verify tokens, and with which algorithms each. HMAC algorithms
 * only ever go with the secret and asymmetric ones only with public keys or the JWKS, so a
 * token cannot choose how it is verified (alg confusion), and `none` is in no list.
 */
import { createPublicKey, type KeyObject } from 'node:crypto';
import { existsSync, readFileSync, statSync } from 'node:fs';
import { createRemoteJWKSet } from 'jose';
import { KernelError, KernelErrors } from '@actorwire/core';
import type { AsymmetricAlgorithm, AuthOptions, HmacAlgorithm } from './options.js';

export type RemoteKeySet = ReturnType<typeof createRemoteJWKSet>;

export interface KeySource {
  kind: 'secret' | 'publicKey' | 'jwks';
  /** For logs and /health: what the key is, never the key itself. */
  label: string;
  algorithms: readonly string[];
  key: Uint8Array | KeyObject | RemoteKeySet;
}

type Warn = (msg: string, fields?: Record<string, unknown>) => void;

const MIN_SECRET_BYTES = 32;

function configError(variable: string, option: string, message: string): KernelError {
  return new KernelError(KernelErrors.CONFIG, `invalid ${variable} (option ${option}): ${message}`, variable);
}

export function secretSource(secret: string, algorithms: HmacAlgorithm[], warn: Warn): KeySource {
  if (/-----BEGIN [A-Z ]+-----/.test(secret)) {
    // A PEM as an HMAC secret is exactly the key-confusion setup attackers look for.
    throw configError('JWT_SECRET', 'secret', 'it holds a PEM key; put public keys in JWT_PUBLIC_KEY');
  }
  if (algorithms.length === 0) throw configError('JWT_ALGORITHMS', 'algorithms.secret', 'a secret is configured but no HS* algorithm is allowed');
  const key = new TextEncoder().encode(secret);
  if (key.byteLength < MIN_SECRET_BYTES) {
    warn(`JWT_SECRET is shorter than ${MIN_SECRET_BYTES} bytes: tokens signed with it can be brute-forced; use a long random secret (e.g. openssl rand -base64 48)`, { bytes: key.byteLength });
  }
  return { kind: 'secret', label: 'JWT_SECRET', algorithms, key };
}

/** Algorithms a public key can verify, by its type (and curve). */
export function compatibleAlgorithms(key: KeyObject): AsymmetricAlgorithm[] {
  switch (key.asymmetricKeyType) {
    case 'rsa':
      return ['RS256', 'RS384', 'RS512', 'PS256', 'PS384', 'PS512'];
    case 'rsa-pss':
      return ['PS256', 'PS384', 'PS512'];
    case 'ec': {
      const curve = key.asymmetricKeyDetails?.namedCurve;
      if (curve === 'prime256v1' || curve === 'P-256') return ['ES256'];
      if (curve === 'secp384r1' || curve === 'P-384') return ['ES384'];
      if (curve === 'secp521r1' || curve === 'P-521') return ['ES512'];
      return [];
    }
    case 'ed25519':
      return ['EdDSA', 'Ed25519'];
    default:
      return [];
  }
}

function describeKey(key: KeyObject): string {
  const d = key.asymmetricKeyDetails;
  if (key.asymmetricKeyType === 'rsa' || key.asymmetricKeyType === 'rsa-pss') return `${key.asymmetricKeyType} ${d?.modulusLength ?? '?'} bits`;
  if (key.asymmetricKeyType === 'ec') return `ec ${d?.namedCurve ?? '?'}`;
  return String(key.asymmetricKeyType);
}

/** PEM text from the option: PEM itself (`\n` escapes allowed), a file path, or base64 of a PEM. */
export function readPem(value: string): string {
  let text = value.trim();
  if (!text.includes('-----BEGIN')) {
    if (existsSync(text) && statSync(text).isFile()) {
      text = readFileSync(text, 'utf8');
    } else {
      const decoded = /^[A-Za-z0-9+/=\s]+$/.test(text) ? Buffer.from(text, 'base64').toString('utf8') : '';
      if (!decoded.includes('-----BEGIN')) throw configError('JWT_PUBLIC_KEY', 'publicKey', 'expected PEM text, a path to a PEM file, or base64 of a PEM');
      text = decoded;
    }
  }
  return text.replace(/\\n/g, '\n');
}

export function pemSources(value: string, allowed: AsymmetricAlgorithm[], warn: Warn): KeySource[] {
  const text = readPem(value);
  const blocks = text.match(/-----BEGIN ([A-Z0-9 ]+)-----[\s\S]+?-----END \1-----/g);
  if (!blocks || blocks.length === 0) throw configError('JWT_PUBLIC_KEY', 'publicKey', 'no PEM block found');
  const out: KeySource[] = [];
  blocks.forEach((block, i) => {
    if (/PRIVATE KEY/.test(block.slice(0, 40))) {
      warn('JWT_PUBLIC_KEY holds a private key: only its public part is used; keep private keys off the server', { block: i + 1 });
    }
    let key: KeyObject;
    try {
      key = createPublicKey(block);
    } catch (err) {
      throw configError('JWT_PUBLIC_KEY', 'publicKey', `PEM block ${i + 1} is not a usable public key (${(err as Error).message})`);
    }
    const compatible = compatibleAlgorithms(key);
    if (compatible.length === 0) throw configError('JWT_PUBLIC_KEY', 'publicKey', `PEM block ${i + 1} is an unsupported key type (${describeKey(key)})`);
    if ((key.asymmetricKeyType === 'rsa' || key.asymmetricKeyType === 'rsa-pss') && (key.asymmetricKeyDetails?.modulusLength ?? 0) < 2048) {
      throw configError('JWT_PUBLIC_KEY', 'publicKey', `PEM block ${i + 1} is an RSA key shorter than 2048 bits`);
    }
    const algorithms = compatible.filter((a) => allowed.includes(a));
    if (algorithms.length === 0) {
      throw configError('JWT_ALGORITHMS', 'algorithms.publicKey', `the public key (${describeKey(key)}) can verify ${compatible.join('/')}, none of which is allowed (allowed: ${allowed.join(', ') || 'none'})`);
    }
    out.push({ kind: 'publicKey', label: `JWT_PUBLIC_KEY${blocks.length > 1 ? ` #${i + 1}` : ''} (${describeKey(key)})`, algorithms, key });
  });
  return out;
}

export function jwksSource(url: string, algorithms: AsymmetricAlgorithm[], opts: AuthOptions['jwks']): KeySource & { key: RemoteKeySet } {
  if (algorithms.length === 0) throw configError('JWT_ALGORITHMS', 'algorithms.jwks', 'JWKS_URL is set but no asymmetric algorithm is allowed');
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw configError('JWKS_URL', 'jwksUrl', 'not a URL');
  }
  const key = createRemoteJWKSet(parsed, {
    cooldownDuration: opts.cooldown,
    cacheMaxAge: opts.cacheMaxAge,
    timeoutDuration: opts.timeout,
  });
  return { kind: 'jwks', label: `JWKS ${safeUrl(parsed)}`, algorithms, key };
}

/** A URL without credentials or query, for logs and /health. */
export function safeUrl(u: URL): string {
  return `${u.protocol}//${u.host}${u.pathname}`;
}

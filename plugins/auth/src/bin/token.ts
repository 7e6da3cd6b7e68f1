#!/usr/bin/env node
/**
 * Mint a JWT for local testing (the Go services' token_gen.go):
 *
 *   npm run -s token -- --sub u1 --role admin --ttl 1h
 *
 * Signs with JWT_SECRET (HS256 by default), or with a private key (`--key key.pem --alg RS256`).
 * Prints only the token on stdout, so `TOKEN=$(npm run -s token -- --sub u1)` works.
 */
import { readFileSync, realpathSync } from 'node:fs';
import { createPrivateKey } from 'node:crypto';
import { parseArgs } from 'node:util';
import { pathToFileURL } from 'node:url';
import { SignJWT } from 'jose';
import { parseDuration } from '@actorwire/config';
import { ASYMMETRIC_ALGORITHMS, HMAC_ALGORITHMS } from '../options.js';

const USAGE = `Usage: actorwire token [options]
       (also: npm run -s token -- [options], or actorwire-token [options])

  --sub <id>          user id, in "sub" (default: user-1)
  --user-id <id>      user id in "user_id" instead of "sub"
  --role <role>       "role" claim (admin, seller, client, service, ...)
  --seller-id <id>    "seller_id" claim
  --ttl <duration>    lifetime: 1h, 15m, 30s (whole seconds; default 1h); "none" for no "exp"
  --nbf <duration>    not valid before now + duration
  --iss <issuer>      "iss" claim
  --aud <audience>    "aud" claim (repeatable)
  --claim k=v         any other claim (repeatable; v is parsed as JSON when it can be)
  --alg <alg>         HS256 (default), HS384, HS512; RS*/PS*/ES*/EdDSA with --key
  --secret <secret>   HMAC secret (default: $JWT_SECRET)
  --key <file>        PEM private key (PKCS#8, PKCS#1 or SEC1) for asymmetric algorithms
  --kid <id>          "kid" header (to pick a key from a JWKS)
  --decode            also print header and payload to stderr
  -h, --help          this help
`;

export class UsageError extends Error {}

function seconds(text: string, flag: string): number {
  const ms = parseDuration(text);
  if (ms === undefined) throw new UsageError(`${flag}: invalid duration ${JSON.stringify(text)} (e.g. 1h, 15m, 30s)`);
  return Math.round(ms / 1000);
}

function claimValue(v: string): unknown {
  try {
    return JSON.parse(v);
  } catch {
    return v;
  }
}

export async function mintToken(argv: string[], env: NodeJS.ProcessEnv): Promise<{ token: string; header: Record<string, unknown>; payload: Record<string, unknown>; decode: boolean } | 'help'> {
  const { values } = parseArgs({
    args: argv,
    strict: true,
    allowPositionals: false,
    options: {
      sub: { type: 'string' },
      'user-id': { type: 'string' },
      role: { type: 'string' },
      'seller-id': { type: 'string' },
      ttl: { type: 'string', default: '1h' },
      nbf: { type: 'string' },
      iss: { type: 'string' },
      aud: { type: 'string', multiple: true },
      claim: { type: 'string', multiple: true },
      alg: { type: 'string' },
      secret: { type: 'string' },
      key: { type: 'string' },
      kid: { type: 'string' },
      decode: { type: 'boolean', default: false },
      help: { type: 'boolean', short: 'h', default: false },
    },
  });
  if (values.help) return 'help';

  const alg = values.alg ?? (values.key ? undefined : 'HS256');
  if (alg === undefined) throw new UsageError('--alg is required with --key (e.g. RS256, ES256, EdDSA)');
  if (alg.toLowerCase() === 'none') throw new UsageError('--alg none is not supported: the server always refuses it');
  const hmac = (HMAC_ALGORITHMS as readonly string[]).includes(alg);
  if (!hmac && !(ASYMMETRIC_ALGORITHMS as readonly string[]).includes(alg)) {
    throw new UsageError(`--alg: unknown algorithm ${alg} (known: ${[...HMAC_ALGORITHMS, ...ASYMMETRIC_ALGORITHMS].join(', ')})`);
  }

  let key: Uint8Array | ReturnType<typeof createPrivateKey>;
  if (hmac) {
    const secret = values.secret ?? env.JWT_SECRET;
    if (!secret) {
      throw new Error('no secret to sign with: JWT_SECRET is not set. Use the server\'s own secret — `JWT_SECRET=… npm run -s token -- --sub u1` or `--secret …` — or `--key private.pem --alg RS256` for a key pair (a server in open mode, without JWT_SECRET, needs no token)');
    }
    key = new TextEncoder().encode(secret);
  } else {
    if (!values.key) throw new UsageError(`--key <private key PEM file> is required for ${alg}`);
    try {
      key = createPrivateKey(readFileSync(values.key, 'utf8'));
    } catch (err) {
      throw new Error(`--key: cannot read a private key from ${values.key}: ${(err as Error).message}`);
    }
  }

  const payload: Record<string, unknown> = {};
  for (const c of values.claim ?? []) {
    const i = c.indexOf('=');
    if (i <= 0) throw new UsageError(`--claim: expected key=value, got ${JSON.stringify(c)}`);
    payload[c.slice(0, i)] = claimValue(c.slice(i + 1));
  }
  if (values['user-id'] !== undefined) payload.user_id = values['user-id'];
  if (values.sub !== undefined || values['user-id'] === undefined) payload.sub = values.sub ?? payload.sub ?? 'user-1';
  if (values.role !== undefined) payload.role = values.role;
  if (values['seller-id'] !== undefined) payload.seller_id = values['seller-id'];

  const now = Math.floor(Date.now() / 1000);
  const header: Record<string, unknown> = { alg, typ: 'JWT', ...(values.kid ? { kid: values.kid } : {}) };
  const jwt = new SignJWT(payload).setProtectedHeader(header as { alg: string }).setIssuedAt(now);
  if (values.ttl !== 'none') jwt.setExpirationTime(now + seconds(values.ttl, '--ttl'));
  if (values.nbf !== undefined) jwt.setNotBefore(now + seconds(values.nbf, '--nbf'));
  if (values.iss !== undefined) jwt.setIssuer(values.iss);
  if (values.aud !== undefined) jwt.setAudience(values.aud.length === 1 ? values.aud[0]! : values.aud);
  const token = await jwt.sign(key);
  const decoded = JSON.parse(Buffer.from(token.split('.')[1]!, 'base64url').toString()) as Record<string, unknown>;
  return { token, header, payload: decoded, decode: values.decode };
}

/**
 * The token command: mint with `argv`, print the token on `out`, problems on `err`; the exit code
 * (0, 1 for a failure, 2 for a usage error). `actorwire token …` and `actorwire-token` both run it.
 */
export async function runTokenCommand(argv: string[], env: NodeJS.ProcessEnv, out: (s: string) => void, err: (s: string) => void, name = 'token'): Promise<number> {
  try {
    const minted = await mintToken(argv, env);
    if (minted === 'help') {
      out(USAGE);
      return 0;
    }
    if (minted.decode) err(`${JSON.stringify({ header: minted.header, payload: minted.payload }, null, 2)}\n`);
    out(`${minted.token}\n`);
    return 0;
  } catch (e) {
    const usage = e instanceof UsageError || (e as { code?: string }).code?.startsWith('ERR_PARSE_ARGS');
    err(`${name}: ${(e as Error).message}\n${usage ? `\n${USAGE}` : ''}`);
    return usage ? 2 : 1;
  }
}

async function main(): Promise<void> {
  process.exitCode = await runTokenCommand(process.argv.slice(2), process.env, (s) => process.stdout.write(s), (s) => process.stderr.write(s));
}

// Run when executed (also through the npm bin symlink), not when imported by tests.
if (process.argv[1] && import.meta.url === pathToFileURL(realpathSync(process.argv[1])).href) void main();

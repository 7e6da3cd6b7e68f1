/**
 * The client's address behind reverse proxies. Only a peer in `ACTORWIRE_TRUSTED_PROXIES` is
 * believed: then the address comes from `Forwarded` (RFC 7239 `for=`), else `X-Forwarded-For` —
 * the right-most hop that is not itself a trusted proxy (each proxy appends the address it saw,
 * so everything left of the first untrusted hop could be made up by the client). From any other
 * peer those headers are ignored: a client cannot choose its own address.
 */
import { BlockList, isIP } from 'node:net';
import { KernelError, KernelErrors } from '@actorwire/errors';

/** Hops read at most from the headers (from the right): a longer chain is cut, never parsed whole. */
const MAX_HOPS = 32;

export class TrustedProxies {
  private readonly list = new BlockList();
  readonly enabled: boolean;

  /** `entries`: addresses and CIDRs (`10.0.0.0/8`, `::1`); a malformed one stops startup. */
  constructor(entries: readonly string[]) {
    for (const raw of entries) {
      const entry = raw.trim();
      const slash = entry.indexOf('/');
      const address = slash < 0 ? entry : entry.slice(0, slash);
      const family = isIP(address);
      const prefix = slash < 0 ? undefined : Number(entry.slice(slash + 1));
      const max = family === 6 ? 128 : 32;
      if (family === 0 || (prefix !== undefined && !(Number.isInteger(prefix) && prefix >= 0 && prefix <= max))) {
        throw new KernelError(KernelErrors.CONFIG, `invalid ACTORWIRE_TRUSTED_PROXIES entry ${JSON.stringify(entry)}: an IP address or CIDR expected`, 'ACTORWIRE_TRUSTED_PROXIES');
      }
      const type = family === 6 ? 'ipv6' : 'ipv4';
      if (prefix === undefined) this.list.addAddress(address, type);
      else this.list.addSubnet(address, prefix, type);
    }
    this.enabled = entries.length > 0;
  }

  trusts(address: string): boolean {
    const family = isIP(address);
    return family !== 0 && this.list.check(address, family === 6 ? 'ipv6' : 'ipv4');
  }

  /** The client's address for a connection from `peer` carrying `headers` (lower-case names). */
  clientOf(peer: string, headers: Readonly<Record<string, string | undefined>>): string {
    if (!this.enabled || !this.trusts(peer)) return peer;
    const forwarded = headers.forwarded;
    const hops = forwarded !== undefined ? forwardedFor(forwarded) : headers['x-forwarded-for'] !== undefined ? xForwardedFor(headers['x-forwarded-for']) : [];
    // Right to left: the first hop that is not a trusted proxy is the client. A hop that is no
    // address (`unknown`, an obfuscated name) ends the walk: the proxy right of it is all we know.
    let client = peer;
    for (let i = hops.length - 1; i >= 0; i--) {
      const hop = hops[i]!;
      if (isIP(hop) === 0) break;
      client = hop;
      if (!this.trusts(hop)) break;
    }
    return client;
  }
}

/** The right-most `MAX_HOPS` entries of a comma-separated header. */
function lastHops(value: string): string[] {
  const parts = value.split(',');
  return parts.slice(Math.max(0, parts.length - MAX_HOPS)).map((p) => p.trim());
}

function xForwardedFor(value: string): string[] {
  return lastHops(value).map(bareAddress);
}

/** `for=` of each `Forwarded` element (`for=192.0.2.60;proto=http, for="[2001:db8::1]:4711"`). */
function forwardedFor(value: string): string[] {
  const out: string[] = [];
  for (const element of lastHops(value)) {
    let hop = '';
    for (const pair of element.split(';')) {
      const eq = pair.indexOf('=');
      if (eq > 0 && pair.slice(0, eq).trim().toLowerCase() === 'for') hop = pair.slice(eq + 1).trim().replace(/^"(.*)"$/, '$1');
    }
    out.push(bareAddress(hop));
  }
  return out;
}

/** An address without its port or IPv6 brackets (`[2001:db8::1]:4711` → `2001:db8::1`, `192.0.2.1:80` → `192.0.2.1`). */
function bareAddress(hop: string): string {
  if (hop.startsWith('[')) {
    const end = hop.indexOf(']');
    return end > 0 ? hop.slice(1, end) : hop;
  }
  const colon = hop.indexOf(':');
  return colon > 0 && colon === hop.lastIndexOf(':') ? hop.slice(0, colon) : hop;
}

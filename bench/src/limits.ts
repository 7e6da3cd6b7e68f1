/**
 * Host limits that decide whether 10k connections can work at all: open files per
 * process and the ephemeral port range the load generator's sockets come from.
 */
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';

export interface HostLimits {
  nofileSoft: number;
  nofileHard: number;
  ephemeralPorts: number;
  /** net.ipv4.tcp_tw_reuse: 1 or 2 (loopback) lets churn reuse TIME_WAIT ports. */
  twReuse: number;
}

export function hostLimits(): HostLimits {
  let soft = 1024;
  let hard = 1024;
  try {
    const [s, h] = execFileSync('sh', ['-c', 'ulimit -Sn; ulimit -Hn'], { encoding: 'utf8' }).trim().split('\n');
    soft = s === 'unlimited' ? Infinity : Number(s);
    hard = h === 'unlimited' ? Infinity : Number(h);
  } catch {
    /* keep defaults */
  }
  let ephemeral = 28_232;
  let twReuse = 0;
  try {
    const [lo, hi] = readFileSync('/proc/sys/net/ipv4/ip_local_port_range', 'utf8').trim().split(/\s+/).map(Number);
    ephemeral = hi! - lo! + 1;
    twReuse = Number(readFileSync('/proc/sys/net/ipv4/tcp_tw_reuse', 'utf8').trim());
  } catch {
    /* keep defaults */
  }
  return { nofileSoft: soft, nofileHard: hard, ephemeralPorts: ephemeral, twReuse };
}

/**
 * The open-file limit to launch children with: undefined when the inherited soft limit
 * already covers `needed`, else the hard limit (a process may raise soft up to hard).
 */
export function nofileFor(needed: number, l: HostLimits): number | undefined {
  if (l.nofileSoft >= needed) return undefined;
  return Number.isFinite(l.nofileHard) ? l.nofileHard : needed;
}

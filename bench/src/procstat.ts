/** CPU time and RSS of a process from /proc (Linux only). */
import { readFileSync } from 'node:fs';
import { execFileSync } from 'node:child_process';

const CLK_TCK = Number(safeExec('getconf', ['CLK_TCK'])) || 100;
const PAGE_KB = (Number(safeExec('getconf', ['PAGESIZE'])) || 4096) / 1024;

function safeExec(cmd: string, args: string[]): string {
  try {
    return execFileSync(cmd, args, { encoding: 'utf8' }).trim();
  } catch {
    return '';
  }
}

export interface ProcUsage {
  /** utime + stime of all threads, seconds */
  cpuS: number;
  rssKB: number;
}

/** null when the process is gone. */
export function procUsage(pid: number): ProcUsage | null {
  let text: string;
  try {
    text = readFileSync(`/proc/${pid}/stat`, 'utf8');
  } catch {
    return null;
  }
  // Fields after the parenthesised comm; index 0 is field 3 (state).
  const f = text.slice(text.lastIndexOf(')') + 2).split(' ');
  const utime = Number(f[11]);
  const stime = Number(f[12]);
  const rssPages = Number(f[21]);
  return { cpuS: (utime + stime) / CLK_TCK, rssKB: rssPages * PAGE_KB };
}

/**
 * Busy CPU seconds of the whole machine (all cores) from /proc/stat. Minus our processes,
 * this shows how much other work (other people's tests, builds) competed for the cores.
 */
export function machineBusyS(): number {
  try {
    const line = readFileSync('/proc/stat', 'utf8').split('\n', 1)[0]!;
    const [, user, nice, system, , , irq, softirq, steal] = line.trim().split(/\s+/).map(Number);
    return (user! + nice! + system! + irq! + softirq! + steal!) / CLK_TCK;
  } catch {
    return NaN;
  }
}

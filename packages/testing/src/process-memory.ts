/**
 * Measuring a server process's memory from a test (Linux): its resident set, and a full garbage
 * collection asked through its inspector (a process started with `--inspect=127.0.0.1:0`), so a
 * test can tell what the process keeps from garbage it has not collected yet.
 */
import { readFileSync } from 'node:fs';
import WebSocket from 'ws';

/** The process's resident set in bytes (`VmRSS` of /proc/<pid>/status). */
export function rssOf(pid: number): number {
  const m = /VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  if (m === null) throw new Error(`no VmRSS for process ${pid}`);
  return Number(m[1]) * 1024;
}

/** The inspector address a process started with `--inspect` prints on stderr ("Debugger listening on ws://…"). */
export function inspectorUrl(stderr: NodeJS.ReadableStream): Promise<string> {
  return new Promise((resolve) => {
    let text = '';
    const onData = (c: Buffer) => {
      text += c;
      const m = /Debugger listening on (ws:\/\/\S+)/.exec(text);
      if (m) {
        stderr.off('data', onData);
        resolve(m[1]!);
      }
    };
    stderr.on('data', onData);
  });
}

/** A full GC in the process behind `url` (HeapProfiler.collectGarbage); resolves once it is done. */
export async function collectGarbage(url: string, timeoutMs = 10_000): Promise<void> {
  const ws = new WebSocket(url);
  await new Promise((resolve, reject) => { ws.once('open', resolve); ws.once('error', reject); });
  try {
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`no answer to HeapProfiler.collectGarbage within ${timeoutMs} ms`)), timeoutMs);
      ws.on('message', (d) => {
        const m = JSON.parse(String(d)) as { id?: number; error?: { message: string } };
        if (m.id !== 1) return;
        clearTimeout(timer);
        if (m.error) reject(new Error(m.error.message));
        else resolve();
      });
      ws.send(JSON.stringify({ id: 1, method: 'HeapProfiler.collectGarbage' }));
    });
  } finally {
    ws.close();
  }
}

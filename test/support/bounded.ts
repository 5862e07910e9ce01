import { readFileSync } from 'node:fs';
import { performance } from 'node:perf_hooks';

/** CPU time (user + system, ms) a process has used so far, from /proc (Linux). */
export function cpuMsOf(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  // Fields after the command name, which may hold spaces: utime and stime are the 12th and 13th.
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return ((Number(fields[11]) + Number(fields[12])) * 1000) / 100;
}

/** Wall time allowed for an answer whose CPU is bounded: only a hang that burns no CPU takes this long. */
export const HANG_MS = 60_000;

/**
 * Waits for `promise` and fails when the server process spent more than `cpuMs` of CPU time until
 * it came, or when it does not come within `wallMs` (a hang that burns no CPU). The bound is on
 * CPU, not on the wall clock: on a machine busy with other work an answer waits for a core, and
 * a wall-clock bound failed there while the server did no more work than on a quiet machine.
 * Runaway work (a quadratic walk, a loop) still fails, by the CPU it burns.
 */
export async function withinCpu<T>(pid: number, cpuMs: number, what: string, promise: Promise<T>, wallMs = HANG_MS): Promise<{ value: T; ms: number; cpuMs: number }> {
  const started = performance.now();
  const cpuBefore = cpuMsOf(pid);
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what}: no answer within ${wallMs} ms (${Math.round(cpuMsOf(pid) - cpuBefore)} ms of server CPU meanwhile)`)), wallMs);
  });
  try {
    const value = await Promise.race([promise, deadline]);
    const used = cpuMsOf(pid) - cpuBefore;
    const ms = performance.now() - started;
    if (used > cpuMs) throw new Error(`${what}: the server spent ${Math.round(used)} ms of CPU (bound ${cpuMs} ms; ${Math.round(ms)} ms wall)`);
    return { value, ms, cpuMs: used };
  } finally {
    clearTimeout(timer);
  }
}

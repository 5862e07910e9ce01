// Small helpers shared by the validation benchmark: paths, child processes, statistics.

import { execFileSync, spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { performance } from 'node:perf_hooks';

export const REPO = resolve(__dirname, '..', '..');
/** Everything the benchmark builds or generates lives here (git-ignored). */
export const BENCH_CACHE = join(REPO, '.cache', 'bench');
export const RESULTS_DIR = join(REPO, 'test-results', 'bench');
/**
 * The files the tools check live outside the repository: inside it, \`plumbline check\` reads the
 * repository's CRDs as schemas (its test fixtures' Flux CRDs among them), which would judge the
 * corpus by other schemas than the anchors'. One folder per checkout, so two do not collide.
 */
export const BENCH_DATA = join(tmpdir(), `plumbline-bench-${createHash('sha256').update(REPO).digest('hex').slice(0, 12)}`);

export function log(message: string): void {
  process.stderr.write(`[bench] ${message}\n`);
}

export interface ProcessResult {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
  /** Wall time from spawn to exit, in milliseconds. */
  ms: number;
  /** Peak resident set size of the process in KiB (from GNU time), when available. */
  maxRssKb: number | undefined;
  /** User + system CPU time of the process in milliseconds (from GNU time), when available. */
  cpuMs: number | undefined;
}

const GNU_TIME = '/usr/bin/time';

/** Whether GNU time is there to report a child's peak RSS (Debian package `time`). */
export const canMeasurePeakRss = existsSync(GNU_TIME);

/**
 * Runs a command to completion and measures its wall time. With `peakRss`, the command runs
 * under GNU time (`-f '%M %U %S'`) for its peak RSS and CPU time, which adds one fork/exec
 * (well under a millisecond) to the wall time.
 */
export function runProcess(
  command: string,
  args: readonly string[],
  options: { cwd?: string; env?: NodeJS.ProcessEnv; peakRss?: boolean; timeoutMs?: number } = {},
): Promise<ProcessResult> {
  const wrap = options.peakRss === true && canMeasurePeakRss;
  const scratch = wrap ? mkdtempSync(join(tmpdir(), 'plumbline-bench-')) : undefined;
  const rssFile = scratch === undefined ? undefined : join(scratch, 'rss');
  const file = wrap ? GNU_TIME : command;
  const argv = wrap && rssFile !== undefined ? ['-f', '%M %U %S', '-o', rssFile, command, ...args] : [...args];
  return new Promise((resolvePromise, reject) => {
    const started = performance.now();
    const child = spawn(file, argv, { cwd: options.cwd ?? REPO, env: options.env ?? process.env, stdio: ['ignore', 'pipe', 'pipe'] });
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    child.stdout.on('data', (chunk: Buffer) => out.push(chunk));
    child.stderr.on('data', (chunk: Buffer) => err.push(chunk));
    const timer =
      options.timeoutMs === undefined
        ? undefined
        : setTimeout(() => {
            child.kill('SIGKILL');
          }, options.timeoutMs);
    child.on('error', (error) => {
      if (timer !== undefined) clearTimeout(timer);
      reject(error);
    });
    child.on('close', (code, signal) => {
      const ms = performance.now() - started;
      if (timer !== undefined) clearTimeout(timer);
      let maxRssKb: number | undefined;
      let cpuMs: number | undefined;
      if (rssFile !== undefined && existsSync(rssFile)) {
        // GNU time writes "Command exited with non-zero status N" first when the command fails.
        const last = readFileSync(rssFile, 'utf8').trim().split('\n').pop() ?? '';
        const [rss = Number.NaN, user = Number.NaN, system = Number.NaN] = last.split(/\s+/).map(Number);
        maxRssKb = Number.isFinite(rss) ? rss : undefined;
        cpuMs = Number.isFinite(user + system) ? Math.round((user + system) * 1000) : undefined;
      }
      if (scratch !== undefined) rmSync(scratch, { recursive: true, force: true });
      resolvePromise({ code, signal, stdout: Buffer.concat(out).toString('utf8'), stderr: Buffer.concat(err).toString('utf8'), ms, maxRssKb, cpuMs });
    });
  });
}

/** Runs a command and fails with its output when it does not exit 0. */
export async function mustRun(command: string, args: readonly string[], options: { cwd?: string; env?: NodeJS.ProcessEnv } = {}): Promise<ProcessResult> {
  const result = await runProcess(command, args, options);
  if (result.code !== 0) {
    throw new Error(`${command} ${args.join(' ')} exited with ${String(result.code ?? result.signal)}:\n${result.stderr.slice(-4000)}${result.stdout.slice(-2000)}`);
  }
  return result;
}

/** The middle value (the mean of the two middle ones for an even count); NaN for none. */
export function median(values: readonly number[]): number {
  if (values.length === 0) return Number.NaN;
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 === 1 ? (sorted[mid] ?? Number.NaN) : ((sorted[mid - 1] ?? Number.NaN) + (sorted[mid] ?? Number.NaN)) / 2;
}

/** Nearest-rank percentile (p in 0..100) of the values; NaN for none. */
export function percentile(values: readonly number[], p: number): number {
  if (values.length === 0) return Number.NaN;
  const sorted = [...values].sort((a, b) => a - b);
  const rank = Math.ceil((p / 100) * sorted.length);
  return sorted[Math.min(sorted.length - 1, Math.max(0, rank - 1))] ?? Number.NaN;
}

/** VmRSS and VmHWM (peak) of a live process from /proc, in KiB; undefined where /proc is missing. */
export function procMemory(pid: number): { rssKb: number; hwmKb: number } | undefined {
  try {
    const status = readFileSync(`/proc/${pid}/status`, 'utf8');
    const field = (name: string): number => Number.parseInt(new RegExp(`^${name}:\\s+(\\d+) kB`, 'm').exec(status)?.[1] ?? 'NaN', 10);
    return { rssKb: field('VmRSS'), hwmKb: field('VmHWM') };
  } catch {
    return undefined;
  }
}

let clockTicks: number | undefined;

/** User + system CPU time a live process has used so far, in ms, from /proc/<pid>/stat. */
export function procCpuMs(pid: number): number | undefined {
  try {
    if (clockTicks === undefined) {
      const ticks = Number.parseInt(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim(), 10);
      clockTicks = Number.isFinite(ticks) && ticks > 0 ? ticks : 100;
    }
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // Fields after the command name (which may contain spaces) start at state: utime and stime are the 12th and 13th.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    const ticks = Number(fields[11]) + Number(fields[12]);
    return Number.isFinite(ticks) ? (ticks * 1000) / clockTicks : undefined;
  } catch {
    return undefined;
  }
}

export function mb(bytes: number): number {
  return Math.round((bytes / (1024 * 1024)) * 10) / 10;
}

export function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}

/** Parses an integer of at least `min` from the environment, or returns the default. */
export function envInt(name: string, fallback: number, min = 1): number {
  const raw = process.env[name];
  if (raw === undefined || raw === '') return fallback;
  const value = Number.parseInt(raw, 10);
  if (!Number.isFinite(value) || value < min) throw new Error(`${name} must be an integer of at least ${min}, not '${raw}'`);
  return value;
}

// Process measurements for the drift benchmark: wall time, peak RSS and CPU time of a child
// (GNU time), CPU time of a running process (/proc), and a summary of a V8 CPU profile.

import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';

export interface Measured {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
  ms: number;
  /** From GNU time, when installed (Debian package `time`). */
  maxRssKb: number | undefined;
  userS: number | undefined;
  sysS: number | undefined;
}

const GNU_TIME = '/usr/bin/time';

/** Runs a command to completion under GNU time (when present): wall time, peak RSS, user and system CPU. */
export function runMeasured(command: string, args: readonly string[], options: { cwd?: string; env?: NodeJS.ProcessEnv; timeoutMs?: number } = {}): Promise<Measured> {
  const wrap = existsSync(GNU_TIME);
  const scratch = wrap ? mkdtempSync(join(tmpdir(), 'plumbline-drift-bench-')) : undefined;
  const out = scratch === undefined ? undefined : join(scratch, 'time');
  const file = wrap ? GNU_TIME : command;
  const argv = wrap && out !== undefined ? ['-f', '%M %U %S', '-o', out, command, ...args] : [...args];
  return new Promise((resolve, reject) => {
    const started = performance.now();
    const child = spawn(file, argv, { cwd: options.cwd, env: options.env ?? process.env, stdio: ['ignore', 'pipe', 'pipe'] });
    const stdout: Buffer[] = [];
    const stderr: Buffer[] = [];
    child.stdout.on('data', (c: Buffer) => stdout.push(c));
    child.stderr.on('data', (c: Buffer) => stderr.push(c));
    const timer = options.timeoutMs === undefined ? undefined : setTimeout(() => child.kill('SIGKILL'), options.timeoutMs);
    child.on('error', (e) => {
      if (timer !== undefined) clearTimeout(timer);
      reject(e);
    });
    child.on('close', (code, signal) => {
      const ms = performance.now() - started;
      if (timer !== undefined) clearTimeout(timer);
      let maxRssKb: number | undefined;
      let userS: number | undefined;
      let sysS: number | undefined;
      if (out !== undefined && existsSync(out)) {
        // GNU time prefixes "Command exited with non-zero status N" when the command fails.
        const last = readFileSync(out, 'utf8').trim().split('\n').pop() ?? '';
        const [rss, user, sys] = last.split(' ').map(Number);
        maxRssKb = Number.isFinite(rss) ? rss : undefined;
        userS = Number.isFinite(user) ? user : undefined;
        sysS = Number.isFinite(sys) ? sys : undefined;
      }
      if (scratch !== undefined) rmSync(scratch, { recursive: true, force: true });
      resolve({ code, signal, stdout: Buffer.concat(stdout).toString('utf8'), stderr: Buffer.concat(stderr).toString('utf8'), ms, maxRssKb, userS, sysS });
    });
  });
}

/** User + system CPU seconds a live process has used so far (from /proc/<pid>/stat), or undefined. */
export function procCpuSeconds(pid: number): number | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // Fields after the parenthesised command name; utime and stime are fields 14 and 15.
    const rest = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    const ticks = Number(rest[11]) + Number(rest[12]);
    return Number.isFinite(ticks) ? ticks / 100 : undefined;
  } catch {
    return undefined;
  }
}

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number; columnNumber: number };
  children?: number[];
}

interface CpuProfile {
  nodes: ProfileNode[];
  startTime: number;
  endTime: number;
  samples?: number[];
  timeDeltas?: number[];
}

export interface ProfileSummary {
  totalMs: number;
  idleMs: number;
  gcMs: number;
  /** Self time by function, largest first. */
  top: { name: string; where: string; selfMs: number; pct: number }[];
  /** Self time by bundled package (node_modules/<pkg>) or "plumbline", "node:internal", "(program)". */
  byOrigin: { origin: string; selfMs: number; pct: number }[];
}

/**
 * Self time per function of a `.cpuprofile`. Bundle paths carry esbuild's `// path` comments
 * only in the bundle, so a function is named with its bundle line; `origin` groups by the
 * nearest `node_modules/<pkg>` comment above that line when `bundleText` is given.
 */
export function summarizeProfile(path: string, bundleText?: string, limit = 20): ProfileSummary {
  const profile = JSON.parse(readFileSync(path, 'utf8')) as CpuProfile;
  const self = new Map<number, number>();
  const samples = profile.samples ?? [];
  const deltas = profile.timeDeltas ?? [];
  for (let i = 0; i < samples.length; i++) {
    const id = samples[i] as number;
    // timeDeltas[i] is the time before sample i; attribute the next delta to this sample.
    const dt = (deltas[i + 1] ?? 0) / 1000;
    self.set(id, (self.get(id) ?? 0) + dt);
  }
  const origins = bundleText === undefined ? undefined : bundleOrigins(bundleText);
  const byFunction = new Map<string, { name: string; where: string; selfMs: number }>();
  const byOrigin = new Map<string, number>();
  let idleMs = 0;
  let gcMs = 0;
  let totalMs = 0;
  for (const node of profile.nodes) {
    const ms = self.get(node.id) ?? 0;
    if (ms === 0) continue;
    totalMs += ms;
    const name = node.callFrame.functionName || '(anonymous)';
    if (name === '(idle)') idleMs += ms;
    if (name === '(garbage collector)') gcMs += ms;
    const file = node.callFrame.url.replace(/^file:\/\//, '');
    const short = file.split('/').slice(-1)[0] ?? file;
    const where = file === '' ? '' : `${short}:${node.callFrame.lineNumber + 1}`;
    const key = `${name}@${where}`;
    const entry = byFunction.get(key) ?? { name, where, selfMs: 0 };
    entry.selfMs += ms;
    byFunction.set(key, entry);
    let origin: string;
    if (file === '') origin = name.startsWith('(') ? name : '(native)';
    else if (file.startsWith('node:')) origin = 'node:internal';
    else if (origins !== undefined && (file.endsWith('/cli.js') || file.endsWith('/server.js'))) origin = originAt(origins, node.callFrame.lineNumber);
    else origin = file.includes('node_modules/') ? (/node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(file)?.[1] ?? 'node_modules') : short;
    byOrigin.set(origin, (byOrigin.get(origin) ?? 0) + ms);
  }
  const busy = totalMs - idleMs;
  const pct = (ms: number): number => Math.round((ms / Math.max(busy, 1)) * 1000) / 10;
  return {
    totalMs: Math.round(totalMs),
    idleMs: Math.round(idleMs),
    gcMs: Math.round(gcMs),
    top: [...byFunction.values()]
      .filter((f) => f.name !== '(idle)')
      .sort((a, b) => b.selfMs - a.selfMs)
      .slice(0, limit)
      .map((f) => ({ ...f, selfMs: Math.round(f.selfMs), pct: pct(f.selfMs) })),
    byOrigin: [...byOrigin.entries()]
      .filter(([o]) => o !== '(idle)')
      .sort((a, b) => b[1] - a[1])
      .slice(0, limit)
      .map(([origin, ms]) => ({ origin, selfMs: Math.round(ms), pct: pct(ms) })),
  };
}

/** esbuild marks each bundled module with a `// path/to/module.js` comment line: [startLine, origin][]. */
function bundleOrigins(text: string): [number, string][] {
  const out: [number, string][] = [];
  const lines = text.split('\n');
  for (let i = 0; i < lines.length; i++) {
    const m = /^\/\/ ((?:node_modules\/)?\S+\.(?:[cm]?js|ts|json))$/.exec(lines[i] ?? '');
    if (m === null) continue;
    const path = m[1] as string;
    const pkg = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(path)?.[1];
    out.push([i, pkg ?? (path.startsWith('server/src/') ? `plumbline:${path.slice('server/src/'.length).split('/')[0] ?? ''}` : path)]);
  }
  return out;
}

function originAt(origins: [number, string][], line: number): string {
  let lo = 0;
  let hi = origins.length - 1;
  let best = '(bundle)';
  while (lo <= hi) {
    const mid = (lo + hi) >> 1;
    const [start, origin] = origins[mid] as [number, string];
    if (start <= line) {
      best = origin;
      lo = mid + 1;
    } else hi = mid - 1;
  }
  return best;
}

import { type ChildProcessWithoutNullStreams, spawn } from 'node:child_process';
import { accessSync, chmodSync, constants, existsSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { basename, dirname, join } from 'node:path';
import { createInterface } from 'node:readline';

/** The kustomize Plumbline ships (tools/kustomize), installed beside the bundles or in the repository's .cache/bin. */
export const BUNDLED_KUSTOMIZE = 'plumbline-kustomize';

/**
 * The build of it this engine speaks to (tools/kustomize/version.go says the same). `serve` says
 * its version first; another build would not know the requests it is sent (a wrapper held in
 * memory), so its builds fail with a message that says so.
 */
export const BUNDLED_KUSTOMIZE_VERSION = 'plumbline-kustomize 6 (sigs.k8s.io/kustomize/api v0.21.2)';

let bundled: string | null | undefined;

/**
 * Where the bundled kustomize is, looking up from this module (dist/ or server/src/environments),
 * or undefined. A development checkout's own build (.cache/bin, which the tests and `npm start`
 * keep current) wins over a packaged copy in dist/bin that an older `npm run package` left.
 */
export function findBundledKustomize(start: string = __dirname): string | undefined {
  if (bundled !== undefined) return bundled ?? undefined;
  for (const place of [join('.cache', 'bin'), 'bin']) {
    let dir = start;
    for (let i = 0; i < 6; i++) {
      const candidate = join(dir, place, BUNDLED_KUSTOMIZE);
      if (existsSync(candidate) && executable(candidate)) return (bundled = candidate);
      const parent = dirname(dir);
      if (parent === dir) break;
      dir = parent;
    }
  }
  bundled = null;
  return undefined;
}

/** Whether a file may run; an extension unpacked without file modes gets its mode back. */
function executable(path: string): boolean {
  try {
    accessSync(path, constants.X_OK);
    return true;
  } catch {
    try {
      chmodSync(path, 0o755);
      return true;
    } catch {
      return false;
    }
  }
}

/** Whether a kustomize command is the bundled one, which builds in one long-lived process. */
export function isBundledKustomize(command: readonly string[]): boolean {
  return command.length === 1 && basename(command[0]!) === BUNDLED_KUSTOMIZE;
}

/** A build's objects, as kustomize's YAML text or already parsed, or why it failed. */
export type BuildAnswer = { ok: true; stdout: string } | { ok: true; objects: unknown[] } | { ok: false; kind: 'missing-binary' | 'render-error'; message: string };

interface Answer {
  id: number;
  objects?: unknown[];
  error?: string;
  /** Said once, first, as id 0. */
  version?: string;
}

/**
 * One `plumbline-kustomize serve` process answering builds over its stdin/stdout, so a build
 * costs the build and not a process start (kubectl kustomize takes ~130 ms to start).
 * The process is kept only while builds are pending from Node's point of view: it does not
 * hold the CLI open, and it exits by itself when its stdin closes.
 */
class KustomizeServer {
  private child: ChildProcessWithoutNullStreams | undefined;
  private nextId = 1;
  private readonly pending = new Map<number, (answer: BuildAnswer) => void>();
  /** Why this binary cannot be used (another build than this engine's), once it said its version. */
  private refused: string | undefined;
  private introduced = false;

  constructor(private readonly binary: string) {}

  /** Builds asked of this process and not answered yet. */
  get load(): number {
    return this.pending.size;
  }

  build(folder: string, kustomization: string | undefined): Promise<BuildAnswer> {
    if (this.refused !== undefined) return Promise.resolve({ ok: false, kind: 'render-error', message: this.refused });
    const child = this.started();
    const id = this.nextId++;
    return new Promise((resolve) => {
      this.pending.set(id, resolve);
      this.hold(true);
      // As JSON: parsing it costs a fraction of parsing the same objects as YAML.
      child.stdin.write(`${JSON.stringify({ id, dir: folder, json: true, ...(kustomization !== undefined ? { kustomization } : {}) })}\n`);
    });
  }

  private started(): ChildProcessWithoutNullStreams {
    if (this.child !== undefined) return this.child;
    // Go's collector at its default ran as often as the builds' short-lived garbage filled the
    // small live heap: a quarter of the process's CPU on the 80-unit bench fleet. A build's heap is
    // a few MB, so four times as much between collections costs little memory. One thread for Go
    // code: builds take turns in the process anyway, and with more, its collector's workers and
    // idle threads competed with the other build processes and the server for the same cores
    // (about 5% of a build's CPU on the same fleet). The user's GOGC or GOMAXPROCS wins.
    const child = spawn(this.binary, ['serve'], { stdio: ['pipe', 'pipe', 'pipe'], env: { GOGC: '400', GOMAXPROCS: '1', ...process.env } });
    this.child = child;
    let stderr = '';
    child.stderr.on('data', (chunk: Buffer) => {
      stderr = (stderr + chunk.toString()).slice(-4000);
    });
    createInterface({ input: child.stdout, crlfDelay: Infinity }).on('line', (line) => {
      let answer: Answer;
      try {
        answer = JSON.parse(line) as Answer;
      } catch {
        return;
      }
      if (!this.introduced) {
        this.introduced = true;
        if (answer.id !== 0 || answer.version !== BUNDLED_KUSTOMIZE_VERSION) {
          this.refused = `${this.binary} is ${answer.version ?? 'an older build'}, and this Plumbline needs ${BUNDLED_KUSTOMIZE_VERSION}: build it again with \`bash scripts/install-kustomize.sh\` (a development checkout) or reinstall the extension`;
          fail(this.refused, 'render-error');
          child.stdin.end();
          return;
        }
      }
      const resolve = this.pending.get(answer.id);
      if (resolve === undefined) return;
      this.pending.delete(answer.id);
      if (this.pending.size === 0) this.hold(false);
      resolve(answer.error !== undefined ? { ok: false, kind: 'render-error', message: answer.error } : { ok: true, objects: answer.objects ?? [] });
    });
    const fail = (message: string, kind: 'missing-binary' | 'render-error'): void => {
      if (this.child === child) this.child = undefined;
      for (const resolve of this.pending.values()) resolve({ ok: false, kind, message });
      this.pending.clear();
    };
    child.on('error', (error: NodeJS.ErrnoException) => {
      fail(error.code === 'ENOENT' ? `${this.binary} is missing: set plumbline.kustomize.command to another kustomize (such as kubectl kustomize)` : `${this.binary}: ${error.message}`, error.code === 'ENOENT' ? 'missing-binary' : 'render-error');
    });
    child.on('exit', (code, signal) => {
      fail(`${this.binary} stopped (${signal ?? `exit ${code}`}) during the build${stderr.trim() ? `: ${stderr.trim()}` : ''}`, 'render-error');
    });
    this.hold(false);
    return child;
  }

  /** Keeps Node alive for the process while builds are pending, and lets it go when none are. */
  private hold(busy: boolean): void {
    const child = this.child;
    if (child === undefined) return;
    for (const stream of [child.stdin, child.stdout, child.stderr] as unknown as { ref(): void; unref(): void }[]) {
      if (busy) stream.ref();
      else stream.unref();
    }
    if (busy) child.ref();
    else child.unref();
  }

  dispose(): void {
    this.child?.stdin.end();
    this.child = undefined;
  }
}

/**
 * Processes per binary: kustomize serialises the builds of one process (its caches are not safe
 * for concurrent builds), so one process per core keeps the cores busy.
 */
const PER_BINARY = Math.min(4, Math.max(1, availableParallelism()));
const servers = new Map<string, KustomizeServer[]>();

/**
 * Builds a kustomization folder with the bundled kustomize's long-lived processes for `binary`;
 * with `kustomization`, the folder exists only in that process's memory and holds that text.
 */
export function buildWithServer(binary: string, folder: string, kustomization?: string): Promise<BuildAnswer> {
  let pool = servers.get(binary);
  if (pool === undefined) servers.set(binary, (pool = Array.from({ length: PER_BINARY }, () => new KustomizeServer(binary))));
  const idlest = pool.reduce((best, server) => (server.load < best.load ? server : best));
  return idlest.build(folder, kustomization);
}

/** Stops the long-lived kustomize processes (they also stop when this process exits). */
export function stopKustomizeServers(): void {
  for (const pool of servers.values()) for (const server of pool) server.dispose();
  servers.clear();
}

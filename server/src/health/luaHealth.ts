import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { Worker } from 'node:worker_threads';
import { parse } from 'yaml';
import type { KubeObject } from '../manifests/kubeObject';
import type { ResourceHealth } from './health';
import { LUA_TIME_MS, type LuaRequest, type LuaResponse, type LuaValue } from './luaProtocol';

/**
 * The health scripts of one live `argocd-cm`, by Argo CD's override key (`group/Kind`, or `Kind`
 * for the core group; globs such as `*.crossplane.io/*` allowed), and the resourceVersion they
 * were read at: compiled scripts are kept per version.
 */
export interface ArgoHealthScripts {
  version: string;
  scripts: Map<string, string>;
  /**
   * Override keys whose scripts get Lua's standard libraries (`useOpenLibs`); the others get only
   * what Argo CD opens for every script (base, table, `os.time`/`os.date`), so a script that works
   * here works in Argo CD, and one that fails there fails here.
   */
  openLibs: Set<string>;
  /** Keys Argo CD itself would refuse, said once rather than silently ignored. */
  problems: string[];
}

const SPLIT_PREFIX = 'resource.customizations.';

/** Argo CD's `<group>_<kind>` (or `<kind>`) of a split key as its override key `group/kind`. */
function overrideKey(groupKind: string): string | undefined {
  const parts = groupKind.split('_');
  if (parts.length === 2) return `${parts[0]}/${parts[1]}`;
  if (parts.length === 1 && groupKind !== '') return groupKind === 'all' ? '*/*' : groupKind;
  return undefined;
}

/** Go's `strconv.ParseBool`, which Argo CD reads a `useOpenLibs` key with: undefined for anything else. */
function goBool(text: string): boolean | undefined {
  if (['1', 't', 'T', 'TRUE', 'true', 'True'].includes(text)) return true;
  if (['0', 'f', 'F', 'FALSE', 'false', 'False'].includes(text)) return false;
  return undefined;
}

/**
 * The health scripts of an `argocd-cm` as Argo CD reads them: the `resource.customizations` block
 * (YAML: `group/Kind: {health.lua: …, health.lua.useOpenLibs: true}`) first, then the split keys
 * `resource.customizations.health.<group>_<kind>` and `resource.customizations.useOpenLibs.<group>_<kind>`,
 * which win for the same kind (each for its own field, as Argo CD merges them).
 */
export function healthScriptsOf(configMap: KubeObject): ArgoHealthScripts {
  const data = ((configMap as { data?: unknown }).data ?? {}) as Record<string, unknown>;
  const scripts = new Map<string, string>();
  const open = new Map<string, boolean>();
  const problems: string[] = [];
  const block = data['resource.customizations'];
  if (typeof block === 'string' && block.trim() !== '') {
    try {
      const parsed = parse(block) as unknown;
      if (parsed !== null && typeof parsed === 'object') {
        for (const [key, value] of Object.entries(parsed as Record<string, unknown>)) {
          const fields = (value ?? {}) as Record<string, unknown>;
          const lua = fields['health.lua'];
          if (typeof lua === 'string' && lua !== '') scripts.set(key, lua);
          const libs = fields['health.lua.useOpenLibs'];
          // Argo CD reads the block into a Go bool: a quoted "true" there is an error, not a yes.
          if (typeof libs === 'boolean') open.set(key, libs);
          else if (libs !== undefined && libs !== null) problems.push(`argocd-cm resource.customizations ${key}: health.lua.useOpenLibs must be true or false, not ${JSON.stringify(libs)}`);
        }
      }
    } catch (error) {
      problems.push(`argocd-cm resource.customizations is not YAML: ${error instanceof Error ? error.message.split('\n')[0]! : String(error)}`);
    }
  }
  for (const [key, value] of Object.entries(data)) {
    if (typeof value !== 'string') continue;
    const kind = key.startsWith(`${SPLIT_PREFIX}health.`) ? 'health' : key.startsWith(`${SPLIT_PREFIX}useOpenLibs.`) ? 'useOpenLibs' : undefined;
    if (kind === undefined) continue;
    const target = overrideKey(key.slice(`${SPLIT_PREFIX}${kind}.`.length));
    if (target === undefined) problems.push(`argocd-cm ${key}: expected resource.customizations.${kind}.<group>_<kind>`);
    else if (kind === 'health') {
      if (value !== '') scripts.set(target, value);
    } else {
      const libs = goBool(value.trim());
      if (libs === undefined) problems.push(`argocd-cm ${key}: ${JSON.stringify(value)} is not a boolean (Argo CD reads true, false, 1, 0, t or f)`);
      else open.set(target, libs);
    }
  }
  const metadata = configMap.metadata ?? {};
  const openLibs = new Set([...open].filter(([, yes]) => yes).map(([key]) => key));
  return { version: `${metadata.namespace ?? ''}/${metadata.name ?? ''}@${metadata.resourceVersion ?? ''}`, scripts, openLibs, problems };
}

const globs = new Map<string, RegExp>();
function globOf(pattern: string): RegExp {
  let re = globs.get(pattern);
  if (re === undefined) {
    re = new RegExp(`^${pattern.replace(/[.+^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '.*').replace(/\?/g, '.')}$`);
    globs.set(pattern, re);
  }
  return re;
}

/** The override key whose script decides an object's health: its own `group/Kind`, else the first glob (in key order) that matches it. */
export function scriptKeyFor(scripts: ArgoHealthScripts, apiVersion: string, kind: string): string | undefined {
  const group = apiVersion.includes('/') ? apiVersion.split('/')[0]! : '';
  const own = group === '' ? kind : `${group}/${kind}`;
  if (scripts.scripts.has(own)) return own;
  // Argo CD takes whichever glob its map yields first; in key order the choice is at least the same every time.
  return [...scripts.scripts.keys()].filter((k) => /[*?]/.test(k)).sort().find((k) => globOf(k).test(own));
}

export type LuaVerdict = { ok: true; status: string; message: string } | { ok: false; error: string };

// Beyond the script's own second: time for messages and a busy machine before the worker is stopped.
const GRACE_MS = 1500;
// Loading the WebAssembly runtime on a loaded machine.
const START_MS = 30_000;

const WORKER_LIMITS = { resourceLimits: { maxOldGenerationSizeMb: 64, maxYoungGenerationSizeMb: 16 } };

function newWorker(): Worker {
  // Beside the bundle (dist/luaWorker.js); from sources (tests under tsx), the TypeScript file
  // through tsx's require hook, which a worker does not inherit from `--import tsx`.
  const bundled = join(__dirname, 'luaWorker.js');
  if (existsSync(bundled)) return new Worker(bundled, WORKER_LIMITS);
  return new Worker(`require('tsx/cjs'); require(${JSON.stringify(join(__dirname, 'luaWorker.ts'))});`, { ...WORKER_LIMITS, eval: true });
}

/**
 * Runs health scripts in a worker thread, one at a time. The worker bounds each script's time
 * (an instruction hook) and memory (the Lua allocator); a run that still does not answer in time
 * (a single C call that never returns) stops the worker, and the next run starts a new one. Verdicts
 * are kept per script version and live object version: an unchanged object is not run again.
 */
export class LuaHealthRunner {
  private worker: Worker | undefined;
  private ready: Promise<void> | undefined;
  private workerVersion = '';
  private nextId = 1;
  private queue: Promise<unknown> = Promise.resolve();
  private readonly verdicts = new Map<string, LuaVerdict>();
  private pending: { id: number; settle: (r: LuaVerdict) => void } | undefined;
  /** Workers started, for tests that check a stuck script cost exactly one. */
  started = 0;

  evaluate(scripts: ArgoHealthScripts, key: string, live: KubeObject): Promise<LuaVerdict> {
    const cacheKey = `${scripts.version}\u0000${key}\u0000${live.metadata?.uid ?? live.metadata?.name ?? ''}\u0000${live.metadata?.resourceVersion ?? ''}`;
    const known = this.verdicts.get(cacheKey);
    if (known !== undefined && live.metadata?.resourceVersion !== undefined) return Promise.resolve(known);
    const next = this.queue.then(() => this.run(scripts, key, live));
    this.queue = next.catch(() => undefined);
    return next.then((verdict) => {
      if (this.verdicts.size >= 10_000) this.verdicts.clear();
      this.verdicts.set(cacheKey, verdict);
      return verdict;
    });
  }

  private start(): Promise<void> {
    const worker = newWorker();
    this.started++;
    this.worker = worker;
    this.workerVersion = '';
    const gone = (why: string): void => {
      if (this.worker !== worker) return;
      this.worker = undefined;
      this.ready = undefined;
      this.pending?.settle({ ok: false, error: `the Lua runtime stopped: ${why}` });
    };
    worker.on('message', (message: LuaResponse) => {
      if (message.id === this.pending?.id) this.pending.settle(message.ok ? { ok: true, status: message.status, message: message.message } : { ok: false, error: message.error });
    });
    worker.on('error', (error) => gone(error.message));
    worker.on('exit', (code) => gone(`exit code ${code}`));
    // Idle, it does not keep a CLI run alive; a pending run's timer does. (After the listeners:
    // adding a 'message' listener refs the worker again.)
    worker.unref();
    // The worker loads the runtime on its first request: an empty one says when it is there.
    return this.post({ type: 'run', id: this.nextId++, version: '', key: '', object: null }, START_MS).then(() => undefined);
  }

  private post(request: LuaRequest, ms: number): Promise<LuaVerdict> {
    const worker = this.worker;
    if (worker === undefined) return Promise.resolve({ ok: false, error: 'the Lua runtime is not running' });
    return new Promise<LuaVerdict>((resolve) => {
      const timer = setTimeout(() => {
        // Stuck beyond what the hook could stop: end the thread, and with it the run.
        this.worker = undefined;
        this.ready = undefined;
        this.pending = undefined;
        void worker.terminate();
        resolve({ ok: false, error: `did not finish within ${LUA_TIME_MS} ms (the Lua runtime was stopped)` });
      }, ms);
      this.pending = {
        id: request.id,
        settle: (verdict) => {
          clearTimeout(timer);
          this.pending = undefined;
          resolve(verdict);
        },
      };
      worker.postMessage(request);
    });
  }

  private async run(scripts: ArgoHealthScripts, key: string, live: KubeObject): Promise<LuaVerdict> {
    if (this.worker === undefined || this.ready === undefined) this.ready = this.start();
    await this.ready;
    if (this.worker === undefined) return { ok: false, error: 'the Lua runtime did not start' };
    const fresh = this.workerVersion !== scripts.version;
    this.workerVersion = scripts.version;
    const all = fresh ? [...scripts.scripts].map(([k, source]): [string, string, boolean] => [k, source, scripts.openLibs.has(k)]) : undefined;
    return this.post({ type: 'run', id: this.nextId++, version: scripts.version, ...(all !== undefined ? { scripts: all } : {}), key, object: live as unknown as LuaValue }, LUA_TIME_MS + GRACE_MS);
  }

  dispose(): void {
    void this.worker?.terminate();
    this.worker = undefined;
    this.ready = undefined;
  }
}

let shared: LuaHealthRunner | undefined;
/** The process's runner: one worker, however many environments ask. */
export function sharedLuaRunner(): LuaHealthRunner {
  return (shared ??= new LuaHealthRunner());
}

const WORDS: Record<string, ResourceHealth['status']> = { Healthy: 'Current', Progressing: 'InProgress', Degraded: 'Failed', Suspended: 'Current', Missing: 'NotFound', Unknown: 'Unknown' };

/** A verdict in the words the tree and the CLI show; a script that failed is Unknown with its error, for this object only. */
export function healthOfVerdict(key: string, verdict: LuaVerdict): ResourceHealth {
  if (!verdict.ok) return { status: 'Unknown', word: 'Unknown', argo: 'Unknown', message: `health script for ${key}: ${verdict.error}` };
  const status = WORDS[verdict.status];
  if (status === undefined) return { status: 'Unknown', word: 'Unknown', argo: 'Unknown', message: `health script for ${key} returned status ${JSON.stringify(verdict.status)}, which is not an Argo CD health` };
  const word = verdict.status as ResourceHealth['argo'];
  return { status, word, argo: word, message: verdict.message !== '' ? verdict.message : `by the health script for ${key}` };
}

/**
 * The `argocd-cm` an Argo CD unit's custom health comes from: in the Application's namespace, else
 * in `argocd`. Undefined when neither can be read or neither has a health script.
 */
export async function argoHealthScripts(read: (namespace: string) => Promise<KubeObject | undefined>, applicationNamespace: string): Promise<ArgoHealthScripts | undefined> {
  for (const namespace of [...new Set([applicationNamespace, 'argocd'])]) {
    const configMap = await read(namespace);
    if (configMap === undefined) continue;
    const scripts = healthScriptsOf(configMap);
    return scripts.scripts.size > 0 || scripts.problems.length > 0 ? scripts : undefined;
  }
  return undefined;
}

/** The health an `argocd-cm` script gives a live object; undefined when no script is for its kind. */
export async function customHealthOf(scripts: ArgoHealthScripts, live: KubeObject, runner: LuaHealthRunner = sharedLuaRunner()): Promise<ResourceHealth | undefined> {
  const key = scriptKeyFor(scripts, live.apiVersion ?? '', live.kind ?? '');
  if (key === undefined) return undefined;
  return healthOfVerdict(key, await runner.evaluate(scripts, key, withoutSecretValues(live)));
}

/**
 * A Secret as a script may see it: its keys, not their values. A script's message is shown as
 * it is, and a Secret's values never leave the engine.
 */
function withoutSecretValues(live: KubeObject): KubeObject {
  if (live.kind !== 'Secret' || live.apiVersion !== 'v1') return live;
  const masked = { ...live };
  for (const field of ['data', 'stringData']) {
    const values = live[field];
    if (values !== null && typeof values === 'object') masked[field] = Object.fromEntries(Object.keys(values).map((k) => [k, '(masked)']));
  }
  return masked;
}

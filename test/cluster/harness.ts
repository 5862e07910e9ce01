// Starts a real kube-apiserver (+ embedded etcd) on 127.0.0.1 for tests.
//
//   const cluster = await startCluster();
//   ... use cluster.kubeconfigPath ...
//   await cluster.stop();
//
// The server process dies with us: it exits at EOF on its stdin (a pipe we
// hold), the kernel sends it SIGHUP when we die (PR_SET_PDEATHSIG), and our
// 'exit'/SIGINT/SIGTERM handlers kill it too.

import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import * as fs from 'node:fs';
import * as fsp from 'node:fs/promises';
import * as https from 'node:https';
import * as os from 'node:os';
import * as path from 'node:path';
import * as readline from 'node:readline';

import * as k8s from '@kubernetes/client-node';

import { ensureApiserverBinary } from './build';

export interface StartClusterOptions {
  /** Give up if the server is not ready by then. Default 120 s. */
  readyTimeoutMs?: number;
  /** Data directory; default a fresh temp dir, removed by stop(). */
  dataDir?: string;
  /** Ports on 127.0.0.1; 0 (default) lets the server pick free ones. */
  securePort?: number;
  etcdClientPort?: number;
  etcdPeerPort?: number;
  /** Extra kube-apiserver flags, e.g. ['--feature-gates=Foo=true']. */
  apiserverArgs?: string[];
  /** Copy the server's log to our stderr (default: keep only a tail for errors). */
  verbose?: boolean;
}

export interface Cluster {
  /** kubeconfig with contexts `plumbline-bench` (admin, current) and `plumbline-bench-viewer`. */
  kubeconfigPath: string;
  /** e.g. https://127.0.0.1:40123 */
  server: string;
  /** Kubernetes gitVersion the server reports, e.g. v1.36.3 */
  version: string;
  adminContext: string;
  viewerContext: string;
  pid: number;
  dataDir: string;
  /** Milliseconds from spawn until ready (readyz + default namespace). */
  readyMs: number;
  /** Stops the server (SIGTERM, then SIGKILL after a deadline) and removes a temp data dir. Idempotent. */
  stop(): Promise<void>;
}

/** The JSON after "READY " on the server's stdout (see apiserver/main.go). */
interface ReadyInfo {
  kubeconfig: string;
  server: string;
  version: string;
  pid: number;
  adminContext: string;
  viewerContext: string;
}

// ---- process lifetime -------------------------------------------------

interface Live {
  child: ChildProcessWithoutNullStreams;
  tempDir?: string;
}

const live = new Set<Live>();
let handlersInstalled = false;

function killAllNow(): void {
  for (const l of live) {
    l.child.stdin.destroy();
    l.child.kill('SIGTERM');
    if (l.tempDir) {
      fs.rmSync(l.tempDir, { recursive: true, force: true });
    }
  }
  live.clear();
}

function onSignal(signal: NodeJS.Signals): void {
  killAllNow();
  uninstallHandlers();
  // Die of the same signal, as we would have without our handler.
  process.kill(process.pid, signal);
}

function installHandlers(): void {
  if (handlersInstalled) {
    return;
  }
  handlersInstalled = true;
  process.on('exit', killAllNow);
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);
}

function uninstallHandlers(): void {
  if (!handlersInstalled) {
    return;
  }
  handlersInstalled = false;
  process.off('exit', killAllNow);
  process.off('SIGINT', onSignal);
  process.off('SIGTERM', onSignal);
}

// ---- helpers ------------------------------------------------------------

/** Keeps the last `max` lines of a stream for error messages. */
class Tail {
  private lines: string[] = [];
  constructor(private readonly max: number) {}
  push(line: string): void {
    this.lines.push(line);
    if (this.lines.length > this.max) {
      this.lines.splice(0, this.lines.length - this.max);
    }
  }
  toString(): string {
    return this.lines.join('\n');
  }
}

function waitForExit(child: ChildProcessWithoutNullStreams, timeoutMs: number): Promise<boolean> {
  if (child.exitCode !== null || child.signalCode !== null) {
    return Promise.resolve(true);
  }
  return new Promise((resolve) => {
    const timer = setTimeout(() => {
      child.off('exit', onExit);
      resolve(false);
    }, timeoutMs);
    const onExit = (): void => {
      clearTimeout(timer);
      resolve(true);
    };
    child.once('exit', onExit);
  });
}

async function killAndWait(child: ChildProcessWithoutNullStreams): Promise<void> {
  child.stdin.destroy();
  child.kill('SIGTERM');
  if (!(await waitForExit(child, 30_000))) {
    child.kill('SIGKILL');
    await waitForExit(child, 10_000);
  }
}

export interface RawResponse {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: string;
  /** body parsed as JSON, or undefined if it is not JSON. */
  json: unknown;
}

/**
 * One HTTPS request to the API server with the TLS settings and credentials
 * of a kubeconfig context (default: its current context).
 */
export async function rawRequest(
  kubeconfigPath: string,
  req: { method?: string; path: string; body?: string; contentType?: string; context?: string; timeoutMs?: number },
): Promise<RawResponse> {
  const kc = new k8s.KubeConfig();
  kc.loadFromFile(kubeconfigPath);
  if (req.context) {
    kc.setCurrentContext(req.context);
  }
  const cluster = kc.getCurrentCluster();
  if (!cluster) {
    throw new Error(`no current cluster in ${kubeconfigPath}`);
  }
  const url = new URL(req.path, cluster.server);
  const options: https.RequestOptions = {
    method: req.method ?? 'GET',
    hostname: url.hostname,
    port: url.port,
    path: url.pathname + url.search,
    headers: { Accept: 'application/json' },
    agent: false,
  };
  await kc.applyToHTTPSOptions(options);
  if (req.body !== undefined) {
    options.headers = {
      ...options.headers,
      'Content-Type': req.contentType ?? 'application/json',
      'Content-Length': Buffer.byteLength(req.body),
    };
  }
  return new Promise<RawResponse>((resolve, reject) => {
    const r = https.request(options, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('error', reject);
      res.on('end', () => {
        const body = Buffer.concat(chunks).toString('utf8');
        let json: unknown;
        try {
          json = JSON.parse(body) as unknown;
        } catch {
          json = undefined;
        }
        resolve({ status: res.statusCode ?? 0, headers: res.headers, body, json });
      });
    });
    r.setTimeout(req.timeoutMs ?? 10_000, () => r.destroy(new Error(`${options.method} ${req.path}: timed out`)));
    r.on('error', reject);
    r.end(req.body);
  });
}

/** Polls until `check` returns true; throws with `describe()` after the deadline. */
async function pollUntil(
  deadline: number,
  check: () => Promise<boolean>,
  describe: () => string,
  abort: { reason?: Error },
): Promise<void> {
  for (;;) {
    if (abort.reason) {
      throw abort.reason;
    }
    if (await check()) {
      return;
    }
    if (Date.now() > deadline) {
      throw new Error(`timed out: ${describe()}`);
    }
    await new Promise((r) => setTimeout(r, 100));
  }
}

/**
 * Waits until the apiserver publishes `kind` of `groupVersion` (e.g. "cel.plumbline.dev/v1") in its
 * /openapi/v3: a CRD is Established before its schema is published there (another controller does
 * that, later, and later still on a busy machine), and whatever reads the cluster's OpenAPI, as
 * `plumbline check --context` does, sees no schema until then.
 */
export async function waitForOpenApiKind(cluster: Cluster, groupVersion: string, kind: string, timeoutMs = 60_000): Promise<void> {
  const [group, version] = groupVersion.includes('/') ? groupVersion.split('/') : ['', groupVersion];
  const path = group === '' ? `/openapi/v3/api/${version}` : `/openapi/v3/apis/${groupVersion}`;
  let last = 'not asked yet';
  await pollUntil(
    Date.now() + timeoutMs,
    async () => {
      const res = await rawRequest(cluster.kubeconfigPath, { path });
      const schemas = (res.json as { components?: { schemas?: Record<string, { 'x-kubernetes-group-version-kind'?: { group?: string; version?: string; kind?: string }[] }> } } | undefined)?.components?.schemas ?? {};
      last = `${path}: HTTP ${res.status}, ${Object.keys(schemas).length} schemas`;
      return Object.values(schemas).some((s) => (s['x-kubernetes-group-version-kind'] ?? []).some((g) => (g.group ?? '') === group && g.version === version && g.kind === kind));
    },
    () => `${kind} of ${groupVersion} in the apiserver's /openapi/v3 (last: ${last})`,
    {},
  );
}

// ---- startCluster -------------------------------------------------------

export async function startCluster(opts: StartClusterOptions = {}): Promise<Cluster> {
  const binary = await ensureApiserverBinary();
  const timeoutMs = opts.readyTimeoutMs ?? 120_000;
  const tempDir = opts.dataDir === undefined ? await fsp.mkdtemp(path.join(os.tmpdir(), 'plumbline-cluster-')) : undefined;
  const dataDir = opts.dataDir ?? tempDir ?? '';

  const args = [
    '--data-dir',
    dataDir,
    '--secure-port',
    String(opts.securePort ?? 0),
    '--etcd-client-port',
    String(opts.etcdClientPort ?? 0),
    '--etcd-peer-port',
    String(opts.etcdPeerPort ?? 0),
    '--ready-timeout',
    `${Math.ceil(timeoutMs / 1000)}s`,
  ];
  if (tempDir) {
    // The server deletes its temp dir itself on exit, even if we are SIGKILLed.
    args.push('--remove-data-dir');
  }
  if (opts.apiserverArgs?.length) {
    args.push('--', ...opts.apiserverArgs);
  }

  const started = Date.now();
  const deadline = started + timeoutMs;
  // detached: own process group, so a terminal's Ctrl-C reaches only us and
  // we stop the server once (a second signal would make it skip its clean
  // shutdown). It still dies with us: stdin EOF and PR_SET_PDEATHSIG.
  const child = spawn(binary, args, { stdio: ['pipe', 'pipe', 'pipe'], detached: true });
  // Do not let the server keep our event loop alive: a test that forgets
  // stop() must still end (the 'exit' handler then kills the server).
  child.unref();
  for (const stream of [child.stdin, child.stdout, child.stderr]) {
    // stdio pipes are net.Sockets at runtime; their types only say Readable/Writable.
    (stream as unknown as { unref?: () => void }).unref?.();
  }
  const entry: Live = { child, tempDir };
  live.add(entry);
  installHandlers();

  const stderrTail = new Tail(80);
  readline.createInterface({ input: child.stderr }).on('line', (line) => {
    stderrTail.push(line);
    if (opts.verbose) {
      process.stderr.write(`[apiserver] ${line}\n`);
    }
  });

  // Fails the startup if the process exits (or cannot be spawned) first.
  const abort: { reason?: Error } = {};
  let onEarlyExit: (err: Error) => void = () => {};
  const earlyExit = new Promise<never>((_, reject) => {
    onEarlyExit = reject;
  });
  earlyExit.catch(() => {}); // handled via Promise.race below; avoid an unhandled rejection
  const exitHandler = (code: number | null, signal: NodeJS.Signals | null): void => {
    // Let readline flush the last stderr lines before reporting.
    setImmediate(() => {
      abort.reason = new Error(
        `plumbline-apiserver exited before it was ready (${signal ?? `exit code ${code}`}). Last stderr:\n${stderrTail.toString()}`,
      );
      onEarlyExit(abort.reason);
    });
  };
  child.once('exit', exitHandler);
  child.once('error', (err) => {
    abort.reason = new Error(`could not start ${binary}: ${err.message}`);
    onEarlyExit(abort.reason);
  });

  const readyLine = new Promise<ReadyInfo>((resolve, reject) => {
    const rl = readline.createInterface({ input: child.stdout });
    rl.on('line', (line) => {
      if (line.startsWith('READY ')) {
        try {
          resolve(JSON.parse(line.slice('READY '.length)) as ReadyInfo);
        } catch (err) {
          reject(new Error(`bad READY line: ${line}: ${String(err)}`));
        }
      }
    });
  });

  let stopped = false;
  const stop = async (): Promise<void> => {
    if (stopped) {
      return;
    }
    stopped = true;
    child.off('exit', exitHandler);
    await killAndWait(child);
    live.delete(entry);
    if (live.size === 0) {
      uninstallHandlers();
    }
    if (tempDir) {
      await fsp.rm(tempDir, { recursive: true, force: true });
    }
  };

  try {
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(
        () => reject(new Error(`plumbline-apiserver was not ready within ${timeoutMs} ms. Last stderr:\n${stderrTail.toString()}`)),
        timeoutMs,
      );
    });
    let info: ReadyInfo;
    try {
      info = await Promise.race([readyLine, earlyExit, timeout]);
    } finally {
      clearTimeout(timer);
    }

    // The server checked itself before printing READY; check again from
    // here, through the kubeconfig, so a broken kubeconfig fails early.
    let last = 'no response yet';
    const ok = (p: string) => async (): Promise<boolean> => {
      try {
        const res = await rawRequest(info.kubeconfig, { path: p, timeoutMs: 5_000 });
        last = `GET ${p}: ${res.status} ${res.body.slice(0, 300)}`;
        return res.status === 200;
      } catch (err) {
        last = `GET ${p}: ${String(err)}`;
        return false;
      }
    };
    const describe = (): string => `${last}\nLast stderr:\n${stderrTail.toString()}`;
    await pollUntil(deadline, ok('/readyz'), describe, abort);
    await pollUntil(deadline, ok('/api/v1/namespaces/default'), describe, abort);

    child.off('exit', exitHandler);
    return {
      kubeconfigPath: info.kubeconfig,
      server: info.server,
      version: info.version,
      adminContext: info.adminContext,
      viewerContext: info.viewerContext,
      pid: info.pid,
      dataDir,
      readyMs: Date.now() - started,
      stop,
    };
  } catch (err) {
    await stop();
    throw err;
  }
}

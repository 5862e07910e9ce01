// Starts code-server (VS Code 1.100.3 for the browser, installed by scripts/install-code-server.sh)
// on a free loopback port with throwaway user-data and extensions folders.
import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { REPO } from '../support/paths';

export const CODE_SERVER_DIR = process.env.PLUMBLINE_CODE_SERVER_DIR ?? join(REPO, '.cache', 'code-server');
export const CODE_SERVER_BIN = join(CODE_SERVER_DIR, 'node_modules', '.bin', 'code-server');

export interface CodeServerOptions {
  /** Folder the server is started in (and that tests open). */
  workspace: string;
  /** A .vsix to install into the fresh extensions folder before the server starts. */
  installVsix?: string;
  /** An extension folder loaded in development mode. Only informational here: VS Code for the
   * web takes it from the page URL's payload (see extensionHost.ts), not from the server. */
  extensionDevelopmentPath?: string;
  /** Extra environment for the server and the extension host it spawns. */
  env?: Record<string, string>;
  /** User settings written to settings.json before start, over the test defaults. */
  settings?: Record<string, unknown>;
  /** Give up waiting for the HTTP port after this long. Default 90 s. */
  startTimeoutMs?: number;
  /** Echo the server's output as it comes (also on with PLUMBLINE_E2E_VERBOSE=1). */
  verbose?: boolean;
}

export interface CodeServer {
  /** http://127.0.0.1:PORT (no trailing slash). */
  url: string;
  /** host:port, which VS Code for the web uses as the remote authority of vscode-remote:// URIs. */
  authority: string;
  userDataDir: string;
  extensionsDir: string;
  /** Settles when the server process exits (on its own or through stop()). */
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  /** Last lines code-server printed (stdout and stderr). */
  outputTail(lines?: number): string;
  /** The tail of every log VS Code wrote under the user-data folder (extension host, server, ...). */
  logsTail(charsPerFile?: number): string;
  /** Stops the server and everything it spawned (extension host, language server); removes the temp folders. */
  stop(): Promise<void>;
}

/** Settings that keep the workbench quiet and deterministic under test. */
const DEFAULT_SETTINGS: Record<string, unknown> = {
  'security.workspace.trust.enabled': false,
  'workbench.startupEditor': 'none',
  'workbench.tips.enabled': false,
  'workbench.enableExperiments': false,
  'workbench.welcomePage.walkthroughs.openOnInstall': false,
  'extensions.autoCheckUpdates': false,
  'extensions.autoUpdate': false,
  'extensions.ignoreRecommendations': true,
  'telemetry.telemetryLevel': 'off',
  'update.mode': 'none',
  'git.enabled': false,
  'git.openRepositoryInParentFolders': 'never',
  'chat.commandCenter.enabled': false,
  'window.dialogStyle': 'custom',
  // Tests edit files and revert them; nothing may reach the disk behind their back.
  'files.autoSave': 'off',
  'files.hotExit': 'off',
  // No kubeconfig on a test machine: say so once instead of trying.
  'plumbline.cluster.enabled': false,
};

/** Every server started and not yet stopped, so an exiting test process can take them down. */
const running = new Set<ChildProcess>();
/** Temp folders to remove if the process exits before their owner cleans up (Ctrl+C). */
const scratchDirs = new Set<string>();
let exitHooksInstalled = false;

/** A fresh temp folder that is removed on process exit unless released first. */
export function makeScratchDir(prefix: string): { path: string; remove(): void } {
  installExitHooks();
  const path = mkdtempSync(join(tmpdir(), prefix));
  scratchDirs.add(path);
  return {
    path,
    remove(): void {
      scratchDirs.delete(path);
      if (process.env.PLUMBLINE_E2E_KEEP !== '1') rmSync(path, { recursive: true, force: true });
    },
  };
}

function killGroup(child: ChildProcess, signal: NodeJS.Signals): void {
  if (child.pid === undefined) return;
  try {
    // Negative pid: the whole process group (detached: true made the server a group leader),
    // so the extension host and the language server it forked go too, even after the leader exited.
    process.kill(-child.pid, signal);
  } catch {
    // ESRCH: nothing left in the group
  }
}

function installExitHooks(): void {
  if (exitHooksInstalled) return;
  exitHooksInstalled = true;
  process.on('exit', () => {
    for (const child of running) killGroup(child, 'SIGKILL');
    if (process.env.PLUMBLINE_E2E_KEEP === '1') return;
    for (const dir of scratchDirs) {
      try {
        rmSync(dir, { recursive: true, force: true });
      } catch {
        // best effort while exiting
      }
    }
  });
  for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) {
    process.once(signal, () => {
      for (const child of running) killGroup(child, 'SIGKILL');
      // The default action (exit) is suppressed by having a listener: restore it.
      process.exit(128 + (signal === 'SIGINT' ? 2 : signal === 'SIGTERM' ? 15 : 1));
    });
  }
}

/** A port the OS says is free right now on 127.0.0.1. */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.unref();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address !== null ? address.port : 0;
      server.close(() => (port > 0 ? resolve(port) : reject(new Error('could not get a free port'))));
    });
  });
}

class Tail {
  private readonly lines: string[] = [];
  private partial = '';
  constructor(
    private readonly max: number,
    private readonly echo: ((line: string) => void) | undefined,
  ) {}
  push(chunk: Buffer | string): void {
    const parts = (this.partial + chunk.toString()).split('\n');
    this.partial = parts.pop() ?? '';
    for (const line of parts) this.add(line);
  }
  private add(line: string): void {
    this.echo?.(line);
    this.lines.push(line);
    if (this.lines.length > this.max) this.lines.shift();
  }
  text(n: number): string {
    const all = this.partial === '' ? this.lines : [...this.lines, this.partial];
    return all.slice(-n).join('\n');
  }
}

export function assertCodeServerInstalled(): void {
  if (!existsSync(CODE_SERVER_BIN)) {
    throw new Error(`code-server is not installed (${CODE_SERVER_BIN} is missing): run \`bash scripts/install-code-server.sh\` (npm test does it for you)`);
  }
}

interface Exit {
  code: number | null;
  signal: NodeJS.Signals | null;
}

function run(args: string[], env: NodeJS.ProcessEnv, timeoutMs: number): Promise<{ exit: Exit; output: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(CODE_SERVER_BIN, args, { env, stdio: ['ignore', 'pipe', 'pipe'], detached: true });
    running.add(child);
    let output = '';
    child.stdout.on('data', (d: Buffer) => (output += d.toString()));
    child.stderr.on('data', (d: Buffer) => (output += d.toString()));
    const timer = setTimeout(() => {
      killGroup(child, 'SIGKILL');
      reject(new Error(`code-server ${args.join(' ')} did not finish in ${timeoutMs / 1000}s; output:\n${output}`));
    }, timeoutMs);
    child.once('error', (error) => {
      clearTimeout(timer);
      running.delete(child);
      reject(error);
    });
    child.once('close', (code, signal) => {
      clearTimeout(timer);
      running.delete(child);
      resolve({ exit: { code, signal }, output });
    });
  });
}

function listFiles(dir: string): string[] {
  if (!existsSync(dir)) return [];
  return readdirSync(dir, { recursive: true })
    .map((f) => join(dir, String(f)))
    .filter((f) => statSync(f).isFile());
}

/** Polls until `probe` returns true, the process dies, or the deadline passes. */
async function waitForHttp(url: string, child: ChildProcess, deadline: number, describe: () => string): Promise<void> {
  let lastError = 'no answer yet';
  while (Date.now() < deadline) {
    if (child.exitCode !== null || child.signalCode !== null) {
      throw new Error(`code-server exited (code ${child.exitCode}, signal ${child.signalCode}) before answering on ${url}\n${describe()}`);
    }
    try {
      const response = await fetch(url, { signal: AbortSignal.timeout(5_000) });
      await response.arrayBuffer();
      if (response.ok) return;
      lastError = `HTTP ${response.status}`;
    } catch (error: unknown) {
      lastError = error instanceof Error ? `${error.message}${error.cause instanceof Error ? ` (${error.cause.message})` : ''}` : String(error);
    }
    // Poll interval, bounded by the deadline above: waiting for another process to open a port.
    await new Promise((r) => setTimeout(r, 200));
  }
  throw new Error(`code-server did not answer on ${url} before the deadline (last: ${lastError})\n${describe()}`);
}

export async function startCodeServer(opts: CodeServerOptions): Promise<CodeServer> {
  assertCodeServerInstalled();
  if (!existsSync(opts.workspace)) throw new Error(`workspace folder ${opts.workspace} does not exist`);
  installExitHooks();
  const verbose = opts.verbose ?? process.env.PLUMBLINE_E2E_VERBOSE === '1';

  const scratch = makeScratchDir('plumbline-code-server-');
  const root = scratch.path;
  const userDataDir = join(root, 'user-data');
  const extensionsDir = join(root, 'extensions');
  const xdg = join(root, 'xdg');
  for (const dir of [join(userDataDir, 'User'), extensionsDir, join(xdg, 'config'), join(xdg, 'data'), join(xdg, 'cache')]) {
    mkdirSync(dir, { recursive: true });
  }
  writeFileSync(join(userDataDir, 'User', 'settings.json'), JSON.stringify({ ...DEFAULT_SETTINGS, ...opts.settings }, null, 2));
  // An explicit config file: otherwise code-server writes ~/.config/code-server/config.yaml with a password.
  const config = join(root, 'config.yaml');
  writeFileSync(config, 'auth: none\ncert: false\n');

  const env: NodeJS.ProcessEnv = {
    ...process.env,
    // code-server keeps its own state (coder.json, logs, heartbeat) under the XDG folders.
    XDG_CONFIG_HOME: join(xdg, 'config'),
    XDG_DATA_HOME: join(xdg, 'data'),
    XDG_CACHE_HOME: join(xdg, 'cache'),
    // The default gallery (open-vsx.org) is unreachable here: point it at a closed loopback port so
    // the workbench's background extension queries fail at once, without leaving the machine.
    EXTENSIONS_GALLERY: JSON.stringify({
      serviceUrl: 'http://127.0.0.1:9/gallery',
      itemUrl: 'http://127.0.0.1:9/item',
      resourceUrlTemplate: 'http://127.0.0.1:9/{publisher}/{name}/{version}/{path}',
    }),
    ...opts.env,
  };
  // A test runner's NODE_OPTIONS (tsx's loader, --test flags) must not leak into VS Code's processes.
  delete env.NODE_OPTIONS;
  delete env.NODE_TEST_CONTEXT;
  const common = ['--config', config, '--user-data-dir', userDataDir, '--extensions-dir', extensionsDir];

  const removeRoot = (): void => scratch.remove();

  try {
    if (opts.installVsix !== undefined) {
      if (!existsSync(opts.installVsix)) throw new Error(`the .vsix to install does not exist: ${opts.installVsix}`);
      const { exit, output } = await run([...common, '--force', '--install-extension', opts.installVsix], env, 120_000);
      const installed = readdirSync(extensionsDir).filter((d) => !d.startsWith('.') && d !== 'extensions.json');
      if (exit.code !== 0 || !/successfully installed/i.test(output) || installed.length === 0) {
        throw new Error(
          `code-server --install-extension ${opts.installVsix} failed (exit ${exit.code}, signal ${exit.signal}, ` +
            `installed: ${installed.join(', ') || 'nothing'}):\n${output}`,
        );
      }
    }
  } catch (error) {
    removeRoot();
    throw error;
  }

  const port = await freePort();
  const authority = `127.0.0.1:${port}`;
  const url = `http://${authority}`;
  const args = [
    ...common,
    '--auth',
    'none',
    '--bind-addr',
    authority,
    '--disable-telemetry',
    '--disable-update-check',
    '--disable-workspace-trust',
    '--disable-getting-started-override',
    '--ignore-last-opened',
    opts.workspace,
  ];
  const tail = new Tail(400, verbose ? (line) => console.log(`[code-server] ${line}`) : undefined);
  const child = spawn(CODE_SERVER_BIN, args, { cwd: opts.workspace, env, stdio: ['ignore', 'pipe', 'pipe'], detached: true });
  running.add(child);
  child.stdout?.on('data', (d: Buffer) => tail.push(d));
  child.stderr?.on('data', (d: Buffer) => tail.push(d));
  const exited = new Promise<Exit>((resolve) => {
    child.once('exit', (code, signal) => {
      running.delete(child);
      resolve({ code, signal });
    });
    // A failed spawn emits 'error' and no 'exit'.
    child.once('error', (error) => {
      tail.push(`spawn error: ${error.message}\n`);
      running.delete(child);
      resolve({ code: null, signal: null });
    });
  });

  const logsTail = (charsPerFile = 4_000): string =>
    listFiles(join(userDataDir, 'logs'))
      .filter((f) => f.endsWith('.log'))
      .map((f) => {
        let text: string;
        try {
          text = readFileSync(f, 'utf8');
        } catch (error: unknown) {
          text = `(unreadable: ${error instanceof Error ? error.message : String(error)})`;
        }
        return `--- ${f.slice(userDataDir.length + 1)}${text.length > charsPerFile ? ' (tail)' : ''}\n${text.slice(-charsPerFile)}`;
      })
      .join('\n');
  const outputTail = (lines = 60): string => tail.text(lines);

  const stop = async (): Promise<void> => {
    if (running.has(child)) {
      killGroup(child, 'SIGTERM');
      const timer = setTimeout(() => killGroup(child, 'SIGKILL'), 5_000);
      await exited;
      clearTimeout(timer);
    }
    // Stragglers that left the group's leader behind (an extension host mid-shutdown).
    killGroup(child, 'SIGKILL');
    removeRoot();
  };

  try {
    await waitForHttp(`${url}/healthz`, child, Date.now() + (opts.startTimeoutMs ?? 90_000), () => `code-server output:\n${outputTail()}`);
  } catch (error) {
    await stop();
    throw error;
  }
  return { url, authority, userDataDir, extensionsDir, exited, outputTail, logsTail, stop };
}

// The built CLI run as a user runs it, for the tests that read its output and exit code.
import { execFile } from 'node:child_process';
import { chmodSync, copyFileSync, cpSync, mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { bundle, REPO } from './paths';

export interface CliRun {
  code: number | null;
  stdout: string;
  stderr: string;
}

export interface CliOptions {
  cwd?: string;
  env?: Record<string, string>;
  /** Runs as this uid/gid through setpriv (a root test user reads every file; another does not). */
  asUser?: number;
  /** The CLI to run instead of dist/cli.js (a copy that another user can read). */
  cliPath?: string;
  /** The run is killed after this, so a hang fails the test with what was printed so far. */
  timeoutMs?: number;
}

/**
 * A copy of the built CLI (bundles and bundled schemas) under `folder`, readable by any user: the
 * checkout itself may sit in a folder only its owner can enter (a mktemp -d clone, a home folder).
 */
export function portableCli(folder: string): string {
  const pkg = join(folder, 'plumbline-cli');
  mkdirSync(join(pkg, 'dist'), { recursive: true });
  for (const name of ['cli.js', 'cliCommands.js', 'cliPostBuild.js', 'checkWorker.js', 'luaWorker.js', 'glue.wasm']) copyFileSync(join(REPO, 'dist', name), join(pkg, 'dist', name));
  cpSync(join(REPO, 'schemas'), join(pkg, 'schemas'), { recursive: true });
  for (const path of [pkg, join(pkg, 'dist'), join(pkg, 'schemas')]) chmodSync(path, 0o755);
  return join(pkg, 'dist', 'cli.js');
}

/** Runs `plumbline <args>` from dist/cli.js; no kubeconfig unless the caller gives one. */
export function runCli(args: readonly string[], options: CliOptions = {}): Promise<CliRun> {
  const env = { ...process.env, KUBECONFIG: join(tmpdir(), 'plumbline-no-such-kubeconfig'), ...options.env };
  const cli = options.cliPath ?? bundle('cli.js');
  const [command, argv] =
    options.asUser === undefined
      ? [process.execPath, [cli, ...args]]
      : ['setpriv', [`--reuid=${options.asUser}`, `--regid=${options.asUser}`, '--clear-groups', process.execPath, cli, ...args]];
  return new Promise((resolve) => {
    // Another user may not be able to enter the test's working folder: start them where the CLI is.
    const cwd = options.cwd ?? (options.asUser !== undefined ? dirname(cli) : undefined);
    execFile(command, argv, { cwd, env, maxBuffer: 64 * 1024 * 1024, timeout: options.timeoutMs ?? 60_000, killSignal: 'SIGKILL' }, (error, stdout, stderr) => {
      if (error !== null && error.killed === true) {
        resolve({ code: null, stdout, stderr: `${stderr}\n[test] killed after ${options.timeoutMs ?? 60_000} ms: the run hung` });
        return;
      }
      resolve({ code: error === null ? 0 : typeof error.code === 'number' ? error.code : null, stdout, stderr });
    });
  });
}

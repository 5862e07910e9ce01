// The built CLI run as a user runs it, for the tests that read its output and exit code.
import { execFile } from 'node:child_process';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { bundle } from './paths';

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
  /** The run is killed after this, so a hang fails the test with what was printed so far. */
  timeoutMs?: number;
}

/** Runs `plumbline <args>` from dist/cli.js; no kubeconfig unless the caller gives one. */
export function runCli(args: readonly string[], options: CliOptions = {}): Promise<CliRun> {
  const env = { ...process.env, KUBECONFIG: join(tmpdir(), 'plumbline-no-such-kubeconfig'), ...options.env };
  const [command, argv] =
    options.asUser === undefined
      ? [process.execPath, [bundle('cli.js'), ...args]]
      : ['setpriv', [`--reuid=${options.asUser}`, `--regid=${options.asUser}`, '--clear-groups', process.execPath, bundle('cli.js'), ...args]];
  return new Promise((resolve) => {
    execFile(command, argv, { cwd: options.cwd, env, maxBuffer: 64 * 1024 * 1024, timeout: options.timeoutMs ?? 60_000, killSignal: 'SIGKILL' }, (error, stdout, stderr) => {
      if (error !== null && error.killed === true) {
        resolve({ code: null, stdout, stderr: `${stderr}\n[test] killed after ${options.timeoutMs ?? 60_000} ms: the run hung` });
        return;
      }
      resolve({ code: error === null ? 0 : typeof error.code === 'number' ? error.code : null, stdout, stderr });
    });
  });
}

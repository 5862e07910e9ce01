// Runs an extension-host test suite inside code-server (VS Code for the web + a Node extension
// host on this machine), the way `@vscode/test-electron` runs one in desktop VS Code.
//
// How VS Code 1.100 for the web runs extension tests (src/vs/code/browser/workbench/workbench.ts,
// services/environment/browser/environmentService.ts, services/extensions/...):
// - the page URL's `payload` query parameter is a JSON array of [key, value] pairs; the keys
//   `extensionDevelopmentPath` and `extensionTestsPath` take vscode-remote://HOST:PORT/abs/path URIs;
// - tests only run in extension development mode: without an `extensionDevelopmentPath` in the
//   payload the workbench ignores `extensionTestsPath`, and the extension host refuses too
//   ("Cannot load test runner"). So a run against an installed .vsix still passes one: a stub
//   extension with another id, which leaves the installed Plumbline as the copy under test;
// - a vscode-remote:// test path outside every extension runs in the remote (Node) extension host,
//   where `require('vscode')` in the test bundle resolves to the API (of the extension whose folder
//   holds the file, else a default one);
// - the workbench reports through two functions the automation puts on `window`:
//   `codeAutomationLog(type, args)` gets every log line (extension host console included) and
//   `codeAutomationExit(code, logs)` the test runner's exit code once `run()` settles.
import { mkdirSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { formatWithOptions } from 'node:util';
import type { Browser } from 'playwright-core';
import { launchBrowser } from './browser';
import { type CodeServer, makeScratchDir, startCodeServer } from './codeServer';

export interface ExtensionTestOptions {
  /** Folder opened in the window. */
  workspace: string;
  /** The built test runner module (exports `run(): Promise<void>`). */
  extensionTestsPath: string;
  /** Load the extension from this folder in development mode... */
  extensionDevelopmentPath?: string;
  /** ...or install it from this .vsix (exactly one of the two). */
  vsix?: string;
  /** Extra environment for code-server and so the extension host (the suite can read it). */
  env?: Record<string, string>;
  /** Deadline for the whole run, page load to exit code. Default 180 s. */
  timeoutMs?: number;
  /** Where to write the logs VS Code hands back on exit. */
  artifactsDir?: string;
  /** Print each log line as it arrives (default true). */
  echo?: boolean;
}

export interface ExtensionTestResult {
  exitCode: number;
  /** Parsed from the suite's `EXTENSION-HOST: N passed, M failed` line, when it printed one. */
  passed?: number;
  failed?: number;
  /** Every line codeAutomationLog received. */
  log: string[];
}

interface LogFile {
  relativePath: string;
  contents: string;
}

/** vscode-remote://authority/abs/path, each segment percent-encoded as URI.parse expects. */
export function remoteUri(authority: string, absPath: string): string {
  const path = resolve(absPath)
    .split('/')
    .map((s) => encodeURIComponent(s))
    .join('/');
  return `vscode-remote://${authority}${path}`;
}

export function workbenchUrl(server: Pick<CodeServer, 'url' | 'authority'>, folder: string, payload?: [string, string][]): string {
  let url = `${server.url}/?folder=${encodeURIComponent(resolve(folder))}`;
  if (payload !== undefined) url += `&payload=${encodeURIComponent(JSON.stringify(payload))}`;
  return url;
}

/** The workbench logs console-style: a printf-like format string, then its arguments. */
function format(args: unknown): string {
  const list = Array.isArray(args) ? (args as unknown[]) : [args];
  return formatWithOptions({ colors: false, breakLength: Infinity }, ...list);
}

/** A stub extension for development mode in .vsix runs: no code, an id nobody else has. */
function writeStubExtension(dir: string): string {
  mkdirSync(dir, { recursive: true });
  writeFileSync(
    join(dir, 'package.json'),
    JSON.stringify({
      name: 'e2e-test-host',
      displayName: 'Plumbline e2e test host (stub)',
      publisher: 'plumbline-e2e',
      version: '0.0.0',
      engines: { vscode: '^1.100.0' },
    }),
  );
  return dir;
}

export async function runExtensionTests(opts: ExtensionTestOptions): Promise<ExtensionTestResult> {
  if ((opts.extensionDevelopmentPath === undefined) === (opts.vsix === undefined)) {
    throw new Error('runExtensionTests: give exactly one of extensionDevelopmentPath and vsix');
  }
  const echo = opts.echo ?? true;
  const timeoutMs = opts.timeoutMs ?? 180_000;
  const scratch = makeScratchDir('plumbline-ext-tests-');
  const devPath = opts.extensionDevelopmentPath ?? writeStubExtension(join(scratch.path, 'stub-extension'));

  const log: string[] = [];
  const pageErrors: string[] = [];
  let server: CodeServer | undefined;
  let browser: Browser | undefined;
  try {
    server = await startCodeServer({
      workspace: opts.workspace,
      ...(opts.vsix !== undefined ? { installVsix: opts.vsix } : {}),
      extensionDevelopmentPath: devPath,
      ...(opts.env !== undefined ? { env: opts.env } : {}),
    });
    browser = await launchBrowser();
    const page = await browser.newPage({ viewport: { width: 1280, height: 800 } });

    let settle: ((v: { code: number; logs: LogFile[] }) => void) | undefined;
    const exited = new Promise<{ code: number; logs: LogFile[] }>((r) => (settle = r));
    // Both must exist before the workbench's first script runs: register before navigating.
    await page.exposeFunction('codeAutomationLog', (type: string, args: unknown) => {
      const line = `[${type}] ${format(args)}`;
      log.push(line);
      if (echo) console.log(`  [vscode] ${line}`);
    });
    await page.exposeFunction('codeAutomationExit', (code: number, logs: LogFile[] | undefined) => {
      settle?.({ code, logs: logs ?? [] });
    });
    page.on('pageerror', (error) => pageErrors.push(error.stack ?? error.message));
    page.on('console', (message) => {
      if (message.type() === 'error') pageErrors.push(`console.error: ${message.text()}`);
    });

    const payload: [string, string][] = [
      ['extensionDevelopmentPath', remoteUri(server.authority, devPath)],
      ['extensionTestsPath', remoteUri(server.authority, opts.extensionTestsPath)],
      ['skipWelcome', 'true'],
      ['skipReleaseNotes', 'true'],
    ];
    const url = workbenchUrl(server, opts.workspace, payload);
    if (echo) console.log(`  opening ${url}`);
    await page.goto(url, { waitUntil: 'domcontentloaded', timeout: 60_000 });

    let timer: NodeJS.Timeout | undefined;
    const deadline = new Promise<string>((r) => (timer = setTimeout(() => r(`did not report an exit code within ${timeoutMs / 1000}s (codeAutomationExit never called)`), timeoutMs)));
    const serverDied = server.exited.then((e) => `stopped reporting: code-server exited (code ${e.code}, signal ${e.signal})`);
    const pageCrashed = new Promise<string>((r) => page.once('crash', () => r('stopped reporting: the browser page crashed')));
    const outcome = await Promise.race([exited, deadline, serverDied, pageCrashed]);
    clearTimeout(timer);
    if (typeof outcome === 'string') {
      throw new Error(
        `the extension tests ${outcome}\n` +
          `--- page errors:\n${pageErrors.slice(-20).join('\n') || '(none)'}\n` +
          `--- last extension-host/workbench log lines:\n${log.slice(-40).join('\n') || '(none: the workbench never logged)'}\n` +
          `--- code-server output:\n${server.outputTail()}\n` +
          `--- VS Code logs:\n${server.logsTail()}`,
      );
    }
    if (opts.artifactsDir !== undefined) {
      mkdirSync(opts.artifactsDir, { recursive: true });
      writeFileSync(join(opts.artifactsDir, 'automation.log'), log.join('\n') + '\n');
      for (const file of outcome.logs) {
        const target = join(opts.artifactsDir, 'vscode-logs', file.relativePath);
        mkdirSync(join(target, '..'), { recursive: true });
        writeFileSync(target, file.contents);
      }
    }
    const summary = [...log].reverse().map((l) => /EXTENSION-HOST: (\d+) passed, (\d+) failed/.exec(l)).find((m) => m !== null);
    const result: ExtensionTestResult = { exitCode: outcome.code, log };
    if (summary) {
      result.passed = Number(summary[1]);
      result.failed = Number(summary[2]);
    }
    if (outcome.code !== 0 && echo) {
      console.log(`--- page errors:\n${pageErrors.slice(-20).join('\n') || '(none)'}`);
      console.log(`--- code-server output:\n${server.outputTail()}`);
      console.log(`--- VS Code logs:\n${server.logsTail()}`);
    }
    return result;
  } finally {
    await browser?.close().catch(() => undefined);
    await server?.stop();
    scratch.remove();
  }
}

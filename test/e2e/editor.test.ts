// Editor tier: Plumbline in a real VS Code (code-server 4.100.3 = VS Code 1.100.3 for the web,
// with its Node extension host on this machine), driven through Debian's Chromium.
//   1. the extension-host suite (test/e2e/suite) with the extension loaded from the repository;
//   2. the same suite with the extension installed from the packaged .vsix (packaging mistakes fail here);
//   3. a person's path through the UI: Quick Open the broken file, read the Problems panel.
// Run: node --import tsx --test test/e2e/editor.test.ts   (npm test runs it as the `editor` tier).
// Artifacts (logs, screenshot) go to test-results/e2e/.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { before, describe, test } from 'node:test';
import type { Page } from 'playwright-core';
import { EXAMPLES, REPO } from '../support/paths';
import { launchBrowser } from './browser';
import { buildSuite } from './buildSuite';
import { type CodeServer, makeScratchDir, startCodeServer } from './codeServer';
import { type ExtensionTestResult, runExtensionTests, workbenchUrl } from './extensionHost';

const ARTIFACTS = join(REPO, 'test-results', 'e2e');
const BROKEN_FILE = 'broken.yaml';
const EXPECTED_MESSAGE = 'All mapping items must start at the same column';
const EXPECTED_POSITION = '[Ln 9, Col 1]';
/** The extension-host suite has this many tests; fewer passing means some did not run. */
const SUITE_TESTS = 5;

/** Runs a setup command; on failure throws with its output (which is otherwise kept quiet). */
function setup(what: string, cmd: string, args: string[]): void {
  try {
    execFileSync(cmd, args, { cwd: REPO, stdio: 'pipe', encoding: 'utf8', timeout: 15 * 60_000 });
  } catch (error: unknown) {
    const e = error as { stdout?: string; stderr?: string; message: string };
    throw new Error(`${what} failed: ${cmd} ${args.join(' ')}\n${e.message}\n${e.stdout ?? ''}\n${e.stderr ?? ''}`);
  }
}

/** A fresh copy of examples/ for each editor: the suites edit files, and the repository must never change. */
function freshWorkspace(): string {
  const dir = makeScratchDir('plumbline-e2e-workspace-').path;
  cpSync(EXAMPLES, dir, { recursive: true });
  return dir;
}

function newestMtime(paths: string[]): number {
  let newest = 0;
  for (const p of paths) {
    if (!existsSync(p)) continue;
    const stat = statSync(p);
    if (stat.isDirectory()) {
      newest = Math.max(newest, newestMtime(readdirSync(p).map((f) => join(p, f))));
    } else {
      newest = Math.max(newest, stat.mtimeMs);
    }
  }
  return newest;
}

/** The .vsix scripts/package.mjs makes; packaged again when missing or older than the sources.
 * PLUMBLINE_E2E_VSIX=path tests that file instead (a release artifact) and packages nothing. */
let vsixPath: string | undefined;
function ensureVsix(): string {
  const given = process.env.PLUMBLINE_E2E_VSIX;
  if (given !== undefined && given !== '') {
    if (!existsSync(given)) throw new Error(`PLUMBLINE_E2E_VSIX=${given} does not exist`);
    return given;
  }
  vsixPath ??= packageVsix();
  return vsixPath;
}

function packageVsix(): string {
  const { version } = JSON.parse(readFileSync(join(REPO, 'package.json'), 'utf8')) as { version: string };
  const vsix = join(REPO, `plumbline-${version}.vsix`);
  const sources = ['client/src', 'server/src', 'package.json', 'esbuild.mjs', '.vscodeignore', 'README.md', 'LICENSE', 'media', 'schemas'].map((p) => join(REPO, p));
  if (!existsSync(vsix) || statSync(vsix).mtimeMs < newestMtime(sources)) {
    setup('packaging the extension', process.execPath, [join(REPO, 'scripts', 'package.mjs')]);
    // package.mjs leaves a production build in dist/; put the development build (source maps) back.
    setup('building dist/', process.execPath, [join(REPO, 'esbuild.mjs')]);
  }
  if (!existsSync(vsix)) throw new Error(`scripts/package.mjs ran but ${vsix} does not exist`);
  return vsix;
}

function ensureBuilt(): void {
  const bundles = ['client.js', 'server.js'].map((f) => join(REPO, 'dist', f));
  if (!bundles.every((b) => existsSync(b))) setup('building dist/', process.execPath, [join(REPO, 'esbuild.mjs')]);
  for (const b of bundles) if (!existsSync(b)) throw new Error(`${b} is missing after \`node esbuild.mjs\``);
}

function report(label: string, result: ExtensionTestResult): void {
  console.log(`extension host (${label}): exit code ${result.exitCode}, ${result.passed ?? '?'} passed, ${result.failed ?? '?'} failed`);
  const failures = result.log.filter((l) => /^\[(error|warn)\]/.test(l) || /\d+\) |Error:|AssertionError/.test(l));
  const why = `extension-host suite (${label}) — exit ${result.exitCode}; ` + `errors and failures logged:\n${failures.slice(-40).join('\n') || '(none)'}`;
  assert.notEqual(result.passed, undefined, `the suite never printed its EXTENSION-HOST summary line\n${why}`);
  assert.equal(result.failed, 0, why);
  assert.equal(result.exitCode, 0, why);
  assert.equal(result.passed, SUITE_TESTS, `expected all ${SUITE_TESTS} extension-host tests to pass\n${why}`);
}

describe('editor tier: Plumbline in VS Code 1.100 (code-server) through Chromium', () => {
  let suiteEntry = '';

  before(async () => {
    setup('installing code-server and Chromium', 'bash', [join(REPO, 'scripts', 'install-code-server.sh')]);
    ensureBuilt();
    suiteEntry = await buildSuite();
    mkdirSync(ARTIFACTS, { recursive: true });
  });

  test('extension-host suite, extension loaded from the repository (development mode)', { timeout: 300_000 }, async () => {
    const result = await runExtensionTests({
      workspace: freshWorkspace(),
      extensionDevelopmentPath: REPO,
      extensionTestsPath: suiteEntry,
      env: { PLUMBLINE_E2E_MODE: 'development', PLUMBLINE_E2E_REPO: REPO },
      artifactsDir: join(ARTIFACTS, 'development'),
    });
    report('development', result);
  });

  test('extension-host suite, extension installed from the packaged .vsix', { timeout: 300_000 }, async () => {
    const result = await runExtensionTests({
      workspace: freshWorkspace(),
      vsix: ensureVsix(),
      extensionTestsPath: suiteEntry,
      env: { PLUMBLINE_E2E_MODE: 'vsix', PLUMBLINE_E2E_REPO: REPO },
      artifactsDir: join(ARTIFACTS, 'vsix'),
    });
    report('vsix', result);
  });

  test('UI: Quick Open the broken file; the Problems panel shows the YAML error', { timeout: 300_000 }, async () => {
    let server: CodeServer | undefined;
    const browser = await launchBrowser();
    let page: Page | undefined;
    const step = async <T>(what: string, action: () => Promise<T>): Promise<T> => {
      try {
        return await action();
      } catch (error: unknown) {
        const shot = join(ARTIFACTS, 'ui-failure.png');
        await page?.screenshot({ path: shot }).catch(() => undefined);
        throw new Error(
          `UI step failed: ${what} (screenshot: ${shot})\n${error instanceof Error ? error.message : String(error)}\n` +
            `--- code-server output:\n${server?.outputTail() ?? '(not started)'}\n--- VS Code logs:\n${server?.logsTail(2_000) ?? ''}`,
        );
      }
    };
    try {
      const workspace = freshWorkspace();
      server = await startCodeServer({ workspace, installVsix: ensureVsix() });
      const started = server;
      const p = await browser.newPage({ viewport: { width: 1280, height: 800 } });
      page = p;

      await step('open the workspace and wait for the Explorer', async () => {
        await p.goto(workbenchUrl(started, workspace), { waitUntil: 'domcontentloaded', timeout: 60_000 });
        await p.locator('.explorer-folders-view').waitFor({ timeout: 90_000 });
      });

      await step(`Quick Open (Ctrl+P) ${BROKEN_FILE}`, async () => {
        await p.keyboard.press('Control+P');
        const input = p.locator('.quick-input-widget input');
        await input.waitFor({ state: 'visible', timeout: 15_000 });
        await input.pressSequentially(BROKEN_FILE);
        await p.locator('.quick-input-list .monaco-list-row', { hasText: BROKEN_FILE }).first().waitFor({ timeout: 30_000 });
        await p.keyboard.press('Enter');
        await p.locator('.tabs-container .tab.active', { hasText: BROKEN_FILE }).waitFor({ timeout: 30_000 });
      });

      const row = p.locator('.markers-panel .monaco-list-row', { hasText: EXPECTED_MESSAGE }).first();
      const text = await step('open Problems (Ctrl+Shift+M) and wait for the diagnostic', async () => {
        await p.keyboard.press('Control+Shift+M');
        await p.locator('.markers-panel').waitFor({ timeout: 15_000 });
        await row.waitFor({ timeout: 90_000 });
        return row.innerText();
      });
      const rows = await p.locator('.markers-panel .monaco-list-row').allInnerTexts();
      assert.match(text, /plumbline/, `the problem row does not name its source: ${JSON.stringify(text)}`);
      assert.ok(text.includes(EXPECTED_POSITION), `the problem is not at ${EXPECTED_POSITION}: ${JSON.stringify(text)}`);
      assert.equal(rows.filter((r) => r.includes('plumbline')).length, 1, `expected exactly one plumbline problem, rows: ${JSON.stringify(rows)}`);

      await step('click the problem: the editor selects the error on line 9', async () => {
        await row.click();
        // The status bar's cursor item: 'Ln 9, Col 2 (1 selected)' (the marker's range is selected).
        await p.locator('.statusbar-item', { hasText: /^Ln 9, Col \d+/ }).first().waitFor({ timeout: 15_000 });
      });

      const screenshot = join(ARTIFACTS, 'problems-panel.png');
      await p.screenshot({ path: screenshot });
      console.log(`screenshot: ${screenshot}`);
    } finally {
      await browser.close().catch(() => undefined);
      await server?.stop();
    }
  });
});

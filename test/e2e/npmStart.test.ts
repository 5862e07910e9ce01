// Editor tier, issue 11: `npm start` as a new user runs it from the README. The test starts it as
// a process in its own group, reads the URL it prints, opens that in Chromium and checks what the
// README promises (dev drifted in the GitOps tree, the seeded drift in the Problems panel), then
// presses Ctrl-C (SIGINT to the process group) and checks that everything it started stopped and
// its temporary folders are gone.
//
// Every process `npm start` starts inherits a marker variable; "everything stopped" means no
// process with that marker is left. Its temporary folders go to a TMPDIR of this test's own.
// Run: node --import tsx --test test/e2e/npmStart.test.ts. Screenshots: test-results/e2e/npm-start-*.png.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import type { Browser, Locator, Page } from 'playwright-core';
import { REPO } from '../support/paths';
import { launchBrowser } from './browser';
import { ARTIFACTS, ensureEditorTools } from './setup';
import { eventually, problemRow, quickOpen, type Workbench } from './workbench';

const MARK = 'PLUMBLINE_NPM_START_MARK';

/** Pids of the processes that carry this run's marker in their environment. */
function markedProcesses(marker: string): number[] {
  const needle = `${MARK}=${marker}`;
  const out: number[] = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry) || Number(entry) === process.pid) continue;
    try {
      if (readFileSync(join('/proc', entry, 'environ'), 'latin1').split('\0').includes(needle)) out.push(Number(entry));
    } catch {
      // gone meanwhile, or not ours to read
    }
  }
  return out;
}

function describeProcesses(pids: number[]): string {
  return pids
    .map((pid) => {
      try {
        return `${pid}: ${readFileSync(`/proc/${pid}/cmdline`, 'latin1').replace(/\0/g, ' ').slice(0, 200)}`;
      } catch {
        return `${pid}: (gone)`;
      }
    })
    .join('\n');
}

describe('editor tier: npm start shows what the README promises (code-server, Chromium, bench cluster)', () => {
  const marker = randomUUID();
  let tmp = '';
  let exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }> | undefined;
  let output = '';
  let browser: Browser | undefined;
  let page: Page | undefined;
  let failures = 0;
  const started = Date.now();
  const timings: Record<string, number> = {};

  before(() => {
    ensureEditorTools();
    mkdirSync(ARTIFACTS, { recursive: true });
    tmp = mkdtempSync(join(tmpdir(), 'npm-start-e2e-tmp-'));
  });
  after(async () => {
    await browser?.close().catch(() => undefined);
    // Whatever a failed run left behind.
    for (const pid of markedProcesses(marker)) {
      try {
        process.kill(pid, 'SIGKILL');
      } catch {
        // already gone
      }
    }
    if (tmp !== '') rmSync(tmp, { recursive: true, force: true });
    process.stdout.write(`npm start e2e timings (s since the test began): ${JSON.stringify(timings)}\n`);
  });

  const screenshot = async (label: string): Promise<string> => {
    const path = join(ARTIFACTS, `npm-start-${label}.png`);
    await page?.screenshot({ path });
    return path;
  };
  const mark = (what: string): void => {
    timings[what] = Math.round((Date.now() - started) / 100) / 10;
  };
  const wb: Pick<Workbench, 'page' | 'step'> = {
    get page(): Page {
      assert.ok(page, 'the browser page is not open');
      return page;
    },
    async step<T>(what: string, action: () => Promise<T>): Promise<T> {
      try {
        return await action();
      } catch (error: unknown) {
        const shot = await screenshot(`failure-${++failures}`).catch(() => '(no screenshot)');
        throw new Error(`UI step failed: ${what} (screenshot: ${shot})\n${error instanceof Error ? error.message : String(error)}\n--- npm start output:\n${output.slice(-6_000)}`);
      }
    },
  };

  test('npm start prints a URL where the tree shows dev drifted and Problems the seeded drift; Ctrl-C stops it all', { timeout: 20 * 60_000 }, async () => {
    const env: NodeJS.ProcessEnv = { ...process.env, TMPDIR: tmp, [MARK]: marker, FORCE_COLOR: '0' };
    // The test runner's loader and context must not reach npm start (it runs its own tsx).
    delete env.NODE_OPTIONS;
    delete env.NODE_TEST_CONTEXT;
    const npm = spawn('npm', ['start'], { cwd: REPO, env, stdio: ['ignore', 'pipe', 'pipe'], detached: true });
    // 'close': npm and every process that shares its output pipes (tsx, start.ts) have exited.
    exited = new Promise((resolve) => npm.once('close', (code, signal) => resolve({ code, signal })));
    npm.stdout.on('data', (d: Buffer) => (output += d.toString()));
    npm.stderr.on('data', (d: Buffer) => (output += d.toString()));

    // The first run may build kube-apiserver from Go modules (minutes); later runs take seconds.
    const url = await eventually(
      'npm start to print the editor URL',
      () => {
        if (npm.exitCode !== null || npm.signalCode !== null) throw new Error(`npm start exited (${npm.exitCode ?? npm.signalCode}) before printing a URL:\n${output}`);
        return Promise.resolve(/^\s+(http:\/\/127\.0\.0\.1:\d+\/\S+)$/m.exec(output)?.[1]);
      },
      () => output.slice(-3_000),
      15 * 60_000,
    );
    mark('url printed');

    browser = await launchBrowser();
    page = await browser.newPage({ viewport: { width: 1280, height: 800 } });
    const p = page;
    await wb.step('open the printed URL and wait for the Explorer', async () => {
      await p.goto(url, { waitUntil: 'domcontentloaded', timeout: 60_000 });
      await p.locator('.explorer-folders-view').waitFor({ timeout: 90_000 });
    });
    mark('workbench open');

    const view: Locator = await wb.step('open the GitOps container from the activity bar', async () => {
      const v = p.locator('.sidebar .pane', { has: p.locator('.pane-header', { hasText: 'Environments' }) });
      if (!(await v.isVisible())) await p.locator('.activitybar [aria-label^="GitOps"]').first().click();
      await v.waitFor({ timeout: 60_000 });
      return v;
    });
    const devDescription = view.locator('.monaco-list-row[aria-level="1"]', { has: p.locator('.label-name', { hasText: /^dev$/ }) }).locator('.label-description');
    const shown = await wb.step('wait for the tree to show dev drifted against the bench cluster', () =>
      eventually(
        'dev drifted',
        async () => {
          const text = (await devDescription.count()) === 1 ? await devDescription.innerText() : '';
          return /drifted/.test(text) ? text : undefined;
        },
        async () => JSON.stringify(await view.locator('.monaco-list-row').allInnerTexts()),
        120_000,
      ),
    );
    assert.match(shown, /plumbline-bench/, `dev is compared with the bench cluster: ${shown}`);
    assert.doesNotMatch(await view.innerText(), /cluster access is off/i, 'no environment says cluster access is off');
    mark('tree shows dev drifted');
    await screenshot('tree');

    // The file the README names: dev's replicas patch, which the seed scaled from 1 to 3 by hand.
    await quickOpen(wb, 'overlays/dev/replicas.yaml', 'replicas.yaml');
    const row = await problemRow(wb, 'cluster has replicas: 3, Git declares 1', 120_000);
    assert.match(await row.innerText(), /replicas\.yaml|cluster has replicas: 3/);
    mark('problems show the drift');
    await screenshot('problems');

    await browser.close();
    browser = undefined;

    assert.ok(markedProcesses(marker).length >= 3, `npm start, code-server and the cluster carry the marker: ${describeProcesses(markedProcesses(marker))}`);
    const stopAsked = Date.now();
    // Ctrl-C in the terminal: SIGINT to the foreground process group.
    process.kill(-npm.pid!, 'SIGINT');
    const exit = await Promise.race([exited, new Promise<undefined>((resolve) => setTimeout(() => resolve(undefined), 60_000).unref())]);
    assert.ok(exit !== undefined, `npm start did not exit within 60 s of Ctrl-C:\n${output.slice(-3_000)}`);
    const left = await eventually(
      'every process npm start started to stop',
      () => Promise.resolve(markedProcesses(marker).length === 0 ? [] : undefined),
      () => describeProcesses(markedProcesses(marker)),
      30_000,
    );
    assert.deepEqual(left, []);
    mark('everything stopped');
    timings['stop after Ctrl-C'] = Math.round((Date.now() - stopAsked) / 100) / 10;
    assert.match(output, /stopping…[\s\S]*stopped: the editor and the cluster are down/, 'npm start says it is stopping, then that it stopped');
    const leftovers = readdirSync(tmp).filter((f) => f.startsWith('plumbline-'));
    assert.deepEqual(leftovers, [], `npm start left temporary folders in its TMPDIR: ${leftovers.join(', ')}`);
  });
});

// A person's session in VS Code for the web: code-server with the packaged extension installed,
// one Chromium page on the workbench, and the gestures the UI tests share (Quick Open, the
// Problems panel, reading what an editor shows). Every step that fails leaves a screenshot and
// the editor's logs in its error.
import { join } from 'node:path';
import type { Browser, Locator, Page } from 'playwright-core';
import { launchBrowser } from './browser';
import { type CodeServer, startCodeServer } from './codeServer';
import { workbenchUrl } from './extensionHost';
import { ARTIFACTS } from './setup';

export interface WorkbenchOptions {
  workspace: string;
  vsix: string;
  /** User settings over codeServer.ts's test defaults. */
  settings?: Record<string, unknown>;
  env?: Record<string, string>;
  /** Prefix of this session's screenshots in test-results/e2e/. */
  name: string;
}

export interface Workbench {
  page: Page;
  server: CodeServer;
  workspace: string;
  /** Runs a UI step; on failure throws with what was being done, a screenshot and the logs. */
  step<T>(what: string, action: () => Promise<T>): Promise<T>;
  /** Saves a screenshot of the whole window as test-results/e2e/<name>-<label>.png; returns its path. */
  screenshot(label: string): Promise<string>;
  close(): Promise<void>;
}

export async function openWorkbench(opts: WorkbenchOptions): Promise<Workbench> {
  let browser: Browser | undefined;
  let server: CodeServer | undefined;
  try {
    server = await startCodeServer({ workspace: opts.workspace, installVsix: opts.vsix, ...(opts.settings !== undefined ? { settings: opts.settings } : {}), ...(opts.env !== undefined ? { env: opts.env } : {}) });
    browser = await launchBrowser();
    const page = await browser.newPage({ viewport: { width: 1280, height: 800 } });
    const started = server;
    const opened = browser;
    let failures = 0;
    const screenshot = async (label: string): Promise<string> => {
      const path = join(ARTIFACTS, `${opts.name}-${label}.png`);
      await page.screenshot({ path });
      return path;
    };
    const wb: Workbench = {
      page,
      server: started,
      workspace: opts.workspace,
      screenshot,
      async step<T>(what: string, action: () => Promise<T>): Promise<T> {
        try {
          return await action();
        } catch (error: unknown) {
          const shot = await screenshot(`failure-${++failures}`).catch(() => '(no screenshot)');
          throw new Error(
            `UI step failed: ${what} (screenshot: ${shot})\n${error instanceof Error ? error.message : String(error)}\n` +
              `--- code-server output:\n${started.outputTail()}\n--- VS Code logs:\n${started.logsTail(3_000)}`,
          );
        }
      },
      async close(): Promise<void> {
        await opened.close().catch(() => undefined);
        await started.stop();
      },
    };
    await wb.step('open the workspace and wait for the Explorer', async () => {
      await page.goto(workbenchUrl(started, opts.workspace), { waitUntil: 'domcontentloaded', timeout: 60_000 });
      await page.locator('.explorer-folders-view').waitFor({ timeout: 90_000 });
    });
    return wb;
  } catch (error) {
    await browser?.close().catch(() => undefined);
    await server?.stop();
    throw error;
  }
}

/** Quick Open (Ctrl+P) `query`, pick the first match, wait for its tab `tab` to be active. */
export async function quickOpen(wb: Pick<Workbench, 'page' | 'step'>, query: string, tab: string): Promise<void> {
  await wb.step(`Quick Open (Ctrl+P) ${query}`, async () => {
    const p = wb.page;
    await p.keyboard.press('Control+P');
    const input = p.locator('.quick-input-widget input');
    await input.waitFor({ state: 'visible', timeout: 15_000 });
    await input.pressSequentially(query);
    // The list filters as results arrive: Enter only once the whole query is in and the focused
    // (first) row is the file wanted, not an editor-history entry from before the filter.
    const wanted = query.includes('/') ? query.slice(0, query.lastIndexOf('/')) : undefined;
    const focused = p.locator('.quick-input-list .monaco-list-row.focused', { hasText: tab });
    await eventually(
      `the focused Quick Open row to be ${query}`,
      async () => ((await input.inputValue()) === query && (await focused.count()) === 1 && (wanted === undefined || (await focused.innerText()).includes(wanted)) ? true : undefined),
      async () => JSON.stringify(await p.locator('.quick-input-list .monaco-list-row').allInnerTexts()),
      30_000,
    );
    await p.keyboard.press('Enter');
    await p.locator('.tabs-container .tab.active', { hasText: tab }).waitFor({ timeout: 30_000 });
  });
}

/** Opens the Problems panel (Ctrl+Shift+M) and waits for a row with `text`; returns that row. */
export async function problemRow(wb: Pick<Workbench, 'page' | 'step'>, text: string, timeout = 90_000): Promise<Locator> {
  return wb.step(`open Problems (Ctrl+Shift+M) and wait for "${text}"`, async () => {
    const p = wb.page;
    if (!(await p.locator('.markers-panel').isVisible())) await p.keyboard.press('Control+Shift+M');
    await p.locator('.markers-panel').waitFor({ timeout: 15_000 });
    const row = p.locator('.markers-panel .monaco-list-row', { hasText: text }).first();
    await row.waitFor({ timeout });
    return row;
  });
}

/** The text of the lines an editor (or one side of a diff editor) renders, spaces made plain. */
export async function renderedLines(scope: Locator): Promise<string[]> {
  return (await scope.locator('.view-lines .view-line').allInnerTexts()).map((l) => l.replace(/\u00a0/g, ' '));
}

/** Polls `probe` until it returns a value, with a deadline; the error says what was last seen. */
export async function eventually<T>(what: string, probe: () => Promise<T | undefined>, last: () => Promise<string> | string, timeoutMs = 60_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs / 1000}s waiting for ${what}; last seen: ${await last()}`);
    // Poll interval, bounded by the deadline above.
    await new Promise((r) => setTimeout(r, 250));
  }
}

// Editor tier, issue 11 item 6: what a VS Code user expects of an extension's UI. The packaged
// .vsix in code-server, pointed at the bench cluster (kubeconfig a user setting), no file open:
// the cluster item in the status bar (visible because the workspace has environments, with a
// spoken label), its quick pick (turn cluster access off and on, choose a context from the
// kubeconfig the server reads), the commands findable by "Plumbline" and "GitOps", and the
// walkthrough. Run: node --import tsx --test test/e2e/conventions.test.ts.
// Screenshots: test-results/e2e/conventions-*.png.
import assert from 'node:assert/strict';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import type { Locator } from 'playwright-core';
import { type Cluster, startCluster } from '../cluster/harness';
import { ARTIFACTS, ensureEditorTools, ensureVsix, freshWorkspace } from './setup';
import { eventually, openWorkbench, quickOpen, type Workbench } from './workbench';

describe('editor tier: status bar, cluster actions, palette and walkthrough (code-server, Chromium)', () => {
  let cluster: Cluster | undefined;
  let wb: Workbench | undefined;
  let workspace = '';
  const settingsFile = (): string => join(workspace, '.vscode', 'settings.json');

  before(async () => {
    ensureEditorTools();
    mkdirSync(ARTIFACTS, { recursive: true });
    workspace = freshWorkspace('plumbline-e2e-conventions-');
    cluster = await startCluster();
    mkdirSync(join(workspace, '.vscode'));
    // The kubeconfig is a user setting (machine scope: a repository cannot choose it); the rest
    // are workspace settings, which the cluster actions below rewrite.
    const settings = { 'plumbline.cluster.enabled': true, 'plumbline.cluster.context': cluster.adminContext };
    writeFileSync(settingsFile(), `${JSON.stringify(settings, null, 2)}\n`);
    wb = await openWorkbench({ workspace, vsix: ensureVsix(), name: 'conventions', settings: { 'plumbline.cluster.kubeconfig': cluster.kubeconfigPath } });
  });
  after(async () => {
    await wb?.close();
    await cluster?.stop();
  });

  function session(): Workbench {
    assert.ok(wb, 'the workbench did not open (see the before hook)');
    return wb;
  }

  /** The cluster item, found as a screen reader finds it: a button named by its accessible label. */
  function clusterItem(): Locator {
    return session().page.getByRole('button', { name: /^Plumbline cluster: / });
  }

  async function quickPickRows(): Promise<string[]> {
    return (await session().page.locator('.quick-input-widget .quick-input-list .monaco-list-row').allInnerTexts()).map((t) => t.replace(/\s+/g, ' ').trim());
  }

  /** Waits for the open quick pick to list a row with `label`, then picks it. */
  async function pick(label: string): Promise<void> {
    const p = session().page;
    const row = p.locator('.quick-input-widget .quick-input-list .monaco-list-row', { hasText: label }).first();
    await row.waitFor({ timeout: 30_000 });
    await row.click();
  }

  test('the cluster item is in the status bar with no editor open, named for screen readers', { timeout: 180_000 }, async () => {
    const w = session();
    const item = clusterItem();
    await w.step('wait for the cluster item with no editor open', () => item.waitFor({ timeout: 120_000 }));
    assert.equal(await w.page.locator('.editor-group-container .tab').count(), 0, 'no editor is open');
    const label = await item.getAttribute('aria-label');
    assert.ok(cluster);
    assert.match(label ?? '', new RegExp(`^Plumbline cluster: (compares with|connecting to|connected to) ${cluster.adminContext}\\. Activate for cluster actions\\.$`), `the spoken label: ${label}`);
    assert.doesNotMatch(label ?? '', /circle-slash|\$\(/, 'no icon names in the spoken label');
    assert.match(await item.innerText(), new RegExp(cluster.adminContext));
    await w.screenshot('status-bar');
  });

  test('clicking it opens the cluster actions; Select Cluster Context lists the kubeconfig\'s contexts', { timeout: 120_000 }, async () => {
    const w = session();
    assert.ok(cluster);
    const c = cluster;
    await w.step('click the cluster item', () => clusterItem().click());
    const rows = await w.step('wait for the four cluster actions', () =>
      eventually('the cluster actions', async () => ((await quickPickRows()).length >= 4 ? quickPickRows() : undefined), () => quickPickRows().then(JSON.stringify), 30_000),
    );
    assert.deepEqual(
      rows.map((r) => r.replace(/ (Validate|Use) .*$/, '').replace(/….*$/, '…')),
      ['Disable Cluster Access', 'Select Cluster Context…', 'Open Cluster Settings', 'Show Log'],
      `the actions: ${JSON.stringify(rows)}`,
    );
    assert.match(rows[1] ?? '', new RegExp(`${c.adminContext}$`), 'the context in use is named beside Select Cluster Context');
    await w.screenshot('cluster-actions');
    await w.step('pick Select Cluster Context…', () => pick('Select Cluster Context…'));
    const contexts = await w.step('wait for the contexts the server read from the kubeconfig', () =>
      eventually('the kubeconfig contexts', async () => {
        const now = await quickPickRows();
        return now.some((r) => r.includes(c.viewerContext)) ? now : undefined;
      }, () => quickPickRows().then(JSON.stringify), 30_000),
    );
    assert.ok(contexts.some((r) => r.startsWith(c.adminContext) && r.includes('in use')), `${c.adminContext} is marked in use: ${JSON.stringify(contexts)}`);
    assert.ok(contexts.some((r) => r.startsWith('Current context')), 'the kubeconfig\'s current context is offered');
    await w.screenshot('contexts');
    await w.step(`pick ${c.viewerContext}`, () => pick(c.viewerContext));
    await w.step('the workspace settings name the picked context', () =>
      eventually('plumbline.cluster.context in settings.json', () => Promise.resolve(readFileSync(settingsFile(), 'utf8').includes(`"plumbline.cluster.context": "${c.viewerContext}"`) ? true : undefined), () => readFileSync(settingsFile(), 'utf8'), 30_000),
    );
    await w.step('the cluster item names the picked context', () =>
      eventually('the item to name the viewer context', async () => ((await clusterItem().getAttribute('aria-label'))?.includes(c.viewerContext) === true ? true : undefined), async () => String(await clusterItem().getAttribute('aria-label')), 60_000),
    );
  });

  test('Disable Cluster Access turns the setting off and the item says so; Enable turns it back on', { timeout: 120_000 }, async () => {
    const w = session();
    for (const [action, enabled, spoken] of [['Disable Cluster Access', false, /^Plumbline cluster: cluster access off\./], ['Enable Cluster Access', true, /^Plumbline cluster: (compares with|connecting to|connected to|cannot reach) /]] as const) {
      await w.step('click the cluster item', () => clusterItem().click());
      await w.step(`pick ${action}`, () => pick(action));
      await w.step(`the workspace settings say enabled: ${enabled}`, () =>
        eventually('plumbline.cluster.enabled in settings.json', () => Promise.resolve(readFileSync(settingsFile(), 'utf8').includes(`"plumbline.cluster.enabled": ${enabled}`) ? true : undefined), () => readFileSync(settingsFile(), 'utf8'), 30_000),
      );
      await w.step(`the cluster item says ${spoken.source}`, () =>
        eventually('the spoken label', async () => (spoken.test((await clusterItem().getAttribute('aria-label')) ?? '') ? true : undefined), async () => String(await clusterItem().getAttribute('aria-label')), 60_000),
      );
      if (!enabled) {
        assert.match(await clusterItem().innerText(), /cluster off/);
        await w.screenshot('cluster-off');
      }
    }
  });

  for (const query of ['plumbline', 'gitops']) {
    test(`"${query}" in the Command Palette finds Plumbline's commands`, { timeout: 60_000 }, async () => {
      const w = session();
      const p = w.page;
      await w.step(`F1, type ${query}`, async () => {
        await p.keyboard.press('F1');
        const input = p.locator('.quick-input-widget input');
        await input.waitFor({ state: 'visible', timeout: 15_000 });
        await input.pressSequentially(query);
      });
      const rows = await w.step('wait for the matching commands', () =>
        eventually('at least 8 Plumbline GitOps commands', async () => {
          const now = await quickPickRows();
          return now.filter((r) => r.includes('Plumbline GitOps:')).length >= 8 ? now : undefined;
        }, () => quickPickRows().then(JSON.stringify), 30_000),
      );
      for (const title of ['Commit and Sync', 'Select Cluster Context…', 'Get Started']) {
        assert.ok(rows.some((r) => r.includes(`Plumbline GitOps: ${title}`)), `${title} is listed: ${JSON.stringify(rows)}`);
      }
      // No file is open: what needs a YAML editor is hidden.
      assert.ok(!rows.some((r) => r.includes('Show Cluster Diff')), `Show Cluster Diff needs a YAML editor: ${JSON.stringify(rows)}`);
      await w.screenshot(`palette-${query}`);
      await p.keyboard.press('Escape');
    });
  }

  test('a YAML editor has Show Cluster Diff in its title bar; an environment folder has Commit and Sync in the Explorer', { timeout: 120_000 }, async () => {
    const w = session();
    const p = w.page;
    await quickOpen(w, 'overlays/dev/replicas.yaml', 'replicas.yaml');
    await w.step('the editor title bar offers Show Cluster Diff', () => p.locator('.editor-actions [aria-label^="Show Cluster Diff"]').first().waitFor({ timeout: 30_000 }));
    await w.screenshot('editor-title');
    // Quick Open revealed the file in the Explorer: apps/shop/overlays/dev is expanded.
    const explorer = p.locator('.explorer-folders-view');
    const folder = (level: number, name: string): Locator => explorer.locator(`.monaco-list-row[aria-level="${level}"]`, { has: p.locator('.label-name', { hasText: new RegExp(`^${name}$`) }) }).first();
    await w.step('open the Explorer', async () => {
      if (!(await explorer.isVisible())) await p.keyboard.press('Control+Shift+E');
      await folder(4, 'dev').waitFor({ timeout: 30_000 });
    });
    const menu = p.locator('.context-view .monaco-menu');
    await w.step('right-click apps/shop/overlays/dev: Commit and Sync is offered', async () => {
      await folder(4, 'dev').click({ button: 'right' });
      await menu.locator('.action-label', { hasText: /^Commit and Sync$/ }).waitFor({ timeout: 15_000 });
    });
    await w.screenshot('explorer-context');
    await p.keyboard.press('Escape');
    await w.step('right-click apps/shop (not an environment folder): no Commit and Sync', async () => {
      await folder(2, 'shop').click({ button: 'right' });
      await menu.locator('.action-label').first().waitFor({ timeout: 15_000 });
      assert.equal(await menu.locator('.action-label', { hasText: /^Commit and Sync$/ }).count(), 0, 'Commit and Sync on a folder that is no environment');
    });
    await p.keyboard.press('Escape');
  });

  test('Get Started opens the walkthrough with its five steps', { timeout: 60_000 }, async () => {
    const w = session();
    const p = w.page;
    await w.step('F1, Plumbline GitOps: Get Started', async () => {
      await p.keyboard.press('F1');
      const input = p.locator('.quick-input-widget input');
      await input.waitFor({ state: 'visible', timeout: 15_000 });
      await input.pressSequentially('Plumbline GitOps: Get Started');
      await p.locator('.quick-input-list .monaco-list-row.focused', { hasText: 'Get Started' }).waitFor({ timeout: 15_000 });
      await p.keyboard.press('Enter');
    });
    const page = p.locator('.gettingStartedContainer');
    await w.step('wait for the walkthrough', () => page.locator('.getting-started-category', { hasText: 'Get started with Plumbline GitOps' }).or(page.getByText('Get started with Plumbline GitOps')).first().waitFor({ timeout: 30_000 }));
    for (const step of ['Open a GitOps repository', 'Connect a cluster', 'See drift', 'Preview a change', 'Commit and Sync']) {
      await w.step(`the step "${step}" is shown`, () => page.locator('.getting-started-step', { hasText: step }).first().waitFor({ timeout: 15_000 }));
    }
    await w.screenshot('walkthrough');
  });
});

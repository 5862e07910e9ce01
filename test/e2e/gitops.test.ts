// Editor tier, issue 5: the GitOps sidebar, Show Cluster Diff and Commit and Sync in VS Code for
// the web (code-server, the packaged .vsix installed), against the real bench kube-apiserver and
// a real git repository whose remote is a bare repository on disk.
//
// The workspace is a copy of examples/ made a git repository (pushed to the bare remote), pointed
// at the bench cluster through its settings (plumbline.cluster.*: the kubeconfig a user setting). The cluster is seeded
// as `npm start` seeds it (test/cluster/seed.ts): dev applied as Flux would, then scaled by hand
// (without the env var `npm start` also sets, so a sync leaves dev in sync); staging applied untouched; prod not
// applied. The cluster runs no Flux controller, so the workspace's .plumbline.yaml delivers dev by
// direct server-side apply (the Flux and Argo CD paths are the cluster tier's, converge.test.ts). No
// controller runs either, so each environment's Deployment stays "progressing" in the health roll-up.
// Run: node --import tsx --test test/e2e/gitops.test.ts. Screenshots: test-results/e2e/gitops-*.png.
import assert from 'node:assert/strict';
import { mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import type { Locator } from 'playwright-core';
import { type Cluster, startCluster } from '../cluster/harness';
import { applyAsFlux, kubectlFor, seedExampleDrift } from '../cluster/seed';
import { gitWorkspace } from './gitWorkspace';
import { ARTIFACTS, ensureEditorTools, ensureVsix, setup } from './setup';
import { eventually, openWorkbench, problemRow, quickOpen, renderedLines, type Workbench } from './workbench';

/** What descriptions() reads of a row in the page (the DOM types are not in this tsconfig). */
interface RowElement {
  querySelector(selector: string): { textContent: string | null } | null;
}

const COMMIT_MESSAGE = 'dev: scale shop-web to 2 (e2e)';
const DEV_PATCH = 'apps/shop/overlays/dev/replicas.yaml';

/** Plumbline's output channel as VS Code wrote it to disk (the newest extension host's). */
function extensionLog(userDataDir: string): string {
  const logs = readdirSync(join(userDataDir, 'logs'), { recursive: true })
    .map(String)
    .filter((f) => f.endsWith(join('plumbline.plumbline', 'Plumbline.log')))
    .sort();
  const newest = logs[logs.length - 1];
  assert.ok(newest !== undefined, `no Plumbline.log under ${userDataDir}/logs`);
  return readFileSync(join(userDataDir, 'logs', newest), 'utf8');
}

describe('editor tier: the GitOps sidebar against the bench cluster (code-server, Chromium)', () => {
  let cluster: Cluster | undefined;
  let wb: Workbench | undefined;
  let workspace = '';
  let remote = '';
  let kubectl: (args: string[]) => string = () => '';

  before(async () => {
    ensureEditorTools();
    mkdirSync(ARTIFACTS, { recursive: true });
    ({ workspace, remote } = gitWorkspace());
    cluster = await startCluster();
    kubectl = kubectlFor(cluster.kubeconfigPath);
    seedExampleDrift(cluster.kubeconfigPath, workspace);
    applyAsFlux(cluster.kubeconfigPath, join(workspace, 'apps', 'shop', 'overlays', 'staging'));
    // Workspace settings, as a user points Plumbline at a cluster; left untracked in Git on purpose.
    mkdirSync(join(workspace, '.vscode'));
    // The kubeconfig is a user setting (machine scope): a workspace cannot choose it, so it goes with the user's below.
    // No controller rolls the bench cluster's Deployments out, so Commit and Sync does not wait for health here
    // (the cluster tier's health.test.ts waits, and plays the controller).
    const settings = { 'plumbline.cluster.enabled': true, 'plumbline.cluster.context': cluster.adminContext, 'plumbline.sync.healthTimeout': 0 };
    writeFileSync(join(workspace, '.vscode', 'settings.json'), `${JSON.stringify(settings, null, 2)}\n`);
    // Unchanged regions folded away, so the diff editor shows the fields that differ.
    wb = await openWorkbench({ workspace, vsix: ensureVsix(), name: 'gitops', settings: { 'diffEditor.hideUnchangedRegions.enabled': true, 'plumbline.cluster.kubeconfig': cluster.kubeconfigPath } });
  });
  after(async () => {
    await wb?.close();
    await cluster?.stop();
  });

  function session(): Workbench {
    assert.ok(wb, 'the workbench did not open (see the before hook)');
    return wb;
  }

  /** The Environments view's rows, opened from the activity bar's GitOps container. */
  async function environmentsView(): Promise<Locator> {
    const w = session();
    return w.step('open the GitOps container from the activity bar', async () => {
      const p = w.page;
      const view = p.locator('.sidebar .pane', { has: p.locator('.pane-header', { hasText: 'Environments' }) });
      if (!(await view.isVisible())) await p.locator('.activitybar [aria-label^="GitOps"]').first().click();
      await view.waitFor({ timeout: 30_000 });
      return view;
    });
  }

  function envRow(view: Locator, name: string): Locator {
    return view.locator('.monaco-list-row', { has: view.page().locator('.label-name', { hasText: new RegExp(`^${name}$`) }) });
  }

  /** Each environment's description as the view renders it now (read at once: rows re-render as statuses arrive). */
  async function descriptions(view: Locator): Promise<Record<string, string>> {
    const rows: [string, string][] = await view
      .locator('.monaco-list-row[aria-level="1"]')
      .evaluateAll((els: RowElement[]) => els.map((r): [string, string] => [r.querySelector('.label-name')?.textContent ?? '', r.querySelector('.label-description')?.textContent ?? '']));
    return Object.fromEntries(rows.map(([name, description]) => [name.trim(), description.trim()]));
  }

  /** Waits until every environment's description matches; returns what the view shows. */
  async function waitForStatuses(view: Locator, expected: Record<string, RegExp>, what: string): Promise<Record<string, string>> {
    return session().step(what, () =>
      eventually(
        what,
        async () => {
          const now = await descriptions(view);
          return Object.entries(expected).every(([env, re]) => re.test(now[env] ?? '')) ? now : undefined;
        },
        async () => JSON.stringify(await descriptions(view)),
        120_000,
      ),
    );
  }

  test('the tree lists dev, staging and prod with their status against the cluster', { timeout: 240_000 }, async () => {
    const w = session();
    const view = await environmentsView();
    const shown = await waitForStatuses(
      view,
      { dev: /^1 resource drifted \(1 field\) · 3\/4 healthy, 1 progressing · plumbline-bench · main$/, staging: /^in sync · 3\/4 healthy, 1 progressing · plumbline-bench · main$/, prod: /^not deployed: 4 resources · plumbline-bench · main · protected$/ },
      'dev drifted, staging in sync, prod missing',
    );
    assert.deepEqual(Object.keys(shown), ['dev', 'staging', 'prod'], `the environments of examples/ in promotion order: ${JSON.stringify(shown)}`);
    // The status icons a person reads before the text.
    assert.equal(await envRow(view, 'dev').locator('.codicon-warning').count(), 1, 'dev has no warning icon');
    // In sync, so its icon is its health: the Deployment no controller rolls out is progressing.
    assert.equal(await envRow(view, 'staging').locator('.codicon-sync').count(), 1, 'staging (in sync, 1 progressing) has no progressing icon');
    assert.equal(await envRow(view, 'prod').locator('.codicon-circle-slash').count(), 1, 'prod has no missing icon');

    await w.step('expand dev, then Deployment: shop-web is the drifted resource', async () => {
      await envRow(view, 'dev').click();
      const deployment = view.locator('.monaco-list-row[aria-level="2"]', { has: w.page.locator('.label-name', { hasText: /^Deployment$/ }) });
      await deployment.click();
      const shopWeb = view.locator('.monaco-list-row[aria-level="3"]', { has: w.page.locator('.label-name', { hasText: /^shop-web$/ }) });
      await shopWeb.waitFor({ timeout: 15_000 });
      // Health beside drift: no controller rolls the bench cluster's Deployment out.
      assert.match(await shopWeb.locator('.label-description').innerText(), /^\d+ fields? drifted · InProgress$/);
      const kinds = await view.locator('.monaco-list-row[aria-level="2"] .label-name').allInnerTexts();
      assert.deepEqual(kinds, ['ConfigMap', 'Deployment', 'Namespace', 'Service'], `dev's resources by kind: ${JSON.stringify(kinds)}`);
    });
    await w.step('the drifted row offers Show Cluster Diff inline; it opens the diff of dev\'s shop-web', async () => {
      const shopWeb = view.locator('.monaco-list-row[aria-level="3"]', { has: w.page.locator('.label-name', { hasText: /^shop-web$/ }) });
      await shopWeb.hover();
      const action = shopWeb.locator('.actions .action-label[aria-label="Show Cluster Diff"]');
      await action.waitFor({ timeout: 10_000 });
      await action.click();
      await w.page.locator('.tabs-container .tab.active', { hasText: 'Deployment/shop-web: cluster ↔ after applying Git' }).waitFor({ timeout: 30_000 });
    });
    console.log(`screenshot: ${await w.screenshot('environments')}`);
    await envRow(view, 'dev').click(); // collapse again for the next test's clicks
  });

  test('Show Cluster Diff from the CodeLens opens a diff editor: live replicas 3, Git 1', { timeout: 180_000 }, async () => {
    const w = session();
    const p = w.page;
    await quickOpen(w, 'base/deployment.yaml', 'deployment.yaml');
    const editor = p.locator('.editor-group-container.active .monaco-editor').first();
    await w.step('wait for the drift CodeLens over the Deployment and click it', async () => {
      const lens = editor.locator('.codelens-decoration a', { hasText: /drifted/ });
      await lens.first().waitFor({ timeout: 90_000 });
      await lens.first().click();
    });
    const diff = p.locator('.editor-group-container.active .monaco-diff-editor');
    const title = 'Deployment/shop-web: cluster ↔ after applying Git';
    const sides = await w.step('the diff editor opens with the live object left and the predicted one right', async () => {
      await p.locator('.tabs-container .tab.active', { hasText: title }).waitFor({ timeout: 30_000 });
      await diff.waitFor({ timeout: 30_000 });
      const live = diff.locator('.editor.original');
      const predicted = diff.locator('.editor.modified');
      return eventually(
        'replicas: 3 on the live side and replicas: 1 on the Git side',
        async () => {
          const [l, r] = [await renderedLines(live), await renderedLines(predicted)];
          return l.some((x) => /^\s*replicas: 3$/.test(x)) && r.some((x) => /^\s*replicas: 1$/.test(x)) ? { live: l, predicted: r } : undefined;
        },
        async () => JSON.stringify({ live: await renderedLines(live), predicted: await renderedLines(predicted) }),
        30_000,
      );
    });
    // Nothing else differs: both sides show the same lines (unchanged regions folded alike) but for replicas.
    const only = (a: string[], b: string[]): string[] => {
      const rest = [...b];
      return a.filter((line) => {
        const at = rest.indexOf(line);
        if (at === -1) return true;
        rest.splice(at, 1);
        return false;
      });
    };
    assert.deepEqual(only(sides.live, sides.predicted).map((l) => l.trim()), ['replicas: 3'], `lines only on the live side: ${JSON.stringify(sides)}`);
    assert.deepEqual(only(sides.predicted, sides.live).map((l) => l.trim()), ['replicas: 1'], `lines only on the Git side: ${JSON.stringify(sides)}`);
    console.log(`screenshot: ${await w.screenshot('cluster-diff')}`);
  });

  test('Commit and Sync dev from the tree: the bare remote gets the commit, the cluster the change', { timeout: 300_000 }, async () => {
    const w = session();
    const p = w.page;
    await quickOpen(w, 'dev/replicas.yaml', 'replicas.yaml');
    await w.step('change dev replicas to 2 in the editor and save', async () => {
      // Under load, keys typed into Go to Line before its box took focus were lost: fill the box,
      // and go on only once it offers line 6 and the cursor is there.
      await p.keyboard.press('Control+G');
      const goTo = p.locator('.quick-input-widget input');
      await goTo.waitFor({ state: 'visible', timeout: 15_000 });
      await goTo.fill(':6');
      await p.locator('.quick-input-widget', { hasText: 'Go to line 6' }).waitFor({ timeout: 10_000 });
      await p.keyboard.press('Enter');
      await p.locator('.statusbar', { hasText: /Ln 6,/ }).waitFor({ timeout: 10_000 });
      await p.keyboard.press('End');
      await p.keyboard.press('Backspace');
      await p.keyboard.type('2');
      await p.keyboard.press('Control+S');
      await eventually('the file on disk to say replicas: 2', () => Promise.resolve(readFileSync(join(workspace, DEV_PATCH), 'utf8').includes('  replicas: 2\n') ? true : undefined), () => readFileSync(join(workspace, DEV_PATCH), 'utf8'), 15_000);
    });

    const view = await environmentsView();
    await w.step('the tree shows the saved change as uncommitted in dev', async () => {
      await eventually('dev to show 1 uncommitted file', async () => ((await descriptions(view))['dev'] ?? '').includes('1 uncommitted') || undefined, async () => JSON.stringify(await descriptions(view)), 30_000);
    });
    await w.step('right-click dev: Commit and Sync', async () => {
      // Also offered inline on the row, as the cloud-upload button.
      await envRow(view, 'dev').hover();
      await envRow(view, 'dev').locator('.actions .action-label[aria-label="Commit and Sync"]').waitFor({ timeout: 10_000 });
      await envRow(view, 'dev').click({ button: 'right' });
      // The menu item as a person sees it (the workbench also holds entries of that name that are
      // not on screen), chosen as a person may: point at it and press Enter. A synthetic click's
      // mouse-up was sometimes lost on this menu, leaving it open with nothing run.
      const item = p.getByRole('menuitem', { name: 'Commit and Sync', exact: true });
      await item.hover();
      await p.keyboard.press('Enter');
    });
    await w.step('the commit message prompt names the one file; type the message', async () => {
      const input = p.locator('.quick-input-widget input');
      await input.waitFor({ state: 'visible', timeout: 30_000 });
      await p.locator('.quick-input-widget', { hasText: 'Commit 1 file(s) of dev' }).waitFor({ timeout: 5_000 });
      await input.fill(COMMIT_MESSAGE);
      await p.keyboard.press('Enter');
    });
    await w.step('confirm the dialog: commit, push, then apply to the cluster', async () => {
      const dialog = p.locator('.monaco-dialog-box', { hasText: 'Commit 1 file(s) of dev, push, then apply it to the cluster?' });
      await dialog.waitFor({ timeout: 30_000 });
      const text = await dialog.innerText();
      assert.match(text, /modified: apps\/shop\/overlays\/dev\/replicas\.yaml/);
      // Where it goes, before anything moves: the repository, its branch, the remote and its branch.
      assert.match(text, new RegExp(`Repository: ${workspace.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}`));
      assert.match(text, /Branch: main/);
      assert.match(text, new RegExp(`Remote: origin \\(${remote.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}\\), branch main`));
      await w.screenshot('commit-and-sync-confirm');
      await dialog.locator('.monaco-button', { hasText: 'Commit and Sync' }).click();
    });
    const outcome = await w.step('wait for the result notification', async () => {
      const message = p.locator('.notifications-toasts .notification-list-item-message', { hasText: /^(dev: committed|Sync of dev stopped)/ });
      await message.first().waitFor({ timeout: 180_000 });
      return message.first().innerText();
    });
    console.log(`screenshot: ${await w.screenshot('commit-and-sync-done')}`);
    assert.match(outcome, /^dev: committed [0-9a-f]+ dev: scale shop-web to 2 \(e2e\) · .* · /, `the sync did not succeed: ${outcome}`);

    const remoteGit = (...args: string[]): string => setup(`git ${args[0] ?? ''} in the bare remote`, 'git', ['--git-dir', remote, ...args]).trim();
    assert.equal(remoteGit('log', '-1', '--format=%s', 'main'), COMMIT_MESSAGE, 'the bare remote main does not have the new commit');
    assert.equal(remoteGit('rev-list', '--count', 'main'), '2');
    assert.equal(remoteGit('show', '--name-only', '--format=', 'main'), DEV_PATCH, 'the commit holds more than the dev file');
    assert.match(setup('git status', 'git', ['status', '--porcelain'], workspace), /^\?\? \.vscode\/$/m, 'the unrelated .vscode/ was committed or lost');
    assert.equal(kubectl(['get', 'deployment', 'shop-web', '-n', 'shop-dev', '-o', 'jsonpath={.spec.replicas}']), '2', 'the cluster did not get replicas 2');

    // The log: each server message once, at its own level, without the language client's "[Info - time]" prefix.
    const log = extensionLog(w.server.userDataDir);
    assert.match(log, /\[info\] sync dev: commit: committed [0-9a-f]+ /, 'the sync steps are logged');
    assert.doesNotMatch(log, /\[(Trace|Debug|Info|Warn|Error)\s*- \d/, 'no second level prefix in the log');

    const shown = await waitForStatuses(view, { dev: /^in sync · 3\/4 healthy, 1 progressing · plumbline-bench · main$/ }, 'dev to show in sync after the sync, with nothing left uncommitted or unpushed');
    assert.match(shown.staging ?? '', /^in sync/);
    console.log(`screenshot: ${await w.screenshot('environments-after-sync')}`);
  });
  test('git checkout of an open file on disk updates its diagnostics without a save or reload', { timeout: 180_000 }, async () => {
    const w = session();
    const p = w.page;
    const file = 'apps/shop/base/service.yaml';
    const committed = readFileSync(join(workspace, file), 'utf8');
    assert.match(committed, /port: 80\n/);
    await quickOpen(w, 'base/service.yaml', 'service.yaml');
    await w.step('another tool writes a broken port into the file on disk', () => Promise.resolve(writeFileSync(join(workspace, file), committed.replace('port: 80\n', 'port: eighty\n'))));
    const row = await problemRow(w, 'eighty');
    assert.match(await row.innerText(), /integer/, 'the type error names what the field takes');
    await w.screenshot('disk-change-error');
    await w.step('git checkout restores the file: the error goes away', async () => {
      setup('git checkout', 'git', ['checkout', '--', file], workspace);
      await eventually(
        'the Problems panel to drop the error',
        async () => ((await p.locator('.markers-panel .monaco-list-row', { hasText: 'eighty' }).count()) === 0 ? true : undefined),
        async () => JSON.stringify(await p.locator('.markers-panel .monaco-list-row').allInnerTexts()),
        60_000,
      );
    });
    assert.equal(readFileSync(join(workspace, file), 'utf8'), committed);
  });

  test('Reconcile of a Flux environment on a cluster without Flux says so, with what to do', { timeout: 180_000 }, async () => {
    const w = session();
    const p = w.page;
    const view = await environmentsView();
    await w.step('right-click staging (delivered by a Flux Kustomization): Reconcile', async () => {
      await envRow(view, 'staging').click({ button: 'right' });
      const item = p.getByRole('menuitem', { name: 'Reconcile', exact: true });
      await item.hover();
      await p.keyboard.press('Enter');
    });
    const toast = p.locator('.notifications-toasts .notification-list-item', { hasText: 'Reconcile of staging failed' });
    await w.step('an error notification names the missing controller and the cluster', async () => {
      await toast.first().waitFor({ timeout: 90_000 });
    });
    const text = await toast.first().innerText();
    assert.match(text, /Flux is not installed in plumbline-bench: its \w+ CRD \([a-z.]+\/v1\w*\) is not served/);
    assert.match(text, /deliver this environment directly \(delivery: direct in \.plumbline\.yaml\)/);
    const buttons = await toast.first().locator('.monaco-button').allInnerTexts();
    assert.deepEqual(buttons.map((b) => b.trim()), ['Open .plumbline.yaml', 'Show Output']);
    console.log(`screenshot: ${await w.screenshot('reconcile-without-flux')}`);
    await toast.first().locator('.monaco-button', { hasText: 'Open .plumbline.yaml' }).click();
    await p.locator('.tabs-container .tab.active', { hasText: '.plumbline.yaml' }).waitFor({ timeout: 30_000 });
  });

  test('turning cluster access off in the settings file refreshes the tree without Refresh or reload; on again, statuses return', { timeout: 240_000 }, async () => {
    const view = await environmentsView();
    const settingsFile = join(workspace, '.vscode', 'settings.json');
    const original = readFileSync(settingsFile, 'utf8');
    const off = JSON.stringify({ ...(JSON.parse(original) as Record<string, unknown>), 'plumbline.cluster.enabled': false }, null, 2);
    await session().step('write plumbline.cluster.enabled: false into .vscode/settings.json', () => Promise.resolve(writeFileSync(settingsFile, `${off}\n`)));
    await waitForStatuses(view, { dev: /^cluster access is off/, staging: /^cluster access is off/, prod: /^cluster access is off/ }, 'every environment to say cluster access is off');
    await session().step('restore the settings file', () => Promise.resolve(writeFileSync(settingsFile, original)));
    await waitForStatuses(view, { dev: /^in sync · 3\/4 healthy, 1 progressing · plumbline-bench/, staging: /^in sync · 3\/4 healthy, 1 progressing · plumbline-bench/, prod: /^not deployed: 4 resources/ }, 'the statuses against the cluster to return');
  });
  test('an open preview follows the files on disk: its diff updates in place, and says so when the change is gone', { timeout: 240_000 }, async () => {
    const w = session();
    const p = w.page;
    const file = 'apps/shop/overlays/staging/replicas.yaml';
    const committed = readFileSync(join(workspace, file), 'utf8');
    writeFileSync(join(workspace, file), committed.replace('replicas: 2', 'replicas: 7'));
    await w.step('F1, Plumbline GitOps: Show Pending Changes', async () => {
      await p.keyboard.press('F1');
      const input = p.locator('.quick-input-widget input');
      await input.waitFor({ state: 'visible', timeout: 15_000 });
      await input.pressSequentially('Plumbline GitOps: Show Pending Changes');
      await p.locator('.quick-input-list .monaco-list-row.focused', { hasText: 'Show Pending Changes' }).waitFor({ timeout: 15_000 });
      await p.keyboard.press('Enter');
    });
    const diff = p.locator('.editor-group-container.active .monaco-diff-editor');
    const right = diff.locator('.editor.modified');
    const showsRight = (re: RegExp, what: string): Promise<string[]> =>
      eventually(what, async () => ((await renderedLines(right)).some((l) => re.test(l)) ? renderedLines(right) : undefined), async () => JSON.stringify(await renderedLines(right)), 60_000);
    await w.step('the one change opens as a diff: working tree replicas 7', async () => {
      await p.locator('.tabs-container .tab.active', { hasText: 'Deployment/shop-web (staging): HEAD ↔ working tree' }).waitFor({ timeout: 60_000 });
      await showsRight(/^\s*replicas: 7$/, 'replicas: 7 on the working-tree side');
    });
    await w.step('another tool writes replicas 8: the open diff shows 8 without running the command again', async () => {
      writeFileSync(join(workspace, file), committed.replace('replicas: 2', 'replicas: 8'));
      await showsRight(/^\s*replicas: 8$/, 'replicas: 8 on the working-tree side');
    });
    console.log(`screenshot: ${await w.screenshot('preview-refreshed')}`);
    await w.step('git checkout restores the file: the open diff says it is no longer part of the preview', async () => {
      setup('git checkout', 'git', ['checkout', '--', file], workspace);
      await showsRight(/no longer part of this preview/, 'the preview to say the change is gone');
    });
  });

  test('health icons and the roll-up: staging\'s Deployment progressing, then healthy once its status says available', { timeout: 240_000 }, async () => {
    const w = session();
    const view = await environmentsView();
    await waitForStatuses(view, { staging: /^in sync · 3\/4 healthy, 1 progressing · plumbline-bench · main$/ }, 'staging in sync, its Deployment progressing');
    const resourceRow = (name: string): Locator => view.locator('.monaco-list-row[aria-level="3"]', { has: w.page.locator('.label-name', { hasText: new RegExp(`^${name}$`) }) });
    const kindRow = (kind: string): Locator => view.locator('.monaco-list-row[aria-level="2"]', { has: w.page.locator('.label-name', { hasText: new RegExp(`^${kind}$`) }) });
    await w.step('expand staging, its Deployment and its ConfigMap', async () => {
      await envRow(view, 'staging').click();
      await kindRow('Deployment').click();
      await resourceRow('shop-web').waitFor({ timeout: 15_000 });
      await kindRow('ConfigMap').click();
      await resourceRow('shop-settings').waitFor({ timeout: 15_000 });
    });
    assert.equal(await resourceRow('shop-web').locator('.label-description').innerText(), 'InProgress');
    assert.equal(await resourceRow('shop-web').locator('.codicon-sync').count(), 1, 'the progressing Deployment has no progressing icon');
    assert.equal(await resourceRow('shop-settings').locator('.codicon-pass').count(), 1, 'the ConfigMap (current) has no healthy icon');
    console.log(`screenshot: ${await w.screenshot('health-progressing')}`);

    await w.step('the deployment controller\'s part, played by the test: the status says 2/2 available', () => {
      const generation = kubectl(['get', 'deployment', 'shop-web', '-n', 'shop-staging', '-o', 'jsonpath={.metadata.generation}']);
      const replicas = Number(kubectl(['get', 'deployment', 'shop-web', '-n', 'shop-staging', '-o', 'jsonpath={.spec.replicas}']));
      const status = { observedGeneration: Number(generation), replicas, updatedReplicas: replicas, readyReplicas: replicas, availableReplicas: replicas };
      kubectl(['patch', 'deployment', 'shop-web', '-n', 'shop-staging', '--subresource=status', '--type=merge', '-p', JSON.stringify({ status })]);
      return Promise.resolve();
    });
    // No Refresh: the server's watch tells the tree that staging changed.
    await waitForStatuses(view, { staging: /^in sync · 4\/4 healthy · plumbline-bench · main$/ }, 'staging to roll up 4/4 healthy');
    await eventually(
      'the Deployment row to show Current with the healthy icon, and staging the healthy icon',
      async () => ((await resourceRow('shop-web').locator('.codicon-pass').count()) === 1 && (await envRow(view, 'staging').locator('.codicon-pass').count()) === 1 ? true : undefined),
      async () => `${await resourceRow('shop-web').innerHTML()} / ${await envRow(view, 'staging').innerHTML()}`,
      60_000,
    );
    assert.equal(await resourceRow('shop-web').locator('.label-description').innerText(), 'Current');
    console.log(`screenshot: ${await w.screenshot('health-healthy')}`);
  });
});

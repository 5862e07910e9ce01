// `npm run screenshot`: makes media/drift-and-environments.png (the README's picture) from the real
// product: the packaged .vsix in code-server + Chromium, against the bench kube-apiserver seeded
// as `npm start` seeds it, on a git workspace copy of examples/ (as test/e2e/gitops.test.ts does).
// It shows the Environments tree (dev drifted, staging in sync, prod missing, dev expanded down to
// the drifted Deployment), base/deployment.yaml with its drift CodeLens and squiggles, the Problems
// panel with the drift diagnostics, and the cluster in the status bar.
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Locator } from 'playwright-core';
import { type Cluster, startCluster } from '../test/cluster/harness';
import { applyAsFlux, seedExampleDrift } from '../test/cluster/seed';
import { gitWorkspace } from '../test/e2e/gitWorkspace';
import { ensureEditorTools, ensureVsix } from '../test/e2e/setup';
import { eventually, openWorkbench, problemRow, quickOpen, type Workbench } from '../test/e2e/workbench';
import { REPO } from '../test/support/paths';

const OUTPUT = join(REPO, 'media', 'drift-and-environments.png');
const VIEWPORT = { width: 1400, height: 850 };

function step(message: string): void {
  process.stderr.write(`▶ ${message}\n`);
}

/** What the page's rows are to evaluateAll (the DOM types are not in this tsconfig). */
interface RowElement {
  querySelector(selector: string): { textContent: string | null } | null;
}

async function environmentsView(wb: Workbench): Promise<Locator> {
  return wb.step('open the GitOps container from the activity bar', async () => {
    const p = wb.page;
    const view = p.locator('.sidebar .pane', { has: p.locator('.pane-header', { hasText: 'Environments' }) });
    if (!(await view.isVisible())) await p.locator('.activitybar [aria-label^="GitOps"]').first().click();
    await view.waitFor({ timeout: 30_000 });
    return view;
  });
}

function row(view: Locator, level: number, name: string): Locator {
  return view.locator(`.monaco-list-row[aria-level="${level}"]`, { has: view.page().locator('.label-name', { hasText: new RegExp(`^${name}$`) }) });
}

async function descriptions(view: Locator): Promise<Record<string, string>> {
  const rows: [string, string][] = await view
    .locator('.monaco-list-row[aria-level="1"]')
    .evaluateAll((els: RowElement[]) => els.map((r): [string, string] => [r.querySelector('.label-name')?.textContent ?? '', r.querySelector('.label-description')?.textContent ?? '']));
  return Object.fromEntries(rows.map(([name, description]) => [name.trim(), description.trim()]));
}

async function main(): Promise<void> {
  const started = Date.now();
  step('installing code-server and Chromium if needed, building dist/ and the .vsix');
  ensureEditorTools();
  const vsix = ensureVsix();
  const { workspace } = gitWorkspace('plumbline-screenshot-');

  let cluster: Cluster | undefined;
  let wb: Workbench | undefined;
  try {
    step('starting the bench cluster and seeding drift as `npm start` does');
    cluster = await startCluster();
    seedExampleDrift(cluster.kubeconfigPath, workspace, { setEnvByHand: true });
    applyAsFlux(cluster.kubeconfigPath, join(workspace, 'apps', 'shop', 'overlays', 'staging'));
    mkdirSync(join(workspace, '.vscode'));
    const settings = { 'plumbline.cluster.enabled': true, 'plumbline.cluster.context': cluster.adminContext };
    writeFileSync(join(workspace, '.vscode', 'settings.json'), `${JSON.stringify(settings, null, 2)}\n`);

    step('opening VS Code for the web');
    wb = await openWorkbench({
      workspace,
      vsix,
      name: 'screenshot',
      // No word highlights under the cursor; a fixed title (the workspace is a temp folder with a random name).
      // The kubeconfig is a user setting: a workspace cannot choose it (machine scope).
      settings: { 'editor.occurrencesHighlight': 'off', 'editor.selectionHighlight': false, 'window.title': 'examples', 'plumbline.cluster.kubeconfig': cluster.kubeconfigPath },
    });
    const w = wb;
    const p = w.page;
    await p.setViewportSize(VIEWPORT);

    step('waiting for the environments tree');
    const view = await environmentsView(w);
    await w.step('widen the sidebar so every environment shows its branch state', async () => {
      const sidebar = p.locator('.part.sidebar');
      const box = await sidebar.boundingBox();
      if (box === null) throw new Error('the sidebar has no box');
      const edge = box.x + box.width;
      await p.mouse.move(edge - 1, box.y + box.height / 2);
      await p.mouse.down();
      await p.mouse.move(edge + 90, box.y + box.height / 2, { steps: 5 });
      await p.mouse.up();
      await eventually('the sidebar to be wider', async () => ((await sidebar.boundingBox())?.width ?? 0) > box.width + 60 || undefined, async () => JSON.stringify(await sidebar.boundingBox()), 10_000);
    });
    await w.step('dev drifted, staging in sync, prod missing', () =>
      eventually(
        'dev drifted, staging in sync, prod missing',
        async () => {
          const now = await descriptions(view);
          return /drifted/.test(now.dev ?? '') && /^in sync/.test(now.staging ?? '') && /missing/.test(now.prod ?? '') ? now : undefined;
        },
        async () => JSON.stringify(await descriptions(view)),
        120_000,
      ),
    );
    await w.step('expand dev, then Deployment, down to shop-web', async () => {
      await row(view, 1, 'dev').click();
      await row(view, 2, 'Deployment').click();
      await row(view, 3, 'shop-web').waitFor({ timeout: 15_000 });
    });

    step('opening apps/shop/overlays/dev/replicas.yaml, then apps/shop/base/deployment.yaml');
    await quickOpen(w, 'dev/replicas.yaml', 'replicas.yaml');
    await quickOpen(w, 'base/deployment.yaml', 'deployment.yaml');
    const editor = p.locator('.editor-group-container.active .monaco-editor').first();
    await w.step('the drift CodeLens and squiggles', async () => {
      await editor.locator('.codelens-decoration a', { hasText: /drifted/ }).first().waitFor({ timeout: 90_000 });
      await editor.locator('.squiggly-warning, .squiggly-error, .squiggly-info').first().waitFor({ timeout: 30_000 });
    });
    await problemRow(w, 'cluster has replicas: 3, Git declares 1');
    await problemRow(w, 'set in the cluster by');
    await w.step('the cluster in the status bar', () => p.locator('.statusbar-item', { hasText: cluster?.adminContext ?? 'plumbline-bench' }).first().waitFor({ timeout: 30_000 }));
    // Nothing hovered or focused in the picture: the cursor to the top of the file, the mouse off the window.
    await editor.click({ position: { x: 200, y: 40 } });
    await p.keyboard.press('Control+Home');
    await p.mouse.move(VIEWPORT.width - 2, VIEWPORT.height / 2);

    await p.screenshot({ path: OUTPUT });
    step(`wrote ${OUTPUT} in ${Math.round((Date.now() - started) / 1000)} s`);
  } finally {
    await wb?.close();
    await cluster?.stop();
  }
}

main().then(
  () => process.exit(0),
  (error: unknown) => {
    process.stderr.write(`npm run screenshot: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
    process.exit(1);
  },
);

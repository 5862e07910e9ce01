// Editor tier, issue 13: a two-cluster Flux repository in the GitOps sidebar. Each cluster is one
// row holding its delivery units (the Flux Kustomizations that deliver to it), each unit with its
// own status; a unit whose source is another repository says so in its row, and the Argo CD
// Applications beside Flux are environments of their own. Cluster access is off: the statuses are
// the renders' ("cluster access is off" means the unit rendered).
// Run: node --import tsx --test test/e2e/fleet.test.ts. Screenshot: test-results/e2e/fleet-clusters.png.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { FLEET_ORIGIN, TWO_CLUSTERS } from '../support/fluxFleet';
import { makeScratchDir } from './codeServer';
import { ARTIFACTS, ensureEditorTools, ensureVsix } from './setup';
import { eventually, openWorkbench, type Workbench } from './workbench';

interface RowElement {
  getAttribute(name: string): string | null;
  querySelector(selector: string): { textContent: string | null } | null;
}

describe('editor tier: a two-cluster Flux repository in the GitOps sidebar', () => {
  let wb: Workbench | undefined;
  const scratch = makeScratchDir('plumbline-e2e-fleet-');

  before(async () => {
    ensureEditorTools();
    mkdirSync(ARTIFACTS, { recursive: true });
    const workspace = join(scratch.path, 'fleet');
    for (const [path, text] of Object.entries(TWO_CLUSTERS)) {
      mkdirSync(dirname(join(workspace, path)), { recursive: true });
      writeFileSync(join(workspace, path), text);
    }
    execFileSync('git', ['init', '-q', '-b', 'main', workspace]);
    execFileSync('git', ['-C', workspace, 'remote', 'add', 'origin', FLEET_ORIGIN]);
    mkdirSync(join(workspace, '.vscode'));
    writeFileSync(join(workspace, '.vscode', 'settings.json'), `${JSON.stringify({ 'plumbline.cluster.enabled': false }, null, 2)}\n`);
    wb = await openWorkbench({ workspace, vsix: ensureVsix(), name: 'fleet' });
  });
  after(async () => {
    await wb?.close();
    scratch.remove();
  });

  test('staging and production are rows of their own, each with its units; the tenant unit says where its source is', { timeout: 240_000 }, async () => {
    assert.ok(wb, 'the workbench did not open (see the before hook)');
    const p = wb.page;
    const view = p.locator('.sidebar .pane', { has: p.locator('.pane-header', { hasText: 'Environments' }) });
    await wb.step('open the GitOps container', async () => {
      if (!(await view.isVisible())) await p.locator('.activitybar [aria-label^="GitOps"]').first().click();
      await view.waitFor({ timeout: 30_000 });
    });
    /** The rows as shown: level, label and description (cluster rows open by themselves). */
    const rows = async (): Promise<string[]> =>
      view
        .locator('.monaco-list-row')
        .evaluateAll((els: RowElement[]) => els.map((r) => `${r.getAttribute('aria-level') ?? '?'} ${(r.querySelector('.label-name')?.textContent ?? '').trim()} — ${(r.querySelector('.label-description')?.textContent ?? '').trim()}`));
    const shown = await wb.step('every unit rendered', () =>
      eventually(
        'the clusters with their units, each rendered or saying why not',
        async () => {
          const now = await rows();
          const done = now.filter((r) => / — (cluster access is off|not rendered: )/.test(r)).length;
          return done >= 9 ? now : undefined;
        },
        async () => JSON.stringify(await rows(), null, 2),
        120_000,
      ),
    );
    console.log(`screenshot: ${await wb.screenshot('clusters')}`);
    const labels = shown.map((r) => r.split(' — ')[0]);
    assert.deepEqual(labels, [
      '1 staging',
      '2 apps',
      '2 flux-system',
      '2 infra-configs',
      '2 tenant',
      '1 production',
      '2 apps',
      '2 flux-system',
      '2 infra-configs',
      '1 dashboards',
      '1 guestbook',
    ], JSON.stringify(shown, null, 2));
    const described = (label: string, nth = 0): string => shown.filter((r) => r.startsWith(`${label} — `))[nth]?.split(' — ')[1] ?? '';
    assert.match(described('1 staging'), /^4 units: 1 from another source, 3 not checked/);
    assert.match(described('1 production'), /^3 units: 3 not checked/);
    assert.match(described('2 tenant'), /^not rendered: source is another repository \(https:\/\/github\.example\/acme\/tenant-team@main\), not this workspace/);
    assert.match(described('1 guestbook'), /^not rendered: source is another repository/);
    assert.match(described('1 dashboards'), /^not rendered: source is jsonnet/);
  });
});

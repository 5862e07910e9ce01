// Editor tier, issue 10 item 4: a repository's .vscode/settings.json names the kustomize command
// (a script that leaves a marker, then builds as kubectl would). In a trusted workspace the
// sidebar renders every environment on its own; the script must not be what runs it.
// Run: node --import tsx --test test/e2e/security.args.test.ts
import assert from 'node:assert/strict';
import { chmodSync, existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { makeScratchDir } from './codeServer';
import { ARTIFACTS, ensureEditorTools, ensureVsix, freshWorkspace } from './setup';
import { eventually, openWorkbench, type Workbench } from './workbench';

interface RowElement {
  querySelector(selector: string): { textContent: string | null } | null;
}

describe('editor tier: workspace settings cannot choose the programs Plumbline runs', () => {
  let wb: Workbench | undefined;
  const scratch = makeScratchDir('plumbline-e2e-settings-attack-');
  const marker = join(scratch.path, 'workspace-kustomize-ran');

  before(async () => {
    ensureEditorTools();
    mkdirSync(ARTIFACTS, { recursive: true });
    const workspace = freshWorkspace('plumbline-e2e-settings-');
    const script = join(scratch.path, 'kustomize.sh');
    writeFileSync(script, `#!/bin/sh\ntouch '${marker}'\nexec kubectl kustomize "$@"\n`);
    chmodSync(script, 0o755);
    mkdirSync(join(workspace, '.vscode'), { recursive: true });
    writeFileSync(join(workspace, '.vscode', 'settings.json'), `${JSON.stringify({ 'plumbline.kustomize.command': script, 'plumbline.helm.command': script }, null, 2)}\n`);
    wb = await openWorkbench({ workspace, vsix: ensureVsix(), name: 'settings-attack' });
  });
  after(async () => {
    await wb?.close();
    scratch.remove();
  });

  test('the environments render with the user-level kustomize; the workspace script never runs', { timeout: 240_000 }, async () => {
    assert.ok(wb, 'the workbench did not open (see the before hook)');
    const p = wb.page;
    const view = p.locator('.sidebar .pane', { has: p.locator('.pane-header', { hasText: 'Environments' }) });
    if (!(await view.isVisible())) await p.locator('.activitybar [aria-label^="GitOps"]').first().click();
    await view.waitFor({ timeout: 30_000 });
    const descriptions = async (): Promise<Record<string, string>> =>
      Object.fromEntries(
        await view
          .locator('.monaco-list-row[aria-level="1"]')
          .evaluateAll((els: RowElement[]) => els.map((r): [string, string] => [(r.querySelector('.label-name')?.textContent ?? '').trim(), (r.querySelector('.label-description')?.textContent ?? '').trim()])),
      );
    // "cluster access is off" is the status of an environment that rendered: kustomize has run.
    const shown = await eventually(
      'dev, staging and prod rendered',
      async () => {
        const now = await descriptions();
        return ['dev', 'staging', 'prod'].every((e) => /^cluster access is off/.test(now[e] ?? '')) ? now : undefined;
      },
      async () => JSON.stringify(await descriptions()),
      120_000,
    );
    console.log(`screenshot: ${await wb.screenshot('environments')}`);
    assert.equal(existsSync(marker), false, `the kustomize command from .vscode/settings.json ran (the tree shows ${JSON.stringify(shown)})`);
  });
});

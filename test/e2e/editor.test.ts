// Editor tier: Plumbline in a real VS Code (code-server 4.100.3 = VS Code 1.100.3 for the web,
// with its Node extension host on this machine), driven through Debian's Chromium.
//   1. the extension-host suite (test/e2e/suite) with the extension loaded from the repository;
//   2. the same suite with the extension installed from the packaged .vsix (packaging mistakes fail here);
//   3. a person's path through the UI, in one window with the .vsix installed: the Problems panel
//      with a YAML error and a schema error (unknown field, its suggestion, its position); the
//      suggest widget listing a Deployment spec's keys.
// The GitOps sidebar, cluster diff and commit-and-sync are in gitops.test.ts.
// Run: node --import tsx --test test/e2e/editor.test.ts   (npm test runs it as the `editor` tier).
// Artifacts (logs, screenshots) go to test-results/e2e/.
import assert from 'node:assert/strict';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { REPO } from '../support/paths';
import { buildSuite } from './buildSuite';
import { type ExtensionTestResult, runExtensionTests } from './extensionHost';
import { ARTIFACTS, ensureEditorTools, ensureVsix, freshWorkspace } from './setup';
import { eventually, openWorkbench, problemRow, quickOpen, renderedLines, type Workbench } from './workbench';

const BROKEN_FILE = 'broken.yaml';
const EXPECTED_MESSAGE = 'All mapping items must start at the same column';
const EXPECTED_POSITION = '[Ln 9, Col 1]';
/** Issue 3's example: a typo in a Deployment spec, reported on the key with the fix. */
const SCHEMA_ERROR_FILE = 'schema-error.yaml';
const SCHEMA_ERROR_TEXT = `apiVersion: apps/v1
kind: Deployment
metadata:
  name: typo
spec:
  replica: 2
  selector:
    matchLabels:
      app: typo
  template:
    metadata:
      labels:
        app: typo
    spec:
      containers:
        - name: web
          image: ghcr.io/example/web:1.0.0
`;
const SCHEMA_ERROR_MESSAGE = 'unknown field `replica` in Deployment spec; did you mean `replicas`?';
const SCHEMA_ERROR_POSITION = '[Ln 6, Col 3]';
/** A Deployment being written: the cursor goes on the indented empty line under `spec:`. */
const DRAFT_FILE = 'draft-deployment.yaml';
const DRAFT_TEXT = 'apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: draft\nspec:\n  ';
/** The extension-host suite has this many tests; fewer passing means some did not run. */
const SUITE_TESTS = 5;

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
    ensureEditorTools();
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

  describe('UI: the packaged extension in the workbench, driven like a person', () => {
    let wb: Workbench;
    let workspace = '';

    before(async () => {
      workspace = freshWorkspace();
      // Written before the window opens so the Explorer lists them; opened one at a time below.
      writeFileSync(join(workspace, SCHEMA_ERROR_FILE), SCHEMA_ERROR_TEXT);
      writeFileSync(join(workspace, DRAFT_FILE), DRAFT_TEXT);
      wb = await openWorkbench({ workspace, vsix: ensureVsix(), name: 'ui' });
    });
    after(async () => {
      await wb?.close();
    });

    test('Quick Open the broken file; the Problems panel shows the YAML error', { timeout: 180_000 }, async () => {
      await quickOpen(wb, BROKEN_FILE, BROKEN_FILE);
      const row = await problemRow(wb, EXPECTED_MESSAGE);
      const text = await row.innerText();
      const rows = await wb.page.locator('.markers-panel .monaco-list-row').allInnerTexts();
      assert.match(text, /plumbline/, `the problem row does not name its source: ${JSON.stringify(text)}`);
      assert.ok(text.includes(EXPECTED_POSITION), `the problem is not at ${EXPECTED_POSITION}: ${JSON.stringify(text)}`);
      assert.equal(rows.filter((r) => r.includes('plumbline')).length, 1, `expected exactly one plumbline problem, rows: ${JSON.stringify(rows)}`);

      await wb.step('click the problem: the editor selects the error on line 9', async () => {
        await row.click();
        // The status bar's cursor item: 'Ln 9, Col 2 (1 selected)' (the marker's range is selected).
        await wb.page.locator('.statusbar-item', { hasText: /^Ln 9, Col \d+/ }).first().waitFor({ timeout: 15_000 });
      });
      console.log(`screenshot: ${await wb.screenshot('problems-panel')}`);
    });

    test('a schema error: an unknown field in a Deployment spec, with its suggestion, at its position', { timeout: 120_000 }, async () => {
      await quickOpen(wb, SCHEMA_ERROR_FILE, SCHEMA_ERROR_FILE);
      const row = await problemRow(wb, SCHEMA_ERROR_MESSAGE);
      const text = await row.innerText();
      assert.match(text, /plumbline/, `the problem row does not name its source: ${JSON.stringify(text)}`);
      assert.ok(text.includes(SCHEMA_ERROR_POSITION), `the problem is not at ${SCHEMA_ERROR_POSITION}: ${JSON.stringify(text)}`);
      // The error icon, not a warning: strict validation makes unknown fields errors.
      assert.equal(await row.locator('.codicon-error').count(), 1, `the problem is not shown as an error: ${await row.innerHTML()}`);
      await wb.step('click the problem: the editor selects `replica` on line 6', async () => {
        await row.click();
        await wb.page.locator('.statusbar-item', { hasText: /^Ln 6, Col \d+ \(7 selected\)/ }).first().waitFor({ timeout: 15_000 });
      });
      console.log(`screenshot: ${await wb.screenshot('schema-error')}`);
    });

    test('completion: Ctrl+Space in a Deployment spec lists its schema keys; accepting one inserts it', { timeout: 120_000 }, async () => {
      const p = wb.page;
      await quickOpen(wb, DRAFT_FILE, DRAFT_FILE);
      const editor = p.locator('.editor-group-container.active .monaco-editor').first();
      const widget = p.locator('.editor-widget.suggest-widget.visible');
      const labels = async (): Promise<string[]> => widget.locator('.monaco-list-row .label-name').allInnerTexts();
      const shown = await wb.step('put the cursor on the empty line under `spec:` and press Ctrl+Space', async () => {
        await editor.locator('.view-lines').click();
        await p.keyboard.press('Control+End');
        await p.locator('.statusbar-item', { hasText: /^Ln 6, Col 3$/ }).first().waitFor({ timeout: 15_000 });
        await p.keyboard.press('Control+Space');
        await widget.waitFor({ timeout: 30_000 });
        return eventually('the suggest widget to list replicas, selector and template', async () => {
          const now = await labels();
          return ['replicas', 'selector', 'template'].every((k) => now.includes(k)) ? now : undefined;
        }, async () => JSON.stringify(await labels()));
      });
      // Required keys first.
      assert.deepEqual(shown.slice(0, 2), ['selector', 'template'], `required keys are not listed first: ${JSON.stringify(shown)}`);
      assert.ok(!shown.includes('apiVersion'), `a top-level key is offered inside spec: ${JSON.stringify(shown)}`);
      console.log(`screenshot: ${await wb.screenshot('completion')}`);

      await wb.step('type `repl`, press Enter: line 6 reads `replicas: `', async () => {
        await p.keyboard.type('repl');
        const focused = widget.locator('.monaco-list-row.focused', { hasText: 'replicas' });
        await focused.waitFor({ timeout: 15_000 });
        // The focused item shows its detail: the type from the Deployment schema.
        assert.match(await focused.innerText(), /integer/, `the replicas item does not show its type: ${JSON.stringify(await focused.innerText())}`);
        await p.keyboard.press('Enter');
        await eventually('line 6 to read `  replicas: `', async () => ((await renderedLines(editor)).includes('  replicas: ') ? true : undefined), async () => JSON.stringify(await renderedLines(editor)));
      });
    });
  });
});

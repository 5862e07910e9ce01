// Runs inside the VS Code extension host (mocha, tdd UI) against the real Plumbline extension,
// loaded from the repository (development mode) or installed from the packaged .vsix.
// The window's workspace is examples/. Environment (set by the runners):
//   PLUMBLINE_E2E_MODE  'development' (extension loaded from PLUMBLINE_E2E_REPO) or 'vsix' (installed)
//   PLUMBLINE_E2E_REPO  the repository root
import assert from 'node:assert/strict';
import { existsSync, realpathSync } from 'node:fs';
import { join, sep } from 'node:path';
import * as vscode from 'vscode';

const EXTENSION_ID = 'plumbline.plumbline';
const BROKEN = ['infrastructure', 'broken.yaml'];
/** examples/infrastructure/broken.yaml: the key on line 9 (0-based 8) is indented one space too little. */
const EXPECTED = { line: 8, message: 'All mapping items must start at the same column' };

function env(name: string): string {
  const value = process.env[name];
  if (value === undefined || value === '') throw new Error(`${name} is not set in the extension host: run the suite through test/e2e or test/electron`);
  return value;
}

/** Resolves with the file's plumbline diagnostics once `done` accepts them; rejects at the deadline. */
function waitForDiagnostics(uri: vscode.Uri, done: (d: vscode.Diagnostic[]) => boolean, what: string, timeoutMs = 60_000): Promise<vscode.Diagnostic[]> {
  const current = (): vscode.Diagnostic[] => vscode.languages.getDiagnostics(uri).filter((d) => d.source === 'plumbline');
  return new Promise((resolve, reject) => {
    const finish = (): boolean => {
      const list = current();
      if (!done(list)) return false;
      cleanup();
      resolve(list);
      return true;
    };
    const subscription = vscode.languages.onDidChangeDiagnostics((e) => {
      if (e.uris.some((u) => u.toString() === uri.toString())) finish();
    });
    const timer = setTimeout(() => {
      cleanup();
      const all = vscode.languages.getDiagnostics(uri).map((d) => ({ source: d.source, line: d.range.start.line, message: d.message }));
      reject(new Error(`timed out after ${timeoutMs / 1000}s waiting for ${what} on ${uri.toString()}; diagnostics now: ${JSON.stringify(all)}`));
    }, timeoutMs);
    const cleanup = (): void => {
      subscription.dispose();
      clearTimeout(timer);
    };
    finish();
  });
}

/** Polls the open tabs until one matches; fails at the deadline with the tabs there are. */
async function waitForTab(match: (tab: vscode.Tab) => boolean, what: string, timeoutMs = 30_000): Promise<vscode.Tab> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const tabs = vscode.window.tabGroups.all.flatMap((g) => g.tabs);
    const found = tabs.find(match);
    if (found !== undefined) return found;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}; tabs: ${tabs.map((t) => t.label).join(' | ') || 'none'}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

/** The promise's value, or a failure naming `what` when it takes longer than `ms`. */
async function within<T>(promise: Thenable<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<never>((_, reject) => (timer = setTimeout(() => reject(new Error(`${what} did not finish within ${ms / 1000} s`)), ms)));
  try {
    return await Promise.race([Promise.resolve(promise), late]);
  } finally {
    clearTimeout(timer);
  }
}

function brokenUri(): vscode.Uri {
  const folder = vscode.workspace.workspaceFolders?.[0];
  assert.ok(folder, 'the window has no workspace folder: the runner must open examples/');
  const uri = vscode.Uri.joinPath(folder.uri, ...BROKEN);
  assert.ok(existsSync(uri.fsPath), `${uri.fsPath} does not exist: is examples/ the workspace?`);
  return uri;
}

suite('Plumbline in the extension host', () => {
  suiteTeardown(async () => {
    await vscode.commands.executeCommand('workbench.action.closeAllEditors');
  });

  test('the extension is present, comes from the expected place, and activates', async () => {
    const extension = vscode.extensions.getExtension(EXTENSION_ID);
    const others = vscode.extensions.all.filter((e) => !e.id.startsWith('vscode.')).map((e) => e.id);
    assert.ok(extension, `${EXTENSION_ID} is not installed; non-builtin extensions: ${others.join(', ') || 'none'}`);

    const repo = realpathSync(env('PLUMBLINE_E2E_REPO'));
    const location = realpathSync(extension.extensionPath);
    if (env('PLUMBLINE_E2E_MODE') === 'development') {
      assert.equal(location, repo, 'in development mode the extension must be loaded from the repository');
    } else {
      assert.ok(!(location + sep).startsWith(repo + sep), `the .vsix run must use the installed copy, not the repository (${location})`);
      assert.ok(existsSync(join(location, 'dist', 'client.js')), `the installed extension has no dist/client.js (${location})`);
      assert.ok(existsSync(join(location, 'dist', 'server.js')), `the installed extension has no dist/server.js (${location})`);
    }

    await extension.activate();
    assert.equal(extension.isActive, true);
  });

  test('its commands are registered', async () => {
    const commands = await vscode.commands.getCommands(true);
    // Every command the manifest contributes (and so the palette, menus and walkthrough offer).
    const manifest = vscode.extensions.getExtension(EXTENSION_ID)?.packageJSON as { contributes: { commands: { command: string }[] } };
    const contributed = manifest.contributes.commands.map((c) => c.command);
    assert.ok(contributed.length >= 14, `the manifest contributes ${contributed.length} commands`);
    for (const id of contributed) assert.ok(commands.includes(id), `command ${id} is not registered`);
  });

  test('a YAML syntax error gets one plumbline diagnostic on the offending line', async () => {
    const uri = brokenUri();
    const document = await vscode.workspace.openTextDocument(uri);
    await vscode.window.showTextDocument(document);
    assert.equal(document.languageId, 'yaml');
    const diagnostics = await waitForDiagnostics(uri, (d) => d.length > 0, 'a plumbline diagnostic');
    assert.equal(diagnostics.length, 1, JSON.stringify(diagnostics));
    const [d] = diagnostics;
    assert.equal(d?.severity, vscode.DiagnosticSeverity.Error);
    assert.equal(d?.range.start.line, EXPECTED.line);
    assert.equal(d?.message, EXPECTED.message);
  });

  test('fixing the indentation in the editor clears the diagnostic; reverting brings it back', async () => {
    const uri = brokenUri();
    const editor = await vscode.window.showTextDocument(await vscode.workspace.openTextDocument(uri));
    await waitForDiagnostics(uri, (d) => d.length === 1, 'the initial diagnostic');

    assert.ok(await editor.edit((b) => b.insert(new vscode.Position(EXPECTED.line, 0), ' ')), 'the edit was not applied');
    await waitForDiagnostics(uri, (d) => d.length === 0, 'the diagnostic to clear after the fix');

    await vscode.commands.executeCommand('workbench.action.files.revert');
    assert.equal(editor.document.isDirty, false, 'revert left the document dirty');
    const [d] = await waitForDiagnostics(uri, (list) => list.length === 1, 'the diagnostic to come back after revert');
    assert.equal(d?.range.start.line, EXPECTED.line);
  });

  test('Compare Environments: staging onto prod lists the changes; one opens as a diff, all in the multi-diff editor', async () => {
    await vscode.commands.executeCommand('workbench.action.closeAllEditors');
    assert.equal(await within(vscode.commands.executeCommand('plumbline.compareEnvironments', { env: { name: 'staging' } }, 'prod'), 30_000, 'Compare Environments'), 'list of 2 changes');
    // The summary list: "Open all" first, then ConfigMap/shop-settings, Deployment/shop-web.
    await within(vscode.commands.executeCommand('workbench.action.quickOpenSelectNext'), 5_000, 'selecting the next item');
    await within(vscode.commands.executeCommand('workbench.action.acceptSelectedQuickOpenItem'), 5_000, 'accepting the item');
    const tab = await waitForTab((t) => t.input instanceof vscode.TabInputTextDiff && t.input.modified.scheme === 'plumbline-preview', 'the diff of one resource');
    assert.equal(tab.label, 'ConfigMap/shop-settings: prod ↔ staging');
    const input = tab.input as vscode.TabInputTextDiff;
    const left = (await vscode.workspace.openTextDocument(input.original)).getText();
    const right = (await vscode.workspace.openTextDocument(input.modified)).getText();
    assert.match(left, /LOG_LEVEL: warn/);
    assert.match(right, /LOG_LEVEL: info/);
    assert.match(right, /namespace: shop-prod/, 'staging is compared as if it were in prod\'s namespace');
    await vscode.commands.executeCommand('workbench.action.closeQuickOpen');

    assert.equal(await within(vscode.commands.executeCommand('plumbline.compareEnvironments', { env: { name: 'staging' } }, 'prod'), 30_000, 'Compare Environments'), 'list of 2 changes');
    await vscode.commands.executeCommand('workbench.action.acceptSelectedQuickOpenItem');
    // VS Code adds the count to the multi-diff editor's title.
    await waitForTab((t) => t.label === 'Promote staging → prod (2 files)', 'the multi-diff editor with every change');
  });
});

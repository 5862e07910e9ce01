// YAML that is not Kubernetes, judged by its JSON schema (issue 15): a Helm chart's values files
// against the chart's values.schema.json, any file against the schema its
// `# yaml-language-server: $schema=` modeline names (from disk; a URL is not fetched) — with
// completion and hover from that schema. Where redhat.vscode-yaml is installed it does this, and
// the server stays silent on those files. `plumbline check` gives the same findings.
import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import { cpSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { pathToFileURL } from 'node:url';
import { DidChangeWatchedFilesNotification, FileChangeType, type CompletionItem, type CompletionList, type Diagnostic, type MarkupContent } from 'vscode-languageserver-protocol';
import { parseCaretFixture, type CaretExpectation } from '../support/carets';
import { LspHarness } from '../support/lspClient';
import { assertDiagnostics } from '../support/lspExpect';
import { bundle } from '../support/paths';

const FIXTURE = join(__dirname, 'fixtures', 'yaml-schemas');

/** The fixture without its caret lines, in a fresh folder; what each YAML file expects, by path. */
function copyFixture(to: string): Map<string, { text: string; expected: CaretExpectation[] }> {
  const files = new Map<string, { text: string; expected: CaretExpectation[] }>();
  cpSync(FIXTURE, to, { recursive: true });
  const walk = (dir: string): void => {
    for (const name of readdirSync(dir)) {
      const path = join(dir, name);
      if (statSync(path).isDirectory()) walk(path);
      else if (/\.ya?ml$/.test(name)) {
        const parsed = parseCaretFixture(readFileSync(path, 'utf8'));
        writeFileSync(path, parsed.text);
        files.set(relative(to, path), parsed);
      }
    }
  };
  walk(to);
  return files;
}

function labels(result: CompletionItem[] | CompletionList | null): string[] {
  if (result === null) return [];
  return (Array.isArray(result) ? result : result.items).map((i) => i.label).sort();
}

describe('JSON schemas of YAML that is not Kubernetes', () => {
  let dir: string;
  let files: Map<string, { text: string; expected: CaretExpectation[] }>;
  let lsp: LspHarness;

  const uriOf = (rel: string): string => pathToFileURL(join(dir, rel)).href;
  const fixture = (rel: string): { text: string; expected: CaretExpectation[] } => {
    const f = files.get(rel);
    assert.ok(f !== undefined, `no fixture ${rel}`);
    return f;
  };

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'plumbline-yaml-schemas-'));
    files = copyFixture(dir);
    lsp = await LspHarness.start({ cluster: { enabled: false } }, { workspaceFolders: [dir], initializationOptions: { cacheDir: join(dir, '.cache'), yamlExtension: false } });
  });
  after(async () => {
    await lsp?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  for (const rel of ['charts/shop/values.yaml', 'charts/shop/ci/prod-values.yaml', 'config/app.yaml', 'config/remote.yaml', 'overlay/kustomization.yaml']) {
    test(`${rel}: the schema's findings, at their values, from Plumbline`, async () => {
      const { text, expected } = fixture(rel);
      await lsp.open(uriOf(rel), text);
      assertDiagnostics(text, await lsp.waitForVersion(uriOf(rel), 1), expected, rel);
    });
  }

  test('plumbline check reports the same schema findings as the editor, at the same places', () => {
    // Exit 1: the fixture's values break their schemas.
    const out = spawnSync(process.execPath, [bundle('cli.js'), 'check', '-o', 'json', '.'], { cwd: dir, encoding: 'utf8' });
    assert.equal(out.status, 1, out.stderr);
    const { findings } = JSON.parse(out.stdout) as { findings: { path: string; line: number; column: number; endLine: number; endColumn: number; severity: string; message: string }[] };
    const asDiagnostics = (rel: string): Diagnostic[] =>
      findings
        .filter((f) => f.path === rel)
        .map((f) => ({
          range: { start: { line: f.line - 1, character: f.column - 1 }, end: { line: f.endLine - 1, character: f.endColumn - 1 } },
          severity: ({ error: 1, warning: 2, information: 3, hint: 4 } as const)[f.severity as 'error'],
          message: f.message,
          source: 'plumbline',
        }));
    for (const rel of ['charts/shop/values.yaml', 'charts/shop/ci/prod-values.yaml', 'config/app.yaml', 'config/remote.yaml', 'overlay/kustomization.yaml']) {
      const { text, expected } = fixture(rel);
      assertDiagnostics(text, asDiagnostics(rel), expected, `plumbline check ${rel}`);
    }
    const [missing, ...rest] = asDiagnostics('config/missing.yaml');
    assert.deepEqual(rest, []);
    assert.equal(missing?.severity, 2);
    assert.match(missing?.message ?? '', /^not validated: Unable to load schema from '.*nowhere\.json'/);
  });

  test('a modeline naming a schema that is not there: one warning on its path', async () => {
    const rel = 'config/missing.yaml';
    await lsp.open(uriOf(rel), fixture(rel).text);
    const [only, ...rest] = await lsp.waitForVersion(uriOf(rel), 1);
    assert.deepEqual(rest, []);
    assert.equal(only?.source, 'plumbline');
    assert.equal(only?.severity, 2);
    assert.deepEqual(only?.range, { start: { line: 0, character: 32 }, end: { line: 0, character: 55 } });
    assert.match(only?.message ?? '', /^not validated: Unable to load schema from '.*nowhere\.json'/);
  });

  test('a modeline naming /dev/zero or a FIFO: a warning that it is not a regular file, and the server answers on', async () => {
    const fifo = join(dir, 'config', 'schema.fifo');
    execFileSync('mkfifo', [fifo]);
    for (const [rel, target] of [['config/zero.yaml', '/dev/zero'], ['config/fifo.yaml', fifo]] as const) {
      const text = `# yaml-language-server: $schema=${target}\nname: x\n`;
      writeFileSync(join(dir, rel), text);
      await lsp.open(uriOf(rel), text);
      const [only, ...rest] = await lsp.waitForVersion(uriOf(rel), 1);
      assert.deepEqual(rest, [], rel);
      assert.equal(only?.severity, 2, rel);
      assert.match(only?.message ?? '', /^not validated: .*(not a regular file|which is not read)/, rel);
    }
  });

  test('completion in a values file offers the keys of values.schema.json that are not set yet', async () => {
    const rel = 'charts/shop/values.yaml';
    const uri = uriOf(rel);
    // A new key under `image:`, after `pullPolicy`.
    const text = fixture(rel).text.replace('  pullPolicy: Sometimes\n', '  pullPolicy: Always\n  \n');
    await lsp.replace(uri, text);
    const line = text.split('\n').indexOf('  ');
    assert.deepEqual(labels(await lsp.completion(uri, { line, character: 2 })), ['tag']);
    // And the values of an enum.
    const valueLine = text.split('\n').indexOf('  pullPolicy: Always');
    const values = labels(await lsp.completion(uri, { line: valueLine, character: 14 }));
    for (const v of ['Always', 'IfNotPresent', 'Never']) assert.ok(values.includes(v), `${v} in ${values.join(', ')}`);
  });

  test('hover on a values key shows its description from the schema', async () => {
    const uri = uriOf('charts/shop/values.yaml');
    const hover = await lsp.hover(uri, { line: 0, character: 3 });
    assert.ok(hover !== null, 'expected a hover');
    assert.match((hover.contents as MarkupContent).value, /How many shop pods run\./);
  });

  test('an edit of values.schema.json on disk judges the open values file again', async () => {
    const rel = 'charts/shop/ci/prod-values.yaml';
    const schemaPath = join(dir, 'charts/shop/values.schema.json');
    const before = readFileSync(schemaPath, 'utf8');
    writeFileSync(schemaPath, before.replace('"minimum": 1', '"minimum": 5'));
    try {
      await lsp.connection.sendNotification(DidChangeWatchedFilesNotification.type, { changes: [{ uri: pathToFileURL(schemaPath).href, type: FileChangeType.Changed }] });
      const diagnostics = await lsp.waitForDiagnostics(uriOf(rel), (d) => d.length > 0);
      assert.deepEqual(
        diagnostics.map((d) => [d.range.start.line, d.range.start.character, d.range.end.character, d.message, d.source]),
        [[0, 14, 15, 'Value is below the minimum of 5.', 'plumbline']],
      );
    } finally {
      writeFileSync(schemaPath, before);
      await lsp.connection.sendNotification(DidChangeWatchedFilesNotification.type, { changes: [{ uri: pathToFileURL(schemaPath).href, type: FileChangeType.Changed }] });
    }
    assert.deepEqual(await lsp.waitForDiagnostics(uriOf(rel), (d) => d.length === 0), []);
  });

  test('a modeline file closed and opened again is judged again; closing clears its diagnostics', async () => {
    const rel = 'config/app.yaml';
    const uri = uriOf(rel);
    await lsp.close(uri);
    assert.deepEqual(await lsp.waitForDiagnostics(uri, (d) => d.length === 0), []);
    const { text, expected } = fixture(rel);
    await lsp.open(uri, text, 5);
    assertDiagnostics(text, await lsp.waitForVersion(uri, 5), expected, `${rel} opened again`);
  });
});

describe('with redhat.vscode-yaml installed, its files are left to it', () => {
  let dir: string;
  let files: Map<string, { text: string; expected: CaretExpectation[] }>;
  let lsp: LspHarness;

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'plumbline-yaml-extension-'));
    files = copyFixture(dir);
    lsp = await LspHarness.start({ cluster: { enabled: false } }, { workspaceFolders: [dir], initializationOptions: { cacheDir: join(dir, '.cache'), yamlExtension: true } });
  });
  after(async () => {
    await lsp?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  test('no schema diagnostics, completion or hover from values.schema.json or a modeline; they come back when it is removed', async () => {
    const values = pathToFileURL(join(dir, 'charts/shop/values.yaml')).href;
    const app = pathToFileURL(join(dir, 'config/app.yaml')).href;
    const remote = pathToFileURL(join(dir, 'config/remote.yaml')).href;
    for (const [uri, rel] of [[values, 'charts/shop/values.yaml'], [app, 'config/app.yaml'], [remote, 'config/remote.yaml']] as const) {
      await lsp.open(uri, files.get(rel)?.text ?? '');
      assert.deepEqual(await lsp.waitForVersion(uri, 1), [], rel);
    }
    assert.deepEqual(labels(await lsp.completion(values, { line: 3, character: 2 })), []);
    assert.equal(await lsp.hover(values, { line: 0, character: 3 }), null);

    // The extension is uninstalled or disabled: the client says so, and the files are judged again.
    await lsp.connection.sendNotification('plumbline/yamlExtension', { present: false });
    const { text, expected } = files.get('charts/shop/values.yaml') ?? { text: '', expected: [] };
    assertDiagnostics(text, await lsp.waitForDiagnostics(values, (d) => d.length > 0), expected, 'values.yaml once the extension is gone');
  });
});

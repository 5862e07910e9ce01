// `.plumbline.yaml` in the editor (issue 11): what Plumbline would silently ignore or misread in
// its own configuration is an error at the key, with the nearest known key; a valid file is clean.
// Completion and hover come from schemas/plumbline-config.schema.json, the schema Red Hat YAML gets.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { pathToFileURL } from 'node:url';
import { CompletionItemKind, type CompletionItem, type CompletionList, type Hover, type MarkupContent } from 'vscode-languageserver-protocol';
import { LspHarness } from '../support/lspClient';

function items(result: CompletionItem[] | CompletionList | null): CompletionItem[] {
  if (result === null) return [];
  return Array.isArray(result) ? result : result.items;
}

function documentation(item: CompletionItem | undefined): string {
  const doc = item?.documentation;
  return typeof doc === 'string' ? doc : (doc?.value ?? '');
}

function markdown(hover: Hover | null): string {
  assert.ok(hover !== null, 'expected a hover');
  const contents = hover.contents as MarkupContent;
  assert.equal(contents.kind, 'markdown');
  return contents.value;
}

describe('.plumbline.yaml is checked against what Plumbline reads', () => {
  let lsp: LspHarness;
  let dir: string;
  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'plumbline-config-'));
    lsp = await LspHarness.start({ cluster: { enabled: false } }, { workspaceFolders: [dir], initializationOptions: { cacheDir: join(dir, '.cache') } });
  });
  after(async () => {
    await lsp?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  test('a misspelt key, a YAML 1.1 boolean and an unknown delivery kind: errors where they stand, with suggestions', async () => {
    const uri = pathToFileURL(join(dir, '.plumbline.yaml')).href;
    const text = ['environments:', '  - name: prod', '    protectd: true', '    protected: yes', '    delivery: {kind: fluxx, name: shop}', 'drift:', '  ignore:', '    - kind: Deployment', '      jsonPointer: [/spec/replicas]', ''].join('\n');
    await lsp.open(uri, text);
    const diagnostics = await lsp.waitForVersion(uri, 1);
    assert.deepEqual(
      diagnostics.map((d) => [d.range.start.line, d.range.start.character, d.message]),
      [
        [2, 4, 'unknown key `protectd` in environments[0]; did you mean `protected`?'],
        [3, 15, 'environments[0].protected must be true or false'],
        [4, 21, 'environments[0].delivery.kind must be flux or argocd'],
        [8, 6, 'unknown key `jsonPointer` in drift.ignore[0]; did you mean `jsonPointers`?'],
      ],
    );
    assert.ok(diagnostics.every((d) => d.severity === 1 && d.source === 'plumbline'), JSON.stringify(diagnostics));
  });

  test('a valid configuration has no diagnostics', async () => {
    const uri = pathToFileURL(join(dir, 'sub', '.plumbline.yaml')).href;
    const text = ['environments:', '  - name: dev', '    path: ./deploy/dev', '    context: dev-cluster', '    namespace: shop', '    protected: false', '    delivery: direct', '  - name: prod', '    values: [charts/shop/values-prod.yaml]', '    release: shop', '    delivery: {kind: argocd, name: shop-prod, namespace: argocd}', 'drift:', '  ignore:', '    - kind: Deployment', '      jsonPointers: [/spec/replicas]', '    - managers: [kubectl-edit]', ''].join('\n');
    await lsp.open(uri, text);
    assert.deepEqual(await lsp.waitForVersion(uri, 1), []);
  });

  test('completion at the top level: the keys not yet there, with their descriptions', async () => {
    const uri = pathToFileURL(join(dir, 'complete', '.plumbline.yaml')).href;
    await lsp.open(uri, '\n');
    const list = items(await lsp.completion(uri, { line: 0, character: 0 }));
    assert.deepEqual(list.map((i) => [i.label, i.kind, i.insertText]), [
      ['environments', CompletionItemKind.Property, 'environments:\n  - $0'],
      ['drift', CompletionItemKind.Property, 'drift:\n  $0'],
      ['repositoryURLs', CompletionItemKind.Property, 'repositoryURLs:\n  - $0'],
    ]);
    assert.match(documentation(list[0]), /^Environments: Git paths delivered to a cluster\./);
    assert.match(documentation(list[1]), /drift between Git and the cluster/);
    assert.match(documentation(list[2]), /after a transfer or rename/);

    await lsp.replace(uri, 'environments:\n  - name: prod\n    \n');
    const entry = items(await lsp.completion(uri, { line: 2, character: 4 }));
    assert.deepEqual(entry.map((i) => i.label), ['path', 'paths', 'context', 'kubeconfig', 'namespace', 'protected', 'delivery', 'values', 'release']);
    assert.equal(entry.find((i) => i.label === 'protected')?.detail, 'boolean');
    assert.match(documentation(entry.find((i) => i.label === 'context')), /kubeconfig context/);
  });

  test('completion after `delivery: ` and `kind: `: the allowed values', async () => {
    const uri = pathToFileURL(join(dir, 'values', '.plumbline.yaml')).href;
    await lsp.open(uri, 'environments:\n  - name: prod\n    delivery: \n');
    const direct = items(await lsp.completion(uri, { line: 2, character: 14 }));
    assert.deepEqual(direct.map((i) => [i.label, i.kind]), [['direct', CompletionItemKind.Value]]);
    assert.match(documentation(direct[0]), /applies the environment's manifests/);
    await lsp.replace(uri, 'environments:\n  - name: prod\n    delivery:\n      kind: \n');
    assert.deepEqual(items(await lsp.completion(uri, { line: 3, character: 12 })).map((i) => i.label), ['flux', 'argocd']);
    await lsp.replace(uri, 'environments:\n  - name: prod\n    protected: \n');
    assert.deepEqual(items(await lsp.completion(uri, { line: 2, character: 15 })).map((i) => i.label), ['true', 'false']);
  });

  test('hover over a key shows its type and description; an unknown key has none', async () => {
    const uri = pathToFileURL(join(dir, 'hover', '.plumbline.yaml')).href;
    await lsp.open(uri, ['environments:', '  - name: prod', '    protected: true', '    protectd: true', 'drift:', '  ignore:', '    - jsonPointers: [/spec/replicas]', ''].join('\n'));
    const protectedKey = markdown(await lsp.hover(uri, { line: 2, character: 6 }));
    assert.match(protectedKey, /^\*\*protected\*\* `boolean`\n\nWhen true, Commit and Sync pushes the change to a new `plumbline\/<env>-<time>` branch/);
    assert.match(protectedKey, /_\.plumbline\.yaml · schema from schemas\/plumbline-config\.schema\.json_$/);
    assert.match(markdown(await lsp.hover(uri, { line: 6, character: 8 })), /^\*\*jsonPointers\*\* `string\[\]`\n\nFields \(and everything under them\)/);
    assert.equal(await lsp.hover(uri, { line: 3, character: 6 }), null);
  });
});

// `.plumbline.yaml` in the editor (issue 11): what Plumbline would silently ignore or misread in
// its own configuration is an error at the key, with the nearest known key; a valid file is clean.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { pathToFileURL } from 'node:url';
import { LspHarness } from '../support/lspClient';

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
});

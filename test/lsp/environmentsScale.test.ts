// LSP tier: the environments tree with 5,000 resources. The real server answers the request in
// full (every resource, with the line that declares it) and keeps answering other requests while
// it computes. Speed is measured by `npm run bench:tree`, not here.
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { after, before, describe, test } from 'node:test';
import { EnvironmentsRequest } from '../../server/src/protocol';
import { writeBigWorkspace, type BigWorkspace } from '../support/bigWorkspace';
import { LspHarness } from '../support/lspClient';

let workspace: BigWorkspace;
let lsp: LspHarness;

describe('environments tree with 5,000 resources', () => {
  before(async () => {
    workspace = writeBigWorkspace(mkdtempSync(join(tmpdir(), 'plumbline-tree-scale-')));
    lsp = await LspHarness.start({ cluster: { enabled: false } }, { workspaceFolders: [workspace.root] });
  });
  after(async () => {
    await lsp?.stop();
    rmSync(workspace.root, { recursive: true, force: true });
  });

  test('answers with every resource and its source line, and answers other requests meanwhile', { timeout: 180_000 }, async () => {
    const uri = pathToFileURL(workspace.sample).href;
    await lsp.open(uri, readFileSync(workspace.sample, 'utf8'));
    const order: string[] = [];
    const tree = lsp.connection.sendRequest(EnvironmentsRequest).then((r) => {
      order.push('environments');
      return r;
    });
    // Sent after the tree request: answered first unless the server blocks while computing the tree.
    const symbols = lsp.documentSymbols(uri).then((s) => {
      order.push('symbols');
      return s;
    });
    const [result, outline] = await Promise.all([tree, symbols]);
    assert.deepEqual(order, ['symbols', 'environments'], 'the outline request was answered while the tree was computed');
    assert.equal(outline?.length, 1);
    assert.deepEqual(result.problems, []);
    assert.deepEqual(result.environments.map((e) => [e.name, e.renderer, e.state, e.resources.length]), workspace.environments.map((name, i) => [name, i === 0 ? 'kustomize' : 'plain', 'not-checked', 1000]));
    // Every resource maps back to its own document: file-0012.yaml holds r-120…r-129, 10 documents of varying length.
    for (const env of result.environments) {
      const r = env.resources.find((x) => x.name === 'r-123');
      assert.ok(r?.source, `${env.name}: r-123 has a source`);
      assert.ok(r.source.uri.endsWith(`/deploy/${env.name}/file-0012.yaml`), r.source.uri);
      const lines = readFileSync(new URL(r.source.uri), 'utf8').split('\n');
      assert.equal(lines.slice(r.source.line, r.source.line + 4).find((l) => l.startsWith('  name: ')), '  name: r-123', `${env.name}: line ${r.source.line}`);
    }
  });
});

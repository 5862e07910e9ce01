// LSP tier, no cluster: the objects an environment renders are validated as rendered, and a
// value only the render checks (a JSON 6902 operation's) is reported where it is declared,
// naming the environment.
import assert from 'node:assert/strict';
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { pathToFileURL } from 'node:url';
import { EnvironmentsChangedNotification, EnvironmentsRequest, type EnvironmentsChangedParams } from '../../server/src/protocol';
import { LspHarness } from '../support/lspClient';
import { REPO } from '../support/paths';

describe('environments through the language server, without a cluster', () => {
  let lsp: LspHarness;
  let work: string;
  before(async () => {
    work = mkdtempSync(join(tmpdir(), 'plumbline-envs-lsp-'));
    cpSync(join(REPO, 'test', 'unit', 'fixtures', 'origins'), work, { recursive: true });
    lsp = await LspHarness.start({ cluster: { enabled: false } }, { workspaceFolders: [work], initializationOptions: { cacheDir: join(work, '.lsp-cache') } });
  });
  after(async () => {
    await lsp?.stop();
    rmSync(work, { recursive: true, force: true });
  });

  test('a JSON 6902 value of the wrong type: an error on its `value` key, labelled with the environment; the base stays clean', async () => {
    const patch = join(work, 'overlays', 'dev', 'memory.yaml');
    const broken = readFileSync(patch, 'utf8').replace('value: 512Mi', 'value: [512Mi]');
    writeFileSync(patch, broken);
    const uri = pathToFileURL(patch).href;
    await lsp.open(uri, broken);
    const diagnostics = await lsp.waitForDiagnostics(uri, (d) => d.length > 0);
    assert.deepEqual(
      diagnostics.map((d) => [d.severity, d.range.start, d.message.replace(/ must be .*/, '')]),
      [[1, { line: 2, character: 2 }, 'dev: Deployment spec.template.spec.containers[web].resources.limits.memory']],
    );
    assert.match(diagnostics[0]!.message, /\(as rendered\)$/);
    const base = join(work, 'base', 'deployment.yaml');
    const baseUri = pathToFileURL(base).href;
    await lsp.open(baseUri, readFileSync(base, 'utf8'));
    assert.deepEqual(await lsp.waitForVersion(baseUri, 1), []);
  });

  test('a settings change tells the client to ask for the tree again, once the server has read the new settings', async () => {
    const before = (await lsp.connection.sendRequest(EnvironmentsRequest)).environments;
    assert.ok(before.length > 0 && before.every((e) => /cluster access is off/.test(e.message)), `before: ${JSON.stringify(before.map((e) => e.message))}`);
    const told = lsp.waitForNotification(EnvironmentsChangedNotification.method, (p) => (p as EnvironmentsChangedParams).reason === 'settings', 10_000);
    await lsp.changeSettings({ cluster: { enabled: true } });
    await told;
    const now = (await lsp.connection.sendRequest(EnvironmentsRequest)).environments;
    assert.ok(now.length > 0 && now.every((e) => !/cluster access is off/.test(e.message)), `after the change the tree no longer says cluster access is off: ${JSON.stringify(now.map((e) => e.message))}`);
  });
});

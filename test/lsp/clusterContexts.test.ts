// `plumbline/clusterContexts`, which the context picker shows: the contexts of the kubeconfig the
// server reads (the setting, else $KUBECONFIG), with what to do when there is none to read.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { ClusterContextsRequest, type ClusterContextsResult } from '../../server/src/protocol';
import { LspHarness } from '../support/lspClient';
import { runCli } from '../support/cli';

const KUBECONFIG = `apiVersion: v1
kind: Config
current-context: dev
clusters:
  - name: dev-cluster
    cluster:
      server: https://dev.example.invalid:6443
  - name: prod-cluster
    cluster:
      server: https://prod.example.invalid:6443
contexts:
  - name: dev
    context:
      cluster: dev-cluster
      user: me
  - name: prod
    context:
      cluster: prod-cluster
      user: me
      namespace: shop
users:
  - name: me
    user:
      token: not-a-real-token
`;

describe('plumbline/clusterContexts', () => {
  let dir: string;
  const running: LspHarness[] = [];
  before(() => {
    dir = mkdtempSync(join(tmpdir(), 'plumbline-contexts-'));
    writeFileSync(join(dir, 'kubeconfig'), KUBECONFIG);
  });
  after(async () => {
    for (const h of running) await h.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  async function ask(settings: Record<string, unknown>, options: { env?: Record<string, string>; trusted?: boolean } = {}): Promise<ClusterContextsResult> {
    const harness = await LspHarness.start({ cluster: { enabled: true, ...settings } }, { env: options.env ?? { KUBECONFIG: join(dir, 'nowhere') }, initializationOptions: { trusted: options.trusted ?? true } });
    running.push(harness);
    return harness.connection.sendRequest(ClusterContextsRequest);
  }

  test('lists the contexts of plumbline.cluster.kubeconfig with their clusters, the current and the selected one', async () => {
    const result = await ask({ kubeconfig: join(dir, 'kubeconfig'), context: 'prod' });
    assert.ok(result.ok, JSON.stringify(result));
    assert.equal(result.kubeconfig, join(dir, 'kubeconfig'));
    assert.equal(result.current, 'dev');
    assert.equal(result.selected, 'prod');
    assert.deepEqual(result.contexts, [
      { name: 'dev', cluster: 'dev-cluster', server: 'https://dev.example.invalid:6443', namespace: undefined },
      { name: 'prod', cluster: 'prod-cluster', server: 'https://prod.example.invalid:6443', namespace: 'shop' },
    ].map((c) => JSON.parse(JSON.stringify(c)) as unknown));
    assert.doesNotMatch(JSON.stringify(result), /not-a-real-token/, 'no credentials leave the server');
  });

  test('without the setting, $KUBECONFIG is read', async () => {
    const result = await ask({}, { env: { KUBECONFIG: join(dir, 'kubeconfig') } });
    assert.ok(result.ok, JSON.stringify(result));
    assert.deepEqual(result.contexts.map((c) => c.name), ['dev', 'prod']);
  });

  test('a kubeconfig setting that points nowhere says so and which setting to fix', async () => {
    const result = await ask({ kubeconfig: join(dir, 'missing') });
    assert.equal(result.ok, false);
    assert.ok(!result.ok);
    assert.match(result.message, /does not exist: fix the setting plumbline\.cluster\.kubeconfig/);
  });

  test('a $KUBECONFIG that names no existing file says so and what to fix', async () => {
    const result = await ask({}, { env: { KUBECONFIG: join(dir, 'nowhere') } });
    assert.ok(!result.ok);
    assert.match(result.message, /KUBECONFIG names .*nowhere, which does not exist: fix KUBECONFIG or set plumbline\.cluster\.kubeconfig/);
  });

  test('with no kubeconfig anywhere, the editor and the CLI each say how to give one', async () => {
    const home = mkdtempSync(join(tmpdir(), 'plumbline-home-'));
    try {
      const env = { KUBECONFIG: '', HOME: home };
      const result = await ask({}, { env });
      assert.ok(!result.ok);
      assert.match(result.message, /no kubeconfig found .*set KUBECONFIG, or name the file with --kubeconfig \(CLI\) or the setting plumbline\.cluster\.kubeconfig \(editor\)/);
      writeFileSync(join(home, 'web.yaml'), 'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: web\n');
      const cli = await runCli(['diff', 'web.yaml'], { cwd: home, env });
      assert.equal(cli.code, 2, cli.stderr);
      assert.match(cli.stderr, /no kubeconfig found .*--kubeconfig \(CLI\)/);
    } finally {
      rmSync(home, { recursive: true, force: true });
    }
  });

  test('an untrusted workspace reads no kubeconfig and says what to do', async () => {
    const result = await ask({ kubeconfig: join(dir, 'kubeconfig') }, { trusted: false });
    assert.ok(!result.ok);
    assert.match(result.message, /not trusted.*trust the workspace/);
  });
});

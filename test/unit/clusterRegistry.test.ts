// The cluster registry keys sessions by kubeconfig and context: two kubeconfigs may give one
// context name to different clusters, and must never share a session (issue 12).
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ClusterClient } from '../../server/src/cluster/http';
import { ClusterRegistry, clusterKey } from '../../server/src/workspace/clusters';

describe('cluster registry', () => {
  test('one session per kubeconfig and context; the same pair is the same session', () => {
    const registry = new ClusterRegistry(() => ({}), () => '/tmp/plumbline-registry-test');
    const a = registry.session({ kubeconfigPath: '/home/a/config', context: 'prod' });
    const b = registry.session({ kubeconfigPath: '/home/b/config', context: 'prod' });
    assert.notEqual(a, b);
    assert.equal(registry.session({ kubeconfigPath: '/home/a/config', context: 'prod' }), a);
    assert.notEqual(clusterKey({ context: 'prod' }), clusterKey({ kubeconfigPath: 'prod' }));
    assert.equal(registry.size, 2);
  });

  test('reset and dispose close every session: the next request makes a new one', () => {
    const registry = new ClusterRegistry(() => ({}), () => '/tmp/plumbline-registry-test');
    const a = registry.session({ context: 'dev' });
    registry.reset();
    assert.equal(registry.size, 0);
    assert.notEqual(registry.session({ context: 'dev' }), a);
    registry.dispose();
    assert.equal(registry.size, 0);
  });

  test('an Argo CD destination picks its context: by API server URL, or by name (the context of that name, else the context whose cluster has it)', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'plumbline-destination-'));
    try {
      const kubeconfig = join(dir, 'config');
      writeFileSync(
        kubeconfig,
        `apiVersion: v1
kind: Config
current-context: east
clusters:
  - name: east
    cluster: {server: "https://127.0.0.1:6443"}
  - name: west
    cluster: {server: "https://127.0.0.1:7443/"}
contexts:
  - name: east
    context: {cluster: east, user: u}
  - name: admin@west
    context: {cluster: west, user: u}
users:
  - name: u
    user: {token: t}
`,
      );
      const contextOf = async (server: string): Promise<string> => {
        const client = await ClusterClient.connect({ kubeconfigPath: kubeconfig, server });
        return client.ok ? client.value.context : client.error.message;
      };
      assert.equal(await contextOf('https://127.0.0.1:7443'), 'admin@west');
      assert.equal(await contextOf('west'), 'admin@west', 'by the cluster name Argo CD knows it by');
      assert.equal(await contextOf('admin@west'), 'admin@west', 'by the context name');
      assert.equal(await contextOf('north'), "no kubeconfig context or cluster is named north (the environment's Argo CD destination): add one, or name the environment's context in .plumbline.yaml");
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

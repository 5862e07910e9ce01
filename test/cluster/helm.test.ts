// Cluster tier: a Helm chart environment against the real apiserver. `helm template` renders it,
// a direct sync applies it into the environment's namespace (the chart's objects name none), and
// the environment's status then shows drift when the cluster is changed by hand.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { ClusterClient } from '../../server/src/cluster/http';
import { ClusterSession } from '../../server/src/cluster/session';
import { applyDirect } from '../../server/src/environments/converge';
import { discoverEnvironments } from '../../server/src/environments/discover';
import { renderEnvironment, type RenderOptions } from '../../server/src/environments/render';
import { environmentStatus } from '../../server/src/environments/status';
import { HELM_REPO, helmCommand } from '../support/helm';
import { startCluster, type Cluster } from './harness';

let cluster: Cluster;

function kubectl(args: string[]): string {
  return execFileSync('kubectl', ['--kubeconfig', cluster.kubeconfigPath, ...args], { encoding: 'utf8' });
}

describe('a Helm environment on a real cluster', () => {
  before(async () => {
    cluster = await startCluster();
    kubectl(['create', 'namespace', 'shop-eu']);
  });
  after(async () => {
    await cluster?.stop();
  });

  test('applied, it is in sync; scaled by hand, the Deployment is drifted at its template', async () => {
    const { environments } = await discoverEnvironments(HELM_REPO);
    const eu = environments.find((e) => e.name === 'eu')!;
    const render: RenderOptions = { trusted: true, kustomize: ['kubectl', 'kustomize'], helm: helmCommand() };
    const rendered = await renderEnvironment(HELM_REPO, eu, render);
    assert.ok(rendered.ok, rendered.ok ? '' : rendered.message);

    // What a direct sync does: the environment's namespace for objects that name none.
    const connected = await ClusterClient.connect({ kubeconfigPath: cluster.kubeconfigPath, namespace: 'shop-eu' });
    assert.ok(connected.ok, connected.ok ? '' : connected.error.message);
    const applied = await applyDirect(connected.value, eu.name, rendered.objects, { progress: () => undefined, timeoutMs: 30_000 });
    connected.value.dispose();
    assert.ok(applied.ok, applied.ok ? '' : applied.error.message);
    assert.equal(kubectl(['-n', 'shop-eu', 'get', 'deployment', 'shop-eu-web', '-o', 'jsonpath={.spec.replicas}']), '4');

    const session = new ClusterSession({ kubeconfigPath: cluster.kubeconfigPath });
    try {
      const inSync = await environmentStatus(HELM_REPO, eu, session, render, []);
      assert.deepEqual([inSync.state, inSync.message], ['in-sync', 'in sync']);
      assert.deepEqual(inSync.resources.map((r) => `${r.kind}/${r.name} ${r.state}`).sort(), ['ConfigMap/shop-eu-cache in-sync', 'ConfigMap/shop-eu-web-config in-sync', 'Deployment/shop-eu-web in-sync', 'Service/shop-eu-web in-sync']);

      kubectl(['-n', 'shop-eu', 'scale', 'deployment', 'shop-eu-web', '--replicas=7']);
      const drifted = await environmentStatus(HELM_REPO, eu, session, render, []);
      assert.deepEqual([drifted.state, drifted.message], ['drifted', '1 drifted']);
      const deployment = drifted.resources.find((r) => r.kind === 'Deployment')!;
      assert.deepEqual([deployment.state, deployment.drifted, deployment.source], ['drifted', 1, { path: join(HELM_REPO, 'charts', 'shop', 'templates', 'deployment.yaml'), line: 0 }]);
    } finally {
      session.dispose();
    }
  });
});

// Cluster tier: a Helm chart environment against the real apiserver. `helm template` renders it,
// a direct sync applies it into the environment's namespace (the chart's objects name none), and
// the environment's status then shows drift when the cluster is changed by hand.
import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import { cpSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { delimiter, dirname, join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { ClusterClient } from '../../server/src/cluster/http';
import { ClusterSession } from '../../server/src/cluster/session';
import { applyDirect } from '../../server/src/delivery/converge';
import { discoverEnvironments } from '../../server/src/environments/discover';
import { renderEnvironment, type RenderOptions } from '../../server/src/environments/render';
import { environmentStatus } from '../../server/src/delivery/status';
import { HELM, HELM_REPO, helmCommand } from '../support/helm';
import { bundle } from '../support/paths';
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
      assert.deepEqual([drifted.state, drifted.message], ['drifted', '1 resource drifted (1 field)']);
      const deployment = drifted.resources.find((r) => r.kind === 'Deployment')!;
      assert.deepEqual([deployment.state, deployment.drifted, deployment.source], ['drifted', 1, { path: join(HELM_REPO, 'charts', 'shop', 'templates', 'deployment.yaml'), line: 0 }]);
    } finally {
      session.dispose();
    }
  });

  test('plumbline sync commits the eu values, applies the chart into shop-eu, and the drift is gone', async () => {
    const root = mkdtempSync(join(tmpdir(), 'plumbline-helm-sync-'));
    const git = (cwd: string, ...args: string[]): string => execFileSync('git', args, { cwd, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] }).trim();
    const remote = join(root, 'remote.git');
    const work = join(root, 'work');
    git(root, 'init', '-q', '--bare', '-b', 'main', remote);
    git(root, 'clone', '-q', remote, work);
    cpSync(HELM_REPO, work, { recursive: true });
    git(work, 'config', 'user.name', 'Test');
    git(work, 'config', 'user.email', 'test@example.com');
    git(work, 'add', '.');
    git(work, 'commit', '-q', '-m', 'initial');
    git(work, 'push', '-q', '-u', 'origin', 'main');
    helmCommand(); // fails with the fix when helm has not been built

    writeFileSync(join(work, 'deploy/eu/values.yaml'), 'replicas: 6\ngreeting: hallo\n');
    // The CLI finds helm on the PATH, as a user's shell would.
    const run = spawnSync(process.execPath, [bundle('cli.js'), 'sync', '--env', 'eu', '-m', 'eu: six replicas', '--repo', work, '--kubeconfig', cluster.kubeconfigPath], {
      encoding: 'utf8',
      env: { ...process.env, PATH: `${dirname(HELM)}${delimiter}${process.env['PATH'] ?? ''}` },
    });
    assert.equal(run.status, 0, run.stdout + run.stderr);
    assert.match(run.stdout, /✔ commit: committed [0-9a-f]{7} eu: six replicas/);
    assert.match(run.stdout, /✔ converge: applied 4 objects/);
    assert.equal(git(remote, 'show', '--name-only', '--format=', 'main'), 'deploy/eu/values.yaml');
    assert.equal(kubectl(['-n', 'shop-eu', 'get', 'deployment', 'shop-eu-web', '-o', 'jsonpath={.spec.replicas}']), '6');
    // Nothing went to the context's default namespace.
    assert.equal(kubectl(['-n', 'default', 'get', 'deployments', '-o', 'name']), '');

    const { environments } = await discoverEnvironments(work);
    const session = new ClusterSession({ kubeconfigPath: cluster.kubeconfigPath });
    try {
      const status = await environmentStatus(work, environments.find((e) => e.name === 'eu')!, session, { trusted: true, kustomize: ['kubectl', 'kustomize'], helm: [HELM] }, []);
      assert.deepEqual([status.state, status.message], ['in-sync', 'in sync']);
    } finally {
      session.dispose();
    }
  });
});

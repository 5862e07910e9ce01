// Cluster tier: what a sync asks of the cluster — direct server-side apply with pruning, the Flux
// reconcile annotation and the Argo CD sync operation — against the real apiserver with the
// real Flux and Argo CD CRDs installed. No controllers run here: the tests play the controller,
// updating status the way Flux and Argo CD do, and check the wait ends (or times out clearly).
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { ClusterClient, type KubeObject } from '../../server/src/cluster/http';
import { ClusterSession } from '../../server/src/cluster/session';
import { DriftEngine } from '../../server/src/drift/engine';
import { applyDirect, ENVIRONMENT_ANNOTATION, FLUX_REQUESTED_AT, prune, pruneCandidates, reconcileFlux, syncArgo, type ConvergeOptions } from '../../server/src/delivery/converge';
import { discoverEnvironments } from '../../server/src/environments/discover';
import { renderEnvironment } from '../../server/src/environments/render';
import { installCrds, Kubectl } from '../../scripts/schemas/cluster';
import { loadCrds } from '../../scripts/schemas/crds';
import { CRD_SOURCES } from '../../scripts/schemas/sources';
import { EXAMPLES, REPO } from '../support/paths';
import { startCluster, type Cluster } from './harness';
import { until } from '../support/poll';
import { kubectlFor } from '../support/kubectl';

let cluster: Cluster;
let client: ClusterClient;
const progress: string[] = [];
const options = (timeoutMs = 10_000): ConvergeOptions => ({ progress: (m) => progress.push(m), timeoutMs, pollMs: 50 });

const shared = kubectlFor(() => cluster.kubeconfigPath);
const kubectl = (args: string[], input?: string): string => (input === undefined ? shared(...args) : shared.input(input, ...args));

async function get(path: string): Promise<KubeObject> {
  const r = await client.request<KubeObject>(path);
  if (!r.ok) throw new Error(r.error.message);
  return r.value;
}

describe('converging an environment', () => {
  before(async () => {
    cluster = await startCluster();
    const connected = await ClusterClient.connect({ kubeconfigPath: cluster.kubeconfigPath });
    if (!connected.ok) throw new Error(connected.error.message);
    client = connected.value;
    const wanted = CRD_SOURCES.filter((s) => s.from === 'manifests' && /source-controller|kustomize-controller|argo-cd/.test(s.module));
    const loaded = await loadCrds(wanted, join(REPO, '.cache', 'schemas'), () => undefined);
    await installCrds(new Kubectl(cluster.kubeconfigPath), loaded.flatMap((l) => l.crds), 60_000);
    kubectl(['create', 'namespace', 'flux-system']);
    kubectl(['create', 'namespace', 'argocd']);
  });
  after(async () => {
    client?.dispose();
    await cluster?.stop();
  });

  test('direct: the dev overlay is applied and then shows no drift; pruning removes only what was confirmed', async () => {
    const { environments } = await discoverEnvironments(EXAMPLES);
    const dev = environments.find((e) => e.name === 'dev')!;
    const rendered = await renderEnvironment(EXAMPLES, dev);
    assert.ok(rendered.ok, rendered.ok ? '' : rendered.message);
    assert.deepEqual(rendered.objects.map((o) => `${o.object.kind}/${o.object.metadata?.name ?? ''}`).sort(), ['ConfigMap/shop-settings', 'Deployment/shop-web', 'Namespace/shop-dev', 'Service/shop-web']);
    assert.equal(rendered.objects.find((o) => o.object.kind === 'Deployment')?.source, join(EXAMPLES, 'apps/shop/base/deployment.yaml'));
    const applied = await applyDirect(client, 'dev', rendered.objects, options());
    assert.ok(applied.ok, applied.ok ? '' : applied.error.message);
    const engine = await DriftEngine.forSession(new ClusterSession({ kubeconfigPath: cluster.kubeconfigPath }));
    assert.ok(engine.ok);
    for (const { object } of rendered.objects) {
      const [group, version] = (object.apiVersion ?? '').includes('/') ? (object.apiVersion ?? '').split('/') : ['', object.apiVersion ?? ''];
      const report = await engine.value.compare({ apiVersion: object.apiVersion ?? '', group: group ?? '', version: version ?? '', kind: object.kind ?? '', name: object.metadata?.name, namespace: object.metadata?.namespace }, object);
      assert.equal(report.state, 'in-sync', `${object.kind}/${object.metadata?.name ?? ''}: ${JSON.stringify(report.state === 'drifted' ? report.values : report)}`);
    }
    engine.value.dispose();
    // Two objects a sync applied earlier that Git dropped, and one nobody applied through Plumbline.
    for (const name of ['old-a', 'old-b']) kubectl(['create', 'configmap', name, '-n', 'shop-dev']);
    for (const name of ['old-a', 'old-b']) kubectl(['annotate', 'configmap', name, '-n', 'shop-dev', `${ENVIRONMENT_ANNOTATION}=dev`]);
    kubectl(['create', 'configmap', 'someone-elses', '-n', 'shop-dev']);
    const candidates = await pruneCandidates(client, 'dev', rendered.objects);
    assert.ok(candidates.ok, candidates.ok ? '' : candidates.error.message);
    assert.deepEqual(candidates.value.map((c) => `${c.kind}/${c.name}`).sort(), ['ConfigMap/old-a', 'ConfigMap/old-b']);
    const pruned = await prune(client, candidates.value.filter((c) => c.name === 'old-a'), options());
    assert.ok(pruned.ok);
    const left = kubectl(['get', 'configmaps', '-n', 'shop-dev', '-o', 'name']).trim().split('\n');
    assert.ok(!left.includes('configmap/old-a'), 'the confirmed object is gone');
    for (const kept of ['configmap/old-b', 'configmap/someone-elses', 'configmap/shop-settings']) assert.ok(left.includes(kept), `${kept} is kept`);
  });

  test('Flux: the reconcile annotation goes on the source and the Kustomization; the wait ends when Flux reports it handled', async () => {
    kubectl(['apply', '-f', join(EXAMPLES, 'clusters', 'dev', 'shop.yaml')]);
    const path = '/apis/kustomize.toolkit.fluxcd.io/v1/namespaces/flux-system/kustomizations/shop';
    const controller = until(async () => {
      const k = await get(path);
      const requested = k.metadata?.annotations?.[FLUX_REQUESTED_AT];
      if (requested === undefined) return undefined;
      // What kustomize-controller writes when it has handled the request.
      const status = { lastHandledReconcileAt: requested, lastAppliedRevision: 'main@sha1:abc', conditions: [{ type: 'Ready', status: 'True', reason: 'ReconciliationSucceeded', message: 'Applied revision', lastTransitionTime: new Date().toISOString(), observedGeneration: 1 }] };
      const r = await client.request(`${path}/status`, { method: 'PATCH', body: { status }, contentType: 'application/merge-patch+json' });
      if (!r.ok) throw new Error(r.error.message);
      return requested;
    });
    const result = await reconcileFlux(client, { kind: 'flux', name: 'shop', namespace: 'flux-system', source: { kind: 'GitRepository', name: 'platform', namespace: 'flux-system' } }, options());
    const requested = await controller;
    assert.ok(result.ok, result.ok ? '' : result.error.message);
    assert.equal(result.value, 'Flux applied main@sha1:abc');
    assert.match(requested, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/);
    const source = await get('/apis/source.toolkit.fluxcd.io/v1/namespaces/flux-system/gitrepositories/platform');
    assert.equal(source.metadata?.annotations?.[FLUX_REQUESTED_AT], requested, 'the source is asked to fetch with the same request time');
  });

  test('Flux: a 404 says whether Flux is not installed (no HelmRelease CRD here) or the object is missing', async () => {
    const helm = await reconcileFlux(client, { kind: 'flux', name: 'shop', namespace: 'flux-system', resource: 'HelmRelease' }, options(600));
    assert.equal(helm.ok ? '' : helm.error.message, 'Flux is not installed in plumbline-bench: its HelmRelease CRD (helm.toolkit.fluxcd.io/v2) is not served. Install Flux in that cluster, or deliver this environment directly (delivery: direct in .plumbline.yaml)');
    const missing = await reconcileFlux(client, { kind: 'flux', name: 'nope', namespace: 'flux-system' }, options(600));
    assert.equal(missing.ok ? '' : missing.error.message, "Flux is installed in plumbline-bench, but it has no Kustomization flux-system/nope: bootstrap Flux from this repository, or check the Kustomization's name and namespace");
  });

  test('Flux: without a controller the wait times out with a clear message', async () => {
    const result = await reconcileFlux(client, { kind: 'flux', name: 'shop', namespace: 'flux-system' }, options(600));
    assert.equal(result.ok, false);
    assert.match(result.ok ? '' : result.error.message, /^Flux handling the reconcile request for flux-system\/shop did not happen within 1 s$/);
  });

  test('Argo CD: a sync operation at the pushed revision, refused while one runs, done when the controller reports it', async () => {
    kubectl(['apply', '-f', join(EXAMPLES, 'argocd', 'shop-prod.yaml')]);
    const path = '/apis/argoproj.io/v1alpha1/namespaces/argocd/applications/shop-prod';
    const revision = '0123456789abcdef0123456789abcdef01234567';
    const controller = until(async () => {
      const app = (await get(path)) as KubeObject & { operation?: { sync?: { revision?: string }; initiatedBy?: { username?: string } } };
      if (app.operation === undefined) return undefined;
      // What the application controller does: record the result, then clear the operation.
      const status = { operationState: { phase: 'Succeeded', message: 'successfully synced', operation: app.operation, syncResult: { revision }, startedAt: new Date().toISOString() } };
      const r = await client.request(`${path}`, { method: 'PATCH', body: { status, operation: null }, contentType: 'application/merge-patch+json' });
      if (!r.ok) throw new Error(r.error.message);
      return app.operation;
    });
    const result = await syncArgo(client, { kind: 'argocd', name: 'shop-prod', namespace: 'argocd' }, revision, options());
    const operation = await controller;
    assert.ok(result.ok, result.ok ? '' : result.error.message);
    assert.equal(result.value, 'Argo CD synced 0123456');
    assert.equal(operation.sync?.revision, revision);
    assert.equal(operation.initiatedBy?.username, 'plumbline');
    const running = await client.request(path, { method: 'PATCH', body: { operation: { sync: { revision: 'other' } } }, contentType: 'application/merge-patch+json' });
    assert.ok(running.ok);
    const refused = await syncArgo(client, { kind: 'argocd', name: 'shop-prod', namespace: 'argocd' }, revision, options());
    assert.equal(refused.ok, false);
    assert.match(refused.ok ? '' : refused.error.message, /already has an operation running/);
  });
});

// Cluster tier: Reconcile — converge an environment on Git as it is, without a commit or a push —
// against the real apiserver with the real Flux and Argo CD CRDs. No controllers run here: the
// tests play the controller the way Flux and Argo CD do, and check what was asked of it.
import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { ClusterClient, type KubeObject } from '../../server/src/cluster/http';
import { ENVIRONMENT_ANNOTATION, FLUX_REQUESTED_AT } from '../../server/src/delivery/converge';
import { discoverEnvironments } from '../../server/src/environments/discover';
import type { Environment } from '../../server/src/environments/model';
import { reconcileEnvironment, type ReconcileOutcome, type ReconcileRequest } from '../../server/src/delivery/reconcile';
import { DEFAULT_RENDER_OPTIONS } from '../../server/src/environments/render';
import { installCrds, Kubectl } from '../../scripts/schemas/cluster';
import { loadCrds } from '../../scripts/schemas/crds';
import { CRD_SOURCES } from '../../scripts/schemas/sources';
import { bundle, EXAMPLES, REPO } from '../support/paths';
import { startCluster, type Cluster } from './harness';
import { until } from '../support/poll';

let cluster: Cluster;
let client: ClusterClient;
let environments: Environment[];
const progress: string[] = [];

function kubectl(args: string[]): string {
  return execFileSync('kubectl', ['--kubeconfig', cluster.kubeconfigPath, ...args], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
}

async function get<T = KubeObject>(path: string): Promise<T> {
  const r = await client.request<T>(path);
  if (!r.ok) throw new Error(r.error.message);
  return r.value;
}

async function patch(path: string, body: unknown): Promise<void> {
  const r = await client.request(path, { method: 'PATCH', body, contentType: 'application/merge-patch+json' });
  if (!r.ok) throw new Error(r.error.message);
}

function env(name: string): Environment {
  const found = environments.find((e) => e.name === name);
  assert.ok(found, `environment ${name} in examples/`);
  return structuredClone(found);
}

function reconcile(environment: Environment, extra: Partial<ReconcileRequest> = {}): Promise<ReconcileOutcome> {
  return reconcileEnvironment({ root: EXAMPLES, env: environment, cluster: { kubeconfigPath: cluster.kubeconfigPath }, render: DEFAULT_RENDER_OPTIONS, confirmed: false, progress: (m) => progress.push(m), timeoutMs: 10_000, ...extra });
}

function done(outcome: ReconcileOutcome): Extract<ReconcileOutcome, { kind: 'done' }> {
  assert.equal(outcome.kind, 'done', JSON.stringify(outcome));
  return outcome;
}

describe('Reconcile: converge without committing or pushing', () => {
  before(async () => {
    cluster = await startCluster();
    const connected = await ClusterClient.connect({ kubeconfigPath: cluster.kubeconfigPath });
    if (!connected.ok) throw new Error(connected.error.message);
    client = connected.value;
    const wanted = CRD_SOURCES.filter((s) => s.from === 'manifests' && /source-controller|kustomize-controller|helm-controller|argo-cd/.test(s.module));
    const loaded = await loadCrds(wanted, join(REPO, '.cache', 'schemas'), () => undefined);
    await installCrds(new Kubectl(cluster.kubeconfigPath), loaded.flatMap((l) => l.crds), 60_000);
    kubectl(['create', 'namespace', 'flux-system']);
    kubectl(['create', 'namespace', 'argocd']);
    ({ environments } = await discoverEnvironments(EXAMPLES));
  });
  after(async () => {
    client?.dispose();
    await cluster?.stop();
  });

  test('Flux: requestedAt on the GitRepository and the Kustomization; done when Flux reports it handled that request and is Ready', async () => {
    kubectl(['apply', '-f', join(EXAMPLES, 'clusters', 'dev', 'shop.yaml')]);
    const path = '/apis/kustomize.toolkit.fluxcd.io/v1/namespaces/flux-system/kustomizations/shop';
    const controller = until(async () => {
      const requested = (await get(path)).metadata?.annotations?.[FLUX_REQUESTED_AT];
      if (requested === undefined) return undefined;
      const status = { lastHandledReconcileAt: requested, lastAppliedRevision: 'main@sha1:0123abc', conditions: [{ type: 'Ready', status: 'True', reason: 'ReconciliationSucceeded', message: 'Applied revision', lastTransitionTime: new Date().toISOString(), observedGeneration: 1 }] };
      await patch(`${path}/status`, { status });
      return requested;
    });
    const result = done(await reconcile(env('dev')));
    const requested = await controller;
    assert.equal(result.ok, true, result.message);
    assert.equal(result.message, 'Flux applied main@sha1:0123abc');
    assert.ok(result.details.includes('asking Flux to reconcile Kustomization flux-system/shop'), result.details.join('\n'));
    const source = await get('/apis/source.toolkit.fluxcd.io/v1/namespaces/flux-system/gitrepositories/platform');
    assert.equal(source.metadata?.annotations?.[FLUX_REQUESTED_AT], requested, 'the source is asked to fetch with the same request time');
  });

  test('Flux: a Ready=False answer is a failure that says why; no answer times out clearly', async () => {
    const path = '/apis/kustomize.toolkit.fluxcd.io/v1/namespaces/flux-system/kustomizations/shop';
    const before = (await get(path)).metadata?.annotations?.[FLUX_REQUESTED_AT];
    const controller = until(async () => {
      const requested = (await get(path)).metadata?.annotations?.[FLUX_REQUESTED_AT];
      if (requested === undefined || requested === before) return undefined;
      await patch(`${path}/status`, { status: { lastHandledReconcileAt: requested, conditions: [{ type: 'Ready', status: 'False', reason: 'BuildFailed', message: 'kustomize build failed', lastTransitionTime: new Date().toISOString(), observedGeneration: 1 }] } });
      return requested;
    });
    const failed = done(await reconcile(env('dev')));
    await controller;
    assert.equal(failed.ok, false);
    assert.equal(failed.message, 'Flux reconciled but is not Ready: BuildFailed kustomize build failed');
    const timedOut = done(await reconcile(env('dev'), { timeoutMs: 600 }));
    assert.equal(timedOut.ok, false);
    assert.equal(timedOut.message, 'Flux handling the reconcile request for flux-system/shop did not happen within 1 s');
  });

  test('Flux, then the wait for health: the Kustomization\'s objects are rendered and read; none in the cluster is Missing to the end, by name', async () => {
    const path = '/apis/kustomize.toolkit.fluxcd.io/v1/namespaces/flux-system/kustomizations/shop';
    const before = (await get(path)).metadata?.annotations?.[FLUX_REQUESTED_AT];
    const controller = until(async () => {
      const requested = (await get(path)).metadata?.annotations?.[FLUX_REQUESTED_AT];
      if (requested === undefined || requested === before) return undefined;
      await patch(`${path}/status`, { status: { lastHandledReconcileAt: requested, lastAppliedRevision: 'main@sha1:0123abc', conditions: [{ type: 'Ready', status: 'True', reason: 'ReconciliationSucceeded', message: 'Applied revision', lastTransitionTime: new Date().toISOString(), observedGeneration: 1 }] } });
      return requested;
    });
    // This test's controller answers Ready without applying anything: dev's objects never appear.
    const result = done(await reconcile(env('dev'), { healthTimeoutMs: 1_000 }));
    await controller;
    assert.equal(result.ok, false);
    assert.deepEqual(result.health?.ok, false);
    assert.match(result.message, /^Flux applied main@sha1:0123abc · not healthy within 1 s \(0\/4 healthy\): /);
    assert.match(result.message, /Deployment\/shop-web in shop-dev: NotFound: not in the cluster/);
    assert.ok(progress.some((m) => /^waiting: 0\/4 healthy · \w+\/[\w-]+( in shop-dev)?: NotFound: not in the cluster; and 3 more$/.test(m)), progress.join('\n'));
  });

  test('Flux HelmRelease (from .plumbline.yaml `resource: HelmRelease`): the annotation goes on the HelmRelease and its HelmRepository', async () => {
    const objects = [
      { apiVersion: 'source.toolkit.fluxcd.io/v1', kind: 'HelmRepository', metadata: { name: 'charts', namespace: 'flux-system' }, spec: { interval: '10m', url: 'https://charts.example.com' } },
      { apiVersion: 'helm.toolkit.fluxcd.io/v2', kind: 'HelmRelease', metadata: { name: 'shop-chart', namespace: 'flux-system' }, spec: { interval: '10m', chart: { spec: { chart: 'shop', sourceRef: { kind: 'HelmRepository', name: 'charts' } } } } },
    ];
    execFileSync('kubectl', ['--kubeconfig', cluster.kubeconfigPath, 'apply', '-f', '-'], { input: objects.map((o) => JSON.stringify(o)).join('\n'), encoding: 'utf8' });
    const path = '/apis/helm.toolkit.fluxcd.io/v2/namespaces/flux-system/helmreleases/shop-chart';
    const controller = until(async () => {
      const requested = (await get(path)).metadata?.annotations?.[FLUX_REQUESTED_AT];
      if (requested === undefined) return undefined;
      await patch(`${path}/status`, { status: { lastHandledReconcileAt: requested, conditions: [{ type: 'Ready', status: 'True', reason: 'UpgradeSucceeded', message: 'Helm upgrade succeeded', lastTransitionTime: new Date().toISOString(), observedGeneration: 1 }] } });
      return requested;
    });
    const chart: Environment = { ...env('dev'), delivery: { kind: 'flux', name: 'shop-chart', namespace: 'flux-system', resource: 'HelmRelease', source: { kind: 'HelmRepository', name: 'charts', namespace: 'flux-system' } } };
    const result = done(await reconcile(chart));
    const requested = await controller;
    assert.equal(result.ok, true, result.message);
    assert.ok(result.details.includes('asking Flux to reconcile HelmRelease flux-system/shop-chart'), result.details.join('\n'));
    const repository = await get('/apis/source.toolkit.fluxcd.io/v1/namespaces/flux-system/helmrepositories/charts');
    assert.equal(repository.metadata?.annotations?.[FLUX_REQUESTED_AT], requested);
  });

  test('Argo CD: a sync operation at the revision the Application targets now; an earlier result at that revision does not count', async () => {
    kubectl(['apply', '-f', join(EXAMPLES, 'argocd', 'shop-prod.yaml')]);
    const path = '/apis/argoproj.io/v1alpha1/namespaces/argocd/applications/shop-prod';
    const target = '89abcdef0123456789abcdef0123456789abcdef';
    // What Argo CD keeps about the Application: the commit targetRevision `main` resolves to.
    await patch(path, { status: { sync: { status: 'OutOfSync', revision: target } } });
    type App = KubeObject & { operation?: { sync?: { revision?: string }; info?: { name: string; value: string }[] } };
    const controller = until(async () => {
      const app = await get<App>(path);
      if (app.operation === undefined) return undefined;
      const status = { sync: { status: 'Synced', revision: target }, operationState: { phase: 'Succeeded', message: 'successfully synced', operation: app.operation, syncResult: { revision: target }, startedAt: new Date().toISOString() } };
      await patch(path, { status, operation: null });
      return app.operation;
    });
    const result = done(await reconcile(env('prod')));
    const operation = await controller;
    assert.equal(result.ok, true, result.message);
    assert.equal(result.message, 'Argo CD synced 89abcde');
    assert.equal(operation.sync?.revision, target);
    assert.deepEqual(operation.info, [{ name: 'Reason', value: 'Plumbline reconcile' }]);
    // Nobody answers this time: the Succeeded state left by the last sync at the same revision must not end the wait.
    const stale = done(await reconcile(env('prod'), { timeoutMs: 600 }));
    assert.equal(stale.ok, false);
    assert.match(stale.message, /^Argo CD finishing the sync of argocd\/shop-prod did not happen within 1 s$/);
    const app = await get<App>(path);
    assert.equal(app.operation?.sync?.revision, target, 'the unanswered operation is still there');
    const refused = done(await reconcile(env('prod')));
    assert.equal(refused.ok, false);
    assert.match(refused.message, /already has an operation running/);
    await patch(path, { operation: null });
  });

  test('CLI: `plumbline reconcile` lists what a direct apply would send and applies only with --yes', () => {
    const repo = mkdtempSync(join(tmpdir(), 'plumbline-reconcile-cli-'));
    try {
      cpSync(EXAMPLES, repo, { recursive: true });
      const config = join(repo, '.plumbline.yaml');
      writeFileSync(config, readFileSync(config, 'utf8').replace('environments:\n', 'environments:\n  - name: prod\n    delivery: direct\n'));
      const cli = (...args: string[]): { code: number | null; stdout: string; stderr: string } => {
        const r = spawnSync(process.execPath, [bundle('cli.js'), 'reconcile', '--env', 'prod', '--repo', repo, '--kubeconfig', cluster.kubeconfigPath, ...args], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
        return { code: r.status, stdout: r.stdout, stderr: r.stderr };
      };
      const asked = cli();
      assert.equal(asked.code, 1, asked.stderr);
      assert.match(asked.stdout, /^A direct apply of prod would send:\n {2}Namespace\/shop-prod\n/);
      assert.match(asked.stderr, /not applying anything without --yes/);
      assert.throws(() => kubectl(['get', 'namespace', 'shop-prod']), /NotFound/, 'nothing applied without --yes');
      const applied = cli('--yes');
      assert.equal(applied.code, 0, applied.stderr);
      assert.equal(applied.stdout, '✔ reconcile prod: applied 4 objects\n');
      assert.match(kubectl(['get', 'deployment', 'shop-web', '-n', 'shop-prod', '-o', 'name']), /deployment.apps\/shop-web/);
    } finally {
      rmSync(repo, { recursive: true, force: true });
    }
  });

  test('direct: nothing is applied until confirmed; then every rendered object is applied with the environment mark', async () => {
    const staging = env('staging');
    staging.delivery = { kind: 'direct' };
    const asked = await reconcile(staging);
    assert.equal(asked.kind, 'confirm');
    assert.deepEqual(asked.kind === 'confirm' ? [...asked.objects].sort() : [], ['ConfigMap/shop-settings in shop-staging', 'Deployment/shop-web in shop-staging', 'Namespace/shop-staging', 'Service/shop-web in shop-staging']);
    assert.throws(() => kubectl(['get', 'namespace', 'shop-staging']), /NotFound/, 'nothing applied before the confirmation');
    const applied = done(await reconcile(staging, { confirmed: true }));
    assert.equal(applied.ok, true, applied.message);
    assert.equal(applied.message, 'applied 4 objects');
    const deployment = await get('/apis/apps/v1/namespaces/shop-staging/deployments/shop-web');
    assert.equal(deployment.metadata?.annotations?.[ENVIRONMENT_ANNOTATION], 'staging');
    assert.ok(deployment.metadata?.managedFields?.some((f) => (f as { manager?: string }).manager === 'plumbline'), 'applied with field manager plumbline');
  });
});

// Cluster tier: health as the user reads it, against the real apiserver. No controller runs on the
// bench cluster, so each test writes `status` through the status subresource the way the controller
// documents it (the deployment, job, persistentvolume and kubelet's pod status), then reads what
// `plumbline status` says; and Reconcile waits for health after convergence (the editor's request
// over JSON-RPC, and the CLI's --wait), ending when the test writes a healthy status, at the
// deadline, or at once when a resource has Failed; and the same for an Argo CD Application, the
// test answering its sync operation as Argo CD's controller does (no controller runs).
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { CancellationTokenSource } from 'vscode-jsonrpc/node';
import { stringify } from 'yaml';
import { installCrds, Kubectl } from '../../scripts/schemas/cluster';
import { loadCrds } from '../../scripts/schemas/crds';
import { CRD_SOURCES } from '../../scripts/schemas/sources';
import { EnvironmentsRequest, ReconcileProgressNotification, ReconcileRequest, SyncProgressNotification, SyncRequest, type ProgressParams, type ReconcileResult } from '../../server/src/protocol';
import { runCli, type CliRun } from '../support/cli';
import { LspHarness } from '../support/lspClient';
import { REPO } from '../support/paths';
import { settled, until } from '../support/poll';
import { rawRequest, startCluster, type Cluster } from './harness';

const scratch = mkdtempSync(join(tmpdir(), 'plumbline-health-'));
const repo = join(scratch, 'repo');
mkdirSync(repo);
const git = (...args: string[]): string => execFileSync('git', args, { cwd: repo, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
let cluster: Cluster;

/** One document per object, as a person writes them in Git. */
function manifests(folder: string, objects: Record<string, unknown>[]): void {
  mkdirSync(join(repo, folder), { recursive: true });
  writeFileSync(join(repo, folder, 'resources.yaml'), objects.map((o) => JSON.stringify(o, null, 2)).join('\n---\n'));
}

const deployment = (name: string, replicas: number): Record<string, unknown> => ({
  apiVersion: 'apps/v1',
  kind: 'Deployment',
  metadata: { name },
  spec: { replicas, selector: { matchLabels: { app: name } }, template: { metadata: { labels: { app: name } }, spec: { containers: [{ name: 'app', image: `registry.invalid/${name}:1.0` }] } } },
});

async function send(method: string, path: string, body: unknown, contentType = 'application/merge-patch+json'): Promise<Record<string, unknown>> {
  const r = await rawRequest(cluster.kubeconfigPath, { method, path, body: JSON.stringify(body), contentType });
  assert.ok(r.status >= 200 && r.status < 300, `${method} ${path}: ${r.status} ${r.body}`);
  return JSON.parse(r.body) as Record<string, unknown>;
}

/** Writes `status` as the object's controller would: through the status subresource, for the generation it saw. */
async function writeStatus(path: string, status: Record<string, unknown>, observed = true): Promise<void> {
  const live = JSON.parse((await rawRequest(cluster.kubeconfigPath, { path })).body) as { metadata: { generation?: number } };
  await send('PATCH', `${path}/status`, { status: observed && live.metadata.generation !== undefined ? { observedGeneration: live.metadata.generation, ...status } : status });
}

const cli = (...args: string[]): Promise<CliRun> => runCli([...args, '--kubeconfig', cluster.kubeconfigPath], { timeoutMs: 120_000 });

interface StatusJson {
  environments: { environment: string; health?: { summary: string }; resources: { kind: string; name: string; health?: { status: string; word: string; argo: string; message: string } }[] }[];
}

describe('health of every built-in rule, and the wait for health after convergence', () => {
  before(async () => {
    cluster = await startCluster();
    writeFileSync(
      join(repo, '.plumbline.yaml'),
      ['environments:', '  - name: rules', '    path: rules', '    namespace: health-rules', '    delivery: direct', '  - name: wait', '    path: wait', '    namespace: health-wait', '    delivery: direct', ''].join('\n'),
    );
    manifests('rules', [
      deployment('rolling', 2),
      deployment('available', 2),
      deployment('stalled', 1),
      { apiVersion: 'batch/v1', kind: 'Job', metadata: { name: 'migrate' }, spec: { backoffLimit: 3, template: { spec: { restartPolicy: 'Never', containers: [{ name: 'migrate', image: 'registry.invalid/migrate:1.0' }] } } } },
      { apiVersion: 'v1', kind: 'PersistentVolumeClaim', metadata: { name: 'data' }, spec: { accessModes: ['ReadWriteOnce'], resources: { requests: { storage: '1Gi' } } } },
      { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'web' }, spec: { containers: [{ name: 'web', image: 'registry.invalid/web:1.0' }] } },
    ]);
    manifests('wait', [{ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'settings' }, data: { mode: 'fast' } }, deployment('api', 1)]);
    for (const ns of ['health-rules', 'health-wait']) {
      await send('POST', '/api/v1/namespaces', { apiVersion: 'v1', kind: 'Namespace', metadata: { name: ns } }, 'application/json');
      // No controller makes the default ServiceAccount, and a Pod is refused without it.
      await send('POST', `/api/v1/namespaces/${ns}/serviceaccounts`, { apiVersion: 'v1', kind: 'ServiceAccount', metadata: { name: 'default' } }, 'application/json');
    }
    // A repository with a bare remote on disk, for Commit and Sync.
    execFileSync('git', ['init', '-q', '--bare', '-b', 'main', join(scratch, 'remote.git')]);
    git('init', '-q', '-b', 'main');
    git('config', 'user.name', 'Test');
    git('config', 'user.email', 'test@example.com');
    git('remote', 'add', 'origin', join(scratch, 'remote.git'));
    git('add', '-A');
    git('commit', '-q', '-m', 'initial');
    git('push', '-q', '-u', 'origin', 'main');
    const applied = await cli('reconcile', '--env', 'rules', '--repo', repo, '--yes');
    assert.equal(applied.code, 0, applied.stdout + applied.stderr);
  });
  after(async () => {
    await cluster?.stop();
    rmSync(scratch, { recursive: true, force: true });
  });

  test('plumbline status: a Deployment rolling out, available, stalled on its progress deadline; a failed Job; a pending claim; a Pod whose image cannot be pulled', async () => {
    const ns = '/namespaces/health-rules';
    await writeStatus(`/apis/apps/v1${ns}/deployments/rolling`, { replicas: 2, updatedReplicas: 1, readyReplicas: 1, availableReplicas: 1 });
    await writeStatus(`/apis/apps/v1${ns}/deployments/available`, { replicas: 2, updatedReplicas: 2, readyReplicas: 2, availableReplicas: 2, conditions: [{ type: 'Available', status: 'True', reason: 'MinimumReplicasAvailable', message: 'Deployment has minimum availability.' }] });
    await writeStatus(`/apis/apps/v1${ns}/deployments/stalled`, {
      replicas: 1,
      updatedReplicas: 1,
      unavailableReplicas: 1,
      conditions: [{ type: 'Progressing', status: 'False', reason: 'ProgressDeadlineExceeded', message: 'ReplicaSet "stalled-5d8f7c9b6" has timed out progressing.' }],
    });
    const now = new Date().toISOString();
    // As the job controller finishes a Job since Kubernetes 1.31: FailureTarget first, then Failed.
    await writeStatus(`/apis/batch/v1${ns}/jobs/migrate`, {
      startTime: now,
      failed: 4,
      conditions: [
        { type: 'FailureTarget', status: 'True', reason: 'BackoffLimitExceeded', message: 'Job has reached the specified backoff limit', lastProbeTime: now, lastTransitionTime: now },
        { type: 'Failed', status: 'True', reason: 'BackoffLimitExceeded', message: 'Job has reached the specified backoff limit', lastProbeTime: now, lastTransitionTime: now },
      ],
    }, false);
    await writeStatus(`/api/v1${ns}/persistentvolumeclaims/data`, { phase: 'Pending' }, false);
    await writeStatus(`/api/v1${ns}/pods/web`, {
      phase: 'Pending',
      conditions: [{ type: 'PodScheduled', status: 'True', lastTransitionTime: now }, { type: 'Ready', status: 'False', reason: 'ContainersNotReady', message: 'containers with unready status: [web]', lastTransitionTime: now }],
      containerStatuses: [{ name: 'web', image: 'registry.invalid/web:1.0', imageID: '', ready: false, started: false, restartCount: 0, state: { waiting: { reason: 'ImagePullBackOff', message: 'Back-off pulling image "registry.invalid/web:1.0"' } } }],
    }, false);

    const text = await cli('status', repo, '--env', 'rules');
    assert.equal(text.code, 1, `not healthy is exit 1:\n${text.stdout}${text.stderr}`);
    const line = (kind: string, name: string): string => text.stdout.split('\n').find((l) => l.startsWith(`  ${kind}/${name} in health-rules: `)) ?? assert.fail(`no line for ${kind}/${name}:\n${text.stdout}`);
    assert.match(line('Deployment', 'rolling'), / · InProgress: Rolling out: updated 1\/2$/);
    assert.match(line('Deployment', 'available'), / · Current: Available: 2\/2$/);
    assert.match(line('Deployment', 'stalled'), / · Failed: Progress deadline exceeded: ReplicaSet "stalled-5d8f7c9b6" has timed out progressing\.$/);
    assert.match(line('Job', 'migrate'), / · Failed: Job failed: BackoffLimitExceeded: Job has reached the specified backoff limit$/);
    assert.match(line('PersistentVolumeClaim', 'data'), / · InProgress: Claim is pending$/);
    assert.match(line('Pod', 'web'), / · InProgress: ImagePullBackOff: Back-off pulling image "registry\.invalid\/web:1\.0" \(container web\)$/);
    // Argo CD's order rolls them up: the image that cannot be pulled counts as degraded there.
    assert.match(text.stdout, /^rules: .* · 1\/6 healthy, 2 progressing, 3 degraded$/m);

    const json = JSON.parse((await cli('status', repo, '--env', 'rules', '-o', 'json')).stdout) as StatusJson;
    const health = Object.fromEntries((json.environments[0]?.resources ?? []).map((r) => [`${r.kind}/${r.name}`, `${r.health?.status} ${r.health?.argo}`]));
    assert.deepEqual(health, {
      'Deployment/rolling': 'InProgress Progressing',
      'Deployment/available': 'Current Healthy',
      'Deployment/stalled': 'Failed Degraded',
      'Job/migrate': 'Failed Degraded',
      'PersistentVolumeClaim/data': 'InProgress Progressing',
      'Pod/web': 'InProgress Degraded',
    });
  });

  test('Reconcile and Commit and Sync in the editor wait for health: progress "waiting: 1/2 healthy", done once the status says available; Cancel stops the wait', async () => {
    const lsp = await LspHarness.start({ cluster: { kubeconfig: cluster.kubeconfigPath }, sync: { healthTimeout: 60 } }, { workspaceFolders: [repo] });
    try {
      // The server reads its settings (the kubeconfig among them) after start-up: once it compares, it has them.
      await settled(async () => (await lsp.connection.sendRequest(EnvironmentsRequest)).environments.find((e) => e.name === 'wait')?.state, (s) => s === 'missing', 'the wait environment compared with the cluster (not deployed yet)', 30_000);
      const answer = lsp.connection.sendRequest(ReconcileRequest, { environment: 'wait', confirmed: true });
      // The bench cluster's Deployment never rolls out by itself: the wait says so, and goes on.
      const waiting = await lsp.waitForNotification(ReconcileProgressNotification.method, (p) => (p as ProgressParams).message.startsWith('waiting: '), 30_000);
      assert.equal((waiting.params as ProgressParams).message, 'waiting: 1/2 healthy · Deployment/api in health-wait: InProgress: Rolling out: updated 0/1');
      const written = performance.now();
      await writeStatus('/apis/apps/v1/namespaces/health-wait/deployments/api', { replicas: 1, updatedReplicas: 1, readyReplicas: 1, availableReplicas: 1 });
      const result: ReconcileResult = await answer;
      const latency = performance.now() - written;
      assert.deepEqual(result.kind === 'done' ? { ok: result.ok, message: result.message, health: result.health } : result, { ok: true, message: 'applied 2 objects · 2/2 healthy', health: { ok: true, message: '2/2 healthy' } });
      const progress = lsp.notifications.filter((n) => n.method === ReconcileProgressNotification.method).map((n) => (n.params as ProgressParams).message);
      assert.ok(progress.includes('applied 2/2: Deployment/api'), progress.join('\n'));
      // Judged again at the watch event, not at the next poll.
      assert.ok(latency < 2_000, `the healthy status took ${Math.round(latency)} ms to end the wait`);
      process.stdout.write(`# healthy status written → reconcile answered: ${Math.round(latency)} ms\n`);

      // Commit and Sync of two replicas: a new generation the deployment controller has not observed yet.
      manifests('wait', [{ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'settings' }, data: { mode: 'fast' } }, deployment('api', 2)]);
      lsp.notifications.length = 0;
      const synced = lsp.connection.sendRequest(SyncRequest, { environment: 'wait', message: 'wait: two replicas' });
      const syncWaiting = await lsp.waitForNotification(SyncProgressNotification.method, (p) => (p as ProgressParams).message.startsWith('waiting: '), 30_000);
      assert.equal((syncWaiting.params as ProgressParams).message, 'waiting: 1/2 healthy · Deployment/api in health-wait: InProgress: Generation 2 is not observed yet (observed 1)');
      await writeStatus('/apis/apps/v1/namespaces/health-wait/deployments/api', { replicas: 2, updatedReplicas: 2, readyReplicas: 2, availableReplicas: 2 });
      const report = await synced;
      assert.equal(report.ok, true, JSON.stringify(report));
      assert.deepEqual(report.steps.map((st) => `${st.step}: ${st.message}`).slice(2), ['converge: applied 2 objects', 'health: 2/2 healthy']);
      assert.equal(git('log', '-1', '--format=%s', 'origin/main').trim(), 'wait: two replicas');

      // Cancel (the notification's button): the wait stops at once and says where it stood; what was applied stays.
      await writeStatus('/apis/apps/v1/namespaces/health-wait/deployments/api', { readyReplicas: 1, availableReplicas: 1 });
      lsp.notifications.length = 0;
      const cancel = new CancellationTokenSource();
      const cancelled = lsp.connection.sendRequest(ReconcileRequest, { environment: 'wait', confirmed: true }, cancel.token);
      await lsp.waitForNotification(ReconcileProgressNotification.method, (p) => (p as ProgressParams).message === 'waiting: 1/2 healthy · Deployment/api in health-wait: InProgress: Available: 1/2', 30_000);
      cancel.cancel();
      const stopped: ReconcileResult = await cancelled;
      assert.deepEqual(stopped.kind === 'done' ? { ok: stopped.ok, health: stopped.health } : stopped, {
        ok: false,
        health: { ok: false, message: 'stopped waiting for health (1/2 healthy): Deployment/api in health-wait: InProgress: Available: 1/2' },
      });
    } finally {
      await lsp.stop();
    }
  });

  test('plumbline reconcile --wait --timeout: not healthy in time is exit 1 with who and why; a Failed resource ends the wait at once', async () => {
    const path = '/apis/apps/v1/namespaces/health-wait/deployments/api';
    await writeStatus(path, { replicas: 2, updatedReplicas: 2, readyReplicas: 1, availableReplicas: 1 });
    const late = await cli('reconcile', '--env', 'wait', '--repo', repo, '--yes', '--wait', '--timeout', '2s');
    assert.equal(late.code, 1, late.stdout + late.stderr);
    assert.equal(late.stdout, '✖ reconcile wait: applied 2 objects · not healthy within 2 s (1/2 healthy): Deployment/api in health-wait: InProgress: Available: 1/2\n');
    assert.match(late.stderr, /^ {2}waiting: 1\/2 healthy · Deployment\/api in health-wait: InProgress: Available: 1\/2$/m);

    await writeStatus(path, { conditions: [{ type: 'Progressing', status: 'False', reason: 'ProgressDeadlineExceeded', message: 'ReplicaSet "api-6c9b8d7f5" has timed out progressing.' }] });
    const started = performance.now();
    const stalled = await cli('reconcile', '--env', 'wait', '--repo', repo, '--yes', '--timeout', '5m');
    const took = performance.now() - started;
    assert.equal(stalled.code, 1, stalled.stdout + stalled.stderr);
    assert.equal(stalled.stdout, '✖ reconcile wait: applied 2 objects · not healthy (1/2 healthy): Deployment/api in health-wait: Failed: Progress deadline exceeded: ReplicaSet "api-6c9b8d7f5" has timed out progressing.\n');
    assert.ok(took < 60_000, `a Failed Deployment ended the wait after ${Math.round(took)} ms, not at once`);
    process.stdout.write(`# plumbline reconcile --wait on a Failed Deployment: exit 1 after ${Math.round(took)} ms (timeout 5m)\n`);
  });
  test('Argo CD: Reconcile syncs the Application, then waits for health in Argo CD\'s words — Progressing, then Healthy; an argocd-cm script decides its kind; Degraded ends the wait at once', async () => {
    // The Application CRD from Argo CD's pinned module, and an Application the test answers as Argo CD's controller would.
    const wanted = CRD_SOURCES.filter((s) => s.from === 'manifests' && /argo-cd/.test(s.module));
    const loaded = await loadCrds(wanted, join(REPO, '.cache', 'schemas'), () => undefined);
    await installCrds(new Kubectl(cluster.kubeconfigPath), loaded.flatMap((l) => l.crds), 60_000);
    await send('POST', '/apis/apiextensions.k8s.io/v1/customresourcedefinitions', {
      apiVersion: 'apiextensions.k8s.io/v1',
      kind: 'CustomResourceDefinition',
      metadata: { name: 'widgets.example.com' },
      spec: { group: 'example.com', scope: 'Namespaced', names: { kind: 'Widget', plural: 'widgets', singular: 'widget', listKind: 'WidgetList' }, versions: [{ name: 'v1', served: true, storage: true, subresources: { status: {} }, schema: { openAPIV3Schema: { type: 'object', properties: { spec: { type: 'object', 'x-kubernetes-preserve-unknown-fields': true }, status: { type: 'object', 'x-kubernetes-preserve-unknown-fields': true } } } } }] },
    }, 'application/json');
    for (const ns of ['argocd', 'health-argo']) await send('POST', '/api/v1/namespaces', { apiVersion: 'v1', kind: 'Namespace', metadata: { name: ns } }, 'application/json');
    await settled(async () => (await rawRequest(cluster.kubeconfigPath, { path: '/apis/example.com/v1/widgets' })).status, (st) => st === 200, 'the Widget kind served');
    // The user's own health check for Widgets: Argo CD runs it, and so does the wait.
    await send('POST', '/api/v1/namespaces/argocd/configmaps', {
      apiVersion: 'v1',
      kind: 'ConfigMap',
      metadata: { name: 'argocd-cm', namespace: 'argocd' },
      data: { 'resource.customizations.health.example.com_Widget': 'hs = {status = "Progressing", message = "not calibrated"}\nif obj.status ~= nil and obj.status.calibrated then hs.status = "Healthy"; hs.message = "calibrated" end\nreturn hs' },
    }, 'application/json');
    const objects: Record<string, unknown>[] = [
      { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'shop-settings', namespace: 'health-argo' }, data: { currency: 'EUR' } },
      { ...deployment('shop', 1), metadata: { name: 'shop', namespace: 'health-argo' } },
      { apiVersion: 'example.com/v1', kind: 'Widget', metadata: { name: 'scale', namespace: 'health-argo' }, spec: { unit: 'kg' } },
    ];
    manifests('argo/shop', objects);
    const application = {
      apiVersion: 'argoproj.io/v1alpha1',
      kind: 'Application',
      metadata: { name: 'shop', namespace: 'argocd' },
      spec: { project: 'default', source: { repoURL: 'https://git.example.com/platform/health.git', targetRevision: 'main', path: 'argo/shop' }, destination: { server: 'https://kubernetes.default.svc', namespace: 'health-argo' } },
    };
    mkdirSync(join(repo, 'argocd'), { recursive: true });
    // As YAML: discovery's quick scan for Argo CD objects reads `kind: Application` as people write it.
    writeFileSync(join(repo, 'argocd', 'shop.yaml'), stringify(application));
    const appPath = '/apis/argoproj.io/v1alpha1/namespaces/argocd/applications/shop';
    await send('POST', '/apis/argoproj.io/v1alpha1/namespaces/argocd/applications', application, 'application/json');
    const target = '0123456789abcdef0123456789abcdef01234567';
    await send('PATCH', appPath, { status: { sync: { status: 'OutOfSync', revision: target } } });

    /** Argo CD's controller, once: takes the sync operation, applies the unit's objects server-side, reports Succeeded. */
    const argoSyncs = (): Promise<void> =>
      until(async () => {
        const app = JSON.parse((await rawRequest(cluster.kubeconfigPath, { path: appPath })).body) as { operation?: unknown };
        if (app.operation === undefined) return undefined;
        for (const o of objects) {
          const [group, version] = String(o['apiVersion']).includes('/') ? String(o['apiVersion']).split('/') : ['', String(o['apiVersion'])];
          const plural = `${String(o['kind']).toLowerCase()}s`;
          const base = group === '' ? `/api/${version}` : `/apis/${group}/${version}`;
          await send('PATCH', `${base}/namespaces/health-argo/${plural}/${(o['metadata'] as { name: string }).name}?fieldManager=argocd-controller&force=true`, o, 'application/apply-patch+yaml');
        }
        await send('PATCH', appPath, { operation: null, status: { sync: { status: 'Synced', revision: target }, operationState: { phase: 'Succeeded', message: 'successfully synced (all tasks run)', operation: app.operation, syncResult: { revision: target }, startedAt: new Date().toISOString() } } });
        return true;
      }, 30_000).then(() => undefined);

    const lsp = await LspHarness.start({ cluster: { kubeconfig: cluster.kubeconfigPath }, sync: { healthTimeout: 60 } }, { workspaceFolders: [repo] });
    try {
      await settled(async () => (await lsp.connection.sendRequest(EnvironmentsRequest)).environments.find((e) => e.name === 'shop')?.delivery, (d) => d?.startsWith('Argo CD') === true, 'the Argo CD Application shop discovered as an environment', 30_000);
      lsp.notifications.length = 0;
      const answer = lsp.connection.sendRequest(ReconcileRequest, { environment: 'shop', confirmed: true });
      // Handled here too, so that a failed assertion below stops the server without an unhandled rejection.
      answer.catch(() => undefined);
      await argoSyncs();
      // Argo CD's words while it waits: the rollout and the script's verdict are Progressing, worst first.
      const waiting = await lsp.waitForNotification(ReconcileProgressNotification.method, (p) => (p as ProgressParams).message.startsWith('waiting: '), 30_000);
      assert.equal((waiting.params as ProgressParams).message, 'waiting: 1/3 healthy · Deployment/shop in health-argo: Progressing: Rolling out: updated 0/1; and 1 more');
      await writeStatus('/apis/apps/v1/namespaces/health-argo/deployments/shop', { replicas: 1, updatedReplicas: 1, readyReplicas: 1, availableReplicas: 1 });
      await lsp.waitForNotification(ReconcileProgressNotification.method, (p) => (p as ProgressParams).message === 'waiting: 2/3 healthy · Widget/scale in health-argo: Progressing: not calibrated', 30_000);
      await writeStatus('/apis/example.com/v1/namespaces/health-argo/widgets/scale', { calibrated: true }, false);
      const result: ReconcileResult = await answer;
      assert.deepEqual(result.kind === 'done' ? { ok: result.ok, message: result.message, health: result.health } : result, { ok: true, message: 'Argo CD synced 0123456 · 3/3 healthy', health: { ok: true, message: '3/3 healthy' } });
      const progress = lsp.notifications.filter((n) => n.method === ReconcileProgressNotification.method).map((n) => (n.params as ProgressParams).message);
      assert.ok(progress.includes('asking Argo CD to sync argocd/shop to 0123456'), progress.join('\n'));
    } finally {
      await lsp.stop();
    }

    // The Deployment past its progress deadline: Degraded, and the CLI's wait ends at once with the reason.
    await writeStatus('/apis/apps/v1/namespaces/health-argo/deployments/shop', { conditions: [{ type: 'Progressing', status: 'False', reason: 'ProgressDeadlineExceeded', message: 'ReplicaSet "shop-7d9c6b5f4" has timed out progressing.' }] });
    const started = performance.now();
    const [degraded] = await Promise.all([cli('reconcile', '--env', 'shop', '--repo', repo, '--wait', '--timeout', '5m'), argoSyncs()]);
    const took = performance.now() - started;
    assert.equal(degraded.code, 1, degraded.stdout + degraded.stderr);
    assert.equal(degraded.stdout, '✖ reconcile shop: Argo CD synced 0123456 · not healthy (2/3 healthy): Deployment/shop in health-argo: Degraded: Progress deadline exceeded: ReplicaSet "shop-7d9c6b5f4" has timed out progressing.\n');
    assert.ok(took < 60_000, `a Degraded Deployment ended the wait after ${Math.round(took)} ms, not at once`);
  });
});

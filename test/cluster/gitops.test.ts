// Cluster tier: what Argo CD, Flux and read-only users bring to drift, against a real kube-apiserver.
//  - the ignore rules of Argo CD Applications and Flux HelmReleases, in the engine, the
//    environments' status and `plumbline diff`;
//  - live objects an applier manages that Git no longer declares;
//  - the client-side comparison for a user who may read but not dry-run.
//
//   node --import tsx --test --test-reporter=spec test/cluster/gitops.test.ts
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { ClusterSession } from '../../server/src/cluster/session';
import { DriftEngine, type DriftReport } from '../../server/src/drift/engine';
import { formatPath } from '../../server/src/drift/fieldPath';
import { driftProblems, driftSummary } from '../../server/src/drift/findings';
import { ManifestParser } from '../../server/src/manifests/parse';
import { startCluster, type Cluster } from './harness';

const NS = 'gitops';
let cluster: Cluster;
let work: string;

function kubectl(...args: string[]): string {
  return execFileSync('kubectl', ['--kubeconfig', cluster.kubeconfigPath, ...args], { encoding: 'utf8', stdio: ['pipe', 'pipe', 'pipe'] });
}

/** Applies YAML as admin (flags choose client-side or server-side); returns the resourceVersion it produced. */
function apply(yaml: string, ...flags: string[]): string {
  return execFileSync('kubectl', ['--kubeconfig', cluster.kubeconfigPath, ...flags, '-f', '-', '-o', 'jsonpath={.metadata.resourceVersion}'], { input: yaml, encoding: 'utf8', stdio: ['pipe', 'pipe', 'pipe'] });
}

function resourceVersion(ref: string): string {
  return kubectl('get', ref, '-n', NS, '-o', 'jsonpath={.metadata.resourceVersion}');
}

interface Outcome {
  report: DriftReport;
  found: { code: string; path: string; message: string; text: string }[];
}

async function compare(engine: DriftEngine, yaml: string): Promise<Outcome> {
  const d = new ManifestParser().parse(yaml).documents[0]!;
  const report = await engine.compare(d.identity!, d.doc.toJS() as Record<string, unknown>);
  const found = driftProblems(report, d.doc, d.identity!, 'warning').map((p) => ({ code: p.code, path: formatPath(p.path), message: p.message, text: yaml.slice(p.start, p.end) }));
  return { report, found };
}

/** Compares once the engine's watch has delivered this resourceVersion, so "no drift" is never "not seen yet". */
async function settled(engine: DriftEngine, yaml: string, rv: string): Promise<Outcome> {
  const deadline = Date.now() + 10_000;
  for (;;) {
    const o = await compare(engine, yaml);
    const live = o.report.state === 'in-sync' || o.report.state === 'drifted' ? o.report.live : undefined;
    if (live?.metadata?.resourceVersion === rv) return o;
    if (Date.now() > deadline) throw new Error(`the engine did not see resourceVersion ${rv} within 10 s; last report: ${o.report.state}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

const show = (o: Outcome): string => o.found.map((f) => `${f.code} ${f.path} @${JSON.stringify(f.text)}: ${f.message}`).join('\n') || '(nothing)';

before(async () => {
  work = mkdtempSync(join(tmpdir(), 'plumbline-gitops-'));
  cluster = await startCluster({ apiserverArgs: ['--shutdown-watch-termination-grace-period=1s'] });
  kubectl('create', 'namespace', NS);
});
after(async () => {
  await cluster?.stop();
  if (work !== undefined) rmSync(work, { recursive: true, force: true });
});

describe('a user who may read but not dry-run: the client-side comparison', { timeout: 3 * 60_000 }, () => {
  let viewer: DriftEngine;
  const web = `apiVersion: apps/v1
kind: Deployment
metadata:
  name: ro-web
  namespace: ${NS}
spec:
  replicas: 1
  selector:
    matchLabels: {app: ro-web}
  template:
    metadata:
      labels: {app: ro-web}
    spec:
      containers:
        - name: web
          image: registry.example/web:1.0
          ports:
            - containerPort: 8080
          resources:
            requests: {cpu: 1000m, memory: 1024Mi}
            limits: {cpu: "2", memory: 1Gi}
        - name: sidecar
          image: registry.example/sidecar:1.0
`;
  const service = `apiVersion: v1
kind: Service
metadata:
  name: ro-web
  namespace: ${NS}
spec:
  selector: {app: ro-web}
  ports:
    - port: 80
      targetPort: 8080
`;

  before(async () => {
    // get/list/watch only, bound to the bench kubeconfig's viewer user.
    apply(`apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRole
metadata: {name: plumbline-read-only}
rules:
  - apiGroups: ['', apps]
    resources: [deployments, services, configmaps]
    verbs: [get, list, watch]
---
apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRoleBinding
metadata: {name: plumbline-read-only}
roleRef: {apiGroup: rbac.authorization.k8s.io, kind: ClusterRole, name: plumbline-read-only}
subjects:
  - {apiGroup: rbac.authorization.k8s.io, kind: User, name: viewer}
`, 'apply');
    const created = await DriftEngine.forSession(new ClusterSession({ kubeconfigPath: cluster.kubeconfigPath, context: cluster.viewerContext }, join(work, 'viewer-cache')));
    if (!created.ok) throw new Error(created.error.message);
    viewer = created.value;
    // The viewer really cannot dry-run.
    const denied = await viewer.client.request(`/apis/apps/v1/namespaces/${NS}/deployments/ro-web`, { method: 'PATCH', query: { dryRun: 'All', fieldManager: 'plumbline' }, body: '{}', contentType: 'application/apply-patch+yaml' });
    assert.equal(denied.ok ? 'allowed' : denied.error.kind, 'forbidden');
  });
  after(() => viewer?.dispose());

  test('defaults and quantities (1000m vs 1, 1024Mi vs 1Gi, imagePullPolicy, protocol TCP) are no drift, and the status says how it compared', async () => {
    const o = await settled(viewer, web, apply(web, 'apply'));
    assert.equal(o.report.state, 'in-sync', show(o));
    assert.equal(o.report.state === 'in-sync' && o.report.clientSide, true);
    assert.equal(driftSummary(o.report), '$(check) in sync (client-side comparison)');
    const live = o.report.state === 'in-sync' ? (o.report.live as { spec: { template: { spec: { containers: { imagePullPolicy: string; ports?: { protocol: string }[]; resources?: { requests: Record<string, string> } }[] } } } }) : undefined;
    // The cluster really holds the canonical and defaulted forms that Git does not write.
    const container = live!.spec.template.spec.containers[0]!;
    assert.deepEqual([container.imagePullPolicy, container.ports?.[0]?.protocol, container.resources?.requests], ['IfNotPresent', 'TCP', { cpu: '1', memory: '1Gi' }]);
    const s = await settled(viewer, service, apply(service, 'apply'));
    assert.equal(s.report.state, 'in-sync', show(s));
  });

  test('real drift is still found at its field: kubectl scale, a changed limit, an env var set by hand', async () => {
    kubectl('scale', '-n', NS, 'deployment/ro-web', '--replicas=3');
    kubectl('set', 'resources', '-n', NS, 'deployment/ro-web', '-c', 'web', '--limits=cpu=3');
    kubectl('set', 'env', '-n', NS, 'deployment/ro-web', '-c', 'web', 'DEBUG=1');
    const o = await settled(viewer, web, resourceVersion('deployment/ro-web'));
    const suffix = ' (client-side comparison: no permission to dry-run)';
    assert.deepEqual(
      o.found.map((f) => [f.code, f.path, f.text]).sort(),
      [
        ['drift.set-by-hand', 'spec.template.spec.containers[web].env', 'web'],
        ['drift.value', 'spec.replicas', '1'],
        ['drift.value', 'spec.template.spec.containers[web].resources.limits.cpu', '"2"'],
      ].sort(),
      show(o),
    );
    const byPath = new Map(o.found.map((f) => [f.path, f.message]));
    assert.match(byPath.get('spec.replicas')!, new RegExp(`^cluster has replicas: 3, Git declares 1 \\(set by kubectl\\)${suffix.replace(/[()]/g, '\\$&')}$`));
    assert.match(byPath.get('spec.template.spec.containers[web].resources.limits.cpu')!, /^cluster has cpu: 3, Git declares 2 \(set by kubectl-set/);
    assert.match(byPath.get('spec.template.spec.containers[web].env')!, /^spec\.template\.spec\.containers\[web\]\.env set in the cluster by kubectl-set/);
    assert.match(driftSummary(o.report), /^\$\(warning\) 3 fields drifted \(client-side comparison\)$/);
  });
});

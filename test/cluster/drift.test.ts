// Cluster tier: drift between Git documents and the real apiserver, field by field.
import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { bundle } from '../support/paths';
import { after, before, describe, test } from 'node:test';
import { ClusterSession } from '../../server/src/cluster/session';
import { DriftEngine, type DriftReport } from '../../server/src/drift/engine';
import { driftProblems } from '../../server/src/drift/findings';
import { formatPath } from '../../server/src/manifests/fieldPath';
import { ManifestParser } from '../../server/src/manifests/parse';
import { startCluster, type Cluster } from './harness';
import { kubectlFor } from '../support/kubectl';

const NS = 'drift';
let cluster: Cluster;
let engine: DriftEngine;

const kubectl = kubectlFor(() => cluster.kubeconfigPath);

function kubectlApply(yaml: string, ...extra: string[]): void {
  kubectl.input(yaml, 'apply', '-f', '-', ...extra);
}

async function compare(yaml: string): Promise<{ report: DriftReport; messages: string[]; fields: string[] }> {
  const file = new ManifestParser().parse(yaml);
  const document = file.documents[0]!;
  const identity = document.identity!;
  const desired = document.doc.toJS({ maxAliasCount: 100 }) as Record<string, unknown>;
  const report = await engine.compare(identity, desired);
  const problems = driftProblems(report, document.doc, identity, 'warning');
  const fields = report.state === 'drifted' ? [...report.values.map((v) => formatPath(v.path)), ...report.handSet.map((h) => `hand:${formatPath(h.path)}`)] : [];
  return { report, messages: problems.map((p) => p.message), fields };
}

/** Compares until `done` holds or the deadline passes: the live cache follows the cluster by watch. */
async function eventually(yaml: string, done: (r: Awaited<ReturnType<typeof compare>>) => boolean, ms = 5000): Promise<Awaited<ReturnType<typeof compare>>> {
  const deadline = Date.now() + ms;
  for (;;) {
    const r = await compare(yaml);
    if (done(r) || Date.now() > deadline) return r;
    await new Promise((resolve) => setImmediate(resolve));
  }
}

const deployment = (replicas: number, extra = ''): string => `apiVersion: apps/v1
kind: Deployment
metadata:
  name: web
  namespace: ${NS}
spec:
  replicas: ${replicas}
  selector:
    matchLabels: {app: web}
  template:
    metadata:
      labels: {app: web}
    spec:
      containers:
        - name: web
          image: registry.example/web:1.0
          resources:
            requests: {cpu: 1000m, memory: 1Gi}
${extra}`;

describe('drift against a real apiserver', () => {
  before(async () => {
    cluster = await startCluster();
    kubectl('create', 'namespace', NS);
    const session = new ClusterSession({ kubeconfigPath: cluster.kubeconfigPath });
    const created = await DriftEngine.forSession(session);
    if (!created.ok) throw new Error(created.error.message);
    engine = created.value;
  });
  after(async () => {
    engine?.dispose();
    await cluster?.stop();
  });

  test('missing in the cluster', async () => {
    const { report, messages } = await compare(deployment(3));
    assert.equal(report.state, 'not-in-cluster');
    assert.deepEqual(messages, [`Deployment/web is declared in Git but not in the cluster in namespace ${NS}`]);
  });

  test('applied as declared: in sync despite server defaults and 1000m vs 1', async () => {
    kubectlApply(deployment(3), '--server-side', '--field-manager=kustomize-controller');
    const { report, fields } = await eventually(deployment(3).replace('cpu: 1000m', 'cpu: "1"'), (r) => r.report.state === 'in-sync');
    assert.equal(report.state, 'in-sync', fields.join(', '));
  });

  test('kubectl scale shows at spec.replicas with who did it', async () => {
    kubectl('scale', '-n', NS, 'deployment/web', '--replicas=5');
    const { fields, messages } = await eventually(deployment(3), (r) => r.fields.length > 0);
    assert.deepEqual(fields, ['spec.replicas']);
    assert.match(messages[0] ?? '', /^cluster has replicas: 5, Git declares 3 \(set by kubectl/);
  });

  test('kubectl edit-style patch adding an env var is reported as set by hand', async () => {
    kubectl('scale', '-n', NS, 'deployment/web', '--replicas=3');
    kubectl('patch', '-n', NS, 'deployment/web', '--type=strategic', '--field-manager=kubectl-edit', '-p', JSON.stringify({ spec: { template: { spec: { containers: [{ name: 'web', env: [{ name: 'DEBUG', value: '1' }] }] } } } }));
    const { fields, messages } = await eventually(deployment(3), (r) => r.fields.some((f) => f.startsWith('hand:')));
    assert.deepEqual(fields, ['hand:spec.template.spec.containers[web].env']);
    assert.match(messages[0] ?? '', /^spec\.template\.spec\.containers\[web\]\.env set in the cluster by kubectl-edit at \d{4}-\d\d-\d\d \d\d:\d\d UTC, not in Git$/);
  });

  test('plumbline diff: text output, exit 1 on drift, 0 when in sync, 2 when the cluster is unreachable', () => {
    const dir = mkdtempSync(join(tmpdir(), 'plumbline-diff-'));
    const file = join(dir, 'web.yaml');
    writeFileSync(file, deployment(4));
    const run = (...args: string[]): { status: number | null; stdout: string; stderr: string } =>
      spawnSync(process.execPath, [bundle('cli.js'), 'diff', '--kubeconfig', cluster.kubeconfigPath, ...args, dir], { encoding: 'utf8' });
    const drifted = run();
    assert.equal(drifted.status, 1, drifted.stderr);
    assert.match(drifted.stdout, /web\.yaml:7:13 warning cluster has replicas: 3, Git declares 4 .*\[drift\.value\]/);
    assert.match(drifted.stdout, /Summary: 1 resources - in sync: 0, drifted: 1/);
    const json = JSON.parse(run('-o', 'json').stdout) as { summary: { drifted: number }; findings: { code: string }[] };
    assert.equal(json.summary.drifted, 1);
    assert.ok(json.findings.some((f) => f.code === 'drift.set-by-hand'), 'the hand-set env var is listed too');
    kubectl('patch', '-n', NS, 'deployment/web', '--type=json', '--field-manager=kubectl-edit', '-p', '[{"op":"remove","path":"/spec/template/spec/containers/0/env"}]');
    kubectl('scale', '-n', NS, 'deployment/web', '--replicas=4');
    const clean = run();
    assert.equal(clean.status, 0, clean.stdout + clean.stderr);
    const badConfig = join(dir, 'kubeconfig');
    writeFileSync(badConfig, execFileSync('kubectl', ['--kubeconfig', cluster.kubeconfigPath, 'config', 'view', '--raw'], { encoding: 'utf8' }).replace(/server: https:\/\/127\.0\.0\.1:\d+/, 'server: https://127.0.0.1:1'));
    const down = spawnSync(process.execPath, [bundle('cli.js'), 'diff', '--kubeconfig', badConfig, dir], { encoding: 'utf8' });
    assert.equal(down.status, 2, down.stdout + down.stderr);
    assert.match(down.stderr, /cannot reach https:\/\/127\.0\.0\.1:1/);
  });

  // kubectl apply (client-side) and kubectl create own every field of what they created, server
  // defaults included. The dry-run create that tells those defaults apart asked again for the
  // live Service's node port and was refused ("provided port is already allocated"), so a NodePort
  // Service applied as declared showed four fields "set by hand" (seen on a public repository).
  test('a NodePort Service created by kubectl apply as declared is in sync', async () => {
    const service = `apiVersion: v1
kind: Service
metadata:
  name: shop
  namespace: ${NS}
spec:
  type: NodePort
  ports:
    - port: 8080
      protocol: TCP
      nodePort: 31080
  selector: {app: shop}
`;
    kubectlApply(service);
    const { report, fields } = await eventually(service, (r) => r.report.state === 'in-sync');
    assert.equal(report.state, 'in-sync', fields.join(', '));
  });

  // An overlay's drift sits on the lines of the base it reads: `plumbline diff overlays/staging`
  // said "drifted: 1" and printed no line, since the base is outside the path given. It now diffs
  // what the overlay reads, as staging renders it, and not the production overlay's render.
  test('plumbline diff of an overlay folder shows the drift on its base lines, for that overlay only', () => {
    const dir = mkdtempSync(join(tmpdir(), 'plumbline-overlay-'));
    const write = (path: string, text: string): void => {
      mkdirSync(join(dir, path, '..'), { recursive: true });
      writeFileSync(join(dir, path), text);
    };
    write('base/kustomization.yaml', 'resources:\n  - configmap.yaml\n');
    write('base/configmap.yaml', 'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: settings\ndata:\n  mode: fast\n');
    for (const env of ['staging', 'production']) write(`overlays/${env}/kustomization.yaml`, `namespace: ${NS}\nnamePrefix: ${env}-\nresources:\n  - ../../base\n`);
    kubectl('create', 'configmap', '-n', NS, 'staging-settings', '--from-literal=mode=slow');
    const run = spawnSync(process.execPath, [bundle('cli.js'), 'diff', '--kubeconfig', cluster.kubeconfigPath, 'overlays/staging'], { cwd: dir, encoding: 'utf8' });
    assert.equal(run.status, 1, run.stdout + run.stderr);
    assert.match(
      run.stdout,
      /^base\/configmap\.yaml:6:9 warning staging: cluster has mode: slow, Git declares fast \(set by kubectl-create at [^)]+\) \[drift\.value\]\nSummary: 1 resources - in sync: 0, drifted: 1, not in cluster: 0, rejected: 0, unavailable: 0, in the cluster but not in Git: 0\n$/,
    );
  });
});

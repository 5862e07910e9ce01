// Cluster tier: the cluster preview of a sync against the real apiserver — what would change,
// be created, or be pruned — with Secret values masked everywhere in what it returns.
import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { ClusterClient } from '../../server/src/cluster/http';
import { ClusterSession } from '../../server/src/cluster/session';
import { applyDirect } from '../../server/src/delivery/converge';
import type { Environment } from '../../server/src/environments/model';
import { DEFAULT_RENDER_OPTIONS, renderEnvironment } from '../../server/src/environments/render';
import { previewCluster } from '../../server/src/preview/clusterPreview';
import type { Preview } from '../../server/src/preview/preview';
import { bundle } from '../support/paths';
import { startCluster, type Cluster } from './harness';

let cluster: Cluster;
let client: ClusterClient;
const scratch = mkdtempSync(join(tmpdir(), 'plumbline-cluster-preview-'));
const sessions: ClusterSession[] = [];

const env: Environment = {
  name: 'bench',
  paths: ['app'],
  renderer: { kind: 'plain' },
  target: { context: undefined, namespace: 'preview' },
  delivery: { kind: 'direct' },
  protected: false,
  foundBy: ['test'],
};

const SECRET_OLD = 'hunter2-in-the-cluster';
const SECRET_NEW = 'correct-horse-in-git';

function configMap(name: string, data: Record<string, string>): string {
  return `apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: ${name}\n  namespace: preview\ndata:\n${Object.entries(data).map(([k, v]) => `  ${k}: ${JSON.stringify(v)}`).join('\n')}\n`;
}

function secret(value: string): string {
  return `apiVersion: v1\nkind: Secret\nmetadata:\n  name: db\n  namespace: preview\ntype: Opaque\nstringData:\n  password: ${value}\n`;
}

function writeApp(files: Record<string, string>): void {
  rmSync(join(scratch, 'app'), { recursive: true, force: true });
  mkdirSync(join(scratch, 'app'));
  for (const [name, text] of Object.entries(files)) writeFileSync(join(scratch, 'app', name), text);
}

function session(context?: string, kubeconfigPath = cluster.kubeconfigPath): ClusterSession {
  const s = new ClusterSession({ kubeconfigPath, ...(context !== undefined ? { context } : {}) }, join(scratch, 'cache'));
  sessions.push(s);
  return s;
}

describe('cluster preview of a sync', () => {
  before(async () => {
    cluster = await startCluster();
    const connected = await ClusterClient.connect({ kubeconfigPath: cluster.kubeconfigPath });
    if (!connected.ok) throw new Error(connected.error.message);
    client = connected.value;
    execFileSync('kubectl', ['--kubeconfig', cluster.kubeconfigPath, 'create', 'namespace', 'preview']);
    // What an earlier direct sync applied (marked with the environment, so prune can find it).
    writeApp({ 'web.yaml': configMap('web', { LOG_LEVEL: 'info' }), 'same.yaml': configMap('same', { A: '1' }), 'old.yaml': configMap('old', { B: '2' }), 'db.yaml': secret(SECRET_OLD) });
    const rendered = await renderEnvironment(scratch, env, DEFAULT_RENDER_OPTIONS);
    assert.ok(rendered.ok);
    const applied = await applyDirect(client, env.name, rendered.objects, { progress: () => undefined, timeoutMs: 10_000 });
    assert.ok(applied.ok, applied.ok ? '' : applied.error.message);
  });
  after(async () => {
    for (const s of sessions) s.dispose();
    client?.dispose();
    await cluster?.stop();
    rmSync(scratch, { recursive: true, force: true });
  });

  test('changes, creates and prune candidates; Secret values never in the output', async () => {
    // Git now: web changed, same unchanged, old dropped, new added, the Secret's value changed.
    writeApp({ 'web.yaml': configMap('web', { LOG_LEVEL: 'debug' }), 'same.yaml': configMap('same', { A: '1' }), 'new.yaml': configMap('new', { C: '3' }), 'db.yaml': secret(SECRET_NEW) });
    const result = await previewCluster(scratch, env, session(), DEFAULT_RENDER_OPTIONS);
    if (!result.ok) assert.fail(`${result.error.kind}: ${result.error.message}`);
    const preview: Preview = result.value;
    const e = preview.environments[0]!;
    assert.deepEqual(
      e.changes.map((c) => `${c.change} ${c.kind}/${c.name} in ${c.namespace ?? '-'}`),
      ['changed ConfigMap/web in preview', 'changed Secret/db in preview', 'added ConfigMap/new in preview', 'removed ConfigMap/old in preview'],
    );
    assert.equal(e.unchanged, 1);
    assert.equal(preview.left, 'cluster (plumbline-bench)');
    assert.equal(preview.right, 'after sync');
    const [web, db, created, pruned] = e.changes;
    assert.match(web!.before, /LOG_LEVEL: info/);
    assert.match(web!.after, /LOG_LEVEL: debug/);
    // Server bookkeeping and Plumbline's own mark are not shown as differences.
    assert.doesNotMatch(web!.before + web!.after, /managedFields|resourceVersion|uid:|plumbline\.dev\/environment/);
    assert.match(db!.before, /password: ‹secret [0-9a-f]{8}›/);
    assert.match(db!.after, /password: ‹secret [0-9a-f]{8}›/);
    assert.notEqual(db!.before, db!.after);
    assert.equal(created!.before, '');
    assert.match(created!.after, /C: "3"/);
    assert.match(pruned!.before, /B: "2"/);
    assert.equal(pruned!.after, '');
    assert.deepEqual(preview.notes, ['1 object(s) Git no longer declares are deleted only if you confirm pruning']);
    const everything = JSON.stringify(result);
    for (const plain of [SECRET_OLD, SECRET_NEW, Buffer.from(SECRET_OLD).toString('base64'), Buffer.from(SECRET_NEW).toString('base64')]) {
      assert.ok(!everything.includes(plain), `${plain} must not appear in the preview`);
    }
    // A preview applies nothing: the cluster still holds the old values and the dropped object.
    const live = await client.request<{ data?: Record<string, string> }>('/api/v1/namespaces/preview/configmaps/web');
    assert.deepEqual(live.ok ? live.value.data : undefined, { LOG_LEVEL: 'info' });
    assert.ok((await client.request('/api/v1/namespaces/preview/configmaps/old')).ok);
    assert.ok(!(await client.request('/api/v1/namespaces/preview/configmaps/new')).ok);
  });

  test('a field someone set by hand is named in a note: a sync keeps it, so the diff cannot show it', async () => {
    execFileSync('kubectl', ['--kubeconfig', cluster.kubeconfigPath, 'annotate', '-n', 'preview', 'configmap/same', 'example.com/owner=alice']);
    try {
      const result = await previewCluster(scratch, env, session(), DEFAULT_RENDER_OPTIONS);
      if (!result.ok) assert.fail(`${result.error.kind}: ${result.error.message}`);
      assert.ok(
        result.value.notes.includes('ConfigMap/same: set by hand and kept by a sync, which removes no field that someone else set: metadata.annotations["example.com/owner"] (by kubectl-annotate); take it into Git or remove it in the cluster'),
        result.value.notes.join('\n'),
      );
      assert.ok(!result.value.environments[0]!.changes.some((c) => c.name === 'same'), 'applying Git changes nothing on it');
    } finally {
      execFileSync('kubectl', ['--kubeconfig', cluster.kubeconfigPath, 'annotate', '-n', 'preview', 'configmap/same', 'example.com/owner-']);
    }
  });

  test('plumbline preview --cluster: the same as unified diffs, exit 1, no Secret value', () => {
    writeFileSync(join(scratch, '.plumbline.yaml'), 'environments:\n  - name: bench\n    path: ./app\n    namespace: preview\n    delivery: direct\n');
    const r = spawnSync(process.execPath, [bundle('cli.js'), 'preview', '--cluster', '--env', 'bench', '--repo', scratch, '--kubeconfig', cluster.kubeconfigPath], { encoding: 'utf8' });
    assert.equal(r.status, 1, r.stderr);
    assert.match(r.stdout, /^--- cluster \(plumbline-bench\)\/bench\/ConfigMap\/preview\/web\n\+\+\+ after sync\/bench\/ConfigMap\/preview\/web$/m);
    assert.match(r.stdout, /^-\s+LOG_LEVEL: info\n\+\s+LOG_LEVEL: debug$/m);
    assert.match(r.stdout, /^--- \/dev\/null\n\+\+\+ after sync\/bench\/ConfigMap\/preview\/new$/m);
    assert.match(r.stdout, /^--- cluster \(plumbline-bench\)\/bench\/ConfigMap\/preview\/old\n\+\+\+ \/dev\/null$/m);
    assert.match(r.stdout, /^Summary: Cluster changes for bench \(cluster \(plumbline-bench\) ↔ after sync\) - changed: 2, added: 1, removed: 1, unchanged: 1, in bench \(4 changed\)$/m);
    for (const plain of [SECRET_OLD, SECRET_NEW, Buffer.from(SECRET_OLD).toString('base64'), Buffer.from(SECRET_NEW).toString('base64')]) assert.ok(!(r.stdout + r.stderr).includes(plain));
  });

  test('an unreachable cluster and a forbidden one are clear failures', async () => {
    const bad = join(scratch, 'unreachable.kubeconfig');
    writeFileSync(bad, execFileSync('kubectl', ['--kubeconfig', cluster.kubeconfigPath, 'config', 'view', '--raw'], { encoding: 'utf8' }).replace(/server: https:\/\/127\.0\.0\.1:\d+/, 'server: https://127.0.0.1:1'));
    const down = await previewCluster(scratch, env, session(undefined, bad), DEFAULT_RENDER_OPTIONS);
    assert.equal(down.ok ? 'ok' : down.error.kind, 'unreachable');
    const viewer = await previewCluster(scratch, env, session(cluster.viewerContext), DEFAULT_RENDER_OPTIONS);
    assert.equal(viewer.ok ? 'ok' : viewer.error.kind, 'forbidden', viewer.ok ? '' : viewer.error.message);
    const off = await previewCluster(scratch, env, undefined, { ...DEFAULT_RENDER_OPTIONS, trusted: false });
    assert.deepEqual(off, { ok: false, error: { kind: 'untrusted', message: 'untrusted workspace: Plumbline contacts no cluster' } });
  });
});

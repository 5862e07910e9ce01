// Cluster tier (issue 16): health the user's own rules decide, and drift only the controller sees.
// An Argo CD Application's objects in a real apiserver, with a test argocd-cm whose Lua health
// scripts decide three kinds (one good, one that loops forever, one that errors); and a
// Crossplane-like managed resource kind (a CRD written here; no controller runs: the test writes
// `status` as Crossplane documents it) reporting Synced=False, ReconcileForbidden. Asserted as a
// person reads them: `plumbline status` and `plumbline diff` output and exit codes, and the
// language server's tree answer (the sidebar's rows and their tooltips).
import assert from 'node:assert/strict';
import { execFileSync, spawnSync, type SpawnSyncReturns } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { after, before, describe, test } from 'node:test';
import { EnvironmentsRequest, type EnvironmentNode } from '../../server/src/protocol';
import { LspHarness } from '../support/lspClient';
import { bundle } from '../support/paths';
import { kubectlFor } from '../support/kubectl';
import { rawRequest, startCluster, type Cluster } from './harness';

let cluster: Cluster;
let ws: string;
const kubectl = kubectlFor(() => cluster.kubeconfigPath);

/** A namespaced (or cluster-scoped) kind whose spec and status hold anything, with a status subresource as controllers write it. */
const crd = (group: string, kind: string, scope: 'Namespaced' | 'Cluster'): string => `apiVersion: apiextensions.k8s.io/v1
kind: CustomResourceDefinition
metadata:
  name: ${kind.toLowerCase()}s.${group}
spec:
  group: ${group}
  scope: ${scope}
  names: {kind: ${kind}, plural: ${kind.toLowerCase()}s, singular: ${kind.toLowerCase()}, listKind: ${kind}List}
  versions:
    - name: v1
      served: true
      storage: true
      subresources: {status: {}}
      schema:
        openAPIV3Schema:
          type: object
          properties:
            spec: {type: object, x-kubernetes-preserve-unknown-fields: true}
            status: {type: object, x-kubernetes-preserve-unknown-fields: true}
`;

const WIDGET_HEALTH = `hs = {}
if obj.status ~= nil and obj.status.shards ~= nil then
  local ready = 0
  for _, shard in ipairs(obj.status.shards) do
    if shard.ready then ready = ready + 1 end
  end
  if ready == #obj.status.shards then
    hs.status = "Healthy"
  else
    hs.status = "Progressing"
  end
  hs.message = string.format("%d/%d shards ready", ready, #obj.status.shards)
  return hs
end
hs.status = "Progressing"
hs.message = "no shards yet"
return hs`;

const argocdCm = (spinner: string): string => JSON.stringify({
  apiVersion: 'v1',
  kind: 'ConfigMap',
  metadata: { name: 'argocd-cm', namespace: 'argocd', labels: { 'app.kubernetes.io/part-of': 'argocd' } },
  data: {
    'resource.customizations.health.example.com_Widget': WIDGET_HEALTH,
    // string.format: Argo CD opens the string library for this script only because of this key.
    'resource.customizations.useOpenLibs.example.com_Widget': 'true',
    'resource.customizations.health.example.com_Spinner': spinner,
    'resource.customizations.health.example.com_Breaker': 'local settings = obj.spec.settings\nreturn {status = settings.level}',
  },
});

const APPLICATION = `apiVersion: argoproj.io/v1alpha1
kind: Application
metadata:
  name: widgets
  namespace: argocd
spec:
  project: default
  source:
    repoURL: https://git.example.com/platform/widgets.git
    targetRevision: main
    path: apps/widgets
  destination:
    server: https://kubernetes.default.svc
    namespace: widgets
  syncPolicy:
    syncOptions:
      - ServerSideApply=true
`;

const OBJECTS = `apiVersion: example.com/v1
kind: Widget
metadata:
  name: ready-one
  namespace: widgets
spec:
  size: 3
---
apiVersion: example.com/v1
kind: Widget
metadata:
  name: filling-one
  namespace: widgets
spec:
  size: 2
---
apiVersion: example.com/v1
kind: Spinner
metadata:
  name: spin
  namespace: widgets
spec:
  speed: 9
---
apiVersion: example.com/v1
kind: Breaker
metadata:
  name: broken
  namespace: widgets
spec:
  level: high
---
apiVersion: v1
kind: ConfigMap
metadata:
  name: plain
  namespace: widgets
data:
  colour: blue
`;

const BUCKET = `apiVersion: storage.example.org/v1
kind: Bucket
metadata:
  name: audit-logs
spec:
  forProvider:
    region: eu-west-1
    versioning: Enabled
  managementPolicies: [Observe, Create, Delete]
`;

const FORBIDDEN = 'external resource differs from the desired state (versioning: Suspended, desired Enabled) and managementPolicies do not allow updates';

async function writeStatus(path: string, status: unknown): Promise<void> {
  const written = await rawRequest(cluster.kubeconfigPath, { method: 'PATCH', path: `${path}/status`, body: JSON.stringify({ status }), contentType: 'application/merge-patch+json' });
  assert.equal(written.status, 200, written.body);
}

function cli(...args: string[]): SpawnSyncReturns<string> {
  // A bound on the whole run: a script that loops must cost its object's health, never the command.
  return spawnSync(process.execPath, [bundle('cli.js'), ...args, '--kubeconfig', cluster.kubeconfigPath], { encoding: 'utf8', cwd: ws, timeout: 120_000 });
}

interface StatusJson {
  environments: { environment: string; state: string; message: string; health?: { summary: string }; resources: { kind: string; name: string; state: string; externalDrift?: string; health?: { word: string; message: string } }[] }[];
}

function status(): { run: SpawnSyncReturns<string>; json: StatusJson; text: SpawnSyncReturns<string> } {
  const run = cli('status', ws, '--env', 'widgets', '-o', 'json');
  assert.ok(run.status === 0 || run.status === 1, `plumbline status failed (${String(run.status)} ${String(run.signal)}):\n${run.stdout}\n${run.stderr}`);
  return { run, json: JSON.parse(run.stdout) as StatusJson, text: cli('status', ws, '--env', 'widgets') };
}

const healthOf = (json: StatusJson, kind: string, name: string): { word: string; message: string } | undefined => json.environments[0]?.resources.find((r) => r.kind === kind && r.name === name)?.health;

describe('custom health from argocd-cm, and Crossplane drift, against a real apiserver', () => {
  before(async () => {
    cluster = await startCluster();
    ws = mkdtempSync(join(tmpdir(), 'plumbline-customhealth-'));
    mkdirSync(join(ws, 'argocd'));
    mkdirSync(join(ws, 'apps', 'widgets'), { recursive: true });
    writeFileSync(join(ws, 'argocd', 'widgets.yaml'), APPLICATION);
    writeFileSync(join(ws, 'apps', 'widgets', 'widgets.yaml'), OBJECTS);
    writeFileSync(join(ws, 'apps', 'widgets', 'bucket.yaml'), BUCKET);
    execFileSync('git', ['init', '-q', '-b', 'main', ws]);
    kubectl('create', 'namespace', 'argocd');
    kubectl('create', 'namespace', 'widgets');
    kubectl.input([crd('example.com', 'Widget', 'Namespaced'), crd('example.com', 'Spinner', 'Namespaced'), crd('example.com', 'Breaker', 'Namespaced'), crd('storage.example.org', 'Bucket', 'Cluster')].join('---\n'), 'apply', '-f', '-');
    kubectl('wait', '--for=condition=Established', '--timeout=60s', 'crd/widgets.example.com', 'crd/spinners.example.com', 'crd/breakers.example.com', 'crd/buckets.storage.example.org');
    kubectl.input(argocdCm('local n = 0\nwhile true do n = n + 1 end'), 'apply', '-f', '-');
    // As Argo CD's server-side sync leaves them.
    kubectl.input(`${OBJECTS}---\n${BUCKET}`, 'apply', '--server-side', '--field-manager=argocd-controller', '-f', '-');
    await writeStatus('/apis/example.com/v1/namespaces/widgets/widgets/ready-one', { shards: [{ ready: true }, { ready: true }, { ready: true }] });
    await writeStatus('/apis/example.com/v1/namespaces/widgets/widgets/filling-one', { shards: [{ ready: true }, { ready: false }] });
    // As a provider writes it when the management policy forbids correcting what it observed.
    await writeStatus('/apis/storage.example.org/v1/buckets/audit-logs', {
      atProvider: { region: 'eu-west-1', versioning: 'Suspended' },
      conditions: [
        { type: 'Synced', status: 'False', reason: 'ReconcileForbidden', message: FORBIDDEN, lastTransitionTime: '2026-12-07T02:00:00Z' },
        { type: 'Ready', status: 'True', reason: 'Available', lastTransitionTime: '2026-12-07T01:00:00Z' },
      ],
    });
  });

  after(async () => {
    await cluster?.stop();
    if (ws !== undefined) rmSync(ws, { recursive: true, force: true });
  });

  test('plumbline status: the scripts decide their kinds; the looping and the erroring one are Unknown with the reason, nothing else is affected', () => {
    const started = Date.now();
    const { run, json, text } = status();
    const took = Date.now() - started;
    assert.equal(run.status, 1, `not all healthy: exit 1\n${run.stdout}\n${run.stderr}`);
    assert.deepEqual(healthOf(json, 'Widget', 'ready-one'), { status: 'Current', word: 'Healthy', argo: 'Healthy', message: '3/3 shards ready' });
    assert.deepEqual(healthOf(json, 'Widget', 'filling-one'), { status: 'InProgress', word: 'Progressing', argo: 'Progressing', message: '1/2 shards ready' });
    assert.equal(healthOf(json, 'Spinner', 'spin')?.word, 'Unknown');
    assert.equal(healthOf(json, 'Spinner', 'spin')?.message, 'health script for example.com/Spinner: did not finish within 1000 ms');
    assert.equal(healthOf(json, 'Breaker', 'broken')?.message, "health script for example.com/Breaker: example.com/Breaker:2: attempt to index a nil value (local 'settings')");
    assert.equal(healthOf(json, 'ConfigMap', 'plain')?.word, 'Healthy', 'a kind without a script: the built-in rules');
    assert.equal(healthOf(json, 'Bucket', 'audit-logs')?.word, 'Healthy', 'Crossplane: Ready=True (Available)');
    assert.equal(json.environments[0]?.health?.summary, '3/6 healthy, 1 progressing, 2 unknown');
    assert.match(text.stdout, /^ {2}Spinner\/spin in widgets: in sync · Unknown: health script for example\.com\/Spinner: did not finish within 1000 ms$/m);
    assert.match(text.stdout, /^ {2}Widget\/ready-one in widgets: in sync · Healthy: 3\/3 shards ready$/m);
    // Each script is bounded: one second for the loop, however many objects there are.
    assert.ok(took < 60_000, `plumbline status took ${took} ms`);
  });

  test('Crossplane ReconcileForbidden: drift on the object in plumbline status and on spec.forProvider in plumbline diff, with the condition\'s message', () => {
    const { json, text } = status();
    const bucket = json.environments[0]?.resources.find((r) => r.kind === 'Bucket');
    assert.equal(bucket?.state, 'drifted');
    assert.equal(bucket?.externalDrift, FORBIDDEN);
    assert.match(text.stdout, new RegExp(`^ {2}Bucket/audit-logs: drifted \\(1 field\\) · external resource drifted: ${FORBIDDEN.replace(/[()]/g, '\\$&')} · Healthy: Available$`, 'm'));
    const diff = cli('diff', '-o', 'json', 'apps/widgets/bucket.yaml');
    assert.equal(diff.status, 1, `${diff.stdout}\n${diff.stderr}`);
    const findings = (JSON.parse(diff.stdout) as { findings: { line: number; code: string; message: string }[] }).findings;
    assert.deepEqual(findings.map((f) => `${f.line} ${f.code} ${f.message}`), [`6 drift.external widgets: Bucket/audit-logs: the external resource differs from Git and Crossplane may not update it (ReconcileForbidden): ${FORBIDDEN}`]);
  });

  test('the language server: the sidebar shows the same health, the Crossplane row its ReconcileForbidden message, and a looping script leaves the server answering', async () => {
    const lsp = await LspHarness.start({ cluster: { kubeconfig: cluster.kubeconfigPath } }, { workspaceFolders: [ws] });
    try {
      const deadline = Date.now() + 60_000;
      let widgets: EnvironmentNode | undefined;
      for (;;) {
        widgets = (await lsp.connection.sendRequest(EnvironmentsRequest)).environments.find((e) => e.name === 'widgets');
        if (widgets?.resources.find((r) => r.kind === 'Spinner')?.health !== undefined) break;
        if (Date.now() > deadline) assert.fail(`no health for the Spinner in the sidebar; last: ${JSON.stringify(widgets)}; server stderr: ${lsp.stderrTail}`);
        await new Promise((resolve) => setTimeout(resolve, 100));
      }
      const health = (kind: string, name: string): unknown => widgets?.resources.find((r) => r.kind === kind && r.name === name)?.health;
      assert.deepEqual(health('Spinner', 'spin'), { word: 'Unknown', argo: 'Unknown', message: 'health script for example.com/Spinner: did not finish within 1000 ms' });
      assert.deepEqual(health('Widget', 'filling-one'), { word: 'Progressing', argo: 'Progressing', message: '1/2 shards ready' });
      assert.equal(widgets?.health?.summary, '3/6 healthy, 1 progressing, 2 unknown');
      // The Bucket's row: drifted by what Crossplane saw outside the cluster, with the condition's
      // message for the tooltip; its health stays Ready's (the bucket works).
      const bucket = widgets?.resources.find((r) => r.kind === 'Bucket');
      assert.deepEqual([bucket?.state, bucket?.drifted, bucket?.external, bucket?.health?.word], ['drifted', 1, FORBIDDEN, 'Healthy']);
      assert.equal(widgets?.resources.find((r) => r.kind === 'Widget' && r.name === 'ready-one')?.external, undefined, 'no external drift on the others');
      // The CodeLens above each object says what the sidebar says; the Bucket's diagnostic is on spec.forProvider.
      const widgetsFile = pathToFileURL(join(ws, 'apps', 'widgets', 'widgets.yaml')).href;
      await lsp.open(widgetsFile, OBJECTS);
      const titles = await lsp.waitForLensTitles(widgetsFile, (t) => t.some((title) => title.includes('example.com/Spinner')), 30_000);
      assert.ok(titles.includes('widgets: $(check) in sync · Unknown: health script for example.com/Spinner: did not finish within 1000 ms'), JSON.stringify(titles));
      assert.ok(titles.includes('widgets: $(check) in sync · Progressing: 1/2 shards ready'), JSON.stringify(titles));
      const bucketFile = pathToFileURL(join(ws, 'apps', 'widgets', 'bucket.yaml')).href;
      await lsp.open(bucketFile, BUCKET);
      const diagnostics = await lsp.waitForDiagnostics(bucketFile, (d) => d.some((x) => x.code === 'drift.external'), 30_000);
      const external = diagnostics.find((x) => x.code === 'drift.external');
      assert.equal(external?.message, `widgets: Bucket/audit-logs: the external resource differs from Git and Crossplane may not update it (ReconcileForbidden): ${FORBIDDEN}`);
      assert.deepEqual(external?.range.start, { line: 5, character: 2 });
      // Answered again at once: the script's verdict is kept until the object or the argocd-cm changes.
      const again = Date.now();
      await lsp.connection.sendRequest(EnvironmentsRequest);
      assert.ok(Date.now() - again < 5_000, `the second answer took ${Date.now() - again} ms`);
    } finally {
      await lsp.stop();
    }
  });

  test('a new argocd-cm is read and compiled anew: the fixed script decides', () => {
    kubectl.input(argocdCm('return {status = "Healthy", message = "spinning at " .. obj.spec.speed}'), 'apply', '-f', '-');
    const { json } = status();
    assert.deepEqual(healthOf(json, 'Spinner', 'spin'), { status: 'Current', word: 'Healthy', argo: 'Healthy', message: 'spinning at 9' });
    assert.equal(healthOf(json, 'Widget', 'ready-one')?.message, '3/3 shards ready');
  });
});

// Cluster tier, torture set: for each case, drift or no drift at the exact field (path, message,
// range), against a real kube-apiserver; then the same engine through the language server process.
//
//   npm run build && node --import tsx --test --test-reporter=spec test/cluster/torture.test.ts
//
// One cluster for the file (fixed data dir and ports, so it can be restarted as the same cluster
// at the end); every case uses its own object names, and the engine waits until its watch has
// seen the resourceVersion the change produced, so "no drift" is never "not seen yet".
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { pathToFileURL } from 'node:url';
import type { CodeAction, Diagnostic } from 'vscode-languageserver-protocol';
import type { KubeObject } from '../../server/src/cluster/http';
import { ClusterSession } from '../../server/src/cluster/session';
import { DriftEngine, type DriftReport } from '../../server/src/drift/engine';
import { formatPath } from '../../server/src/manifests/fieldPath';
import { driftProblems } from '../../server/src/drift/findings';
import { ManifestParser } from '../../server/src/manifests/parse';
import type { ClusterDiffResult, ClusterStatus } from '../../server/src/protocol';
import { LspHarness } from '../support/lspClient';
import { startCluster, type Cluster } from './harness';
import { kubectlFor } from '../support/kubectl';

const NS = 'torture';
const LSP_NS = 'torture-lsp';
/** The secret values of the Secret cases: none may appear in anything Plumbline shows or logs. */
const SECRETS = ['hunter2-from-git', 'hunter2-set-live', 'lsp-pass-from-git', 'lsp-pass-set-live'];
const SECRET_FORMS = SECRETS.flatMap((s) => [s, Buffer.from(s).toString('base64')]);

let cluster: Cluster;
let engine: DriftEngine;
let work: string;
let dataDir: string;
let ports: { securePort: number; etcdClientPort: number; etcdPeerPort: number };
/**
 * Same data dir and ports, so a restart is the same cluster. Without a watch termination grace
 * period, kube-apiserver waits 30 s for open watches (ours) before it stops on SIGTERM.
 */
const clusterOptions = (): Parameters<typeof startCluster>[0] => ({ dataDir, ...ports, apiserverArgs: ['--shutdown-watch-termination-grace-period=1s'] });

// ---- cluster helpers -----------------------------------------------------------------------

const kubectl = kubectlFor(() => cluster.kubeconfigPath);

/** Applies YAML (flags choose client-side, server-side, field manager…); returns the object's resourceVersion. */
function apply(yaml: string, ...flags: string[]): string {
  return execFileSync('kubectl', ['--kubeconfig', cluster.kubeconfigPath, ...flags, '-f', '-', '-o', 'jsonpath={.metadata.resourceVersion}'], {
    input: yaml,
    encoding: 'utf8',
    stdio: ['pipe', 'pipe', 'pipe'],
  });
}

const ssa = (yaml: string, manager: string): string => apply(yaml, 'apply', '--server-side', `--field-manager=${manager}`);

/** Runs a kubectl change on one object and returns the resourceVersion it produced. */
function change(ref: string, namespace: string, ...args: string[]): string {
  kubectl(...args);
  return kubectl('get', ref, '-n', namespace, '-o', 'jsonpath={.metadata.resourceVersion}');
}

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => (address !== null && typeof address === 'object' ? resolve(address.port) : reject(new Error('no port'))));
    });
  });
}

// ---- engine helpers ------------------------------------------------------------------------

interface Found {
  code: string;
  path: string;
  message: string;
  start: number;
  end: number;
}

interface Outcome {
  yaml: string;
  report: DriftReport;
  found: Found[];
}

async function compareWith(drift: DriftEngine, yaml: string): Promise<Outcome> {
  const document = new ManifestParser().parse(yaml).documents[0]!;
  const identity = document.identity!;
  const report = await drift.compare(identity, document.doc.toJS({ maxAliasCount: 100 }) as Record<string, unknown>);
  const found = driftProblems(report, document.doc, identity, 'warning').map((p) => ({ code: p.code, path: formatPath(p.path), message: p.message, start: p.start, end: p.end }));
  return { yaml, report, found };
}

function liveOf(o: Outcome): KubeObject | undefined {
  return o.report.state === 'in-sync' || o.report.state === 'drifted' ? o.report.live : undefined;
}

/** Compares until `seen` holds of the outcome; fails after 10 s with `what`. */
async function compareUntil(yaml: string, seen: (o: Outcome) => boolean, what: string): Promise<Outcome> {
  const deadline = Date.now() + 10_000;
  for (;;) {
    const o = await compareWith(engine, yaml);
    if (seen(o)) return o;
    if (Date.now() > deadline) throw new Error(`the engine did not see ${what} within 10 s; last report: ${o.report.state}`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

/**
 * Compares once the engine's watch has delivered this resourceVersion of the object, so a result
 * never describes an older cluster than the case made ("no drift" is never "not seen yet").
 */
const settled = (yaml: string, resourceVersion: string): Promise<Outcome> =>
  compareUntil(yaml, (o) => liveOf(o)?.metadata?.resourceVersion === resourceVersion, `resourceVersion ${resourceVersion}`);

/** Compares once the engine's watch has delivered the object's deletion. */
const settledAbsent = (yaml: string): Promise<Outcome> => compareUntil(yaml, (o) => o.report.state === 'not-in-cluster', 'the deletion');

const PLACEHOLDERS: Record<string, string> = { '{time}': '\\d{4}-\\d{2}-\\d{2} \\d{2}:\\d{2}', '{mask}': '‹secret [0-9a-f]{8}›' };
const escapeRegExp = (s: string): string => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
/** A message with `{time}` where managedFields' "2026-01-02 10:42" goes and `{mask}` for a masked secret value. */
const messagePattern = (m: string): RegExp =>
  new RegExp(`^${m.split(/(\{time\}|\{mask\})/).map((part) => PLACEHOLDERS[part] ?? escapeRegExp(part)).join('')}$`);

/** Offset of `text` on the one line of `yaml` that is (or else contains) `line`, its last occurrence there. */
function spot(yaml: string, line: string, text: string): number {
  const lines = yaml.split('\n');
  const numbered = lines.map((l, i) => [l, i] as const);
  const exact = numbered.filter(([l]) => l === line);
  const matches = exact.length > 0 ? exact : numbered.filter(([l]) => l.includes(line));
  assert.equal(matches.length, 1, `fixture: expected one line containing ${JSON.stringify(line)}`);
  const [content, index] = matches[0]!;
  const column = content.lastIndexOf(text);
  assert.ok(column >= 0, `fixture: ${JSON.stringify(text)} is not on the line ${JSON.stringify(content)}`);
  return lines.slice(0, index).reduce((n, l) => n + l.length + 1, 0) + column;
}

interface Expected {
  code: 'drift.value' | 'drift.set-by-hand' | 'drift.not-in-cluster' | 'drift.rejected';
  path: string;
  message: string;
  /** The range: `text` on the line containing `line`. */
  at: { line: string; text: string };
}

function show(o: Outcome): string {
  return o.found.map((f) => `  ${f.code} ${f.path} @${JSON.stringify(o.yaml.slice(f.start, f.end))}: ${f.message}`).join('\n') || '  (nothing)';
}

function expectInSync(o: Outcome): void {
  assert.equal(o.report.state, 'in-sync', `expected no drift, got ${o.report.state}:\n${show(o)}`);
  assert.deepEqual(o.found, []);
}

function expectFound(o: Outcome, expected: Expected[]): void {
  const key = (x: { code: string; path: string }): string => `${x.code} ${x.path}`;
  assert.deepEqual(o.found.map(key).sort(), expected.map(key).sort(), `findings differ; got:\n${show(o)}`);
  for (const e of expected) {
    const f = o.found.find((x) => key(x) === key(e))!;
    assert.match(f.message, messagePattern(e.message), `message of ${key(e)}`);
    const start = spot(o.yaml, e.at.line, e.at.text);
    assert.deepEqual(
      { start: f.start, end: f.end },
      { start, end: start + e.at.text.length },
      `range of ${key(e)}: got ${JSON.stringify(o.yaml.slice(f.start, f.end))}, expected ${JSON.stringify(e.at.text)} on "${e.at.line}"`,
    );
  }
}

// ---- fixtures --------------------------------------------------------------------------------

/** A Deployment without any of the fields the server defaults. */
const deployment = (name: string, o: { replicas?: number; metadata?: string; container?: string; podSpec?: string; namespace?: string | null } = {}): string => `apiVersion: apps/v1
kind: Deployment
metadata:
  name: ${name}
${o.namespace === null ? '' : `  namespace: ${o.namespace ?? NS}\n`}${o.metadata ?? ''}spec:
  replicas: ${o.replicas ?? 2}
  selector:
    matchLabels: {app: ${name}}
  template:
    metadata:
      labels: {app: ${name}}
    spec:
${o.podSpec ?? ''}      containers:
        - name: web
          image: registry.example/web:1.0
${o.container ?? ''}`;

const configMap = (name: string, body: string, namespace: string | null = NS): string => `apiVersion: v1
kind: ConfigMap
metadata:
  name: ${name}
${namespace === null ? '' : `  namespace: ${namespace}\n`}${body}`;

const CRD = `apiVersion: apiextensions.k8s.io/v1
kind: CustomResourceDefinition
metadata:
  name: widgets.torture.plumbline.dev
spec:
  group: torture.plumbline.dev
  scope: Namespaced
  names: {plural: widgets, singular: widget, kind: Widget, listKind: WidgetList}
  versions:
    - name: v1
      served: true
      storage: true
      schema:
        openAPIV3Schema:
          type: object
          properties:
            spec:
              type: object
              properties:
                color: {type: string}
                size: {type: integer, default: 3}
                mode: {type: string, default: auto}
                limits:
                  type: object
                  default: {}
                  properties:
                    max: {type: integer, default: 10}
`;

const widget = (name: string): string => `apiVersion: torture.plumbline.dev/v1
kind: Widget
metadata:
  name: ${name}
  namespace: ${NS}
spec:
  color: blue
`;

// ---- the set -----------------------------------------------------------------------------------

describe('drift torture set against a real apiserver', { timeout: 5 * 60_000 }, () => {
  before(async () => {
    work = mkdtempSync(join(tmpdir(), 'plumbline-torture-'));
    dataDir = join(work, 'cluster');
    ports = { securePort: await freePort(), etcdClientPort: await freePort(), etcdPeerPort: await freePort() };
    cluster = await startCluster(clusterOptions());
    for (const ns of [NS, LSP_NS, 'torture-ctx']) kubectl('create', 'namespace', ns);
    apply(CRD, 'apply', '--server-side');
    kubectl('wait', '--for=condition=established', '--timeout=30s', 'crd/widgets.torture.plumbline.dev');
    const created = await DriftEngine.forSession(new ClusterSession({ kubeconfigPath: cluster.kubeconfigPath }, join(work, 'cache')));
    if (!created.ok) throw new Error(created.error.message);
    engine = created.value;
  });
  after(async () => {
    engine?.dispose();
    await cluster?.stop();
    if (work !== undefined) rmSync(work, { recursive: true, force: true });
  });

  describe('server defaults', () => {
    test('a Deployment without strategy, revisionHistoryLimit, imagePullPolicy, terminationMessagePath: no drift', async () => {
      const yaml = deployment('defaults', { container: '          ports:\n            - containerPort: 8080\n' });
      const o = await settled(yaml, ssa(yaml, 'kustomize-controller'));
      expectInSync(o);
      const live = liveOf(o) as { spec: { strategy: { type: string }; revisionHistoryLimit: number; progressDeadlineSeconds: number; template: { spec: { containers: Record<string, unknown>[] } } } };
      // The defaults are really there, and Git really omits them.
      assert.equal(live.spec.strategy.type, 'RollingUpdate');
      assert.equal(live.spec.revisionHistoryLimit, 10);
      assert.equal(live.spec.progressDeadlineSeconds, 600);
      const container = live.spec.template.spec.containers[0]!;
      assert.equal(container['imagePullPolicy'], 'IfNotPresent');
      assert.equal(container['terminationMessagePath'], '/dev/termination-log');
      assert.deepEqual(container['ports'], [{ containerPort: 8080, protocol: 'TCP' }]);
    });

    test('a Service without port protocol, type, sessionAffinity; clusterIP allocated by the server: no drift', async () => {
      const yaml = `apiVersion: v1
kind: Service
metadata:
  name: defaults
  namespace: ${NS}
spec:
  selector: {app: defaults}
  ports:
    - port: 80
      targetPort: 8080
`;
      const o = await settled(yaml, ssa(yaml, 'kustomize-controller'));
      expectInSync(o);
      const spec = (liveOf(o) as { spec: { ports: { protocol: string }[]; clusterIP: string; type: string; sessionAffinity: string } }).spec;
      assert.equal(spec.ports[0]?.protocol, 'TCP');
      assert.match(spec.clusterIP, /^\d+\.\d+\.\d+\.\d+$/);
      assert.equal(spec.type, 'ClusterIP');
      assert.equal(spec.sessionAffinity, 'None');
    });

    test('made with kubectl create, whose managedFields claim every defaulted field: no drift', async () => {
      const yaml = deployment('created');
      const o = await settled(yaml, apply(yaml, 'create'));
      const creator = liveOf(o)?.metadata?.managedFields?.find((m) => m.manager === 'kubectl-create');
      assert.match(JSON.stringify(creator?.fieldsV1), /f:terminationMessagePath.*f:dnsPolicy/, 'kubectl-create owns the defaults');
      expectInSync(o);
    });

    test('made with client-side kubectl apply (last-applied annotation, kubectl-client-side-apply owns the defaults): no drift', async () => {
      const yaml = `apiVersion: v1
kind: Service
metadata:
  name: client-side
  namespace: ${NS}
spec:
  selector: {app: client-side}
  ports:
    - port: 443
      targetPort: https
`;
      const o = await settled(yaml, apply(yaml, 'apply'));
      assert.ok(liveOf(o)?.metadata?.annotations?.['kubectl.kubernetes.io/last-applied-configuration'] !== undefined);
      expectInSync(o);
    });
  });

  describe('quantities', () => {
    const quantities = (cpu: string, memory: string): string => deployment('quantities', { container: `          resources:\n            requests: {cpu: ${cpu}, memory: ${memory}}\n` });

    test('Git 1000m and 1Gi, cluster 1 and 1024Mi: no drift (and the other way round)', async () => {
      const rv = ssa(quantities('"1"', '1024Mi'), 'kustomize-controller');
      expectInSync(await settled(quantities('1000m', '1Gi'), rv));
      expectInSync(await settled(quantities('"1"', '1024Mi'), rv));
    });

    test('a quantity that really differs (500m against 1) drifts at that quantity', async () => {
      const yaml = quantities('500m', '1Gi');
      const o = await settled(yaml, kubectl('get', 'deployment/quantities', '-n', NS, '-o', 'jsonpath={.metadata.resourceVersion}'));
      expectFound(o, [
        {
          code: 'drift.value',
          path: 'spec.template.spec.containers[web].resources.requests.cpu',
          message: 'cluster has cpu: 1, Git declares 500m (set by kustomize-controller at {time} UTC)',
          at: { line: 'cpu: 500m', text: '500m' },
        },
      ]);
    });
  });

  describe('int-or-string ports', () => {
    const service = (name: string, targetPort: string): string => `apiVersion: v1
kind: Service
metadata:
  name: ${name}
  namespace: ${NS}
spec:
  selector: {app: ${name}}
  ports:
    - port: 80
      targetPort: ${targetPort}
`;

    test('targetPort 8080 as a number: no drift', async () => {
      expectInSync(await settled(service('numeric', '8080'), ssa(service('numeric', '8080'), 'kustomize-controller')));
    });

    test('targetPort "8080" as a string is not the same port: the cluster rejects it (an all-digit port name)', async () => {
      const yaml = service('numeric', '"8080"');
      const o = await compareWith(engine, yaml);
      expectFound(o, [
        {
          code: 'drift.rejected',
          // At the field the apiserver names.
          path: 'spec.ports[0].targetPort',
          message: 'the cluster would reject this Service: plumbline-bench: Service "numeric" is invalid: spec.ports[0].targetPort: Invalid value: "8080": must contain at least one letter (a-z)',
          at: { line: 'targetPort: "8080"', text: '"8080"' },
        },
      ]);
    });

    test('a named targetPort: no drift; Git changing it to a number drifts at that port\'s targetPort', async () => {
      const rv = ssa(service('named', 'http'), 'kustomize-controller');
      expectInSync(await settled(service('named', 'http'), rv));
      const yaml = service('named', '8080');
      expectFound(await settled(yaml, rv), [
        {
          code: 'drift.value',
          path: 'spec.ports[80,TCP].targetPort',
          message: 'cluster has targetPort: http, Git declares 8080 (set by kustomize-controller at {time} UTC)',
          at: { line: 'targetPort: 8080', text: '8080' },
        },
      ]);
    });
  });

  test('empty vs absent vs null: labels: {}, annotations: null, env: [], nodeSelector: null, volumes: [] → no drift', async () => {
    const rv = ssa(deployment('empties'), 'kustomize-controller');
    const yaml = deployment('empties', { metadata: '  labels: {}\n  annotations: null\n', podSpec: '      nodeSelector: null\n      volumes: []\n', container: '          env: []\n' });
    expectInSync(await settled(yaml, rv));
  });

  describe('controllers', () => {
    const yaml = deployment('controlled', { metadata: '  labels:\n    tier: backend\n' });

    test('an annotation a controller adds (Update by kube-controller-manager): no drift', async () => {
      ssa(yaml, 'kustomize-controller');
      const rv = change('deployment/controlled', NS, 'annotate', '-n', NS, 'deployment/controlled', 'deployment.kubernetes.io/revision=4', '--field-manager=kube-controller-manager');
      const o = await settled(yaml, rv);
      assert.equal(liveOf(o)?.metadata?.annotations?.['deployment.kubernetes.io/revision'], '4');
      expectInSync(o);
    });

    test('a label Git declares, changed by a controller: drift at that label, naming the controller', async () => {
      const rv = change('deployment/controlled', NS, 'label', '-n', NS, 'deployment/controlled', '--overwrite', 'tier=frontend', '--field-manager=kube-controller-manager');
      expectFound(await settled(yaml, rv), [
        {
          code: 'drift.value',
          path: 'metadata.labels.tier',
          message: 'cluster has tier: frontend, Git declares backend (set by kube-controller-manager at {time} UTC)',
          at: { line: 'tier: backend', text: 'backend' },
        },
      ]);
    });
  });

  describe('people', () => {
    test('kubectl scale: drift at spec.replicas, set by kubectl (the scale subresource records no time)', async () => {
      const yaml = deployment('scaled', { replicas: 3 });
      ssa(yaml, 'kustomize-controller');
      const rv = change('deployment/scaled', NS, 'scale', '-n', NS, 'deployment/scaled', '--replicas=5');
      const o = await settled(yaml, rv);
      const entry = liveOf(o)?.metadata?.managedFields?.find((m) => m.subresource === 'scale');
      assert.deepEqual([entry?.manager, entry?.time], ['kubectl', undefined], 'what the apiserver records for kubectl scale');
      expectFound(o, [{ code: 'drift.value', path: 'spec.replicas', message: 'cluster has replicas: 5, Git declares 3 (set by kubectl)', at: { line: 'replicas: 3', text: '3' } }]);
    });

    test('kubectl edit adding an env var: set by hand, on the container', async () => {
      const yaml = deployment('edited');
      ssa(yaml, 'kustomize-controller');
      const patch = { spec: { template: { spec: { containers: [{ name: 'web', env: [{ name: 'DEBUG', value: '1' }] }] } } } };
      const rv = change('deployment/edited', NS, 'patch', '-n', NS, 'deployment/edited', '--type=strategic', '--field-manager=kubectl-edit', '-p', JSON.stringify(patch));
      expectFound(await settled(yaml, rv), [
        {
          code: 'drift.set-by-hand',
          path: 'spec.template.spec.containers[web].env',
          message: 'spec.template.spec.containers[web].env set in the cluster by kubectl-edit at {time} UTC, not in Git',
          at: { line: '- name: web', text: 'web' },
        },
      ]);
    });

    test('kubectl patch of an annotation Git declares: drift.value at the annotation', async () => {
      const yaml = configMap('annotated', '  annotations:\n    team: payments\ndata:\n  a: "1"\n');
      ssa(yaml, 'argocd-controller');
      const rv = change('configmap/annotated', NS, 'patch', '-n', NS, 'configmap/annotated', '--type=merge', '-p', '{"metadata":{"annotations":{"team":"checkout"}}}');
      expectFound(await settled(yaml, rv), [
        {
          code: 'drift.value',
          path: 'metadata.annotations.team',
          message: 'cluster has team: checkout, Git declares payments (set by kubectl-patch at {time} UTC)',
          at: { line: 'team: payments', text: 'payments' },
        },
      ]);
    });

    test('kubectl patch adding an annotation Git does not declare: set by hand, at annotations', async () => {
      const yaml = configMap('noted', '  annotations:\n    team: payments\ndata:\n  a: "1"\n');
      ssa(yaml, 'argocd-controller');
      const rv = change('configmap/noted', NS, 'patch', '-n', NS, 'configmap/noted', '--type=merge', '-p', '{"metadata":{"annotations":{"note":"paged at 3am"}}}');
      expectFound(await settled(yaml, rv), [
        {
          code: 'drift.set-by-hand',
          path: 'metadata.annotations.note',
          message: 'metadata.annotations.note set in the cluster by kubectl-patch at {time} UTC, not in Git',
          at: { line: 'annotations:', text: 'annotations' },
        },
      ]);
    });

    test('kubectl label adding a label: set by hand; kubectl set image: drift at the image', async () => {
      const yaml = deployment('touched', { metadata: '  labels:\n    app: touched\n' });
      ssa(yaml, 'kustomize-controller');
      kubectl('label', '-n', NS, 'deployment/touched', 'debug=true');
      const rv = change('deployment/touched', NS, 'set', 'image', '-n', NS, 'deployment/touched', 'web=registry.example/web:1.1');
      expectFound(await settled(yaml, rv), [
        {
          code: 'drift.set-by-hand',
          path: 'metadata.labels.debug',
          message: 'metadata.labels.debug set in the cluster by kubectl-label at {time} UTC, not in Git',
          at: { line: '  labels:', text: 'labels' },
        },
        {
          code: 'drift.value',
          path: 'spec.template.spec.containers[web].image',
          message: 'cluster has image: registry.example/web:1.1, Git declares registry.example/web:1.0 (set by kubectl-set at {time} UTC)',
          at: { line: 'image: registry.example/web:1.0', text: 'registry.example/web:1.0' },
        },
      ]);
    });
  });

  describe('ConfigMaps and Secrets', () => {
    test('ConfigMap data: in sync as applied (a quoted number stays a string), drift when a value changes', async () => {
      const yaml = configMap('settings', 'data:\n  LOG_LEVEL: info\n  PORT: "8080"\n');
      expectInSync(await settled(yaml, ssa(yaml, 'argocd-controller')));
      const rv = change('configmap/settings', NS, 'patch', '-n', NS, 'configmap/settings', '--type=merge', '-p', '{"data":{"LOG_LEVEL":"debug"}}');
      expectFound(await settled(yaml, rv), [
        { code: 'drift.value', path: 'data.LOG_LEVEL', message: 'cluster has LOG_LEVEL: debug, Git declares info (set by kubectl-patch at {time} UTC)', at: { line: 'LOG_LEVEL: info', text: 'info' } },
      ]);
    });

    test('a Secret changed through stringData: one masked drift at the Git value, no secret anywhere', async () => {
      const yaml = `apiVersion: v1
kind: Secret
metadata:
  name: credentials
  namespace: ${NS}
stringData:
  password: hunter2-from-git
`;
      expectInSync(await settled(yaml, ssa(yaml, 'argocd-controller')));
      const rv = change('secret/credentials', NS, 'patch', '-n', NS, 'secret/credentials', '--type=merge', '-p', '{"stringData":{"password":"hunter2-set-live"}}');
      const o = await settled(yaml, rv);
      expectFound(o, [
        {
          code: 'drift.value',
          path: 'data.password',
          message: 'cluster has password: {mask}, Git declares {mask} (set by kubectl-patch at {time} UTC)',
          at: { line: 'password: hunter2-from-git', text: 'hunter2-from-git' },
        },
      ]);
      const [message] = o.found.map((f) => f.message);
      const [live, git] = [...(message ?? '').matchAll(/‹secret ([0-9a-f]{8})›/g)].map((m) => m[1]);
      assert.ok(live !== undefined && git !== undefined && live !== git, `two different masks in ${message}`);
      const document = new ManifestParser().parse(yaml).documents[0]!;
      const shown = JSON.stringify(driftProblems(o.report, document.doc, document.identity!, 'warning'));
      for (const secret of SECRET_FORMS) assert.ok(!shown.includes(secret), `a secret value is in the findings: ${secret}`);
    });

    test('a Secret applied with client-side kubectl apply (stringData turned into data, type defaulted): no drift', async () => {
      const yaml = `apiVersion: v1
kind: Secret
metadata:
  name: legacy-credentials
  namespace: ${NS}
stringData:
  password: hunter2-from-git
`;
      expectInSync(await settled(yaml, apply(yaml, 'apply')));
    });
  });

  describe('custom resources', () => {
    test('defaults from the CRD schema (size, mode, limits.max): no drift, applied or created', async () => {
      const applied = await settled(widget('applied'), ssa(widget('applied'), 'kustomize-controller'));
      expectInSync(applied);
      assert.deepEqual((liveOf(applied) as { spec: unknown }).spec, { color: 'blue', size: 3, mode: 'auto', limits: { max: 10 } });
      expectInSync(await settled(widget('created'), apply(widget('created'), 'create')));
    });

    test('a schema-defaulted field changed by hand: set by hand', async () => {
      ssa(widget('tuned'), 'kustomize-controller');
      const rv = change('widget/tuned', NS, 'patch', '-n', NS, 'widget/tuned', '--type=merge', '-p', '{"spec":{"size":5}}');
      expectFound(await settled(widget('tuned'), rv), [
        { code: 'drift.set-by-hand', path: 'spec.size', message: 'spec.size set in the cluster by kubectl-patch at {time} UTC, not in Git', at: { line: 'spec:', text: 'spec' } },
      ]);
    });
  });

  describe('existence', () => {
    test('declared in Git, missing in the cluster', async () => {
      const yaml = deployment('ghost');
      expectFound(await compareWith(engine, yaml), [
        { code: 'drift.not-in-cluster', path: '', message: `Deployment/ghost is declared in Git but not in the cluster in namespace ${NS}`, at: { line: 'name: ghost', text: 'ghost' } },
      ]);
    });

    test('deleted from the cluster after being in sync: missing, through the watch', async () => {
      const yaml = configMap('doomed', 'data:\n  a: "1"\n');
      expectInSync(await settled(yaml, ssa(yaml, 'kustomize-controller')));
      kubectl('delete', '-n', NS, 'configmap/doomed');
      expectFound(await settledAbsent(yaml), [
        { code: 'drift.not-in-cluster', path: '', message: `ConfigMap/doomed is declared in Git but not in the cluster in namespace ${NS}`, at: { line: 'name: doomed', text: 'doomed' } },
      ]);
    });
  });

  describe('lists matched by merge key', () => {
    const pair = (order: 'web-first' | 'sidecar-first', sidecarImage = 'registry.example/sidecar:1.0'): string => {
      const web = '        - name: web\n          image: registry.example/web:1.0\n';
      const sidecar = `        - name: sidecar\n          image: ${sidecarImage}\n`;
      return deployment('pair').replace(/ {8}- name: web\n.*\n$/, order === 'web-first' ? web + sidecar : sidecar + web);
    };

    test('containers reordered in Git: no drift', async () => {
      const rv = ssa(pair('web-first'), 'kustomize-controller');
      expectInSync(await settled(pair('sidecar-first'), rv));
    });

    test('the image of the second container changed in Git: drift at containers[sidecar].image, on that value', async () => {
      const rv = kubectl('get', 'deployment/pair', '-n', NS, '-o', 'jsonpath={.metadata.resourceVersion}');
      const yaml = pair('web-first', 'registry.example/sidecar:2.0');
      expectFound(await settled(yaml, rv), [
        {
          code: 'drift.value',
          path: 'spec.template.spec.containers[sidecar].image',
          message: 'cluster has image: registry.example/sidecar:1.0, Git declares registry.example/sidecar:2.0 (set by kustomize-controller at {time} UTC)',
          at: { line: 'image: registry.example/sidecar:2.0', text: 'registry.example/sidecar:2.0' },
        },
      ]);
    });
  });

  test('a document without namespace is compared in the context\'s default namespace', async () => {
    const yaml = configMap('no-namespace', 'data:\n  a: "1"\n', null);
    const rv = apply(yaml, 'apply', '--server-side', '--field-manager=kustomize-controller', '-n', 'default');
    const o = await settled(yaml, rv);
    expectInSync(o);
    assert.equal(o.report.state === 'in-sync' ? o.report.namespace : undefined, 'default');
    // A context whose namespace is torture-ctx compares the same document there.
    const kubeconfig = join(work, 'kubeconfig-ctx');
    writeFileSync(kubeconfig, readFileSync(cluster.kubeconfigPath));
    execFileSync('kubectl', ['--kubeconfig', kubeconfig, 'config', 'set-context', '--current', '--namespace=torture-ctx'], { stdio: 'pipe' });
    const other = await DriftEngine.forSession(new ClusterSession({ kubeconfigPath: kubeconfig }, join(work, 'cache')));
    if (!other.ok) throw new Error(other.error.message);
    try {
      expectFound(await compareWith(other.value, yaml), [
        { code: 'drift.not-in-cluster', path: '', message: 'ConfigMap/no-namespace is declared in Git but not in the cluster in namespace torture-ctx', at: { line: 'name: no-namespace', text: 'no-namespace' } },
      ]);
    } finally {
      other.value.dispose();
    }
  });

  test('a label plumbline applied before, removed from Git: drift "which applying Git removes"', async () => {
    ssa(configMap('pruned', '  labels:\n    app: shop\n    owner: team-a\ndata:\n  a: "1"\n'), 'plumbline');
    const yaml = configMap('pruned', '  labels:\n    app: shop\ndata:\n  a: "1"\n');
    const rv = kubectl('get', 'configmap/pruned', '-n', NS, '-o', 'jsonpath={.metadata.resourceVersion}');
    expectFound(await settled(yaml, rv), [
      { code: 'drift.value', path: 'metadata.labels.owner', message: 'cluster has metadata.labels.owner: team-a, which applying Git removes', at: { line: 'labels:', text: 'labels' } },
    ]);
  });

  describe('GitOps appliers', () => {
    test('applied by Argo CD (argocd-controller, with its tracking annotation): in sync', async () => {
      const yaml = deployment('argo');
      const applied = yaml.replace(`  namespace: ${NS}\n`, `  namespace: ${NS}\n  annotations:\n    argocd.argoproj.io/tracking-id: shop:apps/Deployment:${NS}/argo\n`);
      expectInSync(await settled(yaml, ssa(applied, 'argocd-controller')));
    });

    test('applied by Flux (kustomize-controller, with its ownership labels): in sync', async () => {
      const yaml = deployment('flux');
      const applied = yaml.replace(`  namespace: ${NS}\n`, `  namespace: ${NS}\n  labels:\n    kustomize.toolkit.fluxcd.io/name: apps\n    kustomize.toolkit.fluxcd.io/namespace: flux-system\n`);
      expectInSync(await settled(yaml, ssa(applied, 'kustomize-controller')));
    });
  });

  // ---- through the language server process ----------------------------------------------------

  describe('through the language server', () => {
    let lsp: LspHarness;
    const uri = (name: string): string => pathToFileURL(join(work, 'repo', name)).href;
    const drifts = (d: Diagnostic[]): Diagnostic[] => d.filter((x) => String(x.code).startsWith('drift.'));
    /** Position of `text` on the line containing `line`, as LSP ranges count. */
    const rangeOf = (yaml: string, line: string, text: string): { start: { line: number; character: number }; end: { line: number; character: number } } => {
      const offset = spot(yaml, line, text);
      const before = yaml.slice(0, offset).split('\n');
      const l = before.length - 1;
      const c = before[l]!.length;
      return { start: { line: l, character: c }, end: { line: l, character: c + text.length } };
    };
    const web = deployment('lsp-web', { replicas: 3, namespace: LSP_NS });
    /** Asks for lenses until their titles satisfy `done` (drift is computed after validation publishes). */
    const lensTitles = async (server: LspHarness, doc: string, done: (titles: (string | undefined)[]) => boolean): Promise<(string | undefined)[]> => {
      const deadline = Date.now() + 10_000;
      for (;;) {
        const titles = ((await server.codeLenses(doc)) ?? []).map((l) => l.command?.title);
        if (done(titles) || Date.now() > deadline) return titles;
        await new Promise((resolve) => setTimeout(resolve, 20));
      }
    };

    before(async () => {
      lsp = await LspHarness.start({ cluster: { kubeconfig: cluster.kubeconfigPath } }, { initializationOptions: { cacheDir: join(work, 'lsp-cache') } });
    });
    after(async () => {
      await lsp?.stop();
    });

    test('(a) kubectl scale reaches the open document by the watch alone, within 1 s', async () => {
      ssa(web, 'kustomize-controller');
      kubectl('scale', '-n', LSP_NS, 'deployment/lsp-web', '--replicas=4');
      await lsp.open(uri('web.yaml'), web);
      const first = await lsp.waitForDiagnostics(uri('web.yaml'), (d) => drifts(d).some((x) => x.message.startsWith('cluster has replicas: 4,')));
      assert.deepEqual(
        drifts(first).map((d) => [d.code, d.message, d.range]),
        [['drift.value', 'cluster has replicas: 4, Git declares 3 (set by kubectl)', rangeOf(web, 'replicas: 3', '3')]],
      );
      const latencies: { fromReturn: number; fromStart: number }[] = [];
      for (const replicas of [5, 6, 7, 8, 5]) {
        const arrived = lsp.waitForDiagnostics(uri('web.yaml'), (d) => drifts(d).some((x) => x.message.startsWith(`cluster has replicas: ${replicas},`)), 5_000).then(() => performance.now());
        const started = performance.now();
        await kubectl.async('scale', '-n', LSP_NS, 'deployment/lsp-web', `--replicas=${replicas}`);
        const returned = performance.now();
        const at = await arrived;
        latencies.push({ fromReturn: at - returned, fromStart: at - started });
      }
      const fmt = (xs: number[]): string => xs.map((x) => x.toFixed(0)).join(', ');
      // Negative: the diagnostic was published before the kubectl process had even exited.
      console.log(`watch latency, kubectl scale exited → diagnostic received (ms): ${fmt(latencies.map((l) => l.fromReturn))}`);
      console.log(`watch latency, kubectl scale started → diagnostic received (ms, includes kubectl's own run): ${fmt(latencies.map((l) => l.fromStart))}`);
      for (const l of latencies) assert.ok(l.fromReturn < 1000, `diagnostic arrived ${l.fromReturn.toFixed(0)} ms after kubectl scale returned`);
    });

    test('(d) CodeLens titles: in sync, 1 field drifted, not in cluster', async () => {
      const inSync = configMap('lsp-calm', 'data:\n  a: "1"\n', LSP_NS);
      ssa(inSync, 'kustomize-controller');
      const text = [inSync, web, configMap('lsp-missing', 'data:\n  a: "1"\n', LSP_NS)].join('---\n');
      await lsp.open(uri('lenses.yaml'), text);
      const diagnostics = await lsp.waitForDiagnostics(uri('lenses.yaml'), (d) => drifts(d).length === 2);
      assert.deepEqual(drifts(diagnostics).map((d) => d.code).sort(), ['drift.not-in-cluster', 'drift.value']);
      const lenses = (await lsp.codeLenses(uri('lenses.yaml'))) ?? [];
      // Each lens sits on its document's first line: line 0, then the `---` that opens the next ones.
      const docStarts = [0, ...text.split('\n').flatMap((l, i) => (l === '---' ? [i] : []))];
      assert.deepEqual(
        lenses.map((l) => [l.range.start.line, l.command?.title, l.command?.command]),
        [
          [docStarts[0], '$(check) in sync', 'plumbline.showClusterDiff'],
          // No controller runs in the bench cluster: the Deployment never rolls out, and its lens says so.
          [docStarts[1], '$(warning) 1 field drifted · InProgress: Rolling out: updated 0/5', 'plumbline.showClusterDiff'],
          [docStarts[2], '$(circle-slash) not in cluster', 'plumbline.showClusterDiff'],
        ],
      );
      const diff = await lsp.connection.sendRequest<ClusterDiffResult>('plumbline/clusterDiff', { uri: uri('lenses.yaml'), line: docStarts[1]! + 7 });
      assert.ok(diff.ok, JSON.stringify(diff));
      assert.equal(diff.title, 'Deployment/lsp-web: cluster ↔ after applying Git');
      assert.match(diff.live, /^ {2}replicas: 5$/m);
      assert.match(diff.predicted, /^ {2}replicas: 3$/m);
      assert.doesNotMatch(diff.live, /managedFields|resourceVersion/);
    });

    test('(e) quick fix "Take the cluster\'s value into Git" for drifted replicas', async () => {
      const [diagnostic] = drifts(lsp.latest.get(uri('web.yaml')) ?? []);
      assert.ok(diagnostic !== undefined && diagnostic.message.startsWith('cluster has replicas: 5,'), JSON.stringify(diagnostic));
      const actions = ((await lsp.codeActions(uri('web.yaml'), diagnostic.range, [diagnostic])) ?? []) as CodeAction[];
      const take = actions.find((a) => a.title === "Take the cluster's value into Git");
      assert.ok(take !== undefined, `actions: ${JSON.stringify(actions.map((a) => a.title))}`);
      assert.equal(take.isPreferred, true);
      assert.deepEqual(take.edit?.changes?.[uri('web.yaml')], [{ range: rangeOf(web, 'replicas: 3', '3'), newText: '5' }]);
    });

    test('(f) an annotation set by hand: named exactly, the hover shows the cluster\'s value, "Take it into Git" writes it under metadata', async () => {
      const text = configMap('lsp-annotated', 'data:\n  a: "1"\n', LSP_NS);
      ssa(text, 'kustomize-controller');
      kubectl('annotate', '-n', LSP_NS, 'configmap/lsp-annotated', 'example.com/owner=team-a');
      await lsp.open(uri('annotated.yaml'), text);
      const [diagnostic] = drifts(await lsp.waitForDiagnostics(uri('annotated.yaml'), (d) => drifts(d).length > 0));
      assert.ok(diagnostic !== undefined);
      assert.match(diagnostic.message, messagePattern('metadata.annotations["example.com/owner"] set in the cluster by kubectl-annotate at {time} UTC, not in Git'));
      const hover = JSON.stringify(await lsp.hover(uri('annotated.yaml'), diagnostic.range.start));
      assert.match(hover, /In the cluster: `\\"team-a\\"`/);
      assert.match(hover, /Predicted as kustomize-controller applies Git/);
      const actions = ((await lsp.codeActions(uri('annotated.yaml'), diagnostic.range, [diagnostic])) ?? []) as CodeAction[];
      const take = actions.find((a) => a.title === 'Take it into Git');
      assert.ok(take !== undefined, `actions: ${JSON.stringify(actions.map((a) => a.title))}`);
      const [edit] = take.edit?.changes?.[uri('annotated.yaml')] ?? [];
      assert.ok(edit !== undefined);
      const lines = text.split('\n');
      const offsetOf = (p: { line: number; character: number }): number => lines.slice(0, p.line).reduce((n, l) => n + l.length + 1, 0) + p.character;
      const after = text.slice(0, offsetOf(edit.range.start)) + edit.newText + text.slice(offsetOf(edit.range.end));
      assert.match(after, /^metadata:\n {2}name: lsp-annotated\n {2}namespace: torture-lsp\n {2}annotations:\n {4}example\.com\/owner: team-a\n/m);
    });

    test('Secret drift through the editor: masked in diagnostics, hover, clusterDiff, quick fixes and logs', async () => {
      const secret = `apiVersion: v1
kind: Secret
metadata:
  name: lsp-credentials
  namespace: ${LSP_NS}
stringData:
  password: lsp-pass-from-git
`;
      // Client-side apply: the whole Secret, values included, also sits in the last-applied annotation.
      apply(secret, 'apply');
      kubectl('patch', '-n', LSP_NS, 'secret/lsp-credentials', '--type=merge', '-p', '{"stringData":{"password":"lsp-pass-set-live"}}');
      await lsp.open(uri('secret.yaml'), secret);
      const diagnostics = drifts(await lsp.waitForDiagnostics(uri('secret.yaml'), (d) => drifts(d).length > 0));
      assert.deepEqual(
        diagnostics.map((d) => [d.code, d.range]),
        [['drift.value', rangeOf(secret, 'password: lsp-pass-from-git', 'lsp-pass-from-git')]],
      );
      assert.match(diagnostics[0]!.message, messagePattern('cluster has password: {mask}, Git declares {mask} (set by kubectl-patch at {time} UTC)'));
      const diff = await lsp.connection.sendRequest<ClusterDiffResult>('plumbline/clusterDiff', { uri: uri('secret.yaml'), line: 6 });
      assert.ok(diff.ok, JSON.stringify(diff));
      assert.match(diff.live, /^ {2}password: ‹secret [0-9a-f]{8}›$/m);
      assert.match(diff.predicted, /^ {2}password: ‹secret [0-9a-f]{8}›$/m);
      const hover = await lsp.hover(uri('secret.yaml'), rangeOf(secret, 'password:', 'lsp-pass-from-git').start);
      assert.match(JSON.stringify(hover), /cluster has password: ‹secret [0-9a-f]{8}›/);
      const actions = await lsp.codeActions(uri('secret.yaml'), diagnostics[0]!.range, diagnostics);
      assert.ok(!(actions ?? []).some((a) => a.title === "Take the cluster's value into Git"), 'no quick fix writes a Secret value');
      const everything = [JSON.stringify([...lsp.latest.entries()]), JSON.stringify(diff), JSON.stringify(hover), JSON.stringify(actions), JSON.stringify(lsp.notifications), lsp.stderrText];
      for (const secretForm of SECRET_FORMS) {
        for (const [i, shown] of everything.entries()) assert.ok(!shown.includes(secretForm), `secret ${secretForm} leaked in ${['diagnostics', 'clusterDiff', 'hover', 'code actions', 'notifications/logs', 'stderr'][i]}`);
      }
    });

    test('(c) a user without permissions: one clear status, no flood of diagnostics, the server keeps answering', async () => {
      const viewer = await LspHarness.start(
        { cluster: { kubeconfig: cluster.kubeconfigPath, context: cluster.viewerContext } },
        { initializationOptions: { cacheDir: join(work, 'viewer-cache') } },
      );
      try {
        const docs = Array.from({ length: 12 }, (_, i) => configMap(`viewer-${i}`, 'data:\n  a: "1"\n', LSP_NS)).join('---\n');
        await viewer.open(uri('viewer.yaml'), docs + '---\n' + web);
        const status = await viewer.waitForNotification('plumbline/clusterStatus', (p) => (p as ClusterStatus).context === cluster.viewerContext && (p as ClusterStatus).state !== 'connecting');
        // Schemas are public to any authenticated user: the status is one steady "connected".
        assert.deepEqual(status.params, { context: cluster.viewerContext, state: 'connected', message: 'comparing with the live cluster and its schemas' });
        // Drift needs to read the objects: every resource says so once, in its lens, not as a diagnostic.
        const titles = await lensTitles(viewer, uri('viewer.yaml'), (t) => t.length === 13);
        assert.deepEqual(titles, Array.from({ length: 13 }, () => '$(lock) no permission to read it in the cluster'));
        assert.deepEqual(drifts(viewer.latest.get(uri('viewer.yaml')) ?? []), [], 'no drift diagnostics');
        const diff = await viewer.connection.sendRequest<ClusterDiffResult>('plumbline/clusterDiff', { uri: uri('viewer.yaml'), line: 0 });
        assert.deepEqual(diff, {
          ok: false,
          message: `${cluster.viewerContext}: configmaps is forbidden: User "viewer" cannot list resource "configmaps" in API group "" in the namespace "${LSP_NS}"`,
        });
        const statuses = viewer.notifications.filter((n) => n.method === 'plumbline/clusterStatus' && (n.params as ClusterStatus).context === cluster.viewerContext);
        assert.deepEqual(statuses.map((n) => (n.params as ClusterStatus).state), ['connecting', 'connected'], 'no flapping status');
        // Still answering, and nothing was logged per document.
        assert.ok((await viewer.documentSymbols(uri('viewer.yaml')))?.length === 13);
        const logs = viewer.notifications.filter((n) => n.method === 'window/logMessage');
        console.log(`viewer log: ${JSON.stringify(logs.map((n) => n.params))}`);
        assert.ok(logs.length < 5, `log lines: ${JSON.stringify(logs.map((n) => n.params))}`);
        assert.equal(viewer.exitReason, undefined);
      } finally {
        await viewer.stop();
      }
    });

    test('(b) apiserver stopped and restarted mid-watch: the server survives, drift recovers by itself', async () => {
      const survivor = deployment('survivor', { replicas: 3, namespace: LSP_NS });
      ssa(survivor, 'kustomize-controller');
      kubectl('scale', '-n', LSP_NS, 'deployment/survivor', '--replicas=4');
      await lsp.open(uri('survivor.yaml'), survivor);
      await lsp.waitForDiagnostics(uri('survivor.yaml'), (d) => drifts(d).some((x) => x.message.startsWith('cluster has replicas: 4,')));

      const stoppedAt = performance.now();
      await cluster.stop();
      console.log(`stopping the apiserver took ${((performance.now() - stoppedAt) / 1000).toFixed(1)} s`);
      // The server answers and keeps what it showed.
      const lenses = (await lsp.codeLenses(uri('survivor.yaml'))) ?? [];
      assert.deepEqual(lenses.map((l) => l.command?.title), ['$(warning) 1 field drifted · InProgress: Rolling out: updated 0/4']);
      assert.ok(drifts(lsp.latest.get(uri('survivor.yaml')) ?? []).some((x) => x.message.startsWith('cluster has replicas: 4,')));
      // An edit while the cluster is away: Git now declares 2.
      await lsp.replace(uri('survivor.yaml'), survivor.replace('replicas: 3', 'replicas: 2'));
      const during = await lsp.waitForVersion(uri('survivor.yaml'), 2);
      // Nothing can be compared now: no drift is claimed, and the lens says why.
      assert.deepEqual(drifts(during), []);
      assert.deepEqual(await lensTitles(lsp, uri('survivor.yaml'), (t) => t[0]?.startsWith('$(warning) 1 field drifted') !== true), ['$(debug-disconnect) cluster unreachable']);
      assert.equal(lsp.exitReason, undefined);
      const statuses = (): unknown[] => lsp.notifications.filter((n) => n.method === 'plumbline/clusterStatus').map((n) => n.params);
      console.log(`cluster statuses so far: ${JSON.stringify(statuses())}`);

      // No client action from here: the watch reconnects and drift comes back for version 2.
      const recovered = lsp
        .waitForDiagnostics(uri('survivor.yaml'), (d, p) => p.version === 2 && drifts(d).some((x) => x.message === 'cluster has replicas: 4, Git declares 2 (set by kubectl)'), 60_000)
        .then(() => performance.now());
      const restartingAt = performance.now();
      cluster = await startCluster(clusterOptions());
      const readyAt = performance.now();
      const recoveredAt = await recovered;
      console.log(
        `apiserver down ${((restartingAt - stoppedAt) / 1000).toFixed(1)} s, restart took ${((readyAt - restartingAt) / 1000).toFixed(1)} s; ` +
          `drift back ${((recoveredAt - restartingAt) / 1000).toFixed(1)} s after the restart began (${((recoveredAt - readyAt) / 1000).toFixed(1)} s after it was ready)`,
      );
      // And the watch goes on: a change after the restart arrives by itself too.
      const rescaled = lsp.waitForDiagnostics(uri('survivor.yaml'), (d) => drifts(d).some((x) => x.message === 'cluster has replicas: 6, Git declares 2 (set by kubectl)'), 5_000);
      await kubectl.async('scale', '-n', LSP_NS, 'deployment/survivor', '--replicas=6');
      await rescaled;
    });
  });
});

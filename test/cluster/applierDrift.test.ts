// Cluster tier (issue 14): drift as the applier applies. Objects are put into a real apiserver the
// way Flux and Argo CD put them there (kustomize-controller's server-side apply with its labels,
// Argo CD's client-side apply with its tracking annotation), then changed in Git or by hand; each
// case runs `plumbline diff` as CI runs it and asserts the exit code, the field and the line, and
// that no Secret value appears in text, JSON or SARIF.
import assert from 'node:assert/strict';
import { execFileSync, spawnSync, type SpawnSyncReturns } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { gzipSync } from 'node:zlib';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { bundle } from '../support/paths';
import { kubectlFor } from '../support/kubectl';
import { startCluster, type Cluster } from './harness';

const NS = 'appliers';
const SECRET_VALUES = ['s3cr3t-from-git', 'hand-set-tls-key'];

let cluster: Cluster;
let work: string;
const kubectl = kubectlFor(() => cluster.kubeconfigPath);

interface JsonFinding {
  path: string;
  line: number;
  code: string;
  message: string;
}

/** `plumbline diff` of one file in the three output formats; the JSON findings, and every output checked for Secret values. */
function diff(file: string, text: string, cwd = work): { status: number | null; findings: JsonFinding[]; notes: string[]; output: string } {
  writeFileSync(join(cwd, file), text);
  const run = (...format: string[]): SpawnSyncReturns<string> =>
    spawnSync(process.execPath, [bundle('cli.js'), 'diff', '--kubeconfig', cluster.kubeconfigPath, ...format, file], { encoding: 'utf8', cwd });
  const json = run('-o', 'json');
  const outputs = [json, run(), run('-o', 'sarif')].map((r) => `${r.stdout}${r.stderr}`).join('\n');
  for (const value of SECRET_VALUES) {
    for (const form of [value, Buffer.from(value).toString('base64')]) assert.ok(!outputs.includes(form), `a Secret value (${form}) is in plumbline diff's output:\n${outputs}`);
  }
  const parsed = JSON.parse(json.stdout) as { findings: JsonFinding[]; summary?: { notes?: string[] } };
  return { status: json.status, findings: parsed.findings, notes: parsed.summary?.notes ?? [], output: outputs };
}

const rows = (findings: JsonFinding[]): string[] => findings.map((f) => `${f.line} ${f.code} ${f.message.replace(/ at \d{4}-\d\d-\d\d \d\d:\d\d UTC/, '')}`).sort();

/** What kustomize-controller applies: Git's object with Flux's labels, server-side, as `kustomize-controller`. */
function applyAsFlux(yaml: string): void {
  kubectl.input(yaml, 'apply', '--server-side', '--field-manager=kustomize-controller', '-f', '-');
  for (const doc of yaml.split(/^---\n/m)) {
    const kind = /^kind: (\S+)/m.exec(doc)?.[1];
    const name = /^ {2}name: (\S+)/m.exec(doc)?.[1];
    if (kind === undefined || name === undefined) continue;
    kubectl('label', '--overwrite', `--field-manager=kustomize-controller`, '-n', NS, `${kind}/${name}`, 'kustomize.toolkit.fluxcd.io/name=apps', 'kustomize.toolkit.fluxcd.io/namespace=flux-system');
  }
}

before(async () => {
  cluster = await startCluster();
  work = mkdtempSync(join(tmpdir(), 'plumbline-appliers-'));
  kubectl('create', 'namespace', NS);
});

after(async () => {
  await cluster?.stop();
  if (work !== undefined) rmSync(work, { recursive: true, force: true });
});

const deployment = (name: string, env: string, extra = { labels: '', containers: '' }): string => `apiVersion: apps/v1
kind: Deployment
metadata:
  name: ${name}
  namespace: ${NS}
  labels:
    app: ${name}${extra.labels}
spec:
  replicas: 1
  selector:
    matchLabels: {app: ${name}}
  template:
    metadata:
      labels: {app: ${name}}
    spec:
      containers:
        - name: app
          image: registry.example/app:1.0
          env:
${env}${extra.containers}
`;

describe('drift as the applier applies', () => {
  test('Flux: an env var, a label, a container and a ConfigMap key Git dropped are drift the next reconcile removes', () => {
    const settings = (data: string): string => `apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: web-settings\n  namespace: ${NS}\ndata:\n${data}`;
    const before = `${deployment('web', '            - {name: MODE, value: fast}\n            - {name: FEATURE_FLAG, value: "on"}', { labels: '\n    tier: web', containers: '\n        - name: sidecar\n          image: registry.example/sidecar:1.0' })}---\n${settings('  keep: "1"\n  old-key: "2"\n')}`;
    applyAsFlux(before);
    const now = `${deployment('web', '            - {name: MODE, value: fast}')}---\n${settings('  keep: "1"\n')}`;
    const result = diff('flux.yaml', now);
    assert.equal(result.status, 1, result.output);
    const by = 'kustomize-controller (Flux Kustomization flux-system/apps)';
    assert.deepEqual(rows(result.findings), [
      `6 drift.value Git no longer declares metadata.labels.tier (cluster has web); the next apply by ${by} removes it`,
      `16 drift.value Git no longer declares spec.template.spec.containers[sidecar] (cluster has {"name":"sidecar","image":"registry.example/sidecar:1.0","terminationMessagePath…); the next apply by ${by} removes it`,
      `19 drift.value Git no longer declares spec.template.spec.containers[app].env[FEATURE_FLAG] (cluster has {"name":"FEATURE_FLAG","value":"on"}); the next apply by ${by} removes it`,
      `27 drift.value Git no longer declares data.old-key (cluster has 2); the next apply by ${by} removes it`,
    ].sort());
    assert.ok(result.notes.some((n) => n.includes(`2 by ${by}`)), `plumbline diff says which applier it assumed: ${JSON.stringify(result.notes)}`);
  });

  test('Argo CD client-side apply: an env var Git dropped is drift (three-way merge with the last-applied annotation)', () => {
    const tracking = `\n  annotations:\n    argocd.argoproj.io/tracking-id: shop:apps/Deployment:${NS}/shop`;
    const withTracking = (yaml: string): string => yaml.replace(/^( {2}namespace: .*)$/m, `$1${tracking}`);
    kubectl.input(withTracking(deployment('shop', '            - {name: MODE, value: fast}\n            - {name: OLD_FLAG, value: "1"}')), 'apply', '-f', '-');
    const result = diff('argo.yaml', deployment('shop', '            - {name: MODE, value: fast}'));
    assert.equal(result.status, 1, result.output);
    assert.deepEqual(rows(result.findings), [
      '19 drift.value Git no longer declares spec.template.spec.containers[app].env[OLD_FLAG] (cluster has {"name":"OLD_FLAG","value":"1"}); the next apply by Argo CD (Argo CD Application shop, client-side apply) removes it (set by kubectl-client-side-apply)',
    ]);
  });

  test('Flux helm-controller with Helm 3: an env var the chart no longer renders is drift its next upgrade removes (three-way merge with the release record); one set by hand stays', () => {
    const release = `${NS}-cart`;
    const rendered = deployment('cart', '            - {name: MODE, value: fast}\n            - {name: OLD_FLAG, value: "1"}');
    // As helm-controller creates it: Helm's release annotations, Flux's labels, an update (not an apply) as helm-controller.
    const marked = rendered
      .replace(/^( {2}namespace: .*)$/m, `$1\n  annotations:\n    meta.helm.sh/release-name: ${release}\n    meta.helm.sh/release-namespace: ${NS}`)
      .replace(/^( {4}app: cart)$/m, '$1\n    helm.toolkit.fluxcd.io/name: cart\n    helm.toolkit.fluxcd.io/namespace: flux-system');
    kubectl.input(marked, 'create', '--field-manager=helm-controller', '-f', '-');
    kubectl('set', 'env', '-n', NS, 'deployment/cart', '-c', 'app', 'HAND_SET=1');
    // Helm's record of the release: the Secret's value is Helm's base64 of gzip of the release's JSON.
    const record = gzipSync(JSON.stringify({ name: release, namespace: NS, version: 1, info: { status: 'deployed' }, manifest: `---\n# Source: cart/templates/deployment.yaml\n${rendered}` })).toString('base64');
    kubectl('create', 'secret', 'generic', `sh.helm.release.v1.${release}.v1`, '-n', NS, '--type=helm.sh/release.v1', `--from-literal=release=${record}`);
    kubectl('label', 'secret', '-n', NS, `sh.helm.release.v1.${release}.v1`, 'owner=helm', `name=${release}`, 'status=deployed', 'version=1');
    const result = diff('helm.yaml', deployment('cart', '            - {name: MODE, value: fast}'));
    assert.equal(result.status, 1, result.output);
    const by = "helm-controller (Flux HelmRelease flux-system/cart, Helm's three-way merge)";
    const found = rows(result.findings);
    assert.ok(
      found.includes(`19 drift.value Git no longer declares spec.template.spec.containers[app].env[OLD_FLAG] (cluster has {"name":"OLD_FLAG","value":"1"}); the next apply by ${by} removes it (set by helm-controller)`),
      found.join('\n'),
    );
    // Not in the release record: Helm's merge keeps it, so it is someone's edit, never "removed by the upgrade".
    assert.ok(found.some((f) => f.includes('drift.set-by-hand spec.template.spec.containers[app].env[HAND_SET]')), found.join('\n'));
    assert.ok(!found.some((f) => f.includes('HAND_SET') && f.includes('removes it')), found.join('\n'));
  });

  test('Flux helm-controller applying server-side: an env var Git dropped is drift its next apply as helm-controller removes', () => {
    const marked = deployment('basket', '            - {name: MODE, value: fast}\n            - {name: OLD_FLAG, value: "1"}').replace(/^( {4}app: basket)$/m, '$1\n    helm.toolkit.fluxcd.io/name: basket\n    helm.toolkit.fluxcd.io/namespace: flux-system');
    kubectl.input(marked, 'apply', '--server-side', '--field-manager=helm-controller', '-f', '-');
    const result = diff('helm-ssa.yaml', deployment('basket', '            - {name: MODE, value: fast}'));
    assert.equal(result.status, 1, result.output);
    assert.deepEqual(rows(result.findings), [
      '19 drift.value Git no longer declares spec.template.spec.containers[app].env[OLD_FLAG] (cluster has {"name":"OLD_FLAG","value":"1"}); the next apply by helm-controller (Flux HelmRelease flux-system/basket, server-side apply) removes it',
    ]);
  });

  test('equal quantities in binary, decimal and exponent spellings are no drift', () => {
    const pod = (limits: string): string => `apiVersion: v1
kind: ResourceQuota
metadata:
  name: quota
  namespace: ${NS}
spec:
  hard:
${limits}
`;
    applyAsFlux(pod('    requests.memory: 1Gi\n    requests.cpu: "0.5"\n    pods: 1e3\n    requests.storage: 1500M'));
    const result = diff('quota.yaml', pod('    requests.memory: "1073741824"\n    requests.cpu: 500m\n    pods: "1k"\n    requests.storage: 1.5G'));
    assert.deepEqual(rows(result.findings), []);
    assert.equal(result.status, 0, result.output);
  });

  test('a list-map key declared twice is drift.rejected at its list, with the apiserver’s reason, not "unavailable"', () => {
    applyAsFlux(deployment('dup', '            - {name: MODE, value: fast}'));
    const result = diff('dup.yaml', deployment('dup', '            - {name: MODE, value: fast}\n            - {name: MODE, value: slow}'));
    assert.equal(result.status, 1, result.output);
    assert.equal(result.findings.length, 1, result.output);
    const [finding] = result.findings;
    assert.equal(finding!.code, 'drift.rejected');
    assert.equal(finding!.line, 19, `on the env list: ${finding!.message}`);
    assert.match(finding!.message, /duplicate entries for key \[name="MODE"\]/);
    assert.doesNotMatch(result.output, /unavailable: [1-9]/);
  });

  test('an annotation and a dotted Secret key set by hand are named exactly', () => {
    applyAsFlux(`apiVersion: v1
kind: Secret
metadata:
  name: tls
  namespace: ${NS}
stringData:
  password: s3cr3t-from-git
`);
    kubectl('annotate', '-n', NS, 'secret/tls', 'example.com/owner=team-a');
    kubectl('patch', '-n', NS, 'secret/tls', '--type=merge', '-p', JSON.stringify({ data: { 'tls.key': Buffer.from('hand-set-tls-key').toString('base64') } }));
    const result = diff(
      'secret.yaml',
      `apiVersion: v1
kind: Secret
metadata:
  name: tls
  namespace: ${NS}
stringData:
  password: s3cr3t-from-git
`,
    );
    assert.equal(result.status, 1, result.output);
    assert.deepEqual(rows(result.findings), [
      '3 drift.set-by-hand metadata.annotations["example.com/owner"] set in the cluster by kubectl-annotate, not in Git',
      '6 drift.set-by-hand data["tls.key"] set in the cluster by kubectl-patch, not in Git',
    ]);
  });

  test('Flux Kustomization spec.ignore: the fields it names are no drift for what that Kustomization applies', () => {
    // A repository (its rules are read from the whole of it) whose Kustomization ignores replicas.
    const repo = join(work, 'repo');
    mkdirSync(join(repo, 'clusters', 'prod'), { recursive: true });
    execFileSync('git', ['init', '-q', repo]);
    writeFileSync(
      join(repo, 'clusters', 'prod', 'apps.yaml'),
      `apiVersion: kustomize.toolkit.fluxcd.io/v1
kind: Kustomization
metadata:
  name: apps
  namespace: flux-system
spec:
  interval: 10m
  path: ./apps
  prune: true
  sourceRef: {kind: GitRepository, name: flux-system}
  ignore:
    - paths: [/spec/replicas]
      target: {kind: Deployment}
`,
    );
    applyAsFlux(deployment('scaled', '            - {name: MODE, value: fast}'));
    kubectl('scale', '-n', NS, 'deployment/scaled', '--replicas=4');
    kubectl('set', 'image', '-n', NS, 'deployment/scaled', 'app=registry.example/app:9.9');
    const result = diff('scaled.yaml', deployment('scaled', '            - {name: MODE, value: fast}'), repo);
    assert.equal(result.status, 1, result.output);
    assert.deepEqual(
      rows(result.findings).map((r) => r.replace(/ \(set by .*\)$/, '')),
      ['18 drift.value cluster has image: registry.example/app:9.9, Git declares registry.example/app:1.0'],
      'replicas are ignored by the Kustomization; the image is not',
    );
  });
});

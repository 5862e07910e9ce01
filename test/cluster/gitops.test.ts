// Cluster tier: what Argo CD, Flux and read-only users bring to drift, against a real kube-apiserver.
//  - the ignore rules of Argo CD Applications and Flux HelmReleases, in the engine, the
//    environments' status and `plumbline diff`;
//  - live objects an applier manages that Git no longer declares;
//  - the client-side comparison for a user who may read but not dry-run.
//
//   node --import tsx --test --test-reporter=spec test/cluster/gitops.test.ts
import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { ClusterSession } from '../../server/src/cluster/session';
import { DriftEngine, withoutIgnored, type DriftReport } from '../../server/src/drift/engine';
import { readGitOpsIgnore } from '../../server/src/drift/gitopsIgnore';
import { undeclaredLive } from '../../server/src/drift/undeclared';
import { discoverEnvironments } from '../../server/src/environments/discover';
import { environmentStatus } from '../../server/src/delivery/status';
import { formatPath } from '../../server/src/manifests/fieldPath';
import { driftProblems, driftSummary } from '../../server/src/drift/findings';
import { ManifestParser } from '../../server/src/manifests/parse';
import { parse } from 'yaml';
import type { KubeObject } from '../../server/src/cluster/http';
import { installCrds, Kubectl } from '../../scripts/schemas/cluster';
import { loadCrds } from '../../scripts/schemas/crds';
import { CRD_SOURCES } from '../../scripts/schemas/sources';
import { pathToFileURL } from 'node:url';
import { EnvironmentsRequest } from '../../server/src/protocol';
import { LspHarness } from '../support/lspClient';
import { bundle, REPO } from '../support/paths';
import { startCluster, type Cluster } from './harness';
import { kubectlFor } from '../support/kubectl';

const NS = 'gitops';
let cluster: Cluster;
let work: string;

const kubectl = kubectlFor(() => cluster.kubeconfigPath);

/** Applies YAML as admin (flags choose client-side or server-side); returns the resourceVersion it produced. */
function write(root: string, path: string, text: string): void {
  mkdirSync(join(root, path, '..'), { recursive: true });
  writeFileSync(join(root, path), text);
}


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
    assert.equal(driftSummary(o.report), '$(check) in sync (client-side comparison) · InProgress: Rolling out: updated 0/1');
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
    assert.match(driftSummary(o.report), /^\$\(warning\) 3 fields drifted \(client-side comparison\) · InProgress: Rolling out: updated 0\/3$/);
  });
});

// ---- Argo CD and Flux: their ignore rules, and what they manage that Git dropped ----------------

const DEV = 'gitops-dev';
const PROD = 'gitops-prod';

const deploymentYaml = (name: string, namespace: string, replicas: number, labels = ''): string => `apiVersion: apps/v1
kind: Deployment
metadata:
  name: ${name}
  namespace: ${namespace}
${labels}spec:
  replicas: ${replicas}
  selector:
    matchLabels: {app: ${name}}
  template:
    metadata:
      labels: {app: ${name}}
    spec:
      containers:
        - name: web
          image: registry.example/${name}:1.0
`;

const configMapYaml = (name: string, namespace: string, metadata = ''): string => `apiVersion: v1
kind: ConfigMap
metadata:
  name: ${name}
  namespace: ${namespace}
${metadata}data:
  colour: blue
`;

/** What Argo CD's annotation tracking writes on what it applies. */
const argoTracked = (app: string, group: string, kind: string, namespace: string, name: string): string => `  annotations:\n    argocd.argoproj.io/tracking-id: ${app}:${group}/${kind}:${namespace}/${name}\n`;
/** What Flux's kustomize-controller writes on what it applies. */
const fluxLabels = (name: string): string => `  labels:\n    kustomize.toolkit.fluxcd.io/name: ${name}\n    kustomize.toolkit.fluxcd.io/namespace: flux-system\n`;

describe('Argo CD and Flux: their ignore rules, and what they manage that Git no longer declares', { timeout: 3 * 60_000 }, () => {
  let repo: string;
  let engine: DriftEngine;

  before(async () => {
    repo = join(work, 'repo');
    // Flux: clusters/dev/shop.yaml → apps/dev; Argo CD: argocd/shop-prod.yaml → apps/prod, with ignoreDifferences.
    write(repo, 'clusters/dev/shop.yaml', `apiVersion: kustomize.toolkit.fluxcd.io/v1
kind: Kustomization
metadata: {name: shop-dev, namespace: flux-system}
spec:
  interval: 5m
  path: ./apps/dev
  prune: true
  targetNamespace: ${DEV}
  sourceRef: {kind: GitRepository, name: platform}
`);
    write(repo, 'apps/dev/app.yaml', `${deploymentYaml('web', DEV, 1)}---\n${configMapYaml('flags', DEV)}`);
    write(repo, 'argocd/shop-prod.yaml', `apiVersion: argoproj.io/v1alpha1
kind: Application
metadata: {name: shop-prod, namespace: argocd}
spec:
  project: default
  source: {repoURL: https://git.example/shop.git, path: apps/prod, targetRevision: main}
  destination: {server: https://kubernetes.default.svc, namespace: ${PROD}}
  ignoreDifferences:
    - group: apps
      kind: Deployment
      jsonPointers: [/spec/replicas]
    - kind: ConfigMap
      name: flags
      jqPathExpressions: ['.data | del(.mode)']
`);
    write(repo, 'apps/prod/app.yaml', `${deploymentYaml('web', PROD, 2)}---\n${configMapYaml('flags', PROD)}`);
    // A Flux HelmRelease whose chart output someone committed next to it (helm template), with driftDetection.ignore.
    write(repo, 'apps/cache/release.yaml', `apiVersion: helm.toolkit.fluxcd.io/v2
kind: HelmRelease
metadata: {name: redis, namespace: ${DEV}}
spec:
  interval: 10m
  chart: {spec: {chart: redis, sourceRef: {kind: HelmRepository, name: bitnami}}}
  driftDetection:
    mode: enabled
    ignore:
      - paths: [/spec/replicas]
        target: {kind: Deployment}
`);
    // The real Flux and Argo CD CRDs, so their objects in Git are compared too.
    const wanted = CRD_SOURCES.filter((c) => c.from === 'manifests' && /kustomize-controller|helm-controller|argo-cd/.test(c.module));
    await installCrds(new Kubectl(cluster.kubeconfigPath), (await loadCrds(wanted, join(REPO, '.cache', 'schemas'), () => undefined)).flatMap((l) => l.crds), 60_000);
    for (const ns of [DEV, PROD, 'flux-system', 'argocd']) kubectl('create', 'namespace', ns);
    // What the controllers applied, as they label and annotate it.
    const ssa = (yaml: string, manager: string): string => apply(yaml, 'apply', '--server-side', `--field-manager=${manager}`);
    for (const file of ['clusters/dev/shop.yaml', 'argocd/shop-prod.yaml', 'apps/cache/release.yaml']) ssa(readFileSync(join(repo, file), 'utf8'), 'bootstrap');
    ssa(deploymentYaml('web', DEV, 1, fluxLabels('shop-dev')), 'kustomize-controller');
    ssa(configMapYaml('flags', DEV, fluxLabels('shop-dev')), 'kustomize-controller');
    ssa(configMapYaml('old-flags', DEV, fluxLabels('shop-dev')), 'kustomize-controller');
    ssa(configMapYaml('other-app', DEV, fluxLabels('other')), 'kustomize-controller');
    ssa(configMapYaml('by-hand', DEV), 'kubectl');
    ssa(deploymentYaml('web', PROD, 2, argoTracked('shop-prod', 'apps', 'Deployment', PROD, 'web')), 'argocd-controller');
    ssa(configMapYaml('flags', PROD, argoTracked('shop-prod', '', 'ConfigMap', PROD, 'flags')), 'argocd-controller');
    ssa(configMapYaml('old-prod', PROD, argoTracked('shop-prod', '', 'ConfigMap', PROD, 'old-prod')), 'argocd-controller');
    ssa(configMapYaml('copied', PROD, argoTracked('shop-prod', '', 'ConfigMap', PROD, 'flags')), 'kubectl');
    ssa(`apiVersion: v1\nkind: Secret\nmetadata:\n  name: legacy\n  namespace: ${PROD}\n  labels: {app.kubernetes.io/instance: shop-prod}\nstringData: {token: not-shown}\n`, 'argocd-controller');
    ssa(deploymentYaml('redis', DEV, 1, `  labels:\n    helm.toolkit.fluxcd.io/name: redis\n    helm.toolkit.fluxcd.io/namespace: ${DEV}\n`), 'helm-controller');
    // Then people changed them.
    kubectl('scale', '-n', PROD, 'deployment/web', '--replicas=5');
    kubectl('scale', '-n', DEV, 'deployment/web', '--replicas=4');
    kubectl('scale', '-n', DEV, 'deployment/redis', '--replicas=3');
    kubectl('set', 'image', '-n', DEV, 'deployment/redis', 'web=registry.example/redis:6.6');
    const created = await DriftEngine.forSession(new ClusterSession({ kubeconfigPath: cluster.kubeconfigPath }, join(work, 'admin-cache')));
    if (!created.ok) throw new Error(created.error.message);
    engine = created.value;
  });
  after(() => engine?.dispose());

  test('the engine: an Application\'s ignored field is no drift for what it tracks, a non-ignored one still is; jqPathExpressions are reported', async () => {
    const { rules, problems } = await readGitOpsIgnore([repo], repo);
    assert.deepEqual(problems, [
      'Argo CD Application argocd/shop-prod (argocd/shop-prod.yaml): ignoreDifferences[1].jqPathExpressions (.data | del(.mode)) are outside what Plumbline evaluates (plain paths such as .spec.replicas or .metadata.annotations["example.com/x"]); use jsonPointers so the editor and `plumbline diff` ignore those fields too',
    ]);
    const check = async (yaml: string): Promise<{ raw: Outcome; ignored: DriftReport }> => {
      const d = new ManifestParser().parse(yaml).documents[0]!;
      const raw = await settled(engine, yaml, kubectl('get', `deployment/${d.identity!.name!}`, '-n', d.identity!.namespace!, '-o', 'jsonpath={.metadata.resourceVersion}'));
      return { raw, ignored: withoutIgnored(raw.report, rules, d.identity!) };
    };
    // prod: tracked by shop-prod, replicas ignored there.
    const prod = await check(deploymentYaml('web', PROD, 2));
    assert.deepEqual(prod.raw.found.map((f) => f.path), ['spec.replicas'], 'without the rules, the scale is drift');
    assert.equal(prod.ignored.state, 'in-sync');
    // dev: the same Deployment kind under Flux, which that Application does not manage: still drift.
    const dev = await check(deploymentYaml('web', DEV, 1));
    assert.equal(dev.ignored.state, 'drifted');
    // The HelmRelease's object: replicas ignored, the image someone set is not.
    const redis = await check(deploymentYaml('redis', DEV, 1));
    assert.equal(redis.ignored.state, 'drifted');
    assert.deepEqual(redis.ignored.state === 'drifted' ? redis.ignored.values.map((v) => formatPath(v.path)) : [], ['spec.template.spec.containers[web].image']);
  });

  test('the engine lists what Flux and Argo CD manage that Git no longer declares (Flux by label selector, Argo CD by tracking id or instance label)', async () => {
    const flux = await undeclaredLive(engine.client, [{ kind: 'flux', name: 'shop-dev', namespace: 'flux-system' }], [parse(deploymentYaml('web', DEV, 1)) as KubeObject, parse(configMapYaml('flags', DEV)) as KubeObject]);
    assert.ok(flux.ok, flux.ok ? '' : flux.error.message);
    assert.deepEqual(flux.value.objects.map((o) => `${o.kind} ${o.namespace}/${o.name} ${o.managedBy}`), ['ConfigMap gitops-dev/old-flags Flux Kustomization flux-system/shop-dev']);
    const argo = await undeclaredLive(engine.client, [{ kind: 'argocd', name: 'shop-prod', namespace: 'argocd' }], [parse(deploymentYaml('web', PROD, 2)) as KubeObject, parse(configMapYaml('flags', PROD)) as KubeObject]);
    assert.ok(argo.ok, argo.ok ? '' : argo.error.message);
    // `copied` carries a tracking id naming another object: Argo CD does not track it, nor do we.
    assert.deepEqual(argo.value.objects.map((o) => `${o.kind} ${o.namespace}/${o.name}`), ['ConfigMap gitops-prod/old-prod', 'Secret gitops-prod/legacy']);
  });

  test('the environments\' status honours the Application\'s rules and lists what is in the cluster, not in Git', async () => {
    const { environments } = await discoverEnvironments(repo);
    const session = new ClusterSession({ kubeconfigPath: cluster.kubeconfigPath });
    try {
      const { rules } = await readGitOpsIgnore([repo], repo);
      const byName = new Map(await Promise.all(environments.map(async (env) => [env.name, await environmentStatus(repo, env, session, { trusted: true, kustomize: ['kubectl', 'kustomize'] }, rules)] as const)));
      const prod = byName.get('shop-prod')!;
      assert.deepEqual(prod.resources.map((r) => [r.kind, r.name, r.state]), [['Deployment', 'web', 'in-sync'], ['ConfigMap', 'flags', 'in-sync']]);
      assert.equal(prod.state, 'drifted');
      assert.equal(prod.message, '2 in the cluster, not in Git');
      assert.deepEqual(prod.undeclared.map((u) => `${u.kind}/${u.name}`), ['ConfigMap/old-prod', 'Secret/legacy']);
      const dev = byName.get('dev')!;
      assert.equal(dev.message, '1 resource drifted (1 field), 1 in the cluster, not in Git');
      assert.deepEqual(dev.undeclared.map((u) => `${u.kind}/${u.name} ${u.managedBy}`), ['ConfigMap/old-flags Flux Kustomization flux-system/shop-dev']);
    } finally {
      session.dispose();
    }
  });

  test('the language server: open documents and the environments tree honour the same rules and list the same objects', async () => {
    const lsp = await LspHarness.start({ cluster: { kubeconfig: cluster.kubeconfigPath } }, { workspaceFolders: [repo], initializationOptions: { cacheDir: join(work, 'lsp-cache') } });
    try {
      const prod = pathToFileURL(join(repo, 'apps/prod/app.yaml')).href;
      const dev = pathToFileURL(join(repo, 'apps/dev/app.yaml')).href;
      await lsp.open(prod, readFileSync(join(repo, 'apps/prod/app.yaml'), 'utf8'));
      await lsp.open(dev, readFileSync(join(repo, 'apps/dev/app.yaml'), 'utf8'));
      const devDrift = await lsp.waitForDiagnostics(dev, (d) => d.some((x) => String(x.code).startsWith('drift.')), 20_000);
      assert.deepEqual(devDrift.filter((x) => String(x.code).startsWith('drift.')).map((x) => [x.code, x.message, x.range.start.line]), [['drift.value', 'dev: cluster has replicas: 4, Git declares 1 (set by kubectl)', 6]]);
      // prod's scale is ignored by its Application: both lenses say in sync, and no drift diagnostic is published.
      const deadline = Date.now() + 20_000;
      let titles: (string | undefined)[] = [];
      while (Date.now() < deadline) {
        titles = ((await lsp.codeLenses(prod)) ?? []).map((l) => l.command?.title);
        if (titles.length === 2) break;
        await lsp.waitForDiagnostics(prod, () => true, 200).catch(() => undefined);
      }
      // Files an environment renders are compared as that environment renders them, and say which one.
      // Argo CD's words for its unit's health: the bench cluster rolls no Deployment out.
      assert.deepEqual(titles, ['shop-prod: $(check) in sync · Progressing: Rolling out: updated 0/5', 'shop-prod: $(check) in sync']);
      assert.deepEqual((await lsp.waitForVersion(prod, 1)).filter((x) => String(x.code).startsWith('drift.')), []);
      const tree = await lsp.connection.sendRequest(EnvironmentsRequest);
      const node = tree.environments.find((e) => e.name === 'shop-prod')!;
      assert.deepEqual([node.state, node.message, node.resources.map((r) => r.state)], ['drifted', '2 in the cluster, not in Git', ['in-sync', 'in-sync']]);
      assert.deepEqual(node.undeclared?.map((u) => `${u.kind}/${u.name} ${u.managedBy}`), ['ConfigMap/old-prod Argo CD Application argocd/shop-prod', 'Secret/legacy Argo CD Application argocd/shop-prod']);
      assert.ok(tree.problems.some((p) => p.includes('jqPathExpressions (.data | del(.mode)) are outside what Plumbline evaluates')), tree.problems.join('\n'));
    } finally {
      await lsp.stop();
    }
  });

  test('plumbline diff: the rules apply, and a text section, a JSON field and SARIF notes list what Git no longer declares', () => {
    const run = (...args: string[]): { status: number | null; stdout: string; stderr: string } =>
      spawnSync(process.execPath, [bundle('cli.js'), 'diff', '--kubeconfig', cluster.kubeconfigPath, ...args, repo], { encoding: 'utf8', cwd: repo });
    const text = run();
    assert.equal(text.status, 1, text.stderr);
    const lines = text.stdout.split('\n');
    // prod's scaled replicas are ignored by its Application; dev's are not; redis's image is not.
    assert.ok(!lines.some((l) => l.startsWith('apps/prod/')), text.stdout);
    assert.ok(lines.some((l) => /^apps\/dev\/app\.yaml:7:13 warning dev: cluster has replicas: 4, Git declares 1/.test(l)), text.stdout);
    const section = text.stdout.slice(text.stdout.indexOf('in the cluster, not in Git:\n'));
    assert.deepEqual(section.split('\n').slice(0, 4), [
      'in the cluster, not in Git:',
      '  ConfigMap gitops-dev/old-flags (environment dev, managed by Flux Kustomization flux-system/shop-dev)',
      '  ConfigMap gitops-prod/old-prod (environment shop-prod, managed by Argo CD Application argocd/shop-prod)',
      '  Secret gitops-prod/legacy (environment shop-prod, managed by Argo CD Application argocd/shop-prod)',
    ]);
    assert.match(text.stdout, /in the cluster but not in Git: 3\n$/);
    assert.match(text.stderr, /note: Argo CD Application argocd\/shop-prod \(argocd\/shop-prod\.yaml\): ignoreDifferences\[1\]\.jqPathExpressions \(\.data \| del\(\.mode\)\) are outside what Plumbline evaluates/);
    const json = JSON.parse(run('-o', 'json').stdout) as { summary: { undeclared: number }; undeclared: { kind: string; name: string; namespace: string; environment: string; managedBy: string }[] };
    assert.equal(json.summary.undeclared, 3);
    assert.deepEqual(json.undeclared[0], { apiVersion: 'v1', kind: 'ConfigMap', namespace: DEV, name: 'old-flags', managedBy: 'Flux Kustomization flux-system/shop-dev', environment: 'dev' });
    const sarif = JSON.parse(run('-o', 'sarif').stdout) as { runs: { results: { ruleId: string; level: string; message: { text: string }; locations: { physicalLocation: { artifactLocation: { uri: string } } }[] }[] }[] };
    const notes = sarif.runs[0]!.results.filter((r) => r.ruleId === 'drift.not-in-git');
    assert.deepEqual(notes.map((n) => [n.level, n.locations[0]!.physicalLocation.artifactLocation.uri, n.message.text]), [
      ['note', 'apps/dev', 'ConfigMap gitops-dev/old-flags (environment dev, managed by Flux Kustomization flux-system/shop-dev) is in the cluster but no longer in Git'],
      ['note', 'apps/prod', 'ConfigMap gitops-prod/old-prod (environment shop-prod, managed by Argo CD Application argocd/shop-prod) is in the cluster but no longer in Git'],
      ['note', 'apps/prod', 'Secret gitops-prod/legacy (environment shop-prod, managed by Argo CD Application argocd/shop-prod) is in the cluster but no longer in Git'],
    ]);
    assert.ok(!text.stdout.includes('not-shown') && !JSON.stringify(json).includes('not-shown'), 'no Secret value is shown');
  });
});

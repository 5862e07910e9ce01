// Cluster tier (issue 12): one repository, three ways in — the editor (LSP diagnostics), the
// sidebar's environments request and `plumbline diff -o json` — must give the same findings for
// every resource. The repository has kustomize overlays over one base, delivered to dev by a Flux
// Kustomization and to prod by an Argo CD Application whose ignoreDifferences ignores Deployment
// replicas. prod's objects were applied without Argo CD's tracking annotation, so only the
// environment (the Application owns what it delivers) scopes that rule to them. `.plumbline.yaml`
// names the team's console as a manual field manager: its change is "set by hand" in all three; and
// all three render with the user's kustomize command (the setting, and `--kustomize-command`).
//
//   npm run build && node --import tsx --test --test-reporter=spec test/cluster/consistency.test.ts
import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, relative } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { pathToFileURL } from 'node:url';
import type { EnvironmentsResult } from '../../server/src/protocol';
import { LspHarness } from '../support/lspClient';
import { bundle } from '../support/paths';
import { startCluster, type Cluster } from './harness';
import { kubectlFor } from '../support/kubectl';

const DEV = 'same-dev';
const PROD = 'same-prod';
const FILES = ['apps/base/deployment.yaml', 'apps/base/service.yaml', 'apps/dev/kustomization.yaml', 'apps/prod/kustomization.yaml'];

let cluster: Cluster;
let repo: string;

const write = (path: string, text: string): void => {
  mkdirSync(dirname(join(repo, path)), { recursive: true });
  writeFileSync(join(repo, path), text);
};
const kubectl = kubectlFor(() => cluster.kubeconfigPath);
/** Applies an overlay's render as its controller would (server-side, its field manager). */
const applyOverlay = (overlay: string, manager: string): void => {
  const rendered = execFileSync('kubectl', ['kustomize', join(repo, 'apps', overlay)], { encoding: 'utf8', stdio: ['pipe', 'pipe', 'pipe'] });
  execFileSync('kubectl', ['--kubeconfig', cluster.kubeconfigPath, 'apply', '--server-side', `--field-manager=${manager}`, '-f', '-'], { input: rendered, encoding: 'utf8', stdio: ['pipe', 'pipe', 'pipe'] });
};

/** A finding as all three can state it: file, line, code, message. */
type Row = string;
const DRIFT_FIELD = new Set(['drift.value', 'drift.set-by-hand']);

describe('the editor, the tree and plumbline diff agree on every resource', { timeout: 5 * 60_000 }, () => {
  before(async () => {
    repo = mkdtempSync(join(tmpdir(), 'plumbline-same-'));
    write('apps/base/kustomization.yaml', 'apiVersion: kustomize.config.k8s.io/v1beta1\nkind: Kustomization\nresources:\n  - deployment.yaml\n  - service.yaml\n');
    write('apps/base/deployment.yaml', 'apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: web\nspec:\n  replicas: 1\n  selector:\n    matchLabels: {app: web}\n  template:\n    metadata:\n      labels: {app: web}\n    spec:\n      containers:\n        - name: web\n          image: registry.example/web:1.0\n');
    write('apps/base/service.yaml', 'apiVersion: v1\nkind: Service\nmetadata:\n  name: web\nspec:\n  selector: {app: web}\n  ports:\n    - port: 80\n      targetPort: 8080\n');
    write('apps/dev/kustomization.yaml', `apiVersion: kustomize.config.k8s.io/v1beta1\nkind: Kustomization\nnamespace: ${DEV}\nresources:\n  - ../base\n`);
    write('apps/prod/kustomization.yaml', `apiVersion: kustomize.config.k8s.io/v1beta1\nkind: Kustomization\nnamespace: ${PROD}\nresources:\n  - ../base\n`);
    write('clusters/dev/shop.yaml', `apiVersion: kustomize.toolkit.fluxcd.io/v1\nkind: Kustomization\nmetadata: {name: shop-dev, namespace: flux-system}\nspec:\n  interval: 5m\n  path: ./apps/dev\n  prune: true\n  sourceRef: {kind: GitRepository, name: platform}\n`);
    write('argocd/shop-prod.yaml', `apiVersion: argoproj.io/v1alpha1\nkind: Application\nmetadata: {name: shop-prod, namespace: argocd}\nspec:\n  project: default\n  source: {repoURL: https://git.example/shop.git, path: apps/prod, targetRevision: main}\n  destination: {server: https://kubernetes.default.svc, namespace: ${PROD}}\n  ignoreDifferences:\n    - group: apps\n      kind: Deployment\n      jsonPointers: [/spec/replicas]\n`);
    // The team's console counts as a person, in every editor and in CI.
    write('.plumbline.yaml', 'drift:\n  manualManagers: [ops-console]\n');
    execFileSync('git', ['init', '-q', '-b', 'main', repo]);
    execFileSync('git', ['-C', repo, '-c', 'user.name=t', '-c', 'user.email=t@example.com', 'add', '.']);
    execFileSync('git', ['-C', repo, '-c', 'user.name=t', '-c', 'user.email=t@example.com', 'commit', '-q', '-m', 'shop']);
    cluster = await startCluster();
    for (const ns of [DEV, PROD]) kubectl('create', 'namespace', ns);
    applyOverlay('dev', 'kustomize-controller');
    applyOverlay('prod', 'argocd-controller');
    // Then people changed both clusters' objects by hand.
    kubectl('scale', '-n', DEV, 'deployment/web', '--replicas=4');
    kubectl('scale', '-n', PROD, 'deployment/web', '--replicas=5');
    kubectl('annotate', '-n', DEV, 'service/web', 'example.com/owner=ops');
    kubectl('patch', '-n', PROD, 'service/web', '--type=json', '-p', '[{"op":"replace","path":"/spec/ports/0/targetPort","value":9090}]');
    kubectl('label', '-n', DEV, 'deployment/web', '--field-manager=ops-console', 'tier=gold');
  });
  after(async () => {
    await cluster?.stop();
    if (repo !== undefined) rmSync(repo, { recursive: true, force: true });
  });

  test('same findings in the editor and plumbline diff; the tree counts the same fields per environment', async () => {
    // The editor: every file open, until each has its lenses (drift is computed after validation).
    // A kustomize command of the user's own (a wrapper that notes each run): all three must use it.
    const tools = mkdtempSync(join(tmpdir(), 'plumbline-same-tools-'));
    const runs = join(tools, 'runs.log');
    const kz = join(tools, 'kz');
    writeFileSync(kz, `#!/bin/sh\necho run >> '${runs}'\nexec kubectl kustomize "$@"\n`, { mode: 0o755 });
    const ran = (): number => (existsSync(runs) ? readFileSync(runs, 'utf8').split('\n').filter((l) => l === 'run').length : 0);
    const lsp = await LspHarness.start({ cluster: { kubeconfig: cluster.kubeconfigPath }, kustomize: { command: kz } }, { workspaceFolders: [repo], initializationOptions: { cacheDir: join(repo, '.lsp-cache') } });
    let editor: Row[] = [];
    let tree: EnvironmentsResult;
    try {
      for (const file of FILES) {
        const uri = pathToFileURL(join(repo, file)).href;
        await lsp.open(uri, readFileSync(join(repo, file), 'utf8'));
        await lsp.waitForLensTitles(uri, (titles) => titles.length >= 2, 30_000);
        editor.push(...(lsp.latest.get(uri) ?? []).filter((d) => String(d.code).startsWith('drift.')).map((d) => `${file}:${d.range.start.line + 1} ${String(d.code)} ${d.message}`));
      }
      tree = await lsp.request<EnvironmentsResult>('plumbline/environments');
    } finally {
      await lsp.stop();
    }
    editor = editor.sort();
    const byServer = ran();
    assert.ok(byServer > 0, 'the editor and the tree did not render with plumbline.kustomize.command');

    // The CLI, run from the repository as CI runs it.
    const run = spawnSync(process.execPath, [bundle('cli.js'), 'diff', '--kubeconfig', cluster.kubeconfigPath, '--kustomize-command', kz, '-o', 'json', 'apps'], { encoding: 'utf8', cwd: repo });
    assert.equal(run.status, 1, `plumbline diff exits 1 on drift: ${run.stderr}`);
    assert.ok(ran() > byServer, 'plumbline diff did not render with --kustomize-command');
    rmSync(tools, { recursive: true, force: true });
    const json = JSON.parse(run.stdout) as { findings: { path: string; line: number; code: string; message: string }[] };
    const cli = json.findings.map((f) => `${relative(repo, join(repo, f.path))}:${f.line} ${f.code} ${f.message}`).sort();

    // What is true, as a person reads the clusters: dev's replicas and its hand-set annotation; prod
    // (the environment of Application shop-prod): its targetPort; its replicas are ignored by the Application.
    const scrub = (rows: Row[]): Row[] => rows.map((r) => r.replace(/ at \d{4}-\d\d-\d\d \d\d:\d\d UTC/, ''));
    assert.deepEqual(scrub(editor), [
      'apps/base/deployment.yaml:3 drift.set-by-hand dev: metadata.labels.tier set in the cluster by ops-console, not in Git',
      'apps/base/deployment.yaml:6 drift.value dev: cluster has replicas: 4, Git declares 1 (set by kubectl)',
      'apps/base/service.yaml:3 drift.set-by-hand dev: metadata.annotations["example.com/owner"] set in the cluster by kubectl-annotate, not in Git',
      'apps/base/service.yaml:9 drift.value shop-prod: cluster has targetPort: 9090, Git declares 8080 (set by kubectl-patch)',
    ].sort(), `the editor: ${JSON.stringify(editor, null, 2)}`);
    assert.deepEqual(cli, editor, 'plumbline diff and the editor disagree');

    // The tree: per environment, the fields it counts are the findings named for it.
    for (const env of ['dev', 'shop-prod']) {
      const node = tree.environments.find((e) => e.name === env);
      assert.ok(node !== undefined, `the tree has ${env}: ${JSON.stringify(tree.environments.map((e) => e.name))}`);
      const fields = node.resources.reduce((n, r) => n + r.drifted, 0);
      const named = editor.filter((r) => DRIFT_FIELD.has(r.split(' ')[1] ?? '') && r.includes(` ${env}: `)).length;
      assert.equal(fields, named, `${env}: the tree counts ${fields} drifted field(s), the editor and diff ${named}: ${JSON.stringify(node.resources)}`);
    }
  });
});

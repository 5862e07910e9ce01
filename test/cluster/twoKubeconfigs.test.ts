// Cluster tier (issue 12): two environments in two clusters whose kubeconfig files both call their
// context `default` — the usual result of downloading each cluster's kubeconfig from its provider.
// `.plumbline.yaml` gives each environment its own file. The editor, the tree and `plumbline diff`
// must compare each environment with its own cluster: a session keyed by context name alone would
// show one cluster's replicas for both.
//
//   npm run build && node --import tsx --test --test-reporter=spec test/cluster/twoKubeconfigs.test.ts
import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { pathToFileURL } from 'node:url';
import { parse, stringify } from 'yaml';
import type { EnvironmentsResult } from '../../server/src/protocol';
import { LspHarness } from '../support/lspClient';
import { bundle } from '../support/paths';
import { startCluster, type Cluster } from './harness';

const NAMESPACE = 'shop';

let east: Cluster;
let west: Cluster;
let repo: string;
let keys: string;

const write = (path: string, text: string): void => {
  mkdirSync(dirname(join(repo, path)), { recursive: true });
  writeFileSync(join(repo, path), text);
};

/** A copy of a cluster's kubeconfig whose only context is called `default`. */
function kubeconfigNamedDefault(cluster: Cluster, file: string): string {
  const path = join(keys, file);
  copyFileSync(cluster.kubeconfigPath, path);
  execFileSync('kubectl', ['--kubeconfig', path, 'config', 'delete-context', cluster.viewerContext], { stdio: 'pipe' });
  execFileSync('kubectl', ['--kubeconfig', path, 'config', 'rename-context', cluster.adminContext, 'default'], { stdio: 'pipe' });
  return path;
}

/** Applies an overlay's render to one cluster as kustomize-controller would, then scales it by hand. */
function deploy(kubeconfig: string, overlay: string, replicas: number): void {
  const kubectl = (...args: string[]): string => execFileSync('kubectl', ['--kubeconfig', kubeconfig, ...args], { encoding: 'utf8', stdio: ['pipe', 'pipe', 'pipe'] });
  kubectl('create', 'namespace', NAMESPACE);
  const rendered = execFileSync('kubectl', ['kustomize', join(repo, 'apps', overlay)], { encoding: 'utf8', stdio: ['pipe', 'pipe', 'pipe'] });
  execFileSync('kubectl', ['--kubeconfig', kubeconfig, 'apply', '--server-side', '--field-manager=kustomize-controller', '-f', '-'], { input: rendered, stdio: ['pipe', 'pipe', 'pipe'] });
  kubectl('scale', '-n', NAMESPACE, 'deployment/web', `--replicas=${replicas}`);
}

describe('environments in two kubeconfig files that both name their context default', { timeout: 5 * 60_000 }, () => {
  let eastConfig: string;
  let westConfig: string;
  before(async () => {
    repo = mkdtempSync(join(tmpdir(), 'plumbline-twokube-'));
    keys = mkdtempSync(join(tmpdir(), 'plumbline-twokube-keys-'));
    [east, west] = await Promise.all([startCluster(), startCluster()]);
    eastConfig = kubeconfigNamedDefault(east, 'east.yaml');
    westConfig = kubeconfigNamedDefault(west, 'west.yaml');
    write('apps/base/kustomization.yaml', 'apiVersion: kustomize.config.k8s.io/v1beta1\nkind: Kustomization\nresources:\n  - deployment.yaml\n');
    write('apps/base/deployment.yaml', 'apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: web\nspec:\n  replicas: 1\n  selector:\n    matchLabels: {app: web}\n  template:\n    metadata:\n      labels: {app: web}\n    spec:\n      containers:\n        - name: web\n          image: registry.example/web:1.0\n');
    // The same namespace and name in both clusters: only the kubeconfig file tells them apart.
    for (const overlay of ['east', 'west']) write(`apps/${overlay}/kustomization.yaml`, `apiVersion: kustomize.config.k8s.io/v1beta1\nkind: Kustomization\nnamespace: ${NAMESPACE}\nresources:\n  - ../base\n`);
    // One absolute path and one relative to the repository: both ways a team writes it.
    copyFileSync(westConfig, join(repo, 'west.kubeconfig'));
    westConfig = join(repo, 'west.kubeconfig');
    write('.plumbline.yaml', `environments:\n  - name: east\n    path: apps/east\n    kubeconfig: ${eastConfig}\n    context: default\n  - name: west\n    path: apps/west\n    kubeconfig: west.kubeconfig\n`);
    execFileSync('git', ['init', '-q', '-b', 'main', repo]);
    execFileSync('git', ['-C', repo, '-c', 'user.name=t', '-c', 'user.email=t@example.com', 'add', 'apps', '.plumbline.yaml']);
    execFileSync('git', ['-C', repo, '-c', 'user.name=t', '-c', 'user.email=t@example.com', 'commit', '-q', '-m', 'shop']);
    deploy(eastConfig, 'east', 2);
    deploy(westConfig, 'west', 3);
  });
  after(async () => {
    await Promise.all([east?.stop(), west?.stop()]);
    for (const dir of [repo, keys]) if (dir !== undefined) rmSync(dir, { recursive: true, force: true });
  });

  test('the editor, the tree and plumbline diff compare each environment with its own cluster', async () => {
    const file = join(repo, 'apps/base/deployment.yaml');
    const uri = pathToFileURL(file).href;
    // The user's own kubeconfig is east's: west is reached only through .plumbline.yaml.
    const lsp = await LspHarness.start({ cluster: { kubeconfig: eastConfig } }, { workspaceFolders: [repo], initializationOptions: { cacheDir: join(repo, '.lsp-cache') } });
    let editor: string[];
    let tree: EnvironmentsResult;
    try {
      await lsp.open(uri, readFileSync(file, 'utf8'));
      await lsp.waitForLensTitles(uri, (titles) => titles.length >= 2, 60_000);
      editor = (lsp.latest.get(uri) ?? []).filter((d) => d.code === 'drift.value').map((d) => `${d.range.start.line + 1} ${d.message}`).sort();
      tree = await lsp.request<EnvironmentsResult>('plumbline/environments');
    } finally {
      await lsp.stop();
    }
    const expected = ['6 east: cluster has replicas: 2, Git declares 1 (set by kubectl)', '6 west: cluster has replicas: 3, Git declares 1 (set by kubectl)'];
    assert.deepEqual(editor.map((r) => r.replace(/ at \d{4}-\d\d-\d\d \d\d:\d\d UTC/, '')), expected, `the editor: ${JSON.stringify(editor)}`);

    for (const env of ['east', 'west']) {
      const node = tree.environments.find((e) => e.name === env);
      assert.ok(node !== undefined, `the tree has ${env}: ${JSON.stringify(tree.environments.map((e) => e.name))}`);
      assert.equal(node.context, 'default', `${env} is shown in its context by name`);
      const web = node.resources.find((r) => r.kind === 'Deployment' && r.name === 'web');
      assert.equal(web?.state, 'drifted', `${env}'s web: ${JSON.stringify(node.resources)}`);
    }

    // CI, with east's kubeconfig as the default one.
    const run = spawnSync(process.execPath, [bundle('cli.js'), 'diff', '--kubeconfig', eastConfig, '-o', 'json', 'apps'], { encoding: 'utf8', cwd: repo });
    assert.equal(run.status, 1, `plumbline diff exits 1 on drift: ${run.stderr}`);
    const json = JSON.parse(run.stdout) as { findings: { path: string; line: number; code: string; message: string }[] };
    const cli = json.findings.filter((f) => f.code === 'drift.value').map((f) => `${f.line} ${f.message.replace(/ at \d{4}-\d\d-\d\d \d\d:\d\d UTC/, '')}`).sort();
    assert.deepEqual(cli, expected, `plumbline diff: ${run.stdout}`);

    // `plumbline envs` says which file each environment's cluster is in.
    const envs = spawnSync(process.execPath, [bundle('cli.js'), 'envs'], { encoding: 'utf8', cwd: repo });
    assert.match(envs.stdout, new RegExp(`west[^]*target: +current context in ${westConfig.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}`), envs.stdout);
  });

  test('an Argo CD destination by server URL is compared in the kubeconfig context whose cluster has that server', async () => {
    // One kubeconfig with both clusters, current context east; the Application names west by its API server.
    const merged = join(keys, 'merged.yaml');
    type Named = { name: string; [key: string]: unknown };
    type Config = { clusters: Named[]; users: Named[]; contexts: { name: string; context: { cluster: string; user: string } }[] };
    // Cluster, user and context entries share names across the two files: each gets its cluster's name.
    const entries = (config: string, name: string): Config => {
      const c = parse(readFileSync(config, 'utf8')) as Config;
      const context = c.contexts.find((x) => x.name === 'default')!;
      return {
        clusters: c.clusters.filter((x) => x.name === context.context.cluster).map((x) => ({ ...x, name })),
        users: c.users.filter((x) => x.name === context.context.user).map((x) => ({ ...x, name })),
        contexts: [{ name, context: { ...context.context, cluster: name, user: name } }],
      };
    };
    const [a, b] = [entries(eastConfig, 'east'), entries(join(repo, 'west.kubeconfig'), 'west')];
    writeFileSync(merged, stringify({ apiVersion: 'v1', kind: 'Config', 'current-context': 'east', clusters: [...a.clusters, ...b.clusters], users: [...a.users, ...b.users], contexts: [...a.contexts, ...b.contexts] }));
    const app = join(repo, 'argocd', 'shop-west.yaml');
    mkdirSync(dirname(app), { recursive: true });
    writeFileSync(app, `apiVersion: argoproj.io/v1alpha1\nkind: Application\nmetadata:\n  name: shop-west\n  namespace: argocd\nspec:\n  project: default\n  source: {repoURL: https://git.example/shop.git, path: apps/west}\n  destination: {server: '${west.server}', namespace: ${NAMESPACE}}\n`);
    // Without .plumbline.yaml's kubeconfig entries: only the destination says which cluster.
    const config = readFileSync(join(repo, '.plumbline.yaml'), 'utf8');
    rmSync(join(repo, '.plumbline.yaml'));
    try {
      const file = join(repo, 'apps/base/deployment.yaml');
      const uri = pathToFileURL(file).href;
      const lsp = await LspHarness.start({ cluster: { kubeconfig: merged } }, { workspaceFolders: [repo], initializationOptions: { cacheDir: join(repo, '.lsp-cache') } });
      let editor: string[];
      let tree: EnvironmentsResult;
      try {
        await lsp.open(uri, readFileSync(file, 'utf8'));
        await lsp.waitForLensTitles(uri, (all) => all.some((t) => t.startsWith('shop-west')), 60_000);
        editor = (lsp.latest.get(uri) ?? []).filter((d) => String(d.code).startsWith('drift.')).map((d) => `${String(d.code)} ${d.message.replace(/ at \d{4}-\d\d-\d\d \d\d:\d\d UTC/, '')}`).sort();
        tree = await lsp.request<EnvironmentsResult>('plumbline/environments');
      } finally {
        await lsp.stop();
      }
      // The current context is east (2 replicas); the Application's destination is west, which has 3.
      assert.deepEqual(editor, ['drift.value shop-west: cluster has replicas: 3, Git declares 1 (set by kubectl)']);
      assert.equal(tree.environments.find((e) => e.name === 'shop-west')?.context, 'west', JSON.stringify(tree.environments.map((e) => [e.name, e.context])));
    } finally {
      writeFileSync(join(repo, '.plumbline.yaml'), config);
      rmSync(app);
    }
  });
});

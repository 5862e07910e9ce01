// Cluster tier: `plumbline sync` end to end — a real git repository with a bare remote on disk,
// and the real apiserver — for an environment delivered by direct server-side apply.
import assert from 'node:assert/strict';
import { cpSync, mkdtempSync, writeFileSync } from 'node:fs';
import { execFileSync, spawnSync } from 'node:child_process';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { bundle, EXAMPLES } from '../support/paths';
import { startCluster, type Cluster } from './harness';

let cluster: Cluster;
let work: string;
let remote: string;

const git = (cwd: string, ...args: string[]): string => execFileSync('git', args, { cwd, encoding: 'utf8' }).trim();

describe('plumbline sync', () => {
  before(async () => {
    cluster = await startCluster();
    const root = mkdtempSync(join(tmpdir(), 'plumbline-sync-'));
    remote = join(root, 'remote.git');
    work = join(root, 'work');
    git(root, 'init', '-q', '--bare', '-b', 'main', remote);
    git(root, 'clone', '-q', remote, work);
    cpSync(EXAMPLES, work, { recursive: true });
    // dev is applied directly here: this repository has no Flux controller to ask.
    writeFileSync(join(work, '.plumbline.yaml'), 'environments:\n  - name: dev\n    delivery: direct\n');
    git(work, 'config', 'user.name', 'Test');
    git(work, 'config', 'user.email', 'test@example.com');
    git(work, 'add', '.');
    git(work, 'commit', '-q', '-m', 'initial');
    git(work, 'push', '-q', '-u', 'origin', 'main');
  });
  after(async () => {
    await cluster?.stop();
  });

  test('commits only dev, pushes, applies; the cluster then holds what Git declares', () => {
    writeFileSync(join(work, 'apps/shop/overlays/dev/replicas.yaml'), 'apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: shop-web\nspec:\n  replicas: 2\n');
    writeFileSync(join(work, 'apps/shop/overlays/staging/replicas.yaml'), 'apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: shop-web\nspec:\n  replicas: 5\n');
    const run = spawnSync(process.execPath, [bundle('cli.js'), 'sync', '--env', 'dev', '-m', 'dev: two replicas', '--repo', work, '--kubeconfig', cluster.kubeconfigPath], { encoding: 'utf8' });
    assert.equal(run.status, 0, run.stdout + run.stderr);
    assert.match(run.stdout, /✔ commit: committed [0-9a-f]{7} dev: two replicas/);
    assert.match(run.stdout, /✔ converge: applied 4 objects/);
    assert.equal(git(remote, 'log', '-1', '--format=%s', 'main'), 'dev: two replicas');
    assert.equal(git(remote, 'show', '--name-only', '--format=', 'main'), 'apps/shop/overlays/dev/replicas.yaml');
    assert.match(git(work, 'status', '--porcelain'), /apps\/shop\/overlays\/staging\/replicas\.yaml/, 'the staging change stays uncommitted');
    const replicas = execFileSync('kubectl', ['--kubeconfig', cluster.kubeconfigPath, 'get', 'deployment', 'shop-web', '-n', 'shop-dev', '-o', 'jsonpath={.spec.replicas}'], { encoding: 'utf8' });
    assert.equal(replicas, '2');
    const drift = spawnSync(process.execPath, [bundle('cli.js'), 'diff', '--kubeconfig', cluster.kubeconfigPath, join(work, 'apps/shop/overlays/dev/namespace.yaml')], { encoding: 'utf8' });
    assert.equal(drift.status, 0, drift.stdout + drift.stderr);
  });

  test('validation errors block the sync', () => {
    writeFileSync(join(work, 'apps/shop/overlays/dev/replicas.yaml'), 'apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: shop-web\nspec:\n  replica: 2\n');
    const run = spawnSync(process.execPath, [bundle('cli.js'), 'sync', '--env', 'dev', '--repo', work, '--kubeconfig', cluster.kubeconfigPath], { encoding: 'utf8' });
    assert.equal(run.status, 1, run.stdout + run.stderr);
    assert.match(run.stdout, /unknown field `replica` in Deployment spec; did you mean `replicas`\?/);
    assert.match(run.stderr, /1 validation error\(s\) in dev; fix them or pass --allow-invalid/);
    assert.equal(git(remote, 'log', '-1', '--format=%s', 'main'), 'dev: two replicas', 'nothing was pushed');
  });

  test('reconcile of a Flux environment on a cluster without Flux says Flux is not installed there and what to do', () => {
    // This bench cluster has no Flux CRDs; staging is delivered by a Flux Kustomization in examples/.
    const run = spawnSync(process.execPath, [bundle('cli.js'), 'reconcile', '--env', 'staging', '--repo', work, '--kubeconfig', cluster.kubeconfigPath], { encoding: 'utf8' });
    assert.equal(run.status, 2, run.stdout + run.stderr);
    assert.match(
      run.stdout,
      /✖ reconcile staging: Flux is not installed in plumbline-bench: its GitRepository CRD \(source\.toolkit\.fluxcd\.io\/v1\) is not served\. Install Flux in that cluster, or deliver this environment directly \(delivery: direct in \.plumbline\.yaml\)/,
    );
    assert.doesNotMatch(run.stdout + run.stderr, /404 page not found/);
  });
});

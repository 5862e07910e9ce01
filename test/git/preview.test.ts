// Previews of pending diffs against real repositories: examples/ committed, then changed in the
// working tree; kustomize overlays rendered through `kubectl kustomize`.
import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import { appendFileSync, cpSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { DEFAULT_RENDER_OPTIONS, type RenderOptions } from '../../server/src/environments/render';
import { previewGit } from '../../server/src/preview/gitPreview';
import type { Preview, PreviewResult } from '../../server/src/preview/preview';
import { allChanges } from '../../server/src/preview/preview';
import { previewPromotion } from '../../server/src/preview/promotionPreview';
import { bundle, EXAMPLES } from '../support/paths';

// Hermetic git: neither the machine's global nor its system configuration reaches these repositories.
const scratch = mkdtempSync(join(tmpdir(), 'plumbline-preview-test-'));
writeFileSync(join(scratch, 'gitconfig'), '');
process.env['GIT_CONFIG_GLOBAL'] = join(scratch, 'gitconfig');
process.env['GIT_CONFIG_NOSYSTEM'] = '1';
for (const name of ['GIT_DIR', 'GIT_WORK_TREE', 'GIT_INDEX_FILE']) delete process.env[name];

function git(cwd: string, ...args: string[]): string {
  return execFileSync('git', args, { cwd, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
}

let repos = 0;
/** A fresh repository with examples/ as its one commit. */
function repo(): string {
  const dir = join(scratch, `repo-${++repos}`);
  mkdirSync(dir);
  git(dir, 'init', '-q', '-b', 'main');
  git(dir, 'config', 'user.name', 'Dev Eloper');
  git(dir, 'config', 'user.email', 'dev@example.com');
  cpSync(EXAMPLES, dir, { recursive: true, filter: (source) => basename(source) !== '.vscode' });
  git(dir, 'add', '-A');
  git(dir, 'commit', '-q', '-m', 'initial');
  return dir;
}

function edit(dir: string, path: string, from: string, to: string): void {
  const file = join(dir, path);
  const text = readFileSync(file, 'utf8');
  assert.ok(text.includes(from), `${path} holds ${from}`);
  writeFileSync(file, text.replace(from, to));
}

function value(result: PreviewResult): Preview {
  if (!result.ok) assert.fail(`preview failed: ${result.error.kind}: ${result.error.message}`);
  return result.value;
}

/** "env: change Kind/name" lines, what the summary list shows. */
function summary(preview: Preview): string[] {
  return allChanges(preview).map((c) => `${c.environment}: ${c.change} ${c.kind}/${c.name.replace(/-[a-z0-9]{10}$/, '-<hash>')}`).sort();
}

after(() => rmSync(scratch, { recursive: true, force: true }));

let counters = 0;
/** Render options whose kustomize is `kubectl kustomize` behind a script that counts its runs. */
function countingKustomize(): { options: RenderOptions; count: () => number } {
  const id = ++counters;
  const log = join(scratch, `kustomize-runs-${id}.log`);
  const script = join(scratch, `kustomize-${id}.sh`);
  writeFileSync(log, '');
  writeFileSync(script, `#!/bin/sh\necho run >> '${log}'\nexec kubectl kustomize "$@"\n`, { mode: 0o755 });
  return { options: { ...DEFAULT_RENDER_OPTIONS, kustomize: [script] }, count: () => readFileSync(log, 'utf8').split('\n').filter((l) => l === 'run').length };
}

describe('Git preview: HEAD against the working tree, per environment', () => {
  let clean = '';
  before(() => {
    clean = repo();
  });

  test('a clean working tree changes nothing in any environment, and renders none', async () => {
    const runs = countingKustomize();
    const preview = value(await previewGit(clean, runs.options));
    assert.deepEqual(preview.environments.map((e) => [e.environment, e.state, e.changes.length, e.inputsUnchanged]), [['dev', 'ok', 0, true], ['staging', 'ok', 0, true], ['prod', 'ok', 0, true]]);
    assert.equal(runs.count(), 0, 'kustomize never ran');
  });

  test('only environments whose files changed are rendered: an overlay edit renders that overlay on both sides, a base edit every overlay', async () => {
    const dir = repo();
    edit(dir, 'apps/shop/overlays/staging/replicas.yaml', 'replicas: 2', 'replicas: 3');
    const runs = countingKustomize();
    const preview = value(await previewGit(dir, runs.options));
    assert.deepEqual(summary(preview), ['staging: changed Deployment/shop-web']);
    assert.deepEqual(preview.environments.map((e) => [e.environment, e.inputsUnchanged === true, e.unchanged]), [['dev', true, 0], ['staging', false, 3], ['prod', true, 0]]);
    assert.equal(runs.count(), 2, 'staging from HEAD and from the working tree; dev and prod not at all');
    // A file beside a kustomization that it does not list changes nothing kustomize reads, yet a
    // generator may read such files: the folder counts, so the overlay renders again (and shows no change).
    writeFileSync(join(dir, 'apps/shop/overlays/dev/notes.txt'), 'why dev has one replica\n');
    const again = countingKustomize();
    const second = value(await previewGit(dir, again.options));
    assert.deepEqual(second.environments.map((e) => [e.environment, e.inputsUnchanged === true, e.changes.length]), [['dev', false, 0], ['staging', false, 1], ['prod', true, 0]]);
    assert.equal(again.count(), 4);
    const base = repo();
    edit(base, 'apps/shop/base/service.yaml', 'port: 80', 'port: 8080');
    const all = countingKustomize();
    assert.deepEqual(summary(value(await previewGit(base, all.options))), ['dev: changed Service/shop-web', 'prod: changed Service/shop-web', 'staging: changed Service/shop-web']);
    assert.equal(all.count(), 6);
  });

  test('the CLI says how many environments were not rendered', () => {
    const dir = repo();
    edit(dir, 'apps/shop/overlays/staging/replicas.yaml', 'replicas: 2', 'replicas: 3');
    const r = spawnSync(process.execPath, [bundle('cli.js'), 'preview', '--repo', dir], { encoding: 'utf8' });
    assert.equal(r.status, 1, r.stderr);
    assert.match(r.stdout, /^# 2 environments were not rendered: nothing they read changed$/m);
    assert.match(r.stdout, /^Summary: .* unchanged: 3, in dev \(no changes \(its files did not change; not rendered\)\), staging \(1 changed\), prod \(no changes/m);
  });

  test('a change to the base shows in every overlay that renders it', async () => {
    const dir = repo();
    edit(dir, 'apps/shop/base/deployment.yaml', 'shop-web:1.4.2', 'shop-web:1.5.0');
    const statusBefore = git(dir, 'status', '--porcelain=v2');
    const preview = value(await previewGit(dir, DEFAULT_RENDER_OPTIONS));
    assert.deepEqual(summary(preview), ['dev: changed Deployment/shop-web', 'prod: changed Deployment/shop-web', 'staging: changed Deployment/shop-web']);
    for (const c of allChanges(preview)) {
      assert.match(c.before, /image: ghcr\.io\/example\/shop-web:1\.4\.2/);
      assert.match(c.after, /image: ghcr\.io\/example\/shop-web:1\.5\.0/);
      assert.equal(c.namespace, `shop-${c.environment}`);
      // Stable text: apiVersion, kind, metadata first; no origin annotations of the renderer.
      assert.match(c.after, /^apiVersion: apps\/v1\nkind: Deployment\nmetadata:\n {2}name: shop-web\n {2}namespace: shop-\w+\n {2}labels:/);
      assert.doesNotMatch(c.after + c.before, /config\.kubernetes\.io|<wrapper>|plumbline-head-/);
    }
    // The user's working tree and index are as they were.
    assert.equal(git(dir, 'status', '--porcelain=v2'), statusBefore);
  });

  test('an overlay change stays in its environment', async () => {
    const dir = repo();
    edit(dir, 'apps/shop/overlays/dev/kustomization.yaml', 'LOG_LEVEL=debug', 'LOG_LEVEL=trace');
    edit(dir, 'apps/shop/overlays/staging/replicas.yaml', 'replicas: 2', 'replicas: 4');
    const preview = value(await previewGit(dir, DEFAULT_RENDER_OPTIONS));
    assert.deepEqual(summary(preview), ['dev: changed ConfigMap/shop-settings', 'staging: changed Deployment/shop-web']);
    const config = allChanges(preview).find((c) => c.kind === 'ConfigMap')!;
    assert.match(config.before, /LOG_LEVEL: debug/);
    assert.match(config.after, /LOG_LEVEL: trace/);
    assert.equal(preview.environments.find((e) => e.environment === 'prod')?.changes.length, 0);
  });

  test('a generated Secret whose hash changed is one change, its values masked', async () => {
    const dir = repo();
    appendFileSync(join(dir, 'apps/shop/overlays/dev/kustomization.yaml'), 'secretGenerator:\n  - name: shop-db\n    literals:\n      - password=hunter2-old\n');
    edit(dir, 'apps/shop/base/deployment.yaml', '          envFrom:\n', '          envFrom:\n            - secretRef:\n                name: shop-db\n');
    git(dir, 'commit', '-q', '-am', 'db secret');
    edit(dir, 'apps/shop/overlays/dev/kustomization.yaml', 'password=hunter2-old', 'password=hunter2-new');
    const preview = value(await previewGit(dir, DEFAULT_RENDER_OPTIONS));
    // The Deployment changes too: it refers to the Secret by its new hashed name.
    assert.deepEqual(summary(preview), ['dev: changed Deployment/shop-web', 'dev: changed Secret/shop-db-<hash>']);
    const secret = allChanges(preview).find((c) => c.kind === 'Secret')!;
    assert.match(secret.before, /password: ‹secret [0-9a-f]{8}›/);
    assert.match(secret.after, /password: ‹secret [0-9a-f]{8}›/);
    assert.notEqual(secret.before, secret.after);
    const everything = JSON.stringify(preview);
    for (const plain of ['hunter2', Buffer.from('hunter2-old').toString('base64'), Buffer.from('hunter2-new').toString('base64')]) assert.ok(!everything.includes(plain), `${plain} is not shown`);
  });

  test('staged, untracked and deleted files all count; the index is left alone', async () => {
    const dir = repo();
    writeFileSync(join(dir, 'apps/shop/base/pdb.yaml'), 'apiVersion: policy/v1\nkind: PodDisruptionBudget\nmetadata:\n  name: shop-web\nspec:\n  minAvailable: 1\n  selector:\n    matchLabels:\n      app: shop-web\n');
    edit(dir, 'apps/shop/base/kustomization.yaml', '  - configmap.yaml\n', '  - configmap.yaml\n  - pdb.yaml\n');
    git(dir, 'add', 'apps/shop/base/kustomization.yaml');
    edit(dir, 'apps/shop/base/kustomization.yaml', '  - service.yaml\n', '');
    const indexBefore = git(dir, 'diff', '--cached', '--name-status');
    const preview = value(await previewGit(dir, DEFAULT_RENDER_OPTIONS));
    assert.deepEqual(summary(preview), [
      'dev: added PodDisruptionBudget/shop-web',
      'dev: removed Service/shop-web',
      'prod: added PodDisruptionBudget/shop-web',
      'prod: removed Service/shop-web',
      'staging: added PodDisruptionBudget/shop-web',
      'staging: removed Service/shop-web',
    ]);
    const added = allChanges(preview).find((c) => c.change === 'added')!;
    assert.equal(added.before, '');
    assert.match(added.after, /minAvailable: 1/);
    assert.equal(git(dir, 'diff', '--cached', '--name-status'), indexBefore);
  });

  test('a render error in the working tree is that environment\'s message, others still preview', async () => {
    const dir = repo();
    edit(dir, 'apps/shop/overlays/dev/kustomization.yaml', '  - namespace.yaml\n', '  - namespace.yaml\n  - missing.yaml\n');
    const preview = value(await previewGit(dir, DEFAULT_RENDER_OPTIONS));
    const dev = preview.environments.find((e) => e.environment === 'dev')!;
    assert.equal(dev.state, 'error');
    assert.match(dev.message, /^working tree: kustomize failed .*missing\.yaml/);
    assert.deepEqual(preview.environments.filter((e) => e.environment !== 'dev').map((e) => e.state), ['ok', 'ok']);
  });

  test('a new environment is all added; one environment can be asked for by name', async () => {
    const dir = repo();
    cpSync(join(dir, 'apps/shop/overlays/staging'), join(dir, 'apps/shop/overlays/qa'), { recursive: true });
    edit(dir, 'apps/shop/overlays/qa/kustomization.yaml', 'namespace: shop-staging', 'namespace: shop-qa');
    edit(dir, 'apps/shop/overlays/qa/namespace.yaml', 'shop-staging', 'shop-qa');
    const preview = value(await previewGit(dir, DEFAULT_RENDER_OPTIONS, 'qa'));
    assert.deepEqual(preview.environments.map((e) => e.environment), ['qa']);
    assert.equal(preview.environments[0]!.changes.length, 4);
    assert.ok(preview.environments[0]!.changes.every((c) => c.change === 'added'));
    const unknown = await previewGit(dir, DEFAULT_RENDER_OPTIONS, 'nope');
    assert.deepEqual(unknown, { ok: false, error: { kind: 'unknown-environment', message: 'no environment named nope' } });
  });

  test('not a repository, and an untrusted workspace, are clear failures', async () => {
    const plain = join(scratch, 'plain');
    cpSync(EXAMPLES, plain, { recursive: true });
    const r = await previewGit(plain, DEFAULT_RENDER_OPTIONS);
    assert.equal(r.ok ? 'ok' : r.error.kind, 'not-a-repository');
    const u = await previewGit(clean, { ...DEFAULT_RENDER_OPTIONS, trusted: false });
    assert.equal(u.ok ? 'ok' : u.error.kind, 'untrusted');
  });
});

describe('Promotion preview: one environment against another', () => {
  test('staging onto prod: replicas and settings differ, namespaces are not a difference', async () => {
    const dir = repo();
    const preview = value(await previewPromotion(dir, 'staging', 'prod', DEFAULT_RENDER_OPTIONS));
    assert.equal(preview.left, 'prod');
    assert.equal(preview.right, 'staging');
    assert.deepEqual(summary(preview), ['prod: changed ConfigMap/shop-settings', 'prod: changed Deployment/shop-web']);
    const env = preview.environments[0]!;
    // Namespace, Service: identical once staging's namespace is read as prod's.
    assert.equal(env.unchanged, 2);
    const config = env.changes.find((c) => c.kind === 'ConfigMap')!;
    assert.match(config.before, /LOG_LEVEL: warn/);
    assert.match(config.after, /LOG_LEVEL: info/);
    assert.match(config.after, /namespace: shop-prod/);
    assert.deepEqual(preview.notes, ["staging's namespace shop-staging is compared as prod's shop-prod"]);
  });

  test('environments whose names differ by namePrefix: the field changes, not every object added and removed', async () => {
    const dir = repo();
    edit(dir, 'apps/shop/overlays/staging/kustomization.yaml', 'namespace: shop-staging\n', 'namespace: shop-staging\nnamePrefix: stg-\n');
    edit(dir, 'apps/shop/overlays/prod/kustomization.yaml', 'namespace: shop-prod\n', 'namespace: shop-prod\nnamePrefix: prd-\n');
    const preview = value(await previewPromotion(dir, 'staging', 'prod', DEFAULT_RENDER_OPTIONS));
    assert.deepEqual(summary(preview), ['prod: changed ConfigMap/prd-shop-settings', 'prod: changed Deployment/prd-shop-web']);
    assert.equal(preview.environments[0]!.unchanged, 2);
    const deployment = preview.environments[0]!.changes.find((c) => c.kind === 'Deployment')!;
    // The reference to the generated ConfigMap is renamed too: only its hash (its content) differs.
    assert.doesNotMatch(deployment.after, /stg-/);
    assert.deepEqual(preview.notes, ["staging's namespace shop-staging is compared as prod's shop-prod", "staging's names (stg-…) are compared as prod's (prd-…)"]);
  });

  test('an environment against itself changes nothing; an unknown one is named', async () => {
    const dir = repo();
    const same = value(await previewPromotion(dir, 'dev', 'dev', DEFAULT_RENDER_OPTIONS));
    assert.equal(same.environments[0]!.changes.length, 0);
    const r = await previewPromotion(dir, 'dev', 'qa', DEFAULT_RENDER_OPTIONS);
    assert.deepEqual(r, { ok: false, error: { kind: 'unknown-environment', message: 'no environment named qa' } });
  });
});

describe('plumbline preview (CLI)', () => {
  const cli = (...args: string[]): { status: number | null; stdout: string; stderr: string } => {
    const r = spawnSync(process.execPath, [bundle('cli.js'), 'preview', ...args], { encoding: 'utf8' });
    return { status: r.status, stdout: r.stdout, stderr: r.stderr };
  };

  test('unified diffs and a summary; exit 1 when something would change, 0 when nothing would, 2 on usage errors', () => {
    const dir = repo();
    assert.equal(cli('--repo', dir).status, 0);
    edit(dir, 'apps/shop/base/deployment.yaml', 'shop-web:1.4.2', 'shop-web:1.5.0');
    const r = cli('--repo', dir, '--env', 'staging');
    assert.equal(r.status, 1, r.stderr);
    assert.ok(r.stdout.startsWith('--- HEAD/staging/Deployment/shop-staging/shop-web\n+++ working tree/staging/Deployment/shop-staging/shop-web\n@@ '), r.stdout);
    assert.match(r.stdout, /^-\s+image: ghcr\.io\/example\/shop-web:1\.4\.2$/m);
    assert.match(r.stdout, /^\+\s+image: ghcr\.io\/example\/shop-web:1\.5\.0$/m);
    assert.match(r.stdout, /^Summary: Pending changes \(HEAD ↔ working tree\) - changed: 1, added: 0, removed: 0, unchanged: 3, in staging \(1 changed\)$/m);
    const json = cli('--repo', dir, '-o', 'json');
    assert.equal(json.status, 1);
    assert.deepEqual((JSON.parse(json.stdout) as Preview).environments.map((e) => e.changes.length), [1, 1, 1]);
    const promotion = cli('--repo', dir, '--env', 'staging', '--against', 'prod');
    assert.equal(promotion.status, 1);
    assert.match(promotion.stdout, /^--- prod\/prod\/ConfigMap\/shop-prod\/shop-settings$/m);
    const usage = cli('--repo', dir, '--cluster');
    assert.equal(usage.status, 2);
    assert.match(usage.stderr, /preview --cluster needs --env NAME/);
    assert.equal(cli('--repo', dir, '--env', 'nope').status, 2);
  });
});

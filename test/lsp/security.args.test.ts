// Attacks by a repository's own files on the programs Plumbline runs (issue 10, items 1 and 3),
// through what users hit: the sidebar's environments request and the git preview of the real
// language server, and `plumbline preview` in CI. A HelmRelease whose releaseName is a helm flag
// that runs a script; kustomize generators and Helm values files that name files outside the
// repository (relative, absolute, and through a symlink inside it). Each must do nothing (no
// marker file, no outside content in any output) and say so in that environment's status.
import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { EnvironmentsRequest, PreviewRequest, type EnvironmentsResult, type PreviewResponse } from '../../server/src/protocol';
import { HELM, helmCommand } from '../support/helm';
import { LspHarness } from '../support/lspClient';
import { bundle } from '../support/paths';

const scratch = mkdtempSync(join(tmpdir(), 'plumbline-security-args-'));
writeFileSync(join(scratch, 'gitconfig'), '');
const GIT_ENV = { GIT_CONFIG_GLOBAL: join(scratch, 'gitconfig'), GIT_CONFIG_NOSYSTEM: '1' };
const SECRET = `TOPSECRET-${process.pid}-${Date.now()}`;
const outside = join(scratch, 'outside');
const repo = join(scratch, 'repo');
const marker = join(scratch, 'post-renderer-ran');
const script = join(outside, 'post-render.sh');

function git(cwd: string, ...args: string[]): string {
  return execFileSync('git', args, { cwd, encoding: 'utf8', env: { ...process.env, ...GIT_ENV } });
}

function write(path: string, text: string): void {
  mkdirSync(dirname(path), { recursive: true });
  writeFileSync(path, text);
}

function chart(dir: string, name: string): void {
  write(join(dir, 'Chart.yaml'), `apiVersion: v2\nname: ${name}\nversion: 0.1.0\n`);
  write(join(dir, 'values.yaml'), 'leak: nothing\n');
  write(join(dir, 'templates', 'config.yaml'), 'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: {{ .Release.Name }}-config\ndata:\n  leak: {{ .Values.leak | quote }}\n');
}

const generator = (file: string): string => `configMapGenerator:\n  - name: leak\n    files:\n      - ${file}\n`;

/** The hostile repository: one environment per attack, and one legitimate overlay that reaches ../base. */
function hostileRepository(): void {
  write(join(outside, 'secret.txt'), `${SECRET}\n`);
  write(join(outside, 'values.yaml'), `leak: ${SECRET}\n`);
  write(join(outside, 'manifest.yaml'), `apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: outside\ndata:\n  token: ${SECRET}\n`);
  write(script, `#!/bin/sh\ntouch '${marker}'\ncat\n`);
  chmodSync(script, 0o755);
  mkdirSync(repo);
  git(repo, 'init', '-q', '-b', 'main');
  git(repo, 'config', 'user.name', 'Dev Eloper');
  git(repo, 'config', 'user.email', 'dev@example.com');
  write(join(repo, 'README.md'), 'hostile\n');
  git(repo, 'add', '-A');
  git(repo, 'commit', '-q', '-m', 'initial');
  // Everything below is in the working tree only: the git preview renders it as added.
  chart(join(repo, 'charts', 'shop'), 'shop');
  chart(join(repo, 'charts', 'leak'), 'leak');
  const helmRelease = (releaseName: string, valuesFiles: string[] = []): string =>
    `apiVersion: helm.toolkit.fluxcd.io/v2\nkind: HelmRelease\nmetadata:\n  name: shop\n  namespace: flux-system\nspec:\n  releaseName: ${JSON.stringify(releaseName)}\n  chart:\n    spec:\n      chart: ./charts/shop\n      sourceRef:\n        kind: GitRepository\n        name: repo\n${valuesFiles.length > 0 ? `      valuesFiles:\n${valuesFiles.map((f) => `        - ${f}\n`).join('')}` : ''}`;
  write(join(repo, 'clusters', 'inject', 'release.yaml'), helmRelease(`--post-renderer=${script}`));
  // The same flag through an Argo CD Application's helm.releaseName and .plumbline.yaml's release:.
  chart(join(repo, 'charts', 'argo'), 'argo');
  chart(join(repo, 'charts', 'configured'), 'configured');
  write(join(repo, 'argo', 'app.yaml'), `apiVersion: argoproj.io/v1alpha1\nkind: Application\nmetadata:\n  name: argoinject\n  namespace: argocd\nspec:\n  source:\n    path: charts/argo\n    helm:\n      releaseName: ${JSON.stringify(`--post-renderer=${script}`)}\n  destination:\n    namespace: shop\n`);
  write(join(repo, 'overlays', 'relative', 'kustomization.yaml'), generator('../../../outside/secret.txt'));
  write(join(repo, 'overlays', 'absolute', 'kustomization.yaml'), generator(join(outside, 'secret.txt')));
  write(join(repo, 'overlays', 'symlink', 'kustomization.yaml'), generator('secret.txt'));
  symlinkSync(join(outside, 'secret.txt'), join(repo, 'overlays', 'symlink', 'secret.txt'));
  // The overlay reaches the secret through a base it names: the check goes through bases.
  write(join(repo, 'apps', 'deep', 'base', 'kustomization.yaml'), `secretGenerator:\n  - name: deep\n    envs:\n      - ../../../../outside/secret.txt\n`);
  write(join(repo, 'apps', 'deep', 'overlays', 'nested', 'kustomization.yaml'), 'resources:\n  - ../../base\n');
  // Legitimate: a base and a file of a sibling folder, inside the repository (Flux renders this).
  write(join(repo, 'apps', 'good', 'base', 'settings.txt'), 'colour=blue\n');
  write(join(repo, 'apps', 'good', 'base', 'kustomization.yaml'), 'resources:\n  - config.yaml\n');
  write(join(repo, 'apps', 'good', 'base', 'config.yaml'), 'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: good\ndata:\n  a: b\n');
  write(join(repo, 'apps', 'good', 'overlays', 'fine', 'kustomization.yaml'), `resources:\n  - ../../base\n${generator('../../base/settings.txt')}`);
  write(join(repo, '.plumbline.yaml'), `environments:\n  - name: values\n    path: charts/leak\n    values:\n      - ../outside/values.yaml\n  - name: plainpath\n    path: ../outside\n  - name: configured\n    path: charts/configured\n    release: ${JSON.stringify(`--post-renderer=${script}`)}\n`);
}

const ATTACKS: Record<string, RegExp> = {
  inject: /not rendered: release name "--post-renderer=.*" is not a valid Helm release name .*Flux HelmRelease flux-system\/shop in clusters\/inject\/release\.yaml/,
  argoinject: /not rendered: release name "--post-renderer=.*" is not a valid Helm release name .*Argo CD Application argocd\/argoinject in argo\/app\.yaml/,
  configured: /not rendered: release name "--post-renderer=.*" is not a valid Helm release name .*\(from \.plumbline\.yaml\)/,
  relative: /kustomize was not run: overlays\/relative\/kustomization\.yaml configMapGenerator\[0\]\.files\[0\] names "\.\.\/\.\.\/\.\.\/outside\/secret\.txt", which is outside the repository/,
  absolute: /kustomize was not run: overlays\/absolute\/kustomization\.yaml configMapGenerator\[0\]\.files\[0\] names ".*outside\/secret\.txt", which is outside the repository/,
  symlink: /kustomize was not run: overlays\/symlink\/kustomization\.yaml configMapGenerator\[0\]\.files\[0\] names "secret\.txt", which is outside the repository/,
  nested: /kustomize was not run: apps\/deep\/base\/kustomization\.yaml secretGenerator\[0\]\.envs\[0\] names "\.\.\/\.\.\/\.\.\/\.\.\/outside\/secret\.txt", which is outside the repository/,
  values: /not rendered: values file "\.\.\/outside\/values\.yaml" is outside the repository \(from \.plumbline\.yaml\)/,
  plainpath: /not rendered: path "\.\.\/outside" is outside the repository \(from \.plumbline\.yaml\)/,
};

describe('security: workspace values that reach helm and kustomize (flags, files outside the repository)', () => {
  let lsp: LspHarness;

  before(async () => {
    hostileRepository();
    lsp = await LspHarness.start(
      { cluster: { enabled: false }, helm: { command: helmCommand()[0] } },
      { workspaceFolders: [repo], env: { ...GIT_ENV, KUBECONFIG: join(scratch, 'no-kubeconfig'), PLUMBLINE_CACHE_DIR: join(scratch, 'cache') } },
    );
  });
  after(async () => {
    await lsp?.stop();
    rmSync(scratch, { recursive: true, force: true });
  });

  test('the environments request: every attack is one clear status, nothing ran, no outside file was read', async () => {
    const result: EnvironmentsResult = await lsp.connection.sendRequest(EnvironmentsRequest);
    const byName = new Map(result.environments.map((e) => [e.name, e]));
    for (const [name, expected] of Object.entries(ATTACKS)) {
      const env = byName.get(name);
      assert.ok(env !== undefined, `environment ${name} was found (found: ${[...byName.keys()].join(', ')})`);
      assert.equal(env.state, 'render-error', `${name}: ${env.message}`);
      assert.match(env.message, expected, name);
      assert.deepEqual(env.resources, [], name);
    }
    assert.equal(existsSync(marker), false, 'helm ran the post-renderer a HelmRelease named');
    assert.doesNotMatch(JSON.stringify(result), new RegExp(SECRET));
    // An overlay that reaches ../base and a sibling file inside the repository still renders.
    const fine = byName.get('fine');
    assert.equal(fine?.state, 'not-checked', fine?.message);
    assert.deepEqual(fine?.resources.map((r) => `${r.kind}/${r.name.replace(/-[a-z0-9]{10}$/, '-<hash>')}`).sort(), ['ConfigMap/good', 'ConfigMap/leak-<hash>']);
  });

  test('the git preview: no outside content in any change, each attack is an environment error', async () => {
    const r: PreviewResponse = await lsp.connection.sendRequest(PreviewRequest, { kind: 'git' });
    assert.ok(r.ok, r.ok ? '' : r.message);
    assert.doesNotMatch(JSON.stringify(r), new RegExp(SECRET));
    const byName = new Map(r.environments.map((e) => [e.environment, e]));
    for (const [name, expected] of Object.entries(ATTACKS)) {
      assert.equal(byName.get(name)?.state, 'error', `${name}: ${byName.get(name)?.message ?? 'missing from the preview'}`);
      assert.match(byName.get(name)?.message ?? '', expected, name);
    }
    assert.equal(byName.get('fine')?.state, 'ok', byName.get('fine')?.message);
    assert.equal(existsSync(marker), false, 'helm ran the post-renderer a HelmRelease named');
  });

  test('`plumbline preview` in CI: exit 2, each attack named, no outside content, nothing ran', () => {
    const run = spawnSync(process.execPath, [bundle('cli.js'), 'preview', '--repo', repo], {
      encoding: 'utf8',
      env: { ...process.env, ...GIT_ENV, PATH: `${dirname(HELM)}:${process.env['PATH'] ?? ''}`, KUBECONFIG: join(scratch, 'no-kubeconfig') },
    });
    const output = `${run.stdout}${run.stderr}`;
    assert.equal(run.status, 2, output);
    assert.doesNotMatch(output, new RegExp(SECRET));
    for (const [name, expected] of Object.entries(ATTACKS)) assert.match(output, new RegExp(`# ${name}: working tree: ${expected.source}`), name);
    assert.doesNotMatch(output, /\n\s+at /, 'no stack trace');
    assert.equal(existsSync(marker), false, 'helm ran the post-renderer a HelmRelease named');
  });
});

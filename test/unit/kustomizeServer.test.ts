// The bundled kustomize (tools/kustomize, built from Go modules by scripts/install-kustomize.sh):
// it renders every environment exactly as `kubectl kustomize` does — objects, order and the
// source file of each — answers many builds at once in its long-lived processes, and reports
// kustomize's own error for a bad kustomization without stopping.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { after, describe, test } from 'node:test';
import { discoverEnvironments } from '../../server/src/environments/discover';
import { BUNDLED_KUSTOMIZE, BUNDLED_KUSTOMIZE_VERSION, buildWithServer, findBundledKustomize, stopKustomizeServers } from '../../server/src/environments/kustomizeServer';
import { DEFAULT_RENDER_OPTIONS, kustomizeCommandOf, renderEnvironment, type RenderOptions } from '../../server/src/environments/render';
import { writeFluxBenchFleet } from '../support/fluxBenchFleet';
import { REPO } from '../support/paths';

function bundled(): string {
  const path = findBundledKustomize();
  assert.ok(path !== undefined, 'plumbline-kustomize is not installed: run `bash scripts/install-kustomize.sh` (npm test does)');
  return path;
}

/** kubectl by its absolute path: the same command as the default, which the engine would replace with the bundled one. */
const kubectl = execFileSync('bash', ['-c', 'command -v kubectl'], { encoding: 'utf8' }).trim();

after(() => stopKustomizeServers());

describe('bundled kustomize', () => {
  test('the engine and the bundled kustomize name the same build', () => {
    const goVersion = /^const version = "(.*)"$/m.exec(readFileSync(join(REPO, 'tools', 'kustomize', 'version.go'), 'utf8'))?.[1];
    assert.equal(BUNDLED_KUSTOMIZE_VERSION, goVersion);
    assert.equal(execFileSync(bundled(), ['version'], { encoding: 'utf8' }).trim(), BUNDLED_KUSTOMIZE_VERSION);
  });

  test('its own Go tests pass: objects answered as JSON exactly as kustomize encodes them', () => {
    // Built from the same Go modules install-kustomize.sh uses; a failure prints go test's output.
    const go = process.env['GO'] ?? (execFileSync('bash', ['-c', 'command -v go || echo /usr/local/go/bin/go'], { encoding: 'utf8' }).trim());
    execFileSync(go, ['test', './...'], { cwd: join(REPO, 'tools', 'kustomize'), encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, GOFLAGS: '-buildvcs=false -mod=readonly', GOTOOLCHAIN: 'local' } });
  });

  test('the default command builds with the bundled kustomize; any other command is run as written', () => {
    assert.deepEqual(kustomizeCommandOf(DEFAULT_RENDER_OPTIONS.kustomize), [bundled()]);
    assert.deepEqual(kustomizeCommandOf([kubectl, 'kustomize']), [kubectl, 'kustomize']);
    assert.deepEqual(kustomizeCommandOf(['kustomize', 'build']), ['kustomize', 'build']);
  });

  test('renders every environment of a Flux fleet and of the examples as kubectl kustomize does', async () => {
    const fleet = mkdtempSync(join(tmpdir(), 'plumbline-bundled-kustomize-'));
    try {
      writeFluxBenchFleet(fleet, 12, 400);
      let compared = 0;
      for (const root of [fleet, join(REPO, 'examples')]) {
        const { environments } = await discoverEnvironments(root);
        for (const env of environments) {
          const ours = await renderEnvironment(root, env, { ...DEFAULT_RENDER_OPTIONS, kustomize: [bundled()] });
          const theirs = await renderEnvironment(root, env, { ...DEFAULT_RENDER_OPTIONS, kustomize: [kubectl, 'kustomize'] });
          assert.deepEqual(ours, theirs, `${root}: ${env.name}`);
          if (ours.ok && ours.objects.length > 0) compared++;
        }
      }
      // Twelve units and the cluster's own folder, and the examples' overlays and units.
      assert.ok(compared >= 16, `only ${compared} environments rendered objects`);
    } finally {
      rmSync(fleet, { recursive: true, force: true });
    }
  });

  test('answers many builds at once, each with its own folder’s objects', async () => {
    const root = mkdtempSync(join(tmpdir(), 'plumbline-bundled-kustomize-'));
    try {
      const folders = Array.from({ length: 24 }, (_, i) => {
        const dir = join(root, `app-${i}`);
        mkdirSync(dir);
        writeFileSync(join(dir, 'kustomization.yaml'), `resources: [cm.yaml]\nnamePrefix: p${i}-\n`);
        writeFileSync(join(dir, 'cm.yaml'), `apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: settings\ndata:\n  index: "${i}"\n`);
        return dir;
      });
      const answers = await Promise.all(folders.map((dir) => buildWithServer(bundled(), dir)));
      answers.forEach((answer, i) => {
        assert.ok(answer.ok && 'objects' in answer, JSON.stringify(answer));
        assert.deepEqual(answer.objects, [{ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: `p${i}-settings` }, data: { index: `${i}` } }]);
      });
    } finally {
      rmSync(root, { recursive: true, force: true });
    }
  });

  test('a bad kustomization is kustomize’s error, and the next build still works', async () => {
    const root = mkdtempSync(join(tmpdir(), 'plumbline-bundled-kustomize-'));
    try {
      mkdirSync(join(root, 'bad'));
      writeFileSync(join(root, 'bad', 'kustomization.yaml'), 'resources: [missing.yaml]\n');
      const bad = await buildWithServer(bundled(), join(root, 'bad'));
      assert.equal(bad.ok, false);
      assert.match(!bad.ok ? bad.message : '', /missing\.yaml/);
      mkdirSync(join(root, 'good'));
      writeFileSync(join(root, 'good', 'kustomization.yaml'), 'resources: [ns.yaml]\n');
      writeFileSync(join(root, 'good', 'ns.yaml'), 'apiVersion: v1\nkind: Namespace\nmetadata:\n  name: shop\n');
      const good = await buildWithServer(bundled(), join(root, 'good'));
      assert.deepEqual(good, { ok: true, objects: [{ apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'shop' } }] });
    } finally {
      rmSync(root, { recursive: true, force: true });
    }
  });

  test('a wrapper kustomization held in memory: built over the files on disk, and its folder never written', async () => {
    const root = mkdtempSync(join(tmpdir(), 'plumbline-bundled-kustomize-'));
    try {
      mkdirSync(join(root, 'app'));
      writeFileSync(join(root, 'app', 'kustomization.yaml'), 'resources: [deploy.yaml]\n');
      writeFileSync(join(root, 'app', 'deploy.yaml'), 'apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: web\nspec:\n  replicas: 1\n');
      const wrapper = join(root, '.plumbline-wrapper');
      const kustomization = JSON.stringify({ resources: ['../app'], namespace: 'shop', patches: [{ patch: '- op: replace\n  path: /spec/replicas\n  value: 3\n', target: { kind: 'Deployment' } }], buildMetadata: ['originAnnotations'] });
      const answer = await buildWithServer(bundled(), wrapper, kustomization);
      assert.deepEqual(answer, { ok: true, objects: [{ apiVersion: 'apps/v1', kind: 'Deployment', metadata: { annotations: { 'config.kubernetes.io/origin': 'path: ../app/deploy.yaml\n' }, name: 'web', namespace: 'shop' }, spec: { replicas: 3 } }] });
      assert.equal(existsSync(wrapper), false);
      const missing = await buildWithServer(bundled(), wrapper, JSON.stringify({ resources: ['../nowhere'] }));
      assert.equal(missing.ok, false);
      assert.match(!missing.ok ? missing.message : '', /nowhere/);
    } finally {
      rmSync(root, { recursive: true, force: true });
    }
  });

  test('another build of it (one an older package left) is refused with what to do, not sent requests it does not know', async () => {
    const root = mkdtempSync(join(tmpdir(), 'plumbline-bundled-kustomize-'));
    try {
      // Stand-ins that answer as an older build does (no version line) and as another version does.
      const older = join(root, 'older', BUNDLED_KUSTOMIZE);
      const other = join(root, 'other', BUNDLED_KUSTOMIZE);
      mkdirSync(dirname(older));
      mkdirSync(dirname(other));
      writeFileSync(older, '#!/bin/bash\nwhile read -r line; do echo \'{"id":1,"objects":[]}\'; done\n', { mode: 0o755 });
      writeFileSync(other, '#!/bin/bash\necho \'{"id":0,"version":"plumbline-kustomize 1"}\'\nwhile read -r line; do echo \'{"id":1,"objects":[]}\'; done\n', { mode: 0o755 });
      for (const [binary, said] of [[older, 'an older build'], [other, 'plumbline-kustomize 1']] as const) {
        for (let i = 0; i < 2; i++) {
          const answer = await buildWithServer(binary, root, '{}');
          assert.equal(answer.ok, false);
          assert.equal(!answer.ok ? answer.message : '', `${binary} is ${said}, and this Plumbline needs ${BUNDLED_KUSTOMIZE_VERSION}: build it again with \`bash scripts/install-kustomize.sh\` (a development checkout) or reinstall the extension`);
        }
      }
    } finally {
      stopKustomizeServers();
      rmSync(root, { recursive: true, force: true });
    }
  });

  test('a bundled kustomize that is not there says how to install it', async () => {
    const options: RenderOptions = { ...DEFAULT_RENDER_OPTIONS, kustomize: [join(tmpdir(), 'nowhere', 'plumbline-kustomize')] };
    const { environments } = await discoverEnvironments(join(REPO, 'examples'));
    const env = environments.find((e) => e.renderer.kind === 'kustomize');
    assert.ok(env !== undefined);
    const result = await renderEnvironment(join(REPO, 'examples'), env, options);
    assert.equal(result.ok, false);
    assert.equal(!result.ok && result.kind, 'missing-binary');
    assert.match(!result.ok ? result.message : '', /is missing: set plumbline\.kustomize\.command/);
  });
});

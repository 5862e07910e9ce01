// Attacks by a repository on what Plumbline runs (issue 10, items 1, 3 and 4), at the engine's
// level: renderEnvironment with the real kubectl kustomize and helm on hostile repositories
// (every kind of kustomization entry that loads a file), the values checks, and the settings
// a workspace must not choose (package.json scopes and the client's guard on what it sends).
import assert from 'node:assert/strict';
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { after, describe, test } from 'node:test';
import { MACHINE_SETTINGS, withUserValuesOnly } from '../../client/src/machineSettings';
import { helmTemplateArgs } from '../../server/src/environments/helm';
import { namespaceProblem, releaseNameProblem } from '../../server/src/environments/inputCheck';
import type { Environment } from '../../server/src/environments/model';
import { renderEnvironment } from '../../server/src/environments/render';
import { helmCommand } from '../support/helm';
import { REPO } from '../support/paths';

const scratch = mkdtempSync(join(tmpdir(), 'plumbline-unit-security-'));
after(() => rmSync(scratch, { recursive: true, force: true }));
const SECRET = `TOPSECRET-${process.pid}`;
const outside = join(scratch, 'outside');
mkdirSync(join(outside, 'component'), { recursive: true });
writeFileSync(join(outside, 'secret.txt'), `${SECRET}\n`);
writeFileSync(join(outside, 'secret.env'), `TOKEN=${SECRET}\n`);
writeFileSync(join(outside, 'values.yaml'), `leak: ${SECRET}\n`);
writeFileSync(join(outside, 'patch.yaml'), `apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: base\ndata:\n  leak: ${SECRET}\n`);
writeFileSync(join(outside, 'component', 'kustomization.yaml'), `apiVersion: kustomize.config.k8s.io/v1alpha1\nkind: Component\nconfigMapGenerator:\n  - name: comp\n    literals:\n      - leak=${SECRET}\n`);
mkdirSync(join(outside, 'base'));
writeFileSync(join(outside, 'base', 'kustomization.yaml'), `configMapGenerator:\n  - name: outside-base\n    literals:\n      - leak=${SECRET}\n`);

let repos = 0;
function write(path: string, text: string): void {
  mkdirSync(dirname(path), { recursive: true });
  writeFileSync(path, text);
}

/** A repository with an overlay whose kustomization is `kustomization`, next to a plain base. */
function overlay(kustomization: string, setup: (repo: string) => void = () => undefined): { repo: string; env: Environment } {
  const repo = join(scratch, `repo-${++repos}`);
  write(join(repo, 'base', 'kustomization.yaml'), 'resources:\n  - config.yaml\n');
  write(join(repo, 'base', 'config.yaml'), 'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: base\ndata:\n  a: b\n');
  write(join(repo, 'overlays', 'dev', 'kustomization.yaml'), kustomization);
  setup(repo);
  return { repo, env: { name: 'dev', paths: ['overlays/dev'], renderer: { kind: 'kustomize' }, target: { context: undefined, namespace: undefined }, delivery: { kind: 'direct' }, protected: false, foundBy: ['kustomize overlay overlays/dev'] } };
}

describe('security: kustomize loads nothing from outside the repository', () => {
  const cases: [string, string, ((repo: string) => void)?][] = [
    ['configMapGenerator files, key=path form', `resources:\n  - ../../base\nconfigMapGenerator:\n  - name: leak\n    files:\n      - stolen=../../../outside/secret.txt\n`],
    ['secretGenerator env', `secretGenerator:\n  - name: leak\n    env: ${join(outside, 'secret.env')}\n`],
    ['a patch file', `resources:\n  - ../../base\npatches:\n  - path: ../../../outside/patch.yaml\n`],
    ['patchesStrategicMerge', `resources:\n  - ../../base\npatchesStrategicMerge:\n  - ../../../outside/patch.yaml\n`],
    ['a component', `resources:\n  - ../../base\ncomponents:\n  - ../../../outside/component\n`],
    ['a base outside', `resources:\n  - ${join(outside, 'base')}\n`],
    ['a symlinked base folder', `resources:\n  - ../linked\n`, (repo) => symlinkSync(join(outside, 'base'), join(repo, 'overlays', 'linked'))],
    ['a path hidden behind a YAML alias', `x: &stolen\n  - ../../../outside/secret.txt\nconfigMapGenerator:\n  - name: leak\n    files: *stolen\n`],
    ['a generator config file (builtin ConfigMapGenerator)', `generators:\n  - gen.yaml\n`, (repo) => write(join(repo, 'overlays', 'dev', 'gen.yaml'), `apiVersion: builtin\nkind: ConfigMapGenerator\nmetadata:\n  name: leak\nfiles:\n  - ../../../outside/secret.txt\n`)],
    ['an inline transformer config (builtin PatchTransformer)', `resources:\n  - ../../base\ntransformers:\n  - |\n    apiVersion: builtin\n    kind: PatchTransformer\n    metadata:\n      name: leak\n    path: ../../../outside/patch.yaml\n`],
    ['a generators folder whose resources are plugin configs', `generators:\n  - ../gens\n`, (repo) => {
      write(join(repo, 'overlays', 'gens', 'kustomization.yaml'), 'resources:\n  - gen.yaml\n');
      write(join(repo, 'overlays', 'gens', 'gen.yaml'), `apiVersion: builtin\nkind: SecretGenerator\nmetadata:\n  name: leak\nenvs:\n  - ${join(outside, 'secret.env')}\n`);
    }],
    ['a symlinked kustomization file', '', (repo) => {
      rmSync(join(repo, 'overlays', 'dev', 'kustomization.yaml'));
      symlinkSync(join(outside, 'base', 'kustomization.yaml'), join(repo, 'overlays', 'dev', 'kustomization.yaml'));
    }],
  ];
  for (const [name, kustomization, setup] of cases) {
    test(name, async () => {
      const { repo, env } = overlay(kustomization, setup);
      const rendered = await renderEnvironment(repo, env);
      assert.doesNotMatch(JSON.stringify(rendered), new RegExp(SECRET));
      assert.equal(rendered.ok, false, 'rendered a file from outside the repository');
      if (!rendered.ok) assert.match(rendered.message, /^kustomize was not run: overlays\/(dev|gens)\/kustomization\.yaml .*outside the repository/);
    });
  }

  test('an overlay may load files from anywhere inside the repository, as kustomize-controller allows', async () => {
    const { repo, env } = overlay(`resources:\n  - ../../base\nconfigMapGenerator:\n  - name: shared\n    files:\n      - ../../base/config.yaml\npatches:\n  - path: ../../base/config.yaml\n`);
    const rendered = await renderEnvironment(repo, env);
    assert.ok(rendered.ok, rendered.ok ? '' : rendered.message);
    assert.deepEqual(rendered.objects.map((o) => o.object.metadata?.name?.replace(/-[a-z0-9]{10}$/, '-<hash>')).sort(), ['base', 'shared-<hash>']);
  });
});

describe('security: helm gets no option from a workspace file', () => {
  const repo = join(scratch, 'helm-repo');
  write(join(repo, 'charts', 'shop', 'Chart.yaml'), 'apiVersion: v2\nname: shop\nversion: 0.1.0\n');
  write(join(repo, 'charts', 'shop', 'values.yaml'), 'leak: nothing\n');
  write(join(repo, 'charts', 'shop', 'templates', 'config.yaml'), 'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: {{ .Release.Name }}\ndata:\n  leak: {{ .Values.leak | quote }}\n  files: {{ .Files.Get "linked.txt" | quote }}\n');
  const marker = join(scratch, 'helm-marker');
  const script = join(outside, 'post-render.sh');
  writeFileSync(script, `#!/bin/sh\ntouch '${marker}'\ncat\n`);
  chmodSync(script, 0o755);
  const env = (renderer: Partial<Extract<Environment['renderer'], { kind: 'helm' }>>, namespace?: string): Environment => ({
    name: 'dev',
    paths: ['charts/shop'],
    renderer: { kind: 'helm', chart: 'charts/shop', valuesFiles: [], ...renderer },
    target: { context: undefined, namespace },
    delivery: { kind: 'direct' },
    protected: false,
    foundBy: ['Flux HelmRelease flux-system/shop in clusters/dev/shop.yaml'],
  });
  const render = (e: Environment): ReturnType<typeof renderEnvironment> => renderEnvironment(repo, e, { trusted: true, kustomize: ['kubectl', 'kustomize'], helm: helmCommand() });

  for (const [name, e] of [
    ['a release name that is a flag', env({ release: `--post-renderer=${script}` })],
    // These two did not inject before either (helm took them as the value of the option before);
    // they keep it so now that options are --flag=value words.
    ['a namespace that is a flag', env({ release: 'shop' }, `--post-renderer=${script}`)],
    ['a --set parameter that tries a second option', env({ release: 'shop', parameters: [{ name: 'a', value: `b --post-renderer=${script}` }] })],
  ] as const) {
    test(`${name}: nothing runs`, async () => {
      rmSync(marker, { force: true });
      const rendered = await render(e);
      assert.equal(existsSync(marker), false, 'helm ran the post-renderer');
      if (!rendered.ok) assert.match(rendered.message, /^not rendered: (release name|namespace) ".*" is not a valid .*\(from Flux HelmRelease flux-system\/shop in clusters\/dev\/shop\.yaml\)/);
    });
  }

  test('values files outside the repository (relative, absolute, a symlink) are refused, naming the entry', async () => {
    symlinkSync(join(outside, 'values.yaml'), join(repo, 'charts', 'shop', 'values-linked.yaml'));
    for (const file of ['../outside/values.yaml', join(outside, 'values.yaml'), 'charts/shop/values-linked.yaml']) {
      const rendered = await render(env({ release: 'shop', valuesFiles: [file] }));
      assert.doesNotMatch(JSON.stringify(rendered), new RegExp(SECRET));
      assert.equal(rendered.ok, false, file);
      if (!rendered.ok) assert.equal(rendered.message, `not rendered: values file ${JSON.stringify(file)} is outside the repository (from Flux HelmRelease flux-system/shop in clusters/dev/shop.yaml); fix it there`);
    }
    rmSync(join(repo, 'charts', 'shop', 'values-linked.yaml'));
  });

  test('a symlink in the chart that leads outside is refused (helm would follow it into .Files)', async () => {
    symlinkSync(join(outside, 'secret.txt'), join(repo, 'charts', 'shop', 'linked.txt'));
    try {
      const rendered = await render(env({ release: 'shop' }));
      assert.doesNotMatch(JSON.stringify(rendered), new RegExp(SECRET));
      assert.equal(rendered.ok, false);
      if (!rendered.ok) assert.match(rendered.message, /the chart holds a symlink that leads outside the repository: charts\/shop\/linked\.txt/);
    } finally {
      rmSync(join(repo, 'charts', 'shop', 'linked.txt'));
    }
  });

  test('valid values render, and every option is one --flag=value word before --', async () => {
    const e = env({ release: 'shop.v1', parameters: [{ name: 'leak', value: 'x' }] }, 'team-a');
    const rendered = await render(e);
    assert.ok(rendered.ok, rendered.ok ? '' : rendered.message);
    assert.deepEqual(rendered.objects.map((o) => [o.object.metadata?.name, o.object.metadata?.namespace, (o.object as { data?: Record<string, string> }).data?.['leak']]), [['shop.v1', undefined, 'x']]);
    const args = helmTemplateArgs(repo, e, e.renderer as Extract<Environment['renderer'], { kind: 'helm' }>, undefined);
    const dashes = args.indexOf('--');
    assert.deepEqual(args.slice(dashes), ['--', 'shop.v1', join(repo, 'charts', 'shop')]);
    assert.ok(args.slice(1, dashes).every((a) => /^--[a-z-]+(=|$)/.test(a)), args.join(' '));
  });

  test('release names and namespaces by their rules', () => {
    for (const ok of ['shop', 'a', 'shop-1', 'shop.v1', 'x'.repeat(53)]) assert.equal(releaseNameProblem(ok), undefined, ok);
    for (const bad of ['', '-shop', '--post-renderer=/bin/sh', 'Shop', 'shop_1', 'shop-', 'x'.repeat(54), 'a b']) assert.match(releaseNameProblem(bad) ?? '', /is not a valid Helm release name/, bad);
    for (const ok of ['default', 'team-a', 'x'.repeat(63)]) assert.equal(namespaceProblem(ok), undefined, ok);
    for (const bad of ['-n', 'a.b', 'Team', 'x'.repeat(64), '']) assert.match(namespaceProblem(bad) ?? '', /is not a valid Kubernetes namespace/, bad);
  });
});

describe('security: settings that choose a program or a kubeconfig are the user\'s only', () => {
  const manifest = JSON.parse(readFileSync(join(REPO, 'package.json'), 'utf8')) as { contributes: { configuration: { properties: Record<string, { scope?: string; description?: string }> } } };
  const properties = manifest.contributes.configuration.properties;

  test('every setting that names an executable or a kubeconfig is machine scope, and the client guards exactly those', () => {
    const runsOrReads = Object.keys(properties).filter((key) => /command|binary|executable|kubeconfig|\.path$/i.test(key));
    assert.deepEqual(runsOrReads.sort(), [...MACHINE_SETTINGS].sort());
    for (const key of runsOrReads) assert.equal(properties[key]?.scope, 'machine', `${key} can be set by a workspace`);
    const machine = Object.entries(properties).filter(([, p]) => p.scope === 'machine').map(([k]) => k);
    assert.deepEqual(machine.sort(), [...MACHINE_SETTINGS].sort());
  });

  test("a workspace's .vscode/settings.json override is not what the server is told", () => {
    // What VS Code's inspect() says when a repository's .vscode/settings.json sets them.
    const inspected: Record<string, { defaultValue?: unknown; globalValue?: unknown; workspaceValue?: unknown }> = {
      'plumbline.helm.command': { defaultValue: 'helm', workspaceValue: '/repo/evil-helm' },
      'plumbline.kustomize.command': { defaultValue: 'kubectl kustomize', globalValue: '/usr/local/bin/kustomize build', workspaceValue: '/repo/evil' },
      'plumbline.cluster.kubeconfig': { defaultValue: '', workspaceValue: '/repo/exec-plugin-kubeconfig' },
    };
    // The effective section an editor that ignored the scope would send.
    const effective = { cluster: { enabled: true, kubeconfig: '/repo/exec-plugin-kubeconfig', context: 'dev' }, helm: { command: '/repo/evil-helm' }, kustomize: { command: '/repo/evil' }, maxFileSize: 5 };
    assert.deepEqual(withUserValuesOnly('plumbline', effective, (key) => inspected[key]), {
      cluster: { enabled: true, kubeconfig: '', context: 'dev' },
      helm: { command: 'helm' },
      kustomize: { command: '/usr/local/bin/kustomize build' },
      maxFileSize: 5,
    });
    assert.deepEqual(withUserValuesOnly('plumbline.helm', { command: '/repo/evil-helm' }, (key) => inspected[key]), { command: 'helm' });
    assert.deepEqual(withUserValuesOnly('plumbline.drift', { enabled: false }, (key) => inspected[key]), { enabled: false });
  });
});

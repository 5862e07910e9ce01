// Git tier (issue 13): Flux repositories laid out as real ones are — two clusters sharing an
// infrastructure folder, per-cluster patches and variables, a tenant's repository, and the newer
// layout in which an ArtifactGenerator builds the sources — found and rendered as
// kustomize-controller renders them. The fixtures are written here, after the shapes of public
// Flux examples; the workspace is a real clone whose remote URL the GitRepository names.
import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { discoverEnvironments } from '../../server/src/environments/discover';
import type { Environment } from '../../server/src/environments/model';
import { DEFAULT_RENDER_OPTIONS, renderEnvironment, type RenderedObject } from '../../server/src/environments/render';
import { environmentFiles, renderWithOrigins } from '../../server/src/environments/renderMap';
import { normalizeGitUrl } from '../../server/src/files/gitRemotes';
import { previewGit } from '../../server/src/preview/gitPreview';
import { bundle } from '../support/paths';
import { FLEET_ORIGIN, issuer, kustomization, TWO_CLUSTERS } from '../support/fluxFleet';
import { helmCommand } from '../support/helm';

const git = (cwd: string, ...args: string[]): string => execFileSync('git', ['-c', 'user.name=t', '-c', 'user.email=t@example.com', ...args], { cwd, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });

function writeTree(root: string, files: Record<string, string>): void {
  for (const [path, text] of Object.entries(files)) {
    mkdirSync(dirname(join(root, path)), { recursive: true });
    writeFileSync(join(root, path), text);
  }
}

/** A repository cloned from a bare remote, whose origin URL is then set to the hosted address the Flux objects name. */
function repository(files: Record<string, string>, origin: string): string {
  const root = mkdtempSync(join(tmpdir(), 'plumbline-flux-layout-'));
  git(root, 'init', '-q', '--bare', '-b', 'main', join(root, 'remote.git'));
  git(root, 'clone', '-q', join(root, 'remote.git'), join(root, 'work'));
  const work = join(root, 'work');
  writeTree(work, files);
  git(work, 'add', '.');
  git(work, 'commit', '-q', '-m', 'fleet');
  git(work, 'remote', 'set-url', 'origin', origin);
  return work;
}

const ARTIFACTS = (env: string): string =>
  `apiVersion: source.extensions.fluxcd.io/v1beta1\nkind: ArtifactGenerator\nmetadata:\n  name: flux-system\n  namespace: flux-system\nspec:\n  sources:\n    - alias: monorepo\n      kind: GitRepository\n      name: flux-system\n  artifacts:\n    - name: infrastructure\n      originRevision: "@monorepo"\n      copy:\n        - from: "@monorepo/infrastructure/**"\n          to: "@artifact/"\n    - name: apps\n      originRevision: "@monorepo"\n      copy:\n        - from: "@monorepo/apps/base/**"\n          to: "@artifact/base/"\n        - from: "@monorepo/apps/${env}/**"\n          to: "@artifact/${env}/"\n`;

const GENERATED: Record<string, string> = {
  'clusters/staging/artifacts.yaml': ARTIFACTS('staging'),
  'clusters/staging/infrastructure.yaml': kustomization('infra-configs', '  path: ./configs\n  sourceRef:\n    kind: ExternalArtifact\n    name: infrastructure\n'),
  'clusters/staging/apps.yaml': kustomization('apps', '  path: ./staging\n  sourceRef:\n    kind: ExternalArtifact\n    name: apps\n'),
  'clusters/staging/orphan.yaml': kustomization('orphan', '  path: ./x\n  sourceRef:\n    kind: ExternalArtifact\n    name: built-elsewhere\n'),
  'clusters/production/artifacts.yaml': ARTIFACTS('production'),
  'clusters/production/apps.yaml': kustomization('apps', '  path: ./production\n  sourceRef:\n    kind: ExternalArtifact\n    name: apps\n'),
  'infrastructure/configs/kustomization.yaml': 'apiVersion: kustomize.config.k8s.io/v1beta1\nkind: Kustomization\nresources:\n  - issuer.yaml\n',
  'infrastructure/configs/issuer.yaml': issuer,
  'apps/base/kustomization.yaml': 'apiVersion: kustomize.config.k8s.io/v1beta1\nkind: Kustomization\nresources:\n  - service.yaml\n',
  'apps/base/service.yaml': 'apiVersion: v1\nkind: Service\nmetadata:\n  name: web\nspec:\n  selector: {app: web}\n  ports:\n    - port: 80\n',
  'apps/staging/kustomization.yaml': 'apiVersion: kustomize.config.k8s.io/v1beta1\nkind: Kustomization\nnamespace: shop-staging\nresources:\n  - ../base\n',
  'apps/production/kustomization.yaml': 'apiVersion: kustomize.config.k8s.io/v1beta1\nkind: Kustomization\nnamespace: shop-production\nresources:\n  - ../base\n',
};

async function rendered(root: string, env: Environment): Promise<{ objects: RenderedObject[]; notes: string[] }> {
  const r = await renderEnvironment(root, env);
  assert.ok(r.ok, `${env.name} renders: ${r.ok ? '' : r.message}`);
  return { objects: r.objects, notes: r.notes ?? [] };
}

function find(objects: readonly RenderedObject[], kind: string, name: string): RenderedObject {
  const found = objects.find((o) => o.object.kind === kind && o.object.metadata?.name === name);
  assert.ok(found !== undefined, `${kind}/${name} among ${objects.map((o) => `${o.object.kind ?? ''}/${o.object.metadata?.name ?? ''}`).join(', ')}`);
  return found;
}

function env(objects: RenderedObject, name: string): unknown {
  const containers = (objects.object as { spec: { template: { spec: { containers: { env: { name: string; value: string }[] }[] } } } }).spec.template.spec.containers;
  return containers[0]!.env.find((e) => e.name === name)?.value;
}

describe('Flux repositories as they are laid out', () => {
  let fleet: string;
  let generated: string;
  before(() => {
    // scp-like remote, ssh:// URL in the GitRepository: the same repository.
    fleet = repository(TWO_CLUSTERS, FLEET_ORIGIN);
    generated = repository(GENERATED, 'https://github.example/acme/monorepo.git');
  });
  after(() => {
    for (const root of [fleet, generated]) if (root !== undefined) rmSync(dirname(root), { recursive: true, force: true });
  });

  test('git URLs compare as one repository however they are written', () => {
    const forms = ['https://github.example/acme/fleet', 'https://GitHub.example/acme/fleet.git/', 'ssh://git@github.example/acme/fleet.git', 'ssh://git@github.example:22/acme/fleet', 'git@github.example:acme/fleet.git'];
    assert.deepEqual(new Set(forms.map(normalizeGitUrl)), new Set(['github.example/acme/fleet']));
    assert.notEqual(normalizeGitUrl('https://github.example/acme/fleet-tenant'), normalizeGitUrl('https://github.example/acme/fleet'));
  });

  test('rendering the parents finds the same units as the files: a child from another repository is not taken for one only a render has', async () => {
    const summary = (envs: Environment[]): string[] => envs.map((e) => `${e.name} | ${e.paths.join()} | ${e.unrendered ?? ''}`);
    const fromFiles = await discoverEnvironments(fleet);
    const rendered = await discoverEnvironments(fleet, { ...DEFAULT_RENDER_OPTIONS, helm: helmCommand() });
    assert.deepEqual(summary(rendered.environments), summary(fromFiles.environments));
  });

  test('two clusters applying one infrastructure folder are two environments, each with its own patches', async () => {
    const { environments, problems } = await discoverEnvironments(fleet);
    assert.deepEqual(problems, []);
    const configs = environments.filter((e) => e.paths[0] === 'infrastructure/configs');
    assert.deepEqual(configs.map((e) => e.name).sort(), ['production (infra-configs)', 'staging (infra-configs)']);
    const servers = new Map<string, unknown>();
    for (const e of configs) {
      const issuerOf = find((await rendered(fleet, e)).objects, 'ClusterIssuer', 'letsencrypt');
      servers.set(e.name.split(' ')[0]!, (issuerOf.object as { spec: { acme: { server: string } } }).spec.acme.server);
      assert.equal(issuerOf.source, join(fleet, 'infrastructure/configs/issuer.yaml'), 'the patched object still maps to its file');
    }
    assert.deepEqual(Object.fromEntries(servers), { staging: 'https://acme-staging.example/directory', production: 'https://acme.example/directory' });
    // A finding on the patched field belongs on the patch, in the cluster's Flux Kustomization.
    const production = configs.find((e) => e.name.startsWith('production'))!;
    const mapped = await renderWithOrigins(fleet, production, await environmentFiles(fleet, production), DEFAULT_RENDER_OPTIONS);
    assert.ok(mapped.ok, mapped.ok ? '' : mapped.message);
    const issuerOrigins = mapped.objects.find((o) => o.identity.kind === 'ClusterIssuer')!.origins;
    assert.deepEqual(issuerOrigins.originOf(['spec', 'acme', 'server']), { file: join(fleet, 'clusters/production/infrastructure.yaml'), document: 0, path: ['spec', 'patches', 0], exact: true, via: 'json6902' });
    assert.equal(issuerOrigins.originOf(['spec', 'acme', 'privateKeySecretRef', 'name'])?.file, join(fleet, 'infrastructure/configs/issuer.yaml'), 'fields the patch does not touch stay in the base');
  });

  test('a Kustomization whose source is another repository is not rendered from a guessed folder', async () => {
    const { environments } = await discoverEnvironments(fleet);
    const tenant = environments.find((e) => e.delivery.kind === 'flux' && e.delivery.name === 'tenant');
    assert.ok(tenant !== undefined, environments.map((e) => e.name).join(', '));
    assert.deepEqual(tenant.paths, []);
    assert.equal(tenant.unrendered, 'source is another repository (https://github.example/acme/tenant-team@main), not this workspace');
    const r = await renderEnvironment(fleet, tenant);
    assert.deepEqual(r, { ok: false, kind: 'elsewhere', message: 'not rendered: source is another repository (https://github.example/acme/tenant-team@main), not this workspace' });
    const argo = Object.fromEntries(environments.filter((e) => e.delivery.kind === 'argocd').map((e) => [e.name, e.unrendered]));
    assert.deepEqual(argo, { guestbook: 'source is another repository (https://github.example/argoproj/example-apps.git@HEAD), not this workspace', dashboards: 'source is jsonnet, which Plumbline does not evaluate' });
    const flux = environments.find((e) => e.delivery.kind === 'flux' && e.delivery.name === 'flux-system' && e.paths[0] === 'clusters/staging');
    assert.ok(flux?.foundBy.some((f) => f.includes('GitRepository flux-system/flux-system is this repository (main)')), JSON.stringify(flux?.foundBy));
  });

  test("kustomize-controller's steps: images, namePrefix, targetNamespace, commonMetadata, then postBuild variables", async () => {
    const { environments } = await discoverEnvironments(fleet);
    const apps = (cluster: string): Environment => {
      const e = environments.find((x) => x.paths[0] === `apps/${cluster}`);
      assert.ok(e !== undefined, environments.map((x) => x.name).join(', '));
      return e;
    };
    // staging: a plain folder, built through a kustomization of its files as Flux generates one.
    const staging = await rendered(fleet, apps('staging'));
    const web = find(staging.objects, 'Deployment', 'stag-web');
    const spec = web.object as { metadata: { namespace: string; labels: Record<string, string> }; spec: { replicas: unknown; selector: { matchLabels: Record<string, string> }; template: { spec: { containers: { image: string }[] } } } };
    assert.equal(spec.metadata.namespace, 'shop-staging');
    assert.equal(spec.spec.template.spec.containers[0]!.image, 'registry.example/web:2.0');
    assert.deepEqual(spec.metadata.labels, { team: 'shop' });
    assert.deepEqual(spec.spec.selector.matchLabels, { app: 'web' }, 'common metadata stays out of selectors');
    assert.equal(spec.spec.replicas, 2, 'a whole-value variable takes its YAML type');
    assert.equal(env(web, 'HOST'), 'web.staging.example');
    assert.equal(env(web, 'REGION'), 'eu-west-1', 'the default, when Git has no value');
    assert.equal(env(web, 'LITERAL'), '${KEEP}', '$${…} is an escape');
    assert.equal(env(web, 'API_KEY'), '${API_KEY}', 'a variable Git has no value for stays as written');
    assert.equal(web.source, join(fleet, 'apps/staging/deployment.yaml'));
    assert.equal((find(staging.objects, 'ConfigMap', 'stag-notes').object as { data: Record<string, string> }).data['template'], '${RAW}', 'substitution disabled by annotation');
    assert.deepEqual(staging.notes, ['Flux postBuild: no value in Git for ${API_KEY}; left as written (their values may be in ConfigMap flux-system/made-in-cluster, which Git does not hold)']);
    // What the controller's steps write is found where they are written: the Flux Kustomization's own lines.
    const mapped = await renderWithOrigins(fleet, apps('staging'), await environmentFiles(fleet, apps('staging')), DEFAULT_RENDER_OPTIONS);
    assert.ok(mapped.ok, mapped.ok ? '' : mapped.message);
    const webOrigins = mapped.objects.find((o) => o.identity.kind === 'Deployment')!.origins;
    const fluxFile = webOrigins.originOf(['metadata', 'namespace'])?.file ?? '';
    assert.match(fluxFile, /clusters\/staging\//);
    assert.deepEqual(webOrigins.originOf(['metadata', 'namespace'])?.path, ['spec', 'targetNamespace']);
    assert.deepEqual(webOrigins.originOf(['metadata', 'labels', 'team'])?.path, ['spec', 'commonMetadata', 'labels', 'team']);
    assert.deepEqual(webOrigins.originOf(['metadata', 'name'])?.path, ['spec', 'namePrefix']);
    assert.equal(webOrigins.originOf(['spec', 'selector', 'matchLabels', 'app'])?.file, join(fleet, 'apps/staging/deployment.yaml'), 'common metadata stays out of selectors');

    // production: its own cluster-vars (nearest the Kustomization), its Secret decoded.
    const production = await rendered(fleet, apps('production'));
    const prodWeb = find(production.objects, 'Deployment', 'prod-web');
    assert.equal((prodWeb.object as { spec: { replicas: unknown } }).spec.replicas, 4);
    assert.equal(env(prodWeb, 'HOST'), 'web.shop.example');
    assert.equal(env(prodWeb, 'REGION'), 'us-east-2');
    assert.equal(env(prodWeb, 'API_KEY'), 'prod-key');
    assert.deepEqual(production.notes, []);
  });

  test('plumbline envs names each render step, and why an environment is not rendered', () => {
    const run = spawnSync(process.execPath, [bundle('cli.js'), 'envs'], { cwd: fleet, encoding: 'utf8' });
    assert.equal(run.status, 0, run.stderr);
    assert.match(run.stdout, /flux: +images registry\.example\/web; namePrefix stag-; targetNamespace shop-staging; commonMetadata; postBuild 2 variables \(not in Git: ConfigMap flux-system\/made-in-cluster\)/);
    assert.match(run.stdout, /flux: +1 patch\n/);
    assert.match(run.stdout, /paths: +none in this workspace: source is another repository \(https:\/\/github\.example\/acme\/tenant-team@main\)/);
  });

  test('an edit in the shared infrastructure folder shows in every cluster that applies it', async () => {
    writeFileSync(join(fleet, 'infrastructure/configs/issuer.yaml'), issuer.replace('privateKeySecretRef:\n      name: letsencrypt', 'privateKeySecretRef:\n      name: letsencrypt-key'));
    try {
      const preview = await previewGit(fleet, { trusted: true, kustomize: ['kubectl', 'kustomize'] });
      assert.ok(preview.ok, preview.ok ? '' : preview.error.message);
      const changed = preview.value.environments.filter((e) => e.changes.length > 0).map((e) => e.environment).sort();
      assert.deepEqual(changed, ['production (infra-configs)', 'staging (infra-configs)']);
    } finally {
      git(fleet, 'checkout', '--', 'infrastructure');
    }
  });

  test('the ArtifactGenerator layout: each cluster’s artifact maps back to the folders it copies', async () => {
    const { environments } = await discoverEnvironments(generated);
    const paths = environments.map((e) => [e.name, e.paths.join(), e.unrendered ?? '']).sort();
    assert.deepEqual(paths, [
      ['production', 'apps/production', ''],
      ['staging (apps)', 'apps/staging', ''],
      ['staging (infra-configs)', 'infrastructure/configs', ''],
      ['staging (orphan)', '', 'source is ExternalArtifact flux-system/built-elsewhere, and no ArtifactGenerator in this repository builds it'],
    ]);
    const production = environments.find((e) => e.name === 'production')!;
    const objects = (await rendered(generated, production)).objects;
    assert.equal(find(objects, 'Service', 'web').object.metadata?.namespace, 'shop-production');
  });
});

describe('a single-cluster repository whose Kustomizations apply further Kustomizations', () => {
  test('every unit belongs to the cluster that delivers it, to any depth, with its dependsOn', async () => {
    const ks = (name: string, path: string, dependsOn?: string): string => kustomization(name, `  path: ${path}\n  sourceRef:\n    kind: GitRepository\n    name: flux-system\n${dependsOn !== undefined ? `  dependsOn:\n    - name: ${dependsOn}\n` : ''}`);
    const root = repository(
      {
        'clusters/home/flux-system/gotk-sync.yaml': ks('flux-system', './clusters/home'),
        'clusters/home/apps.yaml': ks('cluster-apps', './kubernetes/apps'),
        'kubernetes/apps/kustomization.yaml': 'apiVersion: kustomize.config.k8s.io/v1beta1\nkind: Kustomization\nresources:\n  - media\n  - storage/volsync/ks.yaml\n',
        'kubernetes/apps/media/kustomization.yaml': 'apiVersion: kustomize.config.k8s.io/v1beta1\nkind: Kustomization\nresources:\n  - jellyfin/ks.yaml\n',
        'kubernetes/apps/media/jellyfin/ks.yaml': ks('jellyfin', './kubernetes/apps/media/jellyfin/app', 'volsync'),
        'kubernetes/apps/media/jellyfin/app/kustomization.yaml': 'apiVersion: kustomize.config.k8s.io/v1beta1\nkind: Kustomization\nnamespace: media\nresources:\n  - service.yaml\n',
        'kubernetes/apps/media/jellyfin/app/service.yaml': 'apiVersion: v1\nkind: Service\nmetadata:\n  name: jellyfin\nspec:\n  ports:\n    - port: 8096\n',
        'kubernetes/apps/storage/volsync/ks.yaml': ks('volsync', './kubernetes/apps/storage/volsync/app'),
        'kubernetes/apps/storage/volsync/app/kustomization.yaml': 'apiVersion: kustomize.config.k8s.io/v1beta1\nkind: Kustomization\nnamespace: storage\nresources:\n  - config.yaml\n',
        'kubernetes/apps/storage/volsync/app/config.yaml': 'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: volsync\n',
      },
      'https://github.example/me/home-ops.git',
    );
    try {
      const { environments } = await discoverEnvironments(root);
      assert.deepEqual(
        environments.map((e) => [e.name, e.cluster, e.paths.join(), e.dependsOn ?? []]),
        [
          ['home (cluster-apps)', 'home', 'kubernetes/apps', []],
          ['home (flux-system)', 'home', 'clusters/home', []],
          ['home (jellyfin)', 'home', 'kubernetes/apps/media/jellyfin/app', ['volsync']],
          ['home (volsync)', 'home', 'kubernetes/apps/storage/volsync/app', []],
        ],
      );
      // The parent applies its children as objects: the Kustomizations, not their manifests.
      const parent = (await rendered(root, environments[0]!)).objects.map((o) => `${o.object.kind ?? ''}/${o.object.metadata?.name ?? ''}`).sort();
      assert.deepEqual(parent, ['Kustomization/jellyfin', 'Kustomization/volsync']);
    } finally {
      rmSync(dirname(root), { recursive: true, force: true });
    }
  });

  test("a child is applied as its parent renders it: the parent's patch on every Kustomization gives it postBuild variables and a target namespace", async () => {
    // As home-lab repositories do: the entry Kustomization patches each child to read cluster-settings.
    const patch = [
      '    - target:',
      '        group: kustomize.toolkit.fluxcd.io',
      '        kind: Kustomization',
      '      patch: |-',
      '        apiVersion: kustomize.toolkit.fluxcd.io/v1',
      '        kind: Kustomization',
      '        metadata:',
      '          name: not-used',
      '        spec:',
      '          targetNamespace: web',
      '          postBuild:',
      '            substituteFrom:',
      '              - kind: ConfigMap',
      '                name: cluster-settings',
      '',
    ].join('\n');
    const files = {
      'clusters/home/apps.yaml': kustomization('cluster-apps', `  path: ./kubernetes/apps\n  sourceRef:\n    kind: GitRepository\n    name: flux-system\n  patches:\n${patch}`),
      'clusters/home/settings.yaml': 'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: cluster-settings\n  namespace: flux-system\ndata:\n  DOMAIN: home.example\n',
      'kubernetes/apps/kustomization.yaml': 'apiVersion: kustomize.config.k8s.io/v1beta1\nkind: Kustomization\nresources:\n  - web/ks.yaml\n',
      'kubernetes/apps/web/ks.yaml': kustomization('web', '  path: ./kubernetes/apps/web/app\n  sourceRef:\n    kind: GitRepository\n    name: flux-system\n'),
      'kubernetes/apps/web/app/cm.yaml': 'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: web\ndata:\n  host: web.${DOMAIN}\n',
    };
    const root = repository(files, 'https://github.example/me/home-ops.git');
    try {
      const web = async (env: Environment | undefined): Promise<{ namespace: string | undefined; host: string | undefined; notes: string[] }> => {
        assert.ok(env !== undefined);
        const out = await rendered(root, env);
        const cm = find(out.objects, 'ConfigMap', 'web').object as { metadata: { namespace?: string }; data: { host: string } };
        return { namespace: cm.metadata.namespace, host: cm.data.host, notes: out.notes };
      };
      const render = { ...DEFAULT_RENDER_OPTIONS, helm: helmCommand() };
      const { environments } = await discoverEnvironments(root, render);
      const unit = environments.find((e) => e.delivery.kind === 'flux' && e.delivery.name === 'web');
      assert.equal(unit?.target.namespace, 'web');
      assert.deepEqual(await web(unit), { namespace: 'web', host: 'web.home.example', notes: [] });
      // Read from its file alone (no render allowed), the child knows neither: what kustomize-controller would not apply.
      const fromFiles = (await discoverEnvironments(root)).environments.find((e) => e.delivery.kind === 'flux' && e.delivery.name === 'web');
      assert.deepEqual((await web(fromFiles)).host, 'web.${DOMAIN}');
    } finally {
      rmSync(dirname(root), { recursive: true, force: true });
    }
  });
});

describe('layouts without clusters/, and tenants', () => {
  test('a repository bootstrapped without clusters/: the entry Kustomization names the one cluster; folders without a kustomization build as Flux generates one', async () => {
    const ks = (name: string, path: string, extra = ''): string => kustomization(name, `  path: ${path}\n  sourceRef:\n    kind: GitRepository\n    name: flux-system\n    namespace: flux-system\n${extra}`);
    const root = repository(
      {
        'kubernetes/flux/cluster/ks.yaml': ks('cluster-apps', './kubernetes/apps'),
        // No kustomization in kubernetes/apps: each namespace folder has its own, renaming a shared Namespace.
        'kubernetes/apps/media/kustomization.yaml': 'apiVersion: kustomize.config.k8s.io/v1beta1\nkind: Kustomization\nnamespace: media\nresources:\n  - ./namespace.yaml\n  - ./jellyfin/ks.yaml\n',
        'kubernetes/apps/media/namespace.yaml': 'apiVersion: v1\nkind: Namespace\nmetadata:\n  name: _\n',
        'kubernetes/apps/media/jellyfin/ks.yaml': ks('jellyfin', './kubernetes/apps/media/jellyfin/app', '  targetNamespace: media\n  components:\n    - ../../../../components/backup\n  postBuild:\n    substitute:\n      APP: jellyfin\n'),
        'kubernetes/apps/media/jellyfin/app/kustomization.yaml': 'apiVersion: kustomize.config.k8s.io/v1beta1\nkind: Kustomization\nresources:\n  - ./helmrelease.yaml\n',
        'kubernetes/apps/media/jellyfin/app/helmrelease.yaml': 'apiVersion: helm.toolkit.fluxcd.io/v2\nkind: HelmRelease\nmetadata:\n  name: jellyfin\nspec:\n  interval: 1h\n  chartRef:\n    kind: OCIRepository\n    name: app-template\n',
        'kubernetes/apps/storage/kustomization.yaml': 'apiVersion: kustomize.config.k8s.io/v1beta1\nkind: Kustomization\nnamespace: storage\nresources:\n  - ./namespace.yaml\n',
        'kubernetes/apps/storage/namespace.yaml': 'apiVersion: v1\nkind: Namespace\nmetadata:\n  name: _\n',
        'kubernetes/components/backup/kustomization.yaml': 'apiVersion: kustomize.config.k8s.io/v1alpha1\nkind: Component\nresources:\n  - ./claim.yaml\n',
        'kubernetes/components/backup/claim.yaml': 'apiVersion: v1\nkind: PersistentVolumeClaim\nmetadata:\n  name: ${APP}-backup\nspec:\n  accessModes: [ReadWriteOnce]\n  resources:\n    requests:\n      storage: 1Gi\n',
      },
      'https://github.example/me/home-ops.git',
    );
    try {
      const { environments } = await discoverEnvironments(root);
      assert.deepEqual(
        environments.map((e) => [e.name, e.cluster, e.unrendered === undefined ? 'rendered' : 'elsewhere']),
        [
          ['cluster-apps (cluster-apps)', 'cluster-apps', 'rendered'],
          ['cluster-apps (jellyfin, HelmRelease)', 'cluster-apps', 'elsewhere'],
          ['cluster-apps (jellyfin)', 'cluster-apps', 'rendered'],
        ],
      );
      const apps = (await rendered(root, environments[0]!)).objects.map((o) => `${o.object.kind ?? ''}/${o.object.metadata?.name ?? ''}`).sort();
      assert.deepEqual(apps, ['Kustomization/jellyfin', 'Namespace/media', 'Namespace/storage']);
      const jellyfin = (await rendered(root, environments[2]!)).objects.map((o) => `${o.object.kind ?? ''}/${o.object.metadata?.namespace ?? ''}/${o.object.metadata?.name ?? ''}`).sort();
      assert.deepEqual(jellyfin, ['HelmRelease/media/jellyfin', 'PersistentVolumeClaim/media/jellyfin-backup']);
      // Applied with targetNamespace media, the HelmRelease's chartRef names an OCIRepository of media.
      assert.match(environments[1]!.unrendered ?? '', /^the chart comes from OCIRepository media\/app-template and is not in the workspace; nothing is downloaded$/);
    } finally {
      rmSync(dirname(root), { recursive: true, force: true });
    }
  });

  test('each unit and HelmRelease is named in the namespace Flux applies it in: a folder kustomization\'s namespace, a parent\'s targetNamespace', async () => {
    // As home-lab repositories lay it out: kubernetes/apps/<namespace>/kustomization.yaml sets the
    // namespace of the app Kustomizations it lists, and each app's Kustomization gives its
    // HelmRelease and OCIRepository a targetNamespace; nothing in the files says flux-system.
    const ks = (name: string, path: string, extra = ''): string => `apiVersion: kustomize.toolkit.fluxcd.io/v1\nkind: Kustomization\nmetadata:\n  name: ${name}\nspec:\n  interval: 1h\n  path: ${path}\n  sourceRef:\n    kind: GitRepository\n    name: flux-system\n    namespace: flux-system\n${extra}`;
    const release = (name: string): string => `apiVersion: helm.toolkit.fluxcd.io/v2\nkind: HelmRelease\nmetadata:\n  name: ${name}\nspec:\n  interval: 1h\n  chartRef:\n    kind: OCIRepository\n    name: ${name}\n`;
    const oci = (name: string): string => `apiVersion: source.toolkit.fluxcd.io/v1\nkind: OCIRepository\nmetadata:\n  name: ${name}\nspec:\n  interval: 1h\n  url: oci://registry.example/charts/app-template\n  ref:\n    tag: 4.0.0\n`;
    const files = {
      'kubernetes/flux/cluster/ks.yaml': `apiVersion: kustomize.toolkit.fluxcd.io/v1\nkind: Kustomization\nmetadata:\n  name: cluster-apps\n  namespace: flux-system\nspec:\n  interval: 1h\n  path: ./kubernetes/apps\n  sourceRef:\n    kind: GitRepository\n    name: flux-system\n`,
      'kubernetes/apps/media/kustomization.yaml': 'apiVersion: kustomize.config.k8s.io/v1beta1\nkind: Kustomization\nnamespace: media\nresources:\n  - ./plex/ks.yaml\n  - ./sonarr/ks.yaml\n',
      'kubernetes/apps/media/plex/ks.yaml': ks('plex', './kubernetes/apps/media/plex/app', '  targetNamespace: media\n'),
      'kubernetes/apps/media/plex/app/kustomization.yaml': 'apiVersion: kustomize.config.k8s.io/v1beta1\nkind: Kustomization\nresources:\n  - ./helmrelease.yaml\n  - ./ocirepository.yaml\n',
      'kubernetes/apps/media/plex/app/helmrelease.yaml': release('plex'),
      'kubernetes/apps/media/plex/app/ocirepository.yaml': oci('plex'),
      // No targetNamespace: the app's own kustomization names the namespace.
      'kubernetes/apps/media/sonarr/ks.yaml': ks('sonarr', './kubernetes/apps/media/sonarr/app'),
      'kubernetes/apps/media/sonarr/app/kustomization.yaml': 'apiVersion: kustomize.config.k8s.io/v1beta1\nkind: Kustomization\nnamespace: downloads\nresources:\n  - ./helmrelease.yaml\n  - ./ocirepository.yaml\n',
      'kubernetes/apps/media/sonarr/app/helmrelease.yaml': release('sonarr'),
      'kubernetes/apps/media/sonarr/app/ocirepository.yaml': oci('sonarr'),
    };
    const root = repository(files, 'https://github.example/me/home-ops.git');
    try {
      const namespaces = (environments: readonly Environment[]): string[][] =>
        environments.map((e) => [e.name, e.delivery.kind === 'direct' ? '' : `${e.delivery.namespace}/${e.delivery.name}`, e.target.namespace ?? '', e.foundBy.join('; ')]);
      const expected = [
        ['cluster-apps (cluster-apps)', 'flux-system/cluster-apps', '', 'Flux Kustomization flux-system/cluster-apps in kubernetes/flux/cluster/ks.yaml'],
        ['cluster-apps (plex, HelmRelease)', 'media/plex', 'media', 'Flux HelmRelease media/plex in kubernetes/apps/media/plex/app/helmrelease.yaml'],
        ['cluster-apps (plex)', 'media/plex', 'media', 'Flux Kustomization media/plex in kubernetes/apps/media/plex/ks.yaml'],
        ['cluster-apps (sonarr, HelmRelease)', 'downloads/sonarr', 'downloads', 'Flux HelmRelease downloads/sonarr in kubernetes/apps/media/sonarr/app/helmrelease.yaml'],
        ['cluster-apps (sonarr)', 'media/sonarr', '', 'Flux Kustomization media/sonarr in kubernetes/apps/media/sonarr/ks.yaml'],
      ];
      // From the files alone (an untrusted workspace renders nothing) and with the parents rendered.
      const fromFiles = (await discoverEnvironments(root)).environments;
      assert.deepEqual(namespaces(fromFiles), expected);
      const withRenders = (await discoverEnvironments(root, { ...DEFAULT_RENDER_OPTIONS, helm: helmCommand() })).environments;
      assert.deepEqual(namespaces(withRenders), expected);
      // The chart's source is found in the namespace it is applied in, with its URL.
      assert.equal(fromFiles[1]!.unrendered, 'the chart comes from OCIRepository media/plex (oci://registry.example/charts/app-template) and is not in the workspace; nothing is downloaded');
      assert.equal(fromFiles[3]!.unrendered, 'the chart comes from OCIRepository downloads/sonarr (oci://registry.example/charts/app-template) and is not in the workspace; nothing is downloaded');
    } finally {
      rmSync(dirname(root), { recursive: true, force: true });
    }
  });

  test("postBuild.substituteFrom and valuesFrom are read in the namespace Flux applies the Kustomization or HelmRelease in, not the one its file writes", async () => {
    // As home-lab repositories write them: app ks.yaml files and HelmReleases name no namespace; the
    // folder's kustomization sets it. kustomize-controller reads substituteFrom in the Kustomization's
    // own namespace, helm-controller valuesFrom in the HelmRelease's: a same-named ConfigMap in
    // flux-system is not theirs.
    const cm = (name: string, namespace: string | undefined, data: string): string => `apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: ${name}\n${namespace !== undefined ? `  namespace: ${namespace}\n` : ''}data:\n${data}`;
    const files = {
      'kubernetes/flux/cluster/ks.yaml': 'apiVersion: kustomize.toolkit.fluxcd.io/v1\nkind: Kustomization\nmetadata:\n  name: cluster-apps\n  namespace: flux-system\nspec:\n  interval: 1h\n  path: ./kubernetes/apps\n  sourceRef:\n    kind: GitRepository\n    name: flux-system\n',
      // Same names in flux-system, beside the entry point: what the lookup by written namespace found.
      'kubernetes/flux/cluster/decoys.yaml': `${cm('tunnel-vars', 'flux-system', '  TUNNEL_ID: wrong\n')}---\n${cm('web-values', 'flux-system', '  values.yaml: |\n    replicas: 9\n')}`,
      'kubernetes/apps/network/kustomization.yaml': 'apiVersion: kustomize.config.k8s.io/v1beta1\nkind: Kustomization\nnamespace: network\nresources:\n  - ./tunnel-vars.yaml\n  - ./tunnel/ks.yaml\n  - ./web/ks.yaml\n',
      'kubernetes/apps/network/tunnel-vars.yaml': cm('tunnel-vars', undefined, '  TUNNEL_ID: net-1234\n'),
      'kubernetes/apps/network/tunnel/ks.yaml': 'apiVersion: kustomize.toolkit.fluxcd.io/v1\nkind: Kustomization\nmetadata:\n  name: tunnel\nspec:\n  interval: 1h\n  path: ./kubernetes/apps/network/tunnel/app\n  sourceRef:\n    kind: GitRepository\n    name: flux-system\n    namespace: flux-system\n  postBuild:\n    substituteFrom:\n      - kind: ConfigMap\n        name: tunnel-vars\n      - kind: Secret\n        name: tunnel-credentials\n',
      'kubernetes/apps/network/tunnel/app/kustomization.yaml': 'apiVersion: kustomize.config.k8s.io/v1beta1\nkind: Kustomization\nresources:\n  - ./config.yaml\n',
      'kubernetes/apps/network/tunnel/app/config.yaml': cm('tunnel', undefined, '  id: ${TUNNEL_ID}\n'),
      'kubernetes/apps/network/web/ks.yaml': 'apiVersion: kustomize.toolkit.fluxcd.io/v1\nkind: Kustomization\nmetadata:\n  name: web\nspec:\n  interval: 1h\n  path: ./kubernetes/apps/network/web/app\n  sourceRef:\n    kind: GitRepository\n    name: flux-system\n    namespace: flux-system\n',
      'kubernetes/apps/network/web/app/kustomization.yaml': 'apiVersion: kustomize.config.k8s.io/v1beta1\nkind: Kustomization\nnamespace: network\nresources:\n  - ./helmrelease.yaml\n  - ./values.yaml\n',
      'kubernetes/apps/network/web/app/values.yaml': cm('web-values', undefined, '  values.yaml: |\n    replicas: 3\n'),
      'kubernetes/apps/network/web/app/helmrelease.yaml': 'apiVersion: helm.toolkit.fluxcd.io/v2\nkind: HelmRelease\nmetadata:\n  name: web\nspec:\n  interval: 1h\n  chart:\n    spec:\n      chart: ./charts/web\n      sourceRef:\n        kind: GitRepository\n        name: flux-system\n        namespace: flux-system\n  valuesFrom:\n    - kind: ConfigMap\n      name: web-values\n',
      'charts/web/Chart.yaml': 'apiVersion: v2\nname: web\nversion: 1.0.0\n',
      'charts/web/values.yaml': 'replicas: 1\n',
      'charts/web/templates/deployment.yaml': 'apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: web\nspec:\n  replicas: {{ .Values.replicas }}\n',
    };
    const root = repository(files, 'https://github.example/me/home-ops.git');
    try {
      for (const render of [undefined, { ...DEFAULT_RENDER_OPTIONS, helm: helmCommand() }]) {
        const { environments, problems } = await discoverEnvironments(root, render);
        const tunnel = environments.find((e) => e.delivery.kind === 'flux' && e.delivery.name === 'tunnel')!;
        assert.equal(tunnel.delivery.kind === 'flux' ? tunnel.delivery.namespace : '', 'network');
        assert.deepEqual(tunnel.flux?.substitute?.vars, { TUNNEL_ID: 'net-1234' });
        assert.deepEqual(tunnel.flux?.substitute?.from, { TUNNEL_ID: { kind: 'ConfigMap', namespace: 'network', name: 'tunnel-vars', file: join(root, 'kubernetes/apps/network/tunnel-vars.yaml') } });
        // A value Git does not hold is named where Flux would look for it.
        assert.deepEqual(tunnel.flux?.substitute?.notInGit, ['Secret network/tunnel-credentials']);
        const web = environments.find((e) => e.delivery.kind === 'flux' && e.delivery.resource === 'HelmRelease')!;
        assert.equal(web.delivery.kind === 'flux' ? web.delivery.namespace : '', 'network');
        assert.deepEqual(web.renderer.kind === 'helm' ? web.renderer.values : undefined, { replicas: 3 });
        assert.deepEqual(problems.filter((p) => /valuesFrom/.test(p)), []);
        if (render !== undefined) {
          const rendered = await renderEnvironment(root, tunnel, render);
          assert.ok(rendered.ok, JSON.stringify(rendered));
          assert.deepEqual(rendered.objects.map((o) => o.object.data), [{ id: 'net-1234' }]);
        }
      }
    } finally {
      rmSync(dirname(root), { recursive: true, force: true });
    }
  });

  test('Flux objects no Kustomization of the cluster applies (an .archive folder of retired apps) are not environments, and are named once; those beside the entry point are units of its cluster', async () => {
    // As home-lab repositories keep retired apps: .archive/<app>/ks.yaml still names the path the app
    // had (gone now, or the live app's), beside its HelmRelease. Flux never sees them: nothing applies them.
    const ks = (name: string, path: string): string => `apiVersion: kustomize.toolkit.fluxcd.io/v1\nkind: Kustomization\nmetadata:\n  name: ${name}\n  namespace: flux-system\nspec:\n  interval: 1h\n  path: ${path}\n  sourceRef:\n    kind: GitRepository\n    name: flux-system\n`;
    const release = (name: string): string => `apiVersion: helm.toolkit.fluxcd.io/v2\nkind: HelmRelease\nmetadata:\n  name: ${name}\nspec:\n  interval: 1h\n  chart:\n    spec:\n      chart: app-template\n      sourceRef:\n        kind: HelmRepository\n        name: charts\n`;
    const files = {
      'kubernetes/flux/cluster/ks.yaml': ks('cluster-apps', './kubernetes/apps'),
      // A sibling of the entry point in the folder the cluster syncs: applied by the same bootstrap, a unit of its cluster.
      'kubernetes/flux/cluster/settings.yaml': ks('cluster-settings', './kubernetes/settings'),
      'kubernetes/flux/cluster/helmrelease.yaml': release('tools'),
      'kubernetes/settings/cm.yaml': 'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: settings\n  namespace: flux-system\n',
      'kubernetes/apps/kustomization.yaml': 'apiVersion: kustomize.config.k8s.io/v1beta1\nkind: Kustomization\nresources:\n  - ./web/ks.yaml\n',
      'kubernetes/apps/web/ks.yaml': ks('web', './kubernetes/apps/web/app'),
      'kubernetes/apps/web/app/helmrelease.yaml': release('web'),
      '.archive/kubernetes/old/ks.yaml': ks('old', './kubernetes/apps/old/app'),
      '.archive/kubernetes/old/app/helmrelease.yaml': release('old'),
      // Retired, but naming the live app's folder: still not a unit of its own.
      '.archive/kubernetes/web/ks.yaml': ks('web', './kubernetes/apps/web/app'),
    };
    const root = repository(files, 'https://github.example/me/home-ops.git');
    try {
      const { environments, problems } = await discoverEnvironments(root);
      assert.deepEqual(
        environments.map((e) => [e.name, e.cluster, e.foundBy.join('; ')]),
        [
          ['cluster-apps (cluster-apps)', 'cluster-apps', 'Flux Kustomization flux-system/cluster-apps in kubernetes/flux/cluster/ks.yaml'],
          ['cluster-apps (cluster-settings)', 'cluster-apps', 'Flux Kustomization flux-system/cluster-settings in kubernetes/flux/cluster/settings.yaml'],
          ['cluster-apps (tools)', 'cluster-apps', 'Flux HelmRelease flux-system/tools in kubernetes/flux/cluster/helmrelease.yaml'],
          ['cluster-apps (web, HelmRelease)', 'cluster-apps', 'Flux HelmRelease flux-system/web in kubernetes/apps/web/app/helmrelease.yaml'],
          ['cluster-apps (web)', 'cluster-apps', 'Flux Kustomization flux-system/web in kubernetes/apps/web/ks.yaml'],
        ],
      );
      assert.deepEqual(problems, [
        '3 Flux objects are in files no Kustomization of the cluster cluster-apps applies, so Flux does not deliver them from this repository and they are not environments: Kustomization flux-system/old in .archive/kubernetes/old/ks.yaml, Kustomization flux-system/web in .archive/kubernetes/web/ks.yaml, HelmRelease flux-system/old in .archive/kubernetes/old/app/helmrelease.yaml',
      ]);
    } finally {
      rmSync(dirname(root), { recursive: true, force: true });
    }
  });

  test('a unit whose kustomization lists a remote resource this machine cannot fetch says so in one line, with the URL', async () => {
    // As bjw-s/home-ops installs a CRD: by its raw URL beside the app's own files. `.invalid` never resolves.
    const url = 'https://plumbline.invalid/silence-operator/v0.11.2/crd.yaml';
    const files = {
      'clusters/home/apps.yaml': kustomization('silences', '  path: ./apps/silences\n  sourceRef:\n    kind: GitRepository\n    name: flux-system\n'),
      'apps/silences/kustomization.yaml': `apiVersion: kustomize.config.k8s.io/v1beta1\nkind: Kustomization\nresources:\n  - ${url}\n  - ./rbac.yaml\n`,
      'apps/silences/rbac.yaml': 'apiVersion: v1\nkind: ServiceAccount\nmetadata:\n  name: silences\n  namespace: monitoring\n',
    };
    const root = repository(files, 'https://github.example/me/home-ops.git');
    try {
      const { environments } = await discoverEnvironments(root);
      const unit = environments.find((e) => e.delivery.kind === 'flux' && e.delivery.name === 'silences');
      assert.ok(unit !== undefined);
      const r = await renderEnvironment(root, unit);
      assert.ok(!r.ok);
      assert.equal(r.kind, 'render-error');
      assert.match(
        r.message,
        /^kustomize failed for apps\/silences: the remote resource https:\/\/plumbline\.invalid\/silence-operator\/v0\.11\.2\/crd\.yaml could not be fetched from this machine \([^)]+\); kustomize-controller fetches it when it builds the unit, so it renders here only with network access to that host$/,
      );
    } finally {
      rmSync(dirname(root), { recursive: true, force: true });
    }
  });

  test('a clone whose origin predates a repository transfer: the other repository says how to map it, and .plumbline.yaml repositoryURLs maps it', async () => {
    // The repository moved from old-owner to new-owner; the cluster's GitRepository names the new
    // address, this clone's origin still the old one. Same name, other owner: never assumed to be this one.
    const git = (name: string, url: string): string => `apiVersion: source.toolkit.fluxcd.io/v1\nkind: GitRepository\nmetadata:\n  name: ${name}\n  namespace: flux-system\nspec:\n  interval: 1m\n  url: ${url}\n  ref:\n    branch: main\n`;
    const files = {
      'clusters/home/flux-system/gotk-sync.yaml': `${git('flux-system', 'ssh://git@github.example/new-owner/home-ops')}---\n${kustomization('flux-system', '  path: ./clusters/home\n  sourceRef:\n    kind: GitRepository\n    name: flux-system\n')}`,
      'clusters/home/apps.yaml': kustomization('apps', '  path: ./apps\n  sourceRef:\n    kind: GitRepository\n    name: flux-system\n'),
      // A repository of another name is another repository, with no hint.
      'clusters/home/charts.yaml': `${git('charts', 'https://github.example/new-owner/charts')}---\n${kustomization('charts', '  path: ./deploy\n  sourceRef:\n    kind: GitRepository\n    name: charts\n')}`,
      'apps/cm.yaml': 'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: hello\n',
      'argocd/web.yaml': 'apiVersion: argoproj.io/v1alpha1\nkind: Application\nmetadata:\n  name: web\n  namespace: argocd\nspec:\n  project: default\n  source:\n    repoURL: https://github.example/new-owner/home-ops.git\n    path: apps\n  destination:\n    server: https://kubernetes.default.svc\n    namespace: web\n',
    };
    const root = repository(files, 'git@github.example:old-owner/home-ops.git');
    try {
      const unrendered = async (): Promise<Record<string, string | undefined>> =>
        Object.fromEntries((await discoverEnvironments(root)).environments.map((e) => [e.delivery.kind === 'direct' ? e.name : e.delivery.name, e.unrendered]));
      const hint = (url: string): string => `; its name is this clone's (github.example/old-owner/home-ops): if the repository moved, list ${url} under repositoryURLs in .plumbline.yaml`;
      assert.deepEqual(await unrendered(), {
        apps: `source is another repository (ssh://git@github.example/new-owner/home-ops@main), not this workspace${hint('ssh://git@github.example/new-owner/home-ops')}`,
        charts: 'source is another repository (https://github.example/new-owner/charts@main), not this workspace',
        'flux-system': `source is another repository (ssh://git@github.example/new-owner/home-ops@main), not this workspace${hint('ssh://git@github.example/new-owner/home-ops')}`,
        web: `source is another repository (https://github.example/new-owner/home-ops.git), not this workspace${hint('https://github.example/new-owner/home-ops.git')}`,
      });
      // The user says the new address is this repository: its units render from the working tree.
      writeFileSync(join(root, '.plumbline.yaml'), 'repositoryURLs:\n  - https://github.example/new-owner/home-ops\n');
      const after = await unrendered();
      assert.deepEqual(after, { apps: undefined, charts: 'source is another repository (https://github.example/new-owner/charts@main), not this workspace', 'flux-system': undefined, web: undefined });
      const apps = (await discoverEnvironments(root)).environments.find((e) => e.delivery.kind === 'flux' && e.delivery.name === 'apps')!;
      assert.deepEqual(apps.paths, ['apps']);
      const out = spawnSync(process.execPath, [bundle('cli.js'), 'envs', root], { encoding: 'utf8' });
      assert.equal(out.stderr, '');
    } finally {
      rmSync(dirname(root), { recursive: true, force: true });
    }
  });

  test("a tenant's Kustomization patched per cluster, whose source is another branch of this repository", async () => {
    const root = repository(
      {
        'clusters/staging/tenants.yaml': kustomization('tenants', '  path: ./tenants/staging\n  sourceRef:\n    kind: GitRepository\n    name: flux-system\n'),
        'clusters/production/tenants.yaml': kustomization('tenants', '  path: ./tenants/production\n  sourceRef:\n    kind: GitRepository\n    name: flux-system\n'),
        'tenants/base/dev-team/kustomization.yaml': 'apiVersion: kustomize.config.k8s.io/v1beta1\nkind: Kustomization\nnamespace: apps\nresources:\n  - sync.yaml\n',
        'tenants/base/dev-team/sync.yaml': 'apiVersion: source.toolkit.fluxcd.io/v1\nkind: GitRepository\nmetadata:\n  name: dev-team\n  namespace: apps\nspec:\n  interval: 1m\n  url: https://github.example/acme/fleet\n  ref:\n    branch: dev-team\n---\napiVersion: kustomize.toolkit.fluxcd.io/v1\nkind: Kustomization\nmetadata:\n  name: dev-team\n  namespace: apps\nspec:\n  interval: 5m\n  sourceRef:\n    kind: GitRepository\n    name: dev-team\n',
        'tenants/staging/kustomization.yaml': 'apiVersion: kustomize.config.k8s.io/v1beta1\nkind: Kustomization\nresources:\n  - ../base/dev-team\npatches:\n  - path: dev-team-patch.yaml\n',
        'tenants/staging/dev-team-patch.yaml': 'apiVersion: kustomize.toolkit.fluxcd.io/v1\nkind: Kustomization\nmetadata:\n  name: dev-team\n  namespace: apps\nspec:\n  path: ./staging\n',
        'tenants/production/kustomization.yaml': 'apiVersion: kustomize.config.k8s.io/v1beta1\nkind: Kustomization\nresources:\n  - ../base/dev-team\npatches:\n  - path: dev-team-patch.yaml\n',
        'tenants/production/dev-team-patch.yaml': 'apiVersion: kustomize.toolkit.fluxcd.io/v1\nkind: Kustomization\nmetadata:\n  name: dev-team\n  namespace: apps\nspec:\n  path: ./production\n',
      },
      'https://github.example/acme/fleet.git',
    );
    try {
      const { environments } = await discoverEnvironments(root);
      // The patches are changes to the tenant's Kustomization, not Kustomizations of their own.
      assert.deepEqual(
        environments.map((e) => [e.name, e.paths.join(), e.unrendered ?? '']),
        [
          ['staging (dev-team)', '', 'source is branch dev-team of this repository (https://github.example/acme/fleet); the working tree is main'],
          ['staging (tenants)', 'tenants/staging', ''],
          ['production (dev-team)', '', 'source is branch dev-team of this repository (https://github.example/acme/fleet); the working tree is main'],
          ['production (tenants)', 'tenants/production', ''],
        ],
      );
    } finally {
      rmSync(dirname(root), { recursive: true, force: true });
    }
  });
});

describe('Argo CD ApplicationSets, expanded here', () => {
  test('list, git directory, git file and matrix generators make their Applications; a cluster generator is named, not guessed', async () => {
    const appSet = (name: string, spec: string): string => `apiVersion: argoproj.io/v1alpha1\nkind: ApplicationSet\nmetadata:\n  name: ${name}\n  namespace: argocd\nspec:\n${spec}`;
    const manifest = (name: string): string => `apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: ${name}\n`;
    const root = repository(
      {
        'guestbook/dev/cm.yaml': manifest('guestbook'),
        'guestbook/prod/cm.yaml': manifest('guestbook'),
        'addons/metrics/cm.yaml': manifest('metrics'),
        'addons/logging/cm.yaml': manifest('logging'),
        'addons/legacy/cm.yaml': manifest('legacy'),
        'shop/eu/config.json': '{"cluster": {"name": "eu", "namespace": "shop-eu"}}\n',
        'shop/eu/cm.yaml': manifest('shop'),
        'appsets/list.yaml': appSet('guestbook', "  generators:\n    - list:\n        elements:\n          - cluster: dev\n          - cluster: prod\n  template:\n    metadata:\n      name: '{{cluster}}-guestbook'\n    spec:\n      project: default\n      source:\n        repoURL: https://github.example/acme/apps.git\n        path: 'guestbook/{{cluster}}'\n      destination:\n        server: https://kubernetes.default.svc\n        namespace: 'guestbook-{{cluster}}'\n"),
        'appsets/addons.yaml': appSet('addons', "  goTemplate: true\n  generators:\n    - git:\n        repoURL: git@github.example:acme/apps\n        revision: HEAD\n        directories:\n          - path: addons/*\n          - path: addons/legacy\n            exclude: true\n  template:\n    metadata:\n      name: 'addon-{{.path.basename}}'\n    spec:\n      project: default\n      source:\n        repoURL: https://github.example/acme/apps.git\n        path: '{{.path.path}}'\n      destination:\n        server: https://kubernetes.default.svc\n        namespace: '{{index .path.segments 1}}'\n"),
        'appsets/shop.yaml': appSet('shop', "  generators:\n    - git:\n        repoURL: https://github.example/acme/apps.git\n        revision: HEAD\n        files:\n          - path: 'shop/**/config.json'\n  template:\n    metadata:\n      name: 'shop-{{cluster.name}}'\n    spec:\n      project: default\n      source:\n        repoURL: https://github.example/acme/apps.git\n        path: '{{path}}'\n      destination:\n        server: https://kubernetes.default.svc\n        namespace: '{{cluster.namespace}}'\n"),
        'appsets/matrix.yaml': appSet('regions', "  generators:\n    - matrix:\n        generators:\n          - list:\n              elements:\n                - region: us\n          - git:\n              repoURL: https://github.example/acme/apps.git\n              directories:\n                - path: guestbook/prod\n  template:\n    metadata:\n      name: '{{region}}-{{path.basename}}'\n    spec:\n      project: default\n      source:\n        repoURL: https://github.example/acme/apps.git\n        path: '{{path}}'\n      destination:\n        server: https://kubernetes.default.svc\n        namespace: '{{region}}'\n"),
        'appsets/fleet.yaml': appSet('fleet', "  generators:\n    - clusters: {}\n  template:\n    metadata:\n      name: '{{name}}-fleet'\n    spec:\n      project: default\n      source:\n        repoURL: https://github.example/acme/apps.git\n        path: guestbook/prod\n      destination:\n        server: '{{server}}'\n"),
      },
      'https://github.example/acme/apps.git',
    );
    try {
      const { environments } = await discoverEnvironments(root);
      const rows = environments.map((e) => [e.name, e.paths.join(), e.target.namespace ?? '', e.unrendered ?? '']).sort((a, b) => a[0]!.localeCompare(b[0]!));
      assert.deepEqual(rows, [
        ['addon-logging', 'addons/logging', 'logging', ''],
        ['addon-metrics', 'addons/metrics', 'metrics', ''],
        ['dev-guestbook', 'guestbook/dev', 'guestbook-dev', ''],
        ['fleet', '', '', 'ApplicationSet not expanded: its clusters generator needs the cluster or a network (the clusters Argo CD knows), which Plumbline does not ask'],
        ['prod-guestbook', 'guestbook/prod', 'guestbook-prod', ''],
        ['shop-eu', 'shop/eu', 'shop-eu', ''],
        ['us-prod', 'guestbook/prod', 'us', ''],
      ]);
      const addon = environments.find((e) => e.name === 'addon-metrics')!;
      assert.deepEqual(addon.foundBy, ['Argo CD ApplicationSet argocd/addons in appsets/addons.yaml (generated Application addon-metrics)']);
      assert.equal(addon.delivery.kind, 'argocd');
    } finally {
      rmSync(dirname(root), { recursive: true, force: true });
    }
  });
});

describe('Argo CD sources', () => {
  test('multi-source $values files, a chart from a Helm repository, and directory recurse/include/exclude', async () => {
    const app = (name: string, spec: string): string => `apiVersion: argoproj.io/v1alpha1\nkind: Application\nmetadata:\n  name: ${name}\n  namespace: argocd\nspec:\n  project: default\n  destination:\n    server: https://kubernetes.default.svc\n    namespace: ${name}\n${spec}`;
    const cm = (name: string): string => `apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: ${name}\n`;
    const root = repository(
      {
        'charts/web/Chart.yaml': 'apiVersion: v2\nname: web\nversion: 1.0.0\n',
        'charts/web/values.yaml': 'replicas: 1\n',
        'charts/web/templates/cm.yaml': 'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: web\ndata:\n  replicas: "{{ .Values.replicas }}"\n',
        'envs/prod/web-values.yaml': 'replicas: 5\n',
        'plain/top.yaml': cm('top'),
        'plain/notes.json': '{"not": "a manifest"}\n',
        'plain/nested/deep.yaml': cm('deep'),
        'plain/nested/skip.yaml': cm('skip'),
        'argocd/web-prod.yaml': app('web-prod', "  sources:\n    - repoURL: https://github.example/acme/apps.git\n      path: charts/web\n      helm:\n        valueFiles:\n          - $values/envs/prod/web-values.yaml\n    - repoURL: git@github.example:acme/apps.git\n      ref: values\n"),
        'argocd/redis.yaml': app('redis', '  source:\n    repoURL: https://charts.example/bitnami\n    chart: redis\n    targetRevision: 19.0.1\n'),
        'argocd/flat.yaml': app('flat', '  source:\n    repoURL: https://github.example/acme/apps.git\n    path: plain\n'),
        'argocd/deep.yaml': app('deep', "  source:\n    repoURL: https://github.example/acme/apps.git\n    path: plain\n    directory:\n      recurse: true\n      exclude: '{nested/skip.yaml,*.json}'\n"),
      },
      'https://github.example/acme/apps.git',
    );
    try {
      const { environments } = await discoverEnvironments(root);
      const byName = new Map(environments.map((e) => [e.name, e]));
      const web = byName.get('web-prod');
      assert.deepEqual(web?.renderer, { kind: 'helm', chart: 'charts/web', valuesFiles: ['envs/prod/web-values.yaml'], release: 'web-prod' });
      assert.equal(byName.get('redis')?.unrendered, 'chart redis@19.0.1 comes from https://charts.example/bitnami and is not in the workspace; nothing is downloaded');
      const names = async (env: string): Promise<string[]> => (await rendered(root, byName.get(env)!)).objects.map((o) => o.object.metadata?.name ?? '').sort();
      assert.deepEqual(await names('flat'), ['top'], 'Argo CD reads only the folder itself unless directory.recurse');
      assert.deepEqual(await names('deep'), ['deep', 'top']);
    } finally {
      rmSync(dirname(root), { recursive: true, force: true });
    }
  });
  test("Argo CD objects in a folder the repository's directory sources exclude are not environments; the bootstrap that excludes its own folder is", async () => {
    // As gitops-bridge control-plane templates lay it out: the bootstrap ApplicationSet, applied by
    // hand, recurses through a path its clusters' annotations give, keeping every `exclude/` folder
    // out (itself included); a developer's test ApplicationSet waits in hack/exclude/, synced by nothing.
    const appset = (name: string, generators: string, source: string): string =>
      `apiVersion: argoproj.io/v1alpha1\nkind: ApplicationSet\nmetadata:\n  name: ${name}\n  namespace: argocd\nspec:\n  generators:\n${generators}  template:\n    metadata:\n      name: '${name}-{{name}}'\n    spec:\n      project: default\n      source:\n${source}      destination:\n        name: '{{name}}'\n        namespace: ${name}\n`;
    const clusters = '    - clusters: {}\n';
    const cm = (name: string): string => `apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: ${name}\n`;
    const root = repository(
      {
        'bootstrap/control-plane/exclude/bootstrap.yaml': appset('bootstrap-addons', clusters, "        repoURL: '{{metadata.annotations.addons_repo_url}}'\n        path: '{{metadata.annotations.addons_repo_basepath}}{{metadata.annotations.addons_repo_path}}'\n        directory:\n          recurse: true\n          exclude: exclude/*\n"),
        'bootstrap/control-plane/addons/metrics.yaml': appset('addons-metrics', clusters, '        repoURL: https://charts.example/metrics\n        chart: metrics-server\n        targetRevision: 3.12.0\n'),
        'hack/exclude/test-appset.yaml': appset('addons-test', "    - list:\n        elements:\n          - name: in-cluster\n", '        repoURL: https://github.example/acme/control-plane.git\n        path: hack/test-chart\n'),
        'hack/test-chart/cm.yaml': cm('test'),
        // Argo CD matches directory globs with no separators: `exclude/*` keeps out deeper files too.
        'argocd/platform.yaml': "apiVersion: argoproj.io/v1alpha1\nkind: Application\nmetadata:\n  name: platform\n  namespace: argocd\nspec:\n  project: default\n  source:\n    repoURL: https://github.example/acme/control-plane.git\n    path: platform\n    directory:\n      recurse: true\n      exclude: exclude/*\n  destination:\n    server: https://kubernetes.default.svc\n    namespace: platform\n",
        'platform/keep.yaml': cm('keep'),
        'platform/exclude/deeper/skip.yaml': cm('skip'),
      },
      'https://github.example/acme/control-plane.git',
    );
    try {
      const { environments, problems } = await discoverEnvironments(root);
      assert.deepEqual(environments.map((e) => e.name).sort(), ['addons-metrics', 'bootstrap-addons', 'platform']);
      assert.deepEqual(problems.filter((p) => /Argo CD object/.test(p)), [
        '1 Argo CD object is in files that a directory source of this repository keeps out of what Argo CD syncs, so Argo CD does not deliver them and they are not environments: ApplicationSet argocd/addons-test in hack/exclude/test-appset.yaml (kept out by the exclude exclude/* of ApplicationSet bootstrap-addons in bootstrap/control-plane/exclude/bootstrap.yaml)',
      ]);
      const platform = environments.find((e) => e.name === 'platform')!;
      assert.deepEqual((await rendered(root, platform)).objects.map((o) => o.object.metadata?.name), ['keep']);
      const r = spawnSync(process.execPath, [bundle('cli.js'), 'envs', root], { encoding: 'utf8' });
      assert.doesNotMatch(r.stdout, /addons-test/);
      assert.match(r.stderr, /ApplicationSet argocd\/addons-test in hack\/exclude\/test-appset\.yaml \(kept out by the exclude exclude\/\* of ApplicationSet bootstrap-addons/);
    } finally {
      rmSync(dirname(root), { recursive: true, force: true });
    }
  });
  test('an app of apps: the Applications a chart templates are environments once helm renders it, and only then', async () => {
    // The parent is a chart (as `argocd app create apps --path apps` deploys it): one template ranges over values.
    const template = [
      '{{- range .Values.applications }}',
      'apiVersion: argoproj.io/v1alpha1',
      'kind: Application',
      'metadata:',
      '  name: {{ printf "demo.%s" .name | quote }}',
      '  namespace: argocd',
      'spec:',
      '  project: default',
      '  destination:',
      '    server: {{ $.Values.server | quote }}',
      '    namespace: {{ .namespace | default .name | quote }}',
      '  source:',
      '    repoURL: {{ $.Values.repoURL }}',
      '    path: {{ .path | default .name | quote }}',
      '---',
      '{{ end -}}',
      '',
    ].join('\n');
    const root = repository(
      {
        'apps/Chart.yaml': 'apiVersion: v2\nname: apps\nversion: 0.1.0\n',
        'apps/values.yaml': 'server: https://kubernetes.default.svc\nrepoURL: https://github.example/acme/apps.git\napplications:\n  - name: guestbook\n  - name: shop\n    path: shop/deploy\n    namespace: shop\n',
        'apps/templates/applications.yaml': template,
        'guestbook/cm.yaml': 'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: guestbook\n',
        'shop/deploy/kustomization.yaml': 'apiVersion: kustomize.config.k8s.io/v1beta1\nkind: Kustomization\nresources:\n  - cm.yaml\n',
        'shop/deploy/cm.yaml': 'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: shop\n',
      },
      'git@github.example:acme/apps.git',
    );
    try {
      const render = { ...DEFAULT_RENDER_OPTIONS, helm: helmCommand() };
      const { environments, problems } = await discoverEnvironments(root, render);
      assert.deepEqual(problems, []);
      const apps = environments.filter((e) => e.name.startsWith('demo.'));
      assert.deepEqual(
        apps.map((e) => [e.name, e.paths.join(), e.renderer.kind, e.target.namespace, e.delivery.kind]),
        [
          ['demo.guestbook', 'guestbook', 'plain', 'guestbook', 'argocd'],
          ['demo.shop', 'shop/deploy', 'kustomize', 'shop', 'argocd'],
        ],
      );
      assert.equal(apps[0]!.foundBy[0], 'Argo CD Application argocd/demo.guestbook rendered from chart apps (app of apps, apps/templates/applications.yaml)');
      assert.deepEqual((await rendered(root, apps[1]!)).objects.map((o) => o.object.metadata?.name), ['shop']);
      // Where no binary may run, the chart is named and nothing is guessed.
      const untrusted = await discoverEnvironments(root, { ...render, trusted: false });
      assert.equal(untrusted.environments.filter((e) => e.name.startsWith('demo.')).length, 0);
      assert.deepEqual(untrusted.problems, ['chart apps templates Argo CD Applications (an app of apps): they are listed once Plumbline may run helm (a trusted workspace)']);
    } finally {
      rmSync(dirname(root), { recursive: true, force: true });
    }
  });
});

describe('Jenkins X', () => {
  test('environments from jx-requirements.yml and Environment objects: this repository’s namespaces, a remote one named', async () => {
    const environment = (name: string, namespace: string, url: string, promotion: string): string => `apiVersion: jenkins.io/v1\nkind: Environment\nmetadata:\n  name: ${name}\n  namespace: jx\nspec:\n  namespace: ${namespace}\n  promotionStrategy: ${promotion}\n  source:\n    ref: main\n    url: ${url}\n`;
    const root = repository(
      {
        'jx-requirements.yml': 'apiVersion: core.jenkins-x.io/v4beta1\nkind: Requirements\nspec:\n  cluster:\n    clusterName: kind\n  environments:\n    - key: dev\n    - key: staging\n    - key: production\n      owner: acme\n      repository: environment-prod\n      remoteCluster: true\n',
        'config-root/namespaces/jx/jxboot-helmfile-resources/dev-environment.yaml': environment('dev', 'jx', 'https://github.example/acme/jx-cluster.git', 'Never'),
        'config-root/namespaces/jx/jxboot-helmfile-resources/staging-environment.yaml': environment('staging', 'jx-staging', 'https://github.example/acme/jx-cluster.git', 'Auto'),
        'config-root/namespaces/jx-staging/web/web-deploy.yaml': 'apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: web\n  namespace: jx-staging\nspec:\n  selector:\n    matchLabels: {app: web}\n  template:\n    metadata:\n      labels: {app: web}\n    spec:\n      containers:\n        - name: web\n          image: registry.example/web:0.1.0\n',
      },
      'https://github.example/acme/jx-cluster.git',
    );
    try {
      const { environments, problems } = await discoverEnvironments(root);
      assert.deepEqual(problems, []);
      assert.deepEqual(
        environments.map((e) => [e.name, e.paths.join(), e.target.namespace, e.protected, e.unrendered ?? '']),
        [
          ['dev', 'config-root/namespaces/jx', 'jx', false, ''],
          ['staging', 'config-root/namespaces/jx-staging', 'jx-staging', true, ''],
          ['production', '', 'jx-production', true, "the environment's repository is acme/environment-prod, not this workspace"],
        ],
      );
      const staging = (await rendered(root, environments[1]!)).objects.map((o) => `${o.object.kind ?? ''}/${o.object.metadata?.name ?? ''}`);
      assert.deepEqual(staging, ['Deployment/web']);
    } finally {
      rmSync(dirname(root), { recursive: true, force: true });
    }
  });
});

describe('Helm values files that are not environments', () => {
  test('a variant of the chart (values-nomaria.yaml) and a values file a HelmRelease uses are not environments of their own', async () => {
    const root = repository(
      {
        'charts/wiki/Chart.yaml': 'apiVersion: v2\nname: wiki\nversion: 1.0.0\n',
        'charts/wiki/values.yaml': 'replicas: 1\n',
        'charts/wiki/templates/deployment.yaml': 'apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: wiki\nspec:\n  replicas: {{ .Values.replicas }}\n',
        'charts/wiki/values-nomaria.yaml': 'mariadb:\n  enabled: false\n',
        'charts/wiki/values-staging.yaml': 'replicas: 2\n',
        'charts/wiki/values-eu-west-1.yaml': 'replicas: 3\n',
        'charts/wiki/values-production.yaml': 'replicas: 5\n',
        'clusters/production/wiki.yaml':
          'apiVersion: helm.toolkit.fluxcd.io/v2\nkind: HelmRelease\nmetadata:\n  name: wiki\n  namespace: flux-system\nspec:\n  interval: 10m\n  chart:\n    spec:\n      chart: ./charts/wiki\n      sourceRef:\n        kind: GitRepository\n        name: flux-system\n      valuesFiles:\n        - ./charts/wiki/values.yaml\n        - ./charts/wiki/values-production.yaml\n',
      },
      'https://github.example/acme/wiki.git',
    );
    try {
      const { environments } = await discoverEnvironments(root);
      assert.deepEqual(environments.map((e) => [e.name, e.delivery.kind]).sort(), [
        ['eu-west-1', 'direct'],
        ['production', 'flux'],
        ['staging', 'direct'],
      ]);
    } finally {
      rmSync(dirname(root), { recursive: true, force: true });
    }
  });
});

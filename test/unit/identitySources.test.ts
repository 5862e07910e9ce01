// Objects traced to their files by kind and name (kustomize builds without origin annotations,
// a third of its CPU) must land on exactly the files kustomize's own origins name: every unit of a
// fleet written here — bases, patches of each kind, generators, components, Flux's own steps, and
// the layouts that rename objects, which fall back to origins — renders the same both ways.
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { discoverEnvironments } from '../../server/src/environments/discover';
import { identityIndexOf, sourcesByIdentity } from '../../server/src/environments/identitySources';
import { stopKustomizeServers } from '../../server/src/environments/kustomizeServer';
import { DEFAULT_RENDER_OPTIONS, renderEnvironment } from '../../server/src/environments/render';
import { kustomization as fluxKustomization } from '../support/fluxFleet';

const K = 'apiVersion: kustomize.config.k8s.io/v1beta1\nkind: Kustomization\n';
const deployment = (name: string, extra = ''): string =>
  `apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: ${name}\nspec:\n  replicas: 1\n  selector:\n    matchLabels: {app: ${name}}\n  template:\n    metadata:\n      labels: {app: ${name}}\n    spec:\n      containers:\n        - name: main\n          image: registry.example/${name}:1.0\n${extra}`;
const configMap = (name: string, namespace?: string): string => `apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: ${name}\n${namespace !== undefined ? `  namespace: ${namespace}\n` : ''}data:\n  key: value\n`;
const role = (namespace: string): string => `apiVersion: rbac.authorization.k8s.io/v1\nkind: Role\nmetadata:\n  name: reader\n  namespace: ${namespace}\nrules: []\n`;
const unit = (name: string, extra = ''): string => fluxKustomization(name, `  path: ./units/${name}\n  sourceRef:\n    kind: GitRepository\n    name: flux-system\n${extra}`);

/** Units whose objects keep their kind and name: traced by them. */
const NAME_KEEPING: Record<string, Record<string, string>> = {
  bases: {
    'kustomization.yaml': `${K}namespace: shop\nlabels:\n  - pairs: {team: shop}\nimages:\n  - name: registry.example/web\n    newTag: "2.0"\nresources:\n  - deploy.yaml\n  - ../../shared/base\n`,
    'deploy.yaml': deployment('web'),
    '../../shared/base/kustomization.yaml': `${K}commonLabels:\n  tier: base\nresources:\n  - config.yaml\n`,
    '../../shared/base/config.yaml': configMap('shared-config'),
  },
  patched: {
    'kustomization.yaml': `${K}resources:\n  - deploy.yaml\n  - more.yaml\npatches:\n  - path: replicas.yaml\n  - target: {kind: Deployment, name: api}\n    patch: |-\n      - op: replace\n        path: /spec/replicas\n        value: 3\npatchesStrategicMerge:\n  - labels.yaml\n`,
    'deploy.yaml': deployment('api'),
    'more.yaml': `${deployment('worker')}---\n${configMap('worker-config')}`,
    'replicas.yaml': 'apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: worker\nspec:\n  replicas: 5\n',
    'labels.yaml': 'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: worker-config\n  labels: {patched: "yes"}\n',
  },
  generated: {
    'kustomization.yaml': `${K}resources:\n  - deploy.yaml\nconfigMapGenerator:\n  - name: settings\n    literals: [MODE=fast]\n  - name: plain\n    literals: [A=b]\n    options:\n      disableNameSuffixHash: true\nsecretGenerator:\n  - name: token\n    literals: [TOKEN=x]\n`,
    'deploy.yaml': deployment('app', '          envFrom:\n            - configMapRef: {name: settings}\n            - secretRef: {name: token}\n'),
  },
  'two-namespaces': {
    'kustomization.yaml': `${K}resources:\n  - roles.yaml\n`,
    'roles.yaml': `${role('a')}---\n${role('b')}`,
  },
  'with-component': {
    'kustomization.yaml': `${K}resources:\n  - deploy.yaml\ncomponents:\n  - ../../components/monitor\n`,
    'deploy.yaml': deployment('svc'),
    '../../components/monitor/kustomization.yaml': 'apiVersion: kustomize.config.k8s.io/v1alpha1\nkind: Component\nresources:\n  - monitor.yaml\npatches:\n  - target: {kind: Deployment}\n    patch: |-\n      apiVersion: apps/v1\n      kind: Deployment\n      metadata:\n        name: any\n        labels: {monitored: "true"}\n',
    '../../components/monitor/monitor.yaml': configMap('monitor-rules'),
  },
  'flux-steps': {
    'kustomization.yaml': `${K}resources:\n  - deploy.yaml\n`,
    'deploy.yaml': deployment('front'),
  },
  'plain-folder': {
    'deploy.yaml': deployment('plain'),
    'config.yaml': configMap('plain-config'),
  },
};

/** Units that may rename objects, or whose objects kind and name cannot place: kustomize's origins. */
const RENAMING: Record<string, Record<string, string>> = {
  prefixed: { 'kustomization.yaml': `${K}namePrefix: p-\nresources:\n  - deploy.yaml\n`, 'deploy.yaml': deployment('web') },
  'renamed-by-patch': {
    'kustomization.yaml': `${K}resources:\n  - deploy.yaml\npatches:\n  - target: {kind: Deployment, name: web}\n    patch: |-\n      - op: replace\n        path: /metadata/name\n        value: renamed\n`,
    'deploy.yaml': deployment('web'),
  },
  replaced: {
    'kustomization.yaml': `${K}resources:\n  - deploy.yaml\n  - config.yaml\nreplacements:\n  - source: {kind: ConfigMap, name: source-name, fieldPath: data.key}\n    targets:\n      - select: {kind: Deployment}\n        fieldPaths: [metadata.name]\n`,
    'deploy.yaml': deployment('web'),
    'config.yaml': configMap('source-name'),
  },
  'name-change-allowed': {
    'kustomization.yaml': `${K}resources:\n  - deploy.yaml\npatches:\n  - path: rename.yaml\n    target: {kind: Deployment, name: web}\n    options:\n      allowNameChange: true\n`,
    'deploy.yaml': deployment('web'),
    'rename.yaml': 'apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: web-renamed\n',
  },
  'two-files-one-name': { 'kustomization.yaml': `${K}resources:\n  - a.yaml\n  - b.yaml\n`, 'a.yaml': role('a'), 'b.yaml': role('b') },
  listed: {
    'kustomization.yaml': `${K}resources:\n  - list.yaml\n`,
    'list.yaml': `apiVersion: v1\nkind: List\nitems:\n  - ${configMap('in-list').trimEnd().split('\n').join('\n    ')}\n`,
  },
  'flux-prefixed': { 'kustomization.yaml': `${K}resources:\n  - deploy.yaml\n`, 'deploy.yaml': deployment('web') },
};

/** A patch that replaces an object's annotations takes kustomize's origin annotation with them. */
const ANNOTATIONS_REPLACED: Record<string, string> = {
  'kustomization.yaml': `${K}resources:\n  - deploy.yaml\npatches:\n  - target: {kind: Deployment}\n    patch: |-\n      - op: add\n        path: /metadata/annotations\n        value: {owner: team-a}\n`,
  'deploy.yaml': deployment('owned'),
};

const FLUX_EXTRA: Record<string, string> = {
  'flux-steps': `  targetNamespace: front\n  components:\n    - ../../components/monitor\n  images:\n    - name: registry.example/front\n      newTag: "3.1"\n  patches:\n    - patch: |\n        apiVersion: apps/v1\n        kind: Deployment\n        metadata:\n          name: front\n        spec:\n          replicas: 2\n      target:\n        kind: Deployment\n`,
  'plain-folder': '  targetNamespace: plain\n  patches:\n    - patch: |\n        - op: add\n          path: /metadata/labels\n          value: {patched: "true"}\n      target:\n        kind: ConfigMap\n',
  'flux-prefixed': '  namePrefix: fp-\n',
};

let root = '';

before(() => {
  root = mkdtempSync(join(tmpdir(), 'plumbline-identity-sources-'));
  const write = (path: string, text: string): void => {
    mkdirSync(dirname(path), { recursive: true });
    writeFileSync(path, text);
  };
  write(join(root, 'clusters/main/flux-system/gotk-sync.yaml'), fluxKustomization('flux-system', '  path: ./clusters/main\n  sourceRef:\n    kind: GitRepository\n    name: flux-system\n'));
  for (const [name, files] of Object.entries({ ...NAME_KEEPING, ...RENAMING, 'annotations-replaced': ANNOTATIONS_REPLACED })) {
    write(join(root, 'clusters/main', `${name}.yaml`), unit(name, FLUX_EXTRA[name]));
    for (const [file, text] of Object.entries(files)) write(join(root, 'units', name, file), text);
  }
});

after(() => {
  stopKustomizeServers();
  rmSync(root, { recursive: true, force: true });
});

describe('objects traced by kind and name', () => {
  test('every unit renders the same objects, each from the same file, as with kustomize’s origin annotations', async () => {
    const { environments } = await discoverEnvironments(root);
    const units = environments.filter((e) => e.paths[0]?.startsWith('units/') === true && e.paths[0] !== 'units/annotations-replaced');
    assert.equal(units.length, Object.keys(NAME_KEEPING).length + Object.keys(RENAMING).length, units.map((e) => e.name).join(', '));
    for (const env of units) {
      const traced = await renderEnvironment(root, env, DEFAULT_RENDER_OPTIONS);
      const byOrigins = await renderEnvironment(root, env, { ...DEFAULT_RENDER_OPTIONS, kustomizeOrigins: true });
      assert.ok(traced.ok && byOrigins.ok, `${env.name}: ${traced.ok ? '' : traced.message} ${byOrigins.ok ? '' : byOrigins.message}`);
      assert.deepEqual(traced, byOrigins, env.name);
      // Every object that came from a file says which; only a generator's have none.
      for (const o of traced.objects) assert.ok(o.source !== undefined || (o.object.kind === 'ConfigMap' || o.object.kind === 'Secret') === true, `${env.name}: ${o.object.kind}/${o.object.metadata?.name} has no source`);
    }
  });

  test('only units that keep names are traced by them; a renaming field, a List or a name in two files leaves it to origins', async () => {
    const { environments } = await discoverEnvironments(root);
    for (const name of [...Object.keys(NAME_KEEPING), ...Object.keys(RENAMING)]) {
      const env = environments.find((e) => e.paths[0] === `units/${name}`);
      assert.ok(env !== undefined, name);
      const folder = join(root, 'units', name);
      const plain = name === 'plain-folder';
      const components = (env.flux?.components ?? []).map((c) => join(root, c));
      const index = await identityIndexOf(plain ? components : [folder, ...components], plain ? Object.keys(NAME_KEEPING[name]!).map((f) => join(folder, f)) : [], env.flux);
      const rendered = await renderEnvironment(root, env, DEFAULT_RENDER_OPTIONS);
      assert.ok(rendered.ok, name);
      const sources = index === undefined ? undefined : sourcesByIdentity(rendered.objects.map((o) => o.object), index);
      assert.equal(sources !== undefined, name in NAME_KEEPING, `${name}: ${index === undefined ? 'not indexed' : sources === undefined ? 'an object did not map' : 'traced'}`);
    }
  });

  test('an object whose annotations a patch replaces keeps its file (kustomize’s origin went with the annotations)', async () => {
    const { environments } = await discoverEnvironments(root);
    const env = environments.find((e) => e.paths[0] === 'units/annotations-replaced');
    assert.ok(env !== undefined);
    const traced = await renderEnvironment(root, env, DEFAULT_RENDER_OPTIONS);
    const byOrigins = await renderEnvironment(root, env, { ...DEFAULT_RENDER_OPTIONS, kustomizeOrigins: true });
    assert.ok(traced.ok && byOrigins.ok);
    assert.deepEqual(traced.objects.map((o) => o.object), byOrigins.objects.map((o) => o.object));
    assert.deepEqual(traced.objects.map((o) => o.source), [join(root, 'units/annotations-replaced/deploy.yaml')]);
    assert.deepEqual(byOrigins.objects.map((o) => o.source), [undefined]);
  });
});

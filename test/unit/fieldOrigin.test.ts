// Field origins of rendered objects, against what `kubectl kustomize` really renders for the
// overlays in test/unit/fixtures/origins (a base, a dev overlay with a strategic-merge patch, a
// JSON 6902 patch, namePrefix, namespace, labels and an image transformer, a staging overlay
// with a replicas transformer).
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { before, describe, test } from 'node:test';
import { isScalar } from 'yaml';
import { formatPath, valueAt, type FieldPath } from '../../server/src/manifests/fieldPath';
import { locate } from '../../server/src/manifests/sourceMap';
import { discoverEnvironments } from '../../server/src/environments/discover';
import type { Environment } from '../../server/src/environments/model';
import { environmentFiles, renderWithOrigins, type MappedObject } from '../../server/src/environments/renderMap';
import type { FieldOrigin } from '../../server/src/kustomize/fieldOrigin';
import { ManifestParser } from '../../server/src/manifests/parse';
import { EXAMPLES, REPO } from '../support/paths';

const ROOT = join(REPO, 'test', 'unit', 'fixtures', 'origins');
const env = (name: string): Environment => ({
  name,
  paths: [`overlays/${name}`],
  renderer: { kind: 'kustomize' },
  target: { context: undefined, namespace: undefined },
  delivery: { kind: 'direct' },
  protected: false,
  foundBy: ['test'],
});

async function render(name: string): Promise<{ objects: MappedObject[]; files: Set<string> }> {
  const files = await environmentFiles(ROOT, env(name));
  const result = await renderWithOrigins(ROOT, env(name), files, { trusted: true, kustomize: ['kubectl', 'kustomize'] });
  if (!result.ok) throw new Error(`kubectl kustomize failed: ${result.message}`);
  return { objects: result.objects, files: files.files };
}

/** The origin as a reader checks it: file relative to the fixture, line (1-based) and the text there. */
function where(origin: FieldOrigin | undefined): { file: string; line: number; text: string; via: string; exact: boolean } | undefined {
  if (origin === undefined) return undefined;
  const text = readFileSync(origin.file, 'utf8');
  const file = new ManifestParser().parse(text);
  const doc = file.documents[origin.document]!;
  const spot = locate(doc.doc, origin.path);
  assert.ok(spot !== undefined, `no spot for ${JSON.stringify(origin)}`);
  const start = doc.base + spot.start;
  return { file: origin.file.slice(ROOT.length + 1), line: file.lines.positionAt(start).line + 1, text: text.slice(start, doc.base + spot.end), via: origin.via, exact: origin.exact };
}

/** Every leaf field of a rendered object, list items by `name` when they have one. */
function leaves(value: unknown, path: FieldPath = []): FieldPath[] {
  if (Array.isArray(value)) {
    return value.flatMap((item, i) => leaves(item, [...path, item !== null && typeof item === 'object' && typeof (item as { name?: unknown }).name === 'string' ? { keys: { name: (item as { name: string }).name } } : i]));
  }
  if (value !== null && typeof value === 'object') return Object.entries(value).flatMap(([k, v]) => leaves(v, [...path, k]));
  return [path];
}

const web = (objects: MappedObject[], kind = 'Deployment'): MappedObject => {
  const found = objects.find((o) => o.identity.kind === kind);
  assert.ok(found !== undefined, `no ${kind} rendered`);
  return found;
};
const container = (...rest: FieldPath): FieldPath => ['spec', 'template', 'spec', 'containers', { keys: { name: 'web' } }, ...rest];

describe('field origins of kustomize renders', () => {
  let dev: { objects: MappedObject[]; files: Set<string> };
  let staging: { objects: MappedObject[]; files: Set<string> };
  before(async () => {
    dev = await render('dev');
    staging = await render('staging');
  });

  test('identities are the rendered ones: namePrefix and namespace applied', () => {
    assert.deepEqual(dev.objects.map((o) => `${o.identity.kind}/${o.identity.namespace ?? ''}/${o.identity.name ?? ''}`).sort(), ['Deployment/shop-dev/dev-web', 'Service/shop-dev/dev-web']);
    assert.deepEqual(staging.objects.map((o) => `${o.identity.kind}/${o.identity.namespace ?? ''}/${o.identity.name ?? ''}`).sort(), ['Deployment/shop-staging/web', 'Service/shop-staging/web']);
  });

  test('dev: replicas from the strategic-merge patch, image from the images transformer, memory from the JSON patch', () => {
    const o = web(dev.objects).origins;
    assert.deepEqual(where(o.originOf(['spec', 'replicas'])), { file: 'overlays/dev/replicas.yaml', line: 6, text: '5', via: 'strategic-merge', exact: true });
    assert.deepEqual(where(o.originOf(container('image'))), { file: 'overlays/dev/kustomization.yaml', line: 15, text: '"2.0"', via: 'transformer', exact: true });
    assert.deepEqual(where(o.originOf(container('resources', 'limits', 'memory'))), { file: 'overlays/dev/memory.yaml', line: 3, text: '512Mi', via: 'json6902', exact: true });
    assert.deepEqual(where(o.originOf(container('env', { keys: { name: 'LOG_LEVEL' } }, 'value'))), { file: 'overlays/dev/replicas.yaml', line: 13, text: 'debug', via: 'strategic-merge', exact: true });
    assert.deepEqual(where(o.originOf(container('resources', 'requests', 'cpu'))), { file: 'base/deployment.yaml', line: 25, text: '100m', via: 'resource', exact: true });
  });

  test('dev: name, namespace and labels map to the kustomization lines that cause them', () => {
    const o = web(dev.objects).origins;
    assert.deepEqual(where(o.originOf(['metadata', 'name'])), { file: 'overlays/dev/kustomization.yaml', line: 3, text: 'dev-', via: 'transformer', exact: true });
    assert.deepEqual(where(o.originOf(['metadata', 'namespace'])), { file: 'overlays/dev/kustomization.yaml', line: 4, text: 'shop-dev', via: 'transformer', exact: true });
    assert.deepEqual(where(o.originOf(['metadata', 'labels', 'env'])), { file: 'overlays/dev/kustomization.yaml', line: 18, text: 'dev', via: 'transformer', exact: true });
    assert.deepEqual(where(o.originOf(['spec', 'selector', 'matchLabels', 'app.kubernetes.io/part-of'])), { file: 'base/kustomization.yaml', line: 7, text: 'shop', via: 'transformer', exact: true });
    assert.deepEqual(where(o.originOf(['spec', 'selector', 'matchLabels', 'app'])), { file: 'base/deployment.yaml', line: 9, text: 'web', via: 'resource', exact: true });
    const service = web(dev.objects, 'Service').origins;
    assert.deepEqual(where(service.originOf(['spec', 'selector', 'app.kubernetes.io/part-of'])), { file: 'base/kustomization.yaml', line: 7, text: 'shop', via: 'transformer', exact: true });
    // labels without includeSelectors leave selectors alone: no writer declares selector.env.
    assert.deepEqual(where(service.originOf(['spec', 'selector', 'env'])), { file: 'base/service.yaml', line: 6, text: 'selector', via: 'resource', exact: false });
  });

  test('a field no file declares (set by hand in the cluster) maps to the base container that holds it', () => {
    const origin = web(dev.objects).origins.originOf(container('args'));
    assert.deepEqual(where(origin), { file: 'base/deployment.yaml', line: 16, text: 'web', via: 'resource', exact: false });
  });

  test('staging: replicas from the replicas transformer, everything else from the base', () => {
    const o = web(staging.objects).origins;
    assert.deepEqual(where(o.originOf(['spec', 'replicas'])), { file: 'overlays/staging/kustomization.yaml', line: 8, text: '2', via: 'transformer', exact: true });
    assert.deepEqual(where(o.originOf(container('resources', 'limits', 'memory'))), { file: 'base/deployment.yaml', line: 28, text: '256Mi', via: 'resource', exact: true });
    assert.deepEqual(where(o.originOf(container('image'))), { file: 'base/deployment.yaml', line: 17, text: 'registry.example/web:1.0', via: 'resource', exact: true });
  });

  test('every rendered leaf a resource or patch declares holds, at its origin, the value kustomize rendered', () => {
    for (const { objects } of [dev, staging]) {
      for (const { object, origins } of objects) {
        let checked = 0;
        for (const path of leaves(object)) {
          const origin = origins.originOf(path);
          assert.ok(origin !== undefined, `${object.kind}: ${formatPath(path)} has no origin`);
          if (!origin.exact || origin.via === 'transformer') continue;
          const doc = new ManifestParser().parse(readFileSync(origin.file, 'utf8')).documents[origin.document]!;
          const node = locate(doc.doc, origin.path)?.valueNode;
          assert.ok(isScalar(node), `${object.kind}: ${formatPath(path)} → ${JSON.stringify(origin)}`);
          assert.equal(String(node.value), String(valueAt(object, path)), `${object.kind}: ${formatPath(path)} at ${origin.file}`);
          checked++;
        }
        assert.ok(checked > 5, `${object.kind}: only ${checked} fields checked`);
      }
    }
  });

  test('the files of a render: kustomizations, resources and patches of every layer', () => {
    assert.deepEqual([...dev.files].map((f) => f.slice(ROOT.length + 1)).sort(), [
      'base/deployment.yaml',
      'base/kustomization.yaml',
      'base/service.yaml',
      'overlays/dev/kustomization.yaml',
      'overlays/dev/memory.yaml',
      'overlays/dev/replicas.yaml',
    ]);
  });

  test('examples/ dev: a configMapGenerator merge maps its literal; the base keeps the keys it alone declares', async () => {
    const { environments } = await discoverEnvironments(EXAMPLES);
    const devEnv = environments.find((e) => e.name === 'dev')!;
    const files = await environmentFiles(EXAMPLES, devEnv);
    const result = await renderWithOrigins(EXAMPLES, devEnv, files, { trusted: true, kustomize: ['kubectl', 'kustomize'] });
    assert.ok(result.ok, result.ok ? '' : result.message);
    const settings = result.objects.find((o) => o.identity.kind === 'ConfigMap')!;
    const rel = (o: FieldOrigin | undefined): [string, string] | undefined => (o === undefined ? undefined : [o.file.slice(EXAMPLES.length + 1), o.via]);
    assert.deepEqual(rel(settings.origins.originOf(['data', 'LOG_LEVEL'])), ['apps/shop/overlays/dev/kustomization.yaml', 'generator']);
    assert.deepEqual(rel(settings.origins.originOf(['data', 'CHECKOUT_ENABLED'])), ['apps/shop/base/configmap.yaml', 'resource']);
    const deployment = result.objects.find((o) => o.identity.kind === 'Deployment')!;
    assert.equal(deployment.identity.namespace, 'shop-dev');
    assert.deepEqual(rel(deployment.origins.originOf(['spec', 'replicas'])), ['apps/shop/overlays/dev/replicas.yaml', 'strategic-merge']);
    assert.deepEqual(rel(deployment.origins.originOf(['metadata', 'labels', 'app.kubernetes.io/name'])), ['apps/shop/base/kustomization.yaml', 'transformer']);
  });
});

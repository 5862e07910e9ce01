// schemas/plumbline-config.schema.json is what Red Hat YAML validates `.plumbline.yaml` with and
// what our completion and hover read; the checker (validation/plumblineConfig.ts) and the readers
// are the truth. These tests keep the two from drifting apart: the same keys at every place, and
// the same verdict on valid and broken files.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import Ajv from 'ajv';
import { parse, parseDocument } from 'yaml';
import { configCompletions, configHover, configKeysAt, configSchemasAt } from '../../server/src/assist/configAssist';
import { configTemplate } from '../../server/src/environments/configTemplate';
import { ManifestParser } from '../../server/src/manifests/parse';
import { PLUMBLINE_CONFIG_KEYS, plumblineConfigProblems } from '../../server/src/validation/plumblineConfig';
import { ITEM, type PathStep } from '../../server/src/assist/yamlPath';
import { EXAMPLES, REPO } from '../support/paths';

const SCHEMA_FILE = join(REPO, 'schemas', 'plumbline-config.schema.json');
const validate = new Ajv({ allErrors: true, strict: true }).compile(JSON.parse(readFileSync(SCHEMA_FILE, 'utf8')) as object);

/** Where each of the checker's key tables stands in the file. */
const PLACES: Record<keyof typeof PLUMBLINE_CONFIG_KEYS, PathStep[]> = {
  top: [],
  environment: ['environments', ITEM],
  delivery: ['environments', ITEM, 'delivery'],
  drift: ['drift'],
  ignoreRule: ['drift', 'ignore', ITEM],
};

function schemaErrors(text: string): string[] {
  return validate(parse(text)) ? [] : (validate.errors ?? []).map((e) => `${e.instancePath} ${e.message ?? ''}`);
}

function checkerProblems(text: string): string[] {
  return plumblineConfigProblems(parseDocument(text)).map((p) => p.message);
}

/** Parses a fixture with `|` as the cursor. */
function withCursor(fixture: string): { file: ReturnType<ManifestParser['parse']>; position: { line: number; character: number } } {
  const lines = fixture.split('\n');
  const line = lines.findIndex((l) => l.includes('|'));
  const character = lines[line]!.indexOf('|');
  return { file: new ManifestParser().parse(fixture.replace('|', '')), position: { line, character } };
}

/** The README's `.plumbline.yaml` example: what users copy must be valid. */
function readmeExample(): string {
  const readme = readFileSync(join(REPO, 'README.md'), 'utf8');
  const section = readme.slice(readme.indexOf('### `.plumbline.yaml`'));
  const example = /```yaml\n([\s\S]*?)```/.exec(section)?.[1];
  assert.ok(example !== undefined, 'the README has a .plumbline.yaml example');
  return example;
}

describe('the .plumbline.yaml schema and the checker agree', () => {
  test('the same keys at every place, and no other key allowed there', () => {
    for (const [table, path] of Object.entries(PLACES) as [keyof typeof PLUMBLINE_CONFIG_KEYS, PathStep[]][]) {
      assert.deepEqual([...configKeysAt(path)].sort(), [...PLUMBLINE_CONFIG_KEYS[table]].sort(), `keys of ${table}`);
      const objects = configSchemasAt(path).filter((s) => s.properties !== undefined);
      assert.ok(objects.length > 0 && objects.every((s) => s.additionalProperties === false), `${table}: unknown keys are errors in the checker, so the schema forbids them`);
    }
  });

  test('every property has a description (hover shows it)', () => {
    const missing: string[] = [];
    const walk = (path: PathStep[]): void => {
      for (const key of configKeysAt(path)) {
        const [own] = configSchemasAt([...path, key]);
        if (own?.description === undefined) missing.push([...path, key].map(String).join('.'));
      }
    };
    Object.values(PLACES).forEach(walk);
    assert.deepEqual(missing, []);
  });

  test('valid files are valid to both: the README example, examples/, the template with its commented keys written out', () => {
    const template = configTemplate(['dev', 'prod']);
    const uncommented = template
      .split('\n')
      .map((l) => l.replace(/^(\s*)# (?=\s*(?:- |[\w-]+:))/, '$1'))
      .join('\n');
    const samples = {
      readme: readmeExample(),
      examples: readFileSync(join(EXAMPLES, '.plumbline.yaml'), 'utf8'),
      template,
      'empty template': configTemplate([]),
      'template, uncommented': uncommented,
      flux: 'environments:\n  - name: chart\n    paths: [charts/shop]\n    values: charts/shop/values-prod.yaml\n    delivery: {kind: flux, name: shop, namespace: apps, resource: HelmRelease}\n',
      managers: 'drift:\n  ignore:\n    - managers: [hpa-controller]\n    - kind: "*"\n      jsonPointers: [/metadata/labels]\n',
    };
    assert.notEqual(uncommented, template);
    for (const [name, text] of Object.entries(samples)) {
      assert.deepEqual(checkerProblems(text), [], `checker, ${name}:\n${text}`);
      assert.deepEqual(schemaErrors(text), [], `schema, ${name}:\n${text}`);
    }
  });

  test('broken files are broken to both', () => {
    const env = (lines: string): string => `environments:\n  - name: prod\n${lines}`;
    const broken = {
      'unknown top key': 'environment:\n  - name: prod\n',
      'misspelt environment key': env('    protectd: true\n'),
      'YAML 1.1 boolean': env('    protected: yes\n'),
      'no name': 'environments:\n  - path: deploy/dev\n',
      'paths as one string': env('    paths: deploy/dev\n'),
      'unknown delivery': env('    delivery: gitops\n'),
      'unknown delivery kind': env('    delivery: {kind: fluxx, name: shop}\n'),
      'delivery without a name': env('    delivery: {kind: flux}\n'),
      'misspelt delivery key': env('    delivery: {kind: argocd, name: shop, namespce: argocd}\n'),
      'misspelt drift key': 'drift:\n  ignor: []\n',
      'misspelt rule key': 'drift:\n  ignore:\n    - jsonPointer: [/spec/replicas]\n',
      'environments not a list': 'environments:\n  name: prod\n',
      // `drift:` with nothing after it is null, and the checker wants a mapping.
      'empty drift': 'drift:\n',
      'repositoryURLs not strings': 'repositoryURLs:\n  - {url: x}\n',
    };
    for (const [name, text] of Object.entries(broken)) {
      assert.notDeepEqual(checkerProblems(text), [], `checker, ${name}:\n${text}`);
      assert.notDeepEqual(schemaErrors(text), [], `schema, ${name}:\n${text}`);
    }
  });
});

describe('completion and hover in .plumbline.yaml', () => {
  test('keys of the mapping at the cursor, in the schema order, without those already there', () => {
    const top = withCursor('|');
    assert.deepEqual(configCompletions(top.file, top.position).map((s) => [s.label, s.insertText]), [['environments', 'environments:\n  - $0'], ['drift', 'drift:\n  $0'], ['repositoryURLs', 'repositoryURLs:\n  - $0']]);
    const entry = withCursor('environments:\n  - name: prod\n    |\n    context: eu\n');
    const labels = configCompletions(entry.file, entry.position).map((s) => s.label);
    assert.deepEqual(labels, ['path', 'paths', 'kubeconfig', 'namespace', 'protected', 'delivery', 'values', 'release']);
    const rule = withCursor('drift:\n  ignore:\n    - kind: Deployment\n      |\n');
    assert.deepEqual(configCompletions(rule.file, rule.position).map((s) => s.label), ['name', 'namespace', 'jsonPointers', 'managers']);
    // The item's first key (`- name:`) is the item's, not a sibling of the nested mapping's keys.
    const delivery = withCursor('environments:\n  - name: prod\n    path: deploy/prod\n    delivery:\n      |\n');
    const items = configCompletions(delivery.file, delivery.position);
    assert.deepEqual(items.map((s) => [s.label, s.detail]), [['kind', 'string (required)'], ['name', 'string (required)'], ['namespace', 'string'], ['resource', 'string']]);
  });

  test('values: enums and booleans', () => {
    const values = (fixture: string): string[] => {
      const { file, position } = withCursor(fixture);
      return configCompletions(file, position).map((s) => s.label);
    };
    assert.deepEqual(values('environments:\n  - name: prod\n    delivery: |\n'), ['direct']);
    assert.deepEqual(values('environments:\n  - name: prod\n    protected: |\n'), ['true', 'false']);
    assert.deepEqual(values('environments:\n  - name: prod\n    delivery:\n      kind: |\n'), ['flux', 'argocd']);
    assert.deepEqual(values('environments:\n  - name: prod\n    delivery:\n      resource: |\n'), ['Kustomization', 'HelmRelease']);
    assert.deepEqual(values('environments:\n  - name: |\n'), []);
  });

  test('hover: type, description and allowed values of the key on the line; nothing for an unknown key', () => {
    const { file } = withCursor('environments:\n  - name: prod\n    delivery: direct\n    protectd: true\n|');
    const delivery = configHover(file, { line: 2, character: 6 });
    assert.ok(delivery?.startsWith('**delivery** `string | object`'), delivery);
    assert.ok(delivery?.includes('How the cluster converges after a push'), delivery);
    assert.ok(delivery?.includes('Allowed: `direct`'), delivery);
    assert.ok(configHover(file, { line: 0, character: 3 })?.startsWith('**environments** `object[]`'));
    assert.equal(configHover(file, { line: 3, character: 6 }), undefined);
    const inherited = withCursor('constructor: 1\n__proto__: 2\n|');
    assert.equal(configHover(inherited.file, { line: 0, character: 2 }), undefined);
    assert.equal(configHover(inherited.file, { line: 1, character: 2 }), undefined);
  });
});

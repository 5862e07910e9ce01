import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { completionsAt } from '../../server/src/assist/completion';
import { hoverAt } from '../../server/src/assist/hover';
import { foldingRanges, outline } from '../../server/src/assist/outline';
import { ManifestParser } from '../../server/src/manifests/parse';
import { resolver } from '../support/testSchemas';

/** Parses a fixture with `|` as the cursor. */
function withCursor(fixture: string): { file: ReturnType<ManifestParser['parse']>; position: { line: number; character: number } } {
  const lines = fixture.split('\n');
  const line = lines.findIndex((l) => l.includes('|'));
  const character = lines[line]!.indexOf('|');
  const file = new ManifestParser().parse(fixture.replace('|', ''));
  return { file, position: { line, character } };
}

const HEAD = 'apiVersion: example.com/v1\nkind: Widget\nmetadata:\n  name: w\n';

describe('completion', () => {
  test('keys of the object at the cursor, without the ones already there, required first', () => {
    const { file, position } = withCursor(`${HEAD}spec:\n  replicas: 1\n  |\n`);
    const items = completionsAt(file, position, resolver);
    const labels = items.map((i) => i.label);
    assert.ok(labels.includes('size') && labels.includes('parts'));
    assert.ok(!labels.includes('replicas'), 'replicas is already set');
    const size = items.find((i) => i.label === 'size');
    assert.equal(size?.detail, 'string (required)');
    assert.ok((size?.sortText ?? '') < (items.find((i) => i.label === 'port')?.sortText ?? ''));
    assert.equal(items.find((i) => i.label === 'parts')?.insertText, 'parts:\n  - $0');
  });

  test('enum values and booleans for a value', () => {
    const size = withCursor(`${HEAD}spec:\n  size: |\n`);
    assert.deepEqual(completionsAt(size.file, size.position, resolver).map((i) => i.label), ['small', 'large']);
    const { file, position } = withCursor(`${HEAD}spec:\n  enabled: |\n`);
    assert.deepEqual(completionsAt(file, position, resolver).map((i) => i.label), ['true', 'false']);
  });

  test('kinds and apiVersions at the root', () => {
    const { file, position } = withCursor('apiVersion: example.com/v1\nkind: |\n');
    assert.deepEqual(completionsAt(file, position, resolver).map((i) => [i.label, i.detail]), [['Widget', 'example.com/v1']]);
  });

  test('a snippet for a whole new resource in an empty document', () => {
    const { file, position } = withCursor('|');
    const [widget] = completionsAt(file, position, resolver);
    assert.equal(widget?.label, 'Widget (example.com/v1)');
    assert.equal(widget?.insertText, 'apiVersion: example.com/v1\nkind: Widget\nmetadata:\n  name: ${1:name}\nspec:\n  size: $2\n$0');
  });
});

describe('hover, outline, folding', () => {
  test('hover shows type, description, allowed values and the schema source', () => {
    const { file } = withCursor(`${HEAD}spec:\n  size: small|\n`);
    const text = hoverAt(file, { line: 5, character: 3 }, resolver);
    assert.ok(text?.startsWith('**size** `string`'), text);
    assert.ok(text?.includes('Allowed: `small`, `large`'));
    assert.ok(text?.includes('schema from test schemas'));
    const meta = hoverAt(file, { line: 2, character: 1 }, resolver);
    assert.ok(meta?.includes('Standard metadata.'), meta);
  });

  test('one outline entry per resource', () => {
    const file = new ManifestParser().parse(`${HEAD}spec:\n  size: small\n---\napiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: c\n  namespace: n\n---\nnot: kubernetes\n`);
    const entries = outline(file);
    assert.deepEqual(entries.map((e) => [e.name, e.detail]), [['Widget/w', 'example.com/v1'], ['ConfigMap/c', 'v1 · n']]);
    assert.deepEqual(entries[1]?.selectionRange.start, { line: 10, character: 8 });
  });

  test('folding covers each document and each multi-line value', () => {
    const file = new ManifestParser().parse(`${HEAD}spec:\n  size: small\n  parts:\n    - name: a\n---\nkind: X\n`);
    const ranges = foldingRanges(file).map((r) => `${r.startLine}-${r.endLine}`);
    assert.deepEqual(ranges, ['0-7', '2-3', '4-7', '6-7', '8-9']);
  });
});

// The bundled schemas are parsed a definition at a time, on first read: what they hold must equal the file parsed whole.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { findSchemaDir, lazyBundleData } from '../../server/src/schemas/bundled';
import type { OpenApiSchema } from '../../server/src/schemas/openapi';

const file = join(findSchemaDir() ?? 'schemas', 'bundled.json');

test('every definition and every other field equals the file parsed whole; a definition read twice is one object', () => {
  const bytes = readFileSync(file);
  const whole = JSON.parse(bytes.toString('utf8')) as Record<string, unknown>;
  const lazy = lazyBundleData(bytes);
  assert.deepEqual(Object.keys(lazy.definitions), Object.keys(whole['definitions'] as object));
  const first = lazy.definitions['io.k8s.api.apps.v1.Deployment'];
  assert.ok(first !== undefined);
  assert.equal(lazy.definitions['io.k8s.api.apps.v1.Deployment'], first);
  assert.deepEqual(JSON.parse(JSON.stringify(lazy)), whole);
});

test('escaped quotes and backslashes in strings, and an object that inherits the definitions, as with a parsed object', () => {
  const text = JSON.stringify({ format: 1, definitions: { 'a"b': { description: 'ends in \\', type: 'string' }, c: { pattern: '^\\"x\\\\"$' } }, kinds: { 'g/v/K': 'c' } }, null, 1);
  const lazy = lazyBundleData(Buffer.from(text));
  assert.deepEqual(JSON.parse(JSON.stringify(lazy)), JSON.parse(text));
  // A workspace CRD's bundle inherits the bundled definitions and adds its own: the base keeps its own.
  const mine: OpenApiSchema = { type: 'object' };
  const inherited = Object.assign(Object.create(lazy.definitions) as Record<string, OpenApiSchema>, { c: mine });
  assert.equal(inherited['c'], mine);
  assert.deepEqual(lazy.definitions['c'], { pattern: '^\\"x\\\\"$' });
  assert.deepEqual(inherited['a"b'], { description: 'ends in \\', type: 'string' });
});

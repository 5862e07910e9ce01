import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { describeIdentity } from '../../server/src/manifests/identity';
import { LineIndex } from '../../server/src/manifests/lineIndex';
import { ManifestParser } from '../../server/src/manifests/parse';

const DEPLOYMENT = 'apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: web\n  namespace: shop\n';
const SERVICE = '---\napiVersion: v1\nkind: Service\nmetadata:\n  name: web\n';

describe('ManifestParser', () => {
  test('reads every document and its identity', () => {
    const file = new ManifestParser().parse(DEPLOYMENT + SERVICE);
    assert.equal(file.documents.length, 2);
    assert.deepEqual(file.documents[0]?.identity, {
      apiVersion: 'apps/v1',
      group: 'apps',
      version: 'v1',
      kind: 'Deployment',
      name: 'web',
      namespace: 'shop',
    });
    const svc = file.documents[1]?.identity;
    assert.ok(svc);
    assert.equal(svc.group, '');
    assert.equal(describeIdentity(svc), 'Service/web');
  });

  test('an edit re-parses only the document that changed', () => {
    const parser = new ManifestParser();
    const before = parser.parse(DEPLOYMENT + SERVICE);
    const after = parser.parse(DEPLOYMENT.replace('web', 'api') + SERVICE);
    assert.notEqual(after.documents[0]?.doc, before.documents[0]?.doc);
    assert.equal(after.documents[1]?.doc, before.documents[1]?.doc, 'the unchanged Service is reused');
    assert.equal(after.documents[1]?.base, DEPLOYMENT.length);
  });

  test('an edit that shifts a document keeps its parse and moves its base', () => {
    const parser = new ManifestParser();
    const before = parser.parse(DEPLOYMENT + SERVICE);
    const after = parser.parse('# comment\n' + DEPLOYMENT + SERVICE);
    assert.equal(after.documents[1]?.doc, before.documents[1]?.doc);
    assert.equal(after.documents[1]?.base, before.documents[1]!.base + '# comment\n'.length);
  });

  test('non-Kubernetes YAML has no identity', () => {
    const file = new ManifestParser().parse('name: CI\non: [push]\n');
    assert.equal(file.documents[0]?.identity, undefined);
  });

  test('empty and comment-only files have no documents with findings', () => {
    for (const text of ['', '\n\n', '# just a comment\n']) {
      const file = new ManifestParser().parse(text);
      assert.ok(file.documents.every((d) => d.syntax.length === 0), JSON.stringify(text));
    }
  });
});

describe('LineIndex', () => {
  test('maps offsets to zero-based positions and back', () => {
    const index = new LineIndex('ab\ncd\n\nef');
    assert.deepEqual(index.positionAt(0), { line: 0, character: 0 });
    assert.deepEqual(index.positionAt(4), { line: 1, character: 1 });
    assert.deepEqual(index.positionAt(6), { line: 2, character: 0 });
    assert.deepEqual(index.positionAt(99), { line: 3, character: 2 });
    assert.equal(index.offsetAt({ line: 3, character: 1 }), 8);
  });
});

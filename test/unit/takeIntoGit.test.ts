// "Take it into Git" for a field set by hand: the keys Git lacks are written under the deepest
// map Git declares, indented like its neighbours; every other byte of the file stays as it was.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { ManifestParser } from '../../server/src/manifests/parse';
import { takeIntoGit } from '../../server/src/drift/takeIntoGit';
import type { FieldPath } from '../../server/src/manifests/fieldPath';

function apply(text: string, path: FieldPath, value: unknown, document = 0): string | undefined {
  const file = new ManifestParser().parse(text);
  const d = file.documents[document]!;
  const edit = takeIntoGit(text, d.base, d.doc, path, value);
  return edit === undefined ? undefined : text.slice(0, edit.offset) + edit.text + text.slice(edit.offset);
}

const service = `# the shop's front door
apiVersion: v1
kind: Service
metadata:
    name: web   # four-space indent, kept
    labels:
        app: web
spec:
    ports:
        - port: 80
`;

describe('take a hand-set field into Git', () => {
  test('an annotation: `annotations:` and its key under metadata, at metadata’s indent', () => {
    assert.equal(
      apply(service, ['metadata', 'annotations', 'example.com/owner'], 'team-a'),
      service.replace('        app: web\n', '        app: web\n    annotations:\n      example.com/owner: team-a\n'),
    );
  });

  test('a label beside the labels Git has; the rest of the file byte for byte', () => {
    assert.equal(apply(service, ['metadata', 'labels', 'tier'], 'front'), service.replace('        app: web\n', '        app: web\n        tier: front\n'));
  });

  test('a map value and a value that needs quotes', () => {
    const text = 'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: x\ndata:\n  a: "1"\n';
    assert.equal(apply(text, ['data', 'enabled'], 'true'), `${text}  enabled: "true"\n`);
    assert.equal(apply(text, ['metadata', 'labels'], { team: 'a', tier: 'b' }), text.replace('  name: x\n', '  name: x\n  labels:\n    team: a\n    tier: b\n'));
  });

  test('the second document of a file', () => {
    const text = `apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: a\n---\napiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: b\n`;
    assert.equal(apply(text, ['metadata', 'labels', 'x'], 'y', 1), `${text}  labels:\n    x: y\n`);
  });

  test('not offered through a list, into a flow map, or for a field Git already has', () => {
    assert.equal(apply(service, ['spec', 'ports', 0, 'name'], 'http'), undefined);
    assert.equal(apply('kind: ConfigMap\nmetadata: {name: x}\n', ['metadata', 'labels', 'a'], 'b'), undefined);
    assert.equal(apply(service, ['metadata', 'labels', 'app'], 'web'), undefined);
  });
});

// identityHints reads a file's top-level lines so `plumbline diff` can start its LISTs before
// parsing: a hint where the lines say it plainly, nothing where they do not.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { identityHints } from '../../server/src/manifests/identityHints';

describe('identity hints', () => {
  test('each document’s apiVersion, kind and metadata.namespace, quotes and comments aside', () => {
    const text = [
      '# a comment',
      'apiVersion: apps/v1',
      'kind: Deployment',
      'metadata:',
      '  name: web',
      '  labels:',
      '    namespace: not-this-one',
      '  namespace: "shop" # the shop',
      'spec:',
      '  namespace: nor-this-one',
      '---',
      "apiVersion: 'v1'",
      'kind: Namespace',
      'metadata:',
      '  name: shop',
      '---',
      'kind: ConfigMap',
      'apiVersion: v1',
      'spec: {}',
      'metadata:',
      '  namespace: late',
      '',
    ].join('\r\n');
    assert.deepEqual(identityHints(text), [
      { group: 'apps', version: 'v1', kind: 'Deployment', namespace: 'shop' },
      { group: '', version: 'v1', kind: 'Namespace', namespace: undefined },
      { group: '', version: 'v1', kind: 'ConfigMap', namespace: 'late' },
    ]);
  });

  test('nothing for what is not said plainly: templates, flow maps, a missing kind', () => {
    assert.deepEqual(identityHints('apiVersion: v1\nkind: {{ .Kind }}\n'), []);
    assert.deepEqual(identityHints('{apiVersion: v1, kind: ConfigMap}\n'), []);
    assert.deepEqual(identityHints('apiVersion: v1\nmetadata:\n  namespace: x\n'), []);
    assert.deepEqual(identityHints('apiVersion: v1\nkind: ConfigMap\nmetadata:\n  namespace: ${NS}\n'), [{ group: '', version: 'v1', kind: 'ConfigMap', namespace: undefined }]);
  });
});

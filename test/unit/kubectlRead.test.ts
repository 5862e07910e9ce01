// kubectlValue: a document's data as kubectl reads it (YAML 1.1 scalars, merge keys). The
// cluster tier holds it to kubectl's own reading (yaml11Booleans.test.ts); here, that the quick
// path and the walk agree where YAML 1.1 changes nothing, and that a bad merge says so.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ManifestParser, documentValue } from '../../server/src/manifests/parse';
import { kubectlValue } from '../../server/src/manifests/kubectlRead';
import { crdDefinitions } from '../../server/src/schemas/workspaceCrds';

const read = (text: string): unknown => {
  const file = new ManifestParser().parse(text);
  return kubectlValue(file, file.documents[0]!, 100);
};

test('words that only look like YAML 1.1 booleans inside strings stay strings, and the data equals the YAML 1.2 reading', () => {
  const text = `apiVersion: v1
kind: ConfigMap
metadata: {name: prose}
data:
  script: |
    turn it on
    - no
  quoted: "yes"
  port: "0775"
  count: 10
  ratio: 0.5
`;
  const file = new ManifestParser().parse(text);
  assert.deepEqual(read(text), documentValue(file.documents[0]!, 100));
  assert.deepEqual((read(text) as { data: unknown }).data, { script: 'turn it on\n- no\n', quoted: 'yes', port: '0775', count: 10, ratio: 0.5 });
});

test('a document with nothing YAML 1.1 reads otherwise takes the quick path and gives the same data as the walk', () => {
  const plain = 'apiVersion: v1\nkind: Service\nmetadata: {name: web}\nspec:\n  ports: [{port: 80, targetPort: 8080}]\n';
  // The same data, with a comment that sends the document through the walk.
  const walked = plain + '# on\n';
  assert.deepEqual(read(walked), read(plain));
});

test('a merge key on a scalar is refused, as kubectl refuses it', () => {
  assert.throws(() => read('apiVersion: v1\nkind: ConfigMap\nmetadata: {name: m}\ndata:\n  <<: just-a-string\n'), /a merge key `<<` takes a mapping/);
});

test('a workspace CRD is read as kubectl applies it: a plain default `y` is the boolean true, an enum of `on`/`off` booleans', () => {
  const definitions = crdDefinitions(`apiVersion: apiextensions.k8s.io/v1
kind: CustomResourceDefinition
metadata: {name: switches.example.com}
spec:
  group: example.com
  names: {kind: Switch, plural: switches}
  scope: Namespaced
  versions:
    - name: v1
      served: true
      storage: true
      schema:
        openAPIV3Schema:
          type: object
          properties:
            spec:
              type: object
              properties:
                enabled: {type: boolean, default: y}
                mode: {type: integer, default: 0644}
                state: {enum: [on, off, "on"]}
`);
  const spec = definitions['example.com.v1.Switch']?.properties?.['spec'];
  assert.deepEqual(spec?.properties?.['enabled'], { type: 'boolean', default: true });
  assert.deepEqual(spec?.properties?.['mode'], { type: 'integer', default: 420 });
  assert.deepEqual(spec?.properties?.['state'], { enum: [true, false, 'on'] });
});

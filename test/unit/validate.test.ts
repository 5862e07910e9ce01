import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { checkFile, resourcesIn, type CheckOptions } from '../../server/src/check/checkFile';
import { ManifestParser } from '../../server/src/manifests/parse';
import { expectCheckFindings } from '../support/checkExpect';
import { resolver } from '../support/testSchemas';

const OPTIONS: CheckOptions = { role: { kind: 'manifests' }, schemas: resolver, unknownKind: 'information' };
const HEAD = 'apiVersion: example.com/v1\nkind: Widget\nmetadata:\n  name: w\n';

function expectFindings(fixture: string, options: CheckOptions = OPTIONS): void {
  expectCheckFindings(fixture, options, { contained: true });
}

describe('schema validation', () => {
  test('a valid object has no findings', () => {
    expectFindings(`${HEAD}spec:
  size: small
  replicas: 3
  port: http
  enabled: yes
  memory: 128Mi
  interval: 1m30s
  parts:
    - name: a
      weight: 1.5
  extra:
    anything: [goes, here]
`);
  });

  test('unknown fields are errors with a suggestion', () => {
    expectFindings(`${HEAD}spec:
  size: small
  replica: 3
  ^^^^^^^ error: unknown field \`replica\` in Widget spec; did you mean \`replicas\`?
  parts:
    - name: a
      wieght: 2
      ^^^^^^ error: unknown field \`wieght\` in Widget spec.parts[a]; did you mean \`weight\`?
`);
  });

  test('missing required fields are reported on the parent key', () => {
    expectFindings(`${HEAD}spec:
^^^^ error: missing required field \`size\` in Widget spec
  replicas: 1
`);
  });

  test('types, enums, formats and patterns', () => {
    expectFindings(`${HEAD}spec:
  size: medium
        ^^^^^^ error: \`medium\` is not allowed for Widget spec.size: expected small, large
  replicas: "3"
            ^^^ error: Widget spec.replicas must be an integer, not the string "3"
  port: [80]
        ^^^^ error: must be an integer or a string
  memory: 12 GB
          ^^^^^ error: is not a valid quantity
  interval: 10 minutes
            ^^^^^^^^^^ error: does not match the pattern
`);
  });

  test('numbers where strings belong get a quoting hint', () => {
    expectFindings(`${HEAD}metadata:
  name: w
  labels:
    tier: 1
          ^ error: Widget metadata.labels.tier must be a string, not the number 1; quote it: "1"
spec:
  size: small
`.replace(HEAD, 'apiVersion: example.com/v1\nkind: Widget\n'));
  });

  test('kustomize patches may leave out required fields', () => {
    expectFindings(`${HEAD}spec:
  replicas: 2
`, { ...OPTIONS, role: { kind: 'patch', use: 'strategic-merge' } });
  });

  test('SOPS-encrypted values and metadata are accepted', () => {
    expectFindings(`${HEAD}spec:
  size: small
  replicas: ENC[AES256_GCM,data:Tg==,iv:x,tag:y,type:int]
sops:
  version: 3.9.0
`);
  });

  test('unknown kinds get one information note on kind', () => {
    expectFindings(`apiVersion: example.com/v1
kind: Gadget
      ^^^^^^ information: no schema for Gadget (example.com/v1) in test schemas
`);
  });

  test('a known kind at an unknown version is an error that names the served version', () => {
    expectFindings(`apiVersion: example.com/v1beta1
            ^^^^^^^^^^^^^^^^^^^ error: Widget is not served as \`example.com/v1beta1\` by test schemas; use \`example.com/v1\`
kind: Widget
`);
  });

  test('documents that are not Kubernetes objects are left alone', () => {
    expectFindings('name: CI\non:\n  push:\n    branches: [main]\n');
  });

  test('items of a v1 List are validated by their own apiVersion and kind, on their own lines (issue 15)', () => {
    expectFindings(`apiVersion: v1
kind: List
items:
- apiVersion: example.com/v1
  kind: Widget
  metadata:
    name: one
  spec:
    size: small
    replica: 3
    ^^^^^^^ error: unknown field \`replica\` in Widget spec; did you mean \`replicas\`?
- apiVersion: example.com/v1
  kind: Gadget
        ^^^^^^ information: no schema for Gadget (example.com/v1) in test schemas
- kind: Widget
        ^^^^^^ error: Widget has no apiVersion, so it is not validated and kubectl refuses it; add \`apiVersion: example.com/v1\`
  metadata:
    name: three
- metadata:
  ^^^^^^^^ error: this List item has no apiVersion and kind, so it is not validated and kubectl refuses it; add both
    name: four
`);
  });

  test('items of a typed list (WidgetList) are objects of its kind, apiVersion and kind may be left out', () => {
    expectFindings(`apiVersion: example.com/v1
kind: WidgetList
items:
- metadata:
    name: one
  spec:
    size: huge
          ^^^^ error: \`huge\` is not allowed for Widget spec.size: expected small, large
`);
    expectFindings(`apiVersion: example.com/v1
kind: GadgetList
      ^^^^^^^^^^ information: no schema for GadgetList (example.com/v1) in test schemas; it is not validated
items:
- metadata:
    name: one
- metadata:
    name: two
`);
    const file = new ManifestParser().parse('apiVersion: example.com/v1\nkind: WidgetList\nitems:\n- metadata: {name: a}\n- metadata: {name: b}\n---\napiVersion: v1\nkind: List\nitems: []\n');
    assert.equal(resourcesIn(file), 2, 'each item counts as a resource, an empty list as none');
  });

  test('an object with only one of apiVersion and kind is an error; other YAML with a kind key is not (issue 15)', () => {
    expectFindings(`kind: Widget
      ^^^^^^ error: Widget has no apiVersion, so it is not validated and kubectl refuses it; add \`apiVersion: example.com/v1\`
metadata:
  name: w
---
apiVersion: example.com/v1
            ^^^^^^^^^^^^^^ error: object of \`example.com/v1\` has no kind, so it is not validated and kubectl refuses it; add the kind of this object
metadata:
  name: w
---
kind: DaemonSet
image:
  tag: v1
`);
    // A kustomization may leave out its apiVersion; a patch is checked as a patch.
    expectFindings('kind: Kustomization\nmetadata:\n  name: k\nresources: []\n', { ...OPTIONS, role: { kind: 'kustomization' }, unknownKind: 'ignore' });
  });

  test('custom tags in YAML that is not Kubernetes are not reported; in a Kubernetes object they are', () => {
    expectFindings(`Resources:
  Bucket:
    Type: AWS::S3::Bucket
    Properties:
      BucketName: !Ref Name
      Arn: !GetAtt Role.Arn
---
build:
  script:
    - !reference [.setup, script]
---
${HEAD}spec:
  size: !vault small
        ^^^^^^ warning: Unresolved tag: !vault
`);
  });

  test('Flux postBuild placeholders: an unknown value is not a type error, a default is checked as the value (issue 15)', () => {
    expectFindings(`${HEAD}spec:
  size: \${SIZE}
  replicas: \${REPLICAS}
  memory: \${APP_MEMORY:=128Mi}
  interval: \${INTERVAL:-1m}\${REST}
  port: \${PORT:=8080}
  enabled: \${ENABLED:=true}
---
${HEAD}spec:
  size: \${SIZE:=huge}
        ^^^^^^^^^^^^^ error: \`huge\` is not allowed for Widget spec.size: expected small, large
  replicas: \${REPLICAS:=three}
            ^^^^^^^^^^^^^^^^^^ error: Widget spec.replicas must be an integer, not the string "three" (the default in \`\${REPLICAS:=three}\`)
  memory: "\${APP_MEMORY:=5Gb}"
          ^^^^^^^^^^^^^^^^^^^^ error: \`5Gb\` is not a valid quantity
  enabled: "\${ENABLED:=true}"
           ^^^^^^^^^^^^^^^^^^ error: Widget spec.enabled must be true or false, not the string "true"
`);
  });

  test('a merge key with a mapping of its own (no alias) is merged alike after the quick parse and the full one', () => {
    const text = `${HEAD}spec:\n  <<: {size: small, bogus: 1}\n  replicas: 3\n  parts:\n    - "<<": {name: a}\n      weight: 1.5\n    - name: b\n      weight: 2\n`;
    const quick = checkFile(new ManifestParser({ quick: true }).parse(text), OPTIONS);
    const full = checkFile(new ManifestParser().parse(text), OPTIONS);
    assert.deepEqual(quick, full);
    assert.deepEqual(
      quick.map((f) => f.message),
      ['unknown field `bogus` in Widget spec'],
    );
  });

  test('an alias bomb stops validation with one warning instead of hanging', () => {
    const lines = [`${HEAD}spec:`, '  size: small', '  extra:', '    a0: &a0 [x, x, x, x, x, x, x, x, x, x]'];
    for (let i = 1; i < 25; i++) lines.push(`    a${i}: &a${i} [*a${i - 1}, *a${i - 1}, *a${i - 1}]`);
    lines.push('  parts: *a24');
    const findings = checkFile(new ManifestParser().parse(lines.join('\n')), OPTIONS);
    assert.ok(findings.length <= 3, JSON.stringify(findings));
  });
});

// go-yaml (what kubectl reads YAML with) accepts a quoted scalar whose later lines sit at its
// key's indentation, and its encoder writes long strings so; `kubectl get -o yaml` output kept in
// Git has them. They are no syntax error here either, and what follows them keeps its exact range.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { CheckOptions } from '../../server/src/check/checkFile';
import { ManifestParser } from '../../server/src/manifests/parse';
import { shallowContinuations } from '../../server/src/manifests/quotedContinuations';
import { expectCheckFindings } from '../support/checkExpect';
import { resolver } from '../support/testSchemas';

const OPTIONS: CheckOptions = { role: { kind: 'manifests' }, schemas: resolver, unknownKind: 'information' };

describe('quoted scalars continued at their key\'s indentation (as go-yaml writes them)', () => {
  test('single and double quotes, in a list item and a mapping: no syntax error; later findings keep their ranges', () => {
    expectCheckFindings(
      `apiVersion: example.com/v1
kind: Widget
metadata:
  name: w
spec:
  size: small
  extra:
    note: 'a status message long enough that the encoder folded it, with a quote''s
    escape and a second line'
    other: "and a double-quoted \\"one\\" folded
    the same way"
    conditions:
      - type: Ready
        message: 'applied {"Changes":["CREATE
        TABLE users"]}'
        reason: Applied
    script: |
      echo 'not a scalar to pad
  replica: 2
  ^^^^^^^ error: unknown field \`replica\` in Widget spec; did you mean \`replicas\`?
`,
      OPTIONS,
    );
  });

  test('the values read are the folded strings', () => {
    const file = new ManifestParser().parse(`data:\n  a: 'one\n  two'\n  b: "x\n  y"\n`);
    assert.deepEqual(file.documents[0]?.doc.toJS(), { data: { a: 'one two', b: 'x y' } });
    assert.deepEqual(file.documents[0]?.syntax, []);
  });

  test('a quote never closed is still an error, and block scalars are left alone', () => {
    const file = new ManifestParser().parse(`data:\n  a: 'one\n  b: two\n`);
    assert.ok(file.documents[0]?.syntax.some((p) => p.code === 'yaml.MISSING_CHAR'), JSON.stringify(file.documents[0]?.syntax));
    assert.deepEqual(shallowContinuations(`a: |\n  x: 'y\nb: 1\n`), []);
    // An unclosed quote whose next lines are left of its key: not padded, the parser's errors stay.
    assert.deepEqual(shallowContinuations(`spec:\n  meta:\n    name: '{{x}}\n  spec:\n    path: '{{p}}'\n`), []);
  });
});

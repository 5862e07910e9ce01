// Issue 15: a CRD rule the kube-apiserver would not compile (a function its CEL environment does
// not declare, no overload for the argument types) is an error on the rule, in the apiserver's
// words, and the CRD's objects are not judged by it. What the apiserver says was read from a
// 1.36 apiserver; the cluster tier (celEnvironment.test.ts) asks it again.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { checkFile, type CheckOptions } from '../../server/src/check/checkFile';
import { ManifestParser } from '../../server/src/manifests/parse';
import { loadBundledSchemas } from '../../server/src/schemas/bundled';
import { SchemaResolver } from '../../server/src/schemas/resolver';
import { apiserverCompile } from '../../server/src/validation/cel/apiserverCompile';
import { ruleAst } from '../../server/src/validation/cel/compileRules';
import { declTypeOf } from '../../server/src/validation/cel/estimateCost';
import { SchemaBundle, indexKinds } from '../../server/src/schemas/bundle';
import type { OpenApiSchema } from '../../server/src/schemas/openapi';
import { crdYaml } from '../support/crdYaml';

const WIDGETS = { group: 'example.com', kind: 'Widget', plural: 'widgets' };

const OPTIONS: CheckOptions = { role: { kind: 'manifests' }, schemas: new SchemaResolver([loadBundledSchemas()]), unknownKind: 'information' };
const AT = 'spec.validation.openAPIV3Schema.properties[spec].x-kubernetes-validations';

const SPEC: OpenApiSchema = {
  type: 'object',
  properties: {
    s: { type: 'string', maxLength: 64 },
    i: { type: 'integer' },
    b: { type: 'boolean' },
    namespace: { type: 'string', maxLength: 63 },
    l: { type: 'array', maxItems: 8, items: { type: 'string', maxLength: 8 } },
    il: { type: 'array', maxItems: 8, items: { type: 'integer' } },
    m: { type: 'object', maxProperties: 8, additionalProperties: { type: 'string', maxLength: 8 } },
  },
};

/** What the apiserver says of one rule on SPEC: its Detail, or undefined when it compiles. */
function refusal(rule: string): string | undefined {
  return apiserverCompile(rule, ruleAst(rule), declTypeOf(SPEC, false), 'rule').refusal;
}

function crd(rules: string): string {
  return crdYaml(
    WIDGETS,
    `              type: object
              properties:
                s: {type: string, maxLength: 64}
                il: {type: array, maxItems: 8, items: {type: integer}}
              x-kubernetes-validations:
${rules}`,
  );
}

describe('CRD rules the apiserver would not compile', () => {
  test('functions of libraries the apiserver does not load are undeclared references, in cel-go words and columns', () => {
    assert.equal(
      refusal('cel.bind(x, 1, x > 0)'),
      [
        "compilation failed: ERROR: <input>:1:1: undeclared reference to 'cel' (in container '')",
        ' | cel.bind(x, 1, x > 0)',
        ' | ^',
        "ERROR: <input>:1:9: undeclared reference to 'bind' (in container '')",
        ' | cel.bind(x, 1, x > 0)',
        ' | ........^',
        "ERROR: <input>:1:10: undeclared reference to 'x' (in container '')",
        ' | cel.bind(x, 1, x > 0)',
        ' | .........^',
        "ERROR: <input>:1:16: undeclared reference to 'x' (in container '')",
        ' | cel.bind(x, 1, x > 0)',
        ' | ...............^',
      ].join('\n'),
    );
    assert.match(refusal('math.greatest(1, 2) == 2') ?? '', /^compilation failed: ERROR: <input>:1:1: undeclared reference to 'math' .*\n.*\n.*\nERROR: <input>:1:14: undeclared reference to 'greatest' \(in container ''\)/);
    assert.match(refusal("base64.encode(b'a') == 'YQ=='") ?? '', /undeclared reference to 'base64'/);
    assert.match(refusal("b'abc'.hex() == 'a'") ?? '', /^compilation failed: ERROR: <input>:1:11: undeclared reference to 'hex'/);
  });

  test('a declared function called the wrong way or on the wrong type has no matching overload', () => {
    // quantity's sign is a global function to the apiserver, not a method.
    assert.match(refusal("quantity('1').sign() == 1") ?? '', /^compilation failed: ERROR: <input>:1:19: found no matching overload for 'sign' applied to 'kubernetes.Quantity.\(\)'\n \| quantity\('1'\).sign\(\) == 1\n \| \.{18}\^$/);
    assert.equal(refusal("sign(quantity('1')) == 1"), undefined);
    // reverse is for lists in 1.36 (strings gain it in a later strings library version).
    assert.match(refusal("self.s.reverse() == ''") ?? '', /found no matching overload for 'reverse' applied to 'string.\(\)'/);
    assert.match(refusal('self.l.sum() == 1') ?? '', /found no matching overload for 'sum' applied to 'list\(string\).\(\)'/);
    assert.match(refusal('self.b.isSorted()') ?? '', /found no matching overload for 'isSorted' applied to 'bool.\(\)'/);
    assert.match(refusal("self.i == 'a'") ?? '', /^compilation failed: ERROR: <input>:1:8: found no matching overload for '_==_' applied to '\(int, string\)'/);
    assert.match(refusal("[1, 'a'].size() == 2") ?? '', /^compilation failed: ERROR: <input>:1:5: expected type 'int' but found 'string'/);
    assert.equal(refusal('self.l'), 'cel expression must evaluate to a bool');
    // A field the schema does not declare, at its dot (has(): at its parenthesis); a map's keys are free.
    assert.match(refusal('self.nosuch == 1') ?? '', /^compilation failed: ERROR: <input>:1:5: undefined field 'nosuch'\n \| self.nosuch == 1\n \| \.{4}\^$/);
    assert.match(refusal('has(self.nosuch)') ?? '', /^compilation failed: ERROR: <input>:1:4: undefined field 'nosuch'/);
    assert.equal(refusal("self.m.anything == 'a'"), undefined);
  });

  test('what the apiserver declares compiles: every library, macros with two variables, escaped field names', () => {
    for (const rule of [
      'self.il.sum() == 1 && self.l.isSorted() && self.il.sort() == self.il && self.l.distinct().size() >= 0',
      'self.l.all(i, v, v != "" && i >= 0) && self.m.exists(k, v, k == v) && self.l.existsOne(i, v, v == "a")',
      'self.l.transformList(i, v, v + "x") == self.l && self.m.transformMap(k, v, v) == self.m',
      'self.?s.optFlatMap(v, optional.of(v)).hasValue() && optional.ofNonZeroValue(self.s).hasValue()',
      'self.l.first().hasValue() && lists.range(3).size() == 3 && [[1]].flatten() == [1] && self.il.slice(0, 1) == [1]',
      "strings.quote(self.s) != '' && '%s'.format([self.s]) != '' && self.s.charAt(0) == 'a'",
      "sets.contains(self.l, ['a']) && format.dns1123Label().validate(self.s).hasValue() && ip.isCanonical('::1')",
      "type(self.s) == string && type(ip('1.1.1.1')) == net.IP && self.__namespace__ == self.namespace",
      "isQuantity(self.s) && quantity(self.s).isLessThan(quantity('1Gi')) && semver('1.0.0').major() == 1",
    ]) {
      assert.equal(refusal(rule), undefined, rule);
    }
  });

  test('the finding sits on the rule, at the function the apiserver points to; the messageExpression is judged too', () => {
    const text = crd(`                - rule: "cel.bind(n, self.s.size(), n < 10)"
                - rule: self.il.sum() < 100
                  messageExpression: "'too much: ' + self.il.sum()"
`);
    const findings = checkFile(new ManifestParser().parse(text), OPTIONS).filter((f) => f.code === 'crd.cel-compile');
    assert.deepEqual(
      findings.map((f) => [textAt(text, f.range), f.message.split('\n')[0]]),
      [
        ['cel', `${AT}[0].rule: Invalid value: "cel.bind(n, self.s.size(), n < 10)": compilation failed: ERROR: <input>:1:1: undeclared reference to 'cel' (in container '')`],
        ['+', `${AT}[1].messageExpression: Invalid value: "'too much: ' + self.il.sum()": messageExpression compilation failed: ERROR: <input>:1:14: found no matching overload for '_+_' applied to '(string, int)'`],
      ],
    );
    assert.equal(findings[0]?.severity, 'error');
  });

  test('objects of a CRD are not judged by a rule the apiserver refuses, and get no note about it', () => {
    const spec: OpenApiSchema = {
      type: 'object',
      properties: { s: { type: 'string' }, namespace: { type: 'string' }, 'team-name': { type: 'string' } },
      'x-kubernetes-validations': [
        // A property named by a reserved word or with a dash is reached escaped, as the apiserver's objects answer.
        { rule: "self.__namespace__ == 'prod' && self.team__dash__name == 'web'", message: 'only web in prod' },
        { rule: "cel.bind(v, self.s, v == 'x')", message: 'never said' },
        { rule: "quantity('1').sign() == 1", message: 'never said either' },
        { rule: "sign(quantity('-1')) == -1 && self.s == 'x'", message: 's must be x' },
      ],
    };
    const definitions: Record<string, OpenApiSchema> = {
      'com.example.v1.Widget': { type: 'object', properties: { apiVersion: { type: 'string' }, kind: { type: 'string' }, metadata: { type: 'object' }, spec }, 'x-kubernetes-group-version-kind': [{ group: 'example.com', version: 'v1', kind: 'Widget' }] },
    };
    const schemas = new SchemaResolver([new SchemaBundle({ format: 1, kubernetesVersion: 'test', sources: {}, definitions, kinds: indexKinds(definitions) }, { kind: 'bundled', label: 'test', kubernetesVersion: 'test' })]);
    const text = 'apiVersion: example.com/v1\nkind: Widget\nmetadata: {name: w}\nspec:\n  s: abc\n  namespace: prod\n  team-name: api\n';
    const findings = checkFile(new ManifestParser().parse(text), { ...OPTIONS, schemas });
    assert.deepEqual(
      findings.map((f) => [f.severity, f.code, f.message, textAt(text, f.range)]),
      [
        ['error', 'schema.cel', 'Widget spec: Invalid value: only web in prod', 'spec'],
        ['error', 'schema.cel', 'Widget spec: Invalid value: s must be x', 'spec'],
      ],
    );
  });
});

/** The text a finding's range covers. */
function textAt(text: string, range: { start: { line: number; character: number }; end: { line: number; character: number } }): string {
  const lines = text.split('\n');
  const offset = (p: { line: number; character: number }): number => lines.slice(0, p.line).reduce((n, l) => n + l.length + 1, 0) + p.character;
  return text.slice(offset(range.start), offset(range.end));
}

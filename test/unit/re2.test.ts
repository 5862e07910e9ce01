// CRDs are judged with Go's RE2 regexes (`pattern`, CEL `matches`/`find`/`findAll`) and with
// anyOf/oneOf alternatives that only add checks to the schema around them. Both once gave false
// errors on Gateway API objects: a GRPCRoute rule starting `(?i)`, and a Gateway address whose
// type is not IPAddress. The schemas here are our own, laid out as those CRDs lay theirs out.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { CheckOptions } from '../../server/src/check/checkFile';
import { SchemaBundle, indexKinds, type SchemaBundleData } from '../../server/src/schemas/bundle';
import type { OpenApiSchema } from '../../server/src/schemas/openapi';
import { SchemaResolver } from '../../server/src/schemas/resolver';
import { re2RegExp, re2ToJs } from '../../server/src/validation/re2';
import { expectCheckFindings } from '../support/checkExpect';

describe('RE2 patterns in JavaScript', () => {
  // [RE2 pattern, text, whether RE2 matches it]
  const table: [string, string, boolean][] = [
    ['(?i)^[a-z_][a-z_0-9]*$', 'Echo_Service2', true],
    ['(?i)^[a-z_][a-z_0-9]*$', 'echo-service', false],
    ['(?i)get', 'GeT', true],
    ['(?i:ab)c', 'ABc', true],
    ['(?i:ab)c', 'ABC', false],
    ['(?s)a.b', 'a\nb', true],
    ['a.b', 'a\nb', false],
    ['(?m)^b$', 'a\nb\nc', true],
    ['^b$', 'a\nb\nc', false],
    ['^[[:alpha:]][[:digit:]]+\\z', 'x42', true],
    ['^[[:alpha:]][[:digit:]]+\\z', 'x42\n', false],
    ['\\Aab', 'ab', true],
    ['(?P<host>[a-z]+)\\:(?P<port>\\d+)', 'web:80', true],
    ['\\Qa.b\\E', 'a.b', true],
    ['\\Qa.b\\E', 'axb', false],
    ['^\\pL+$', 'héllo', true],
    ['^\\pL+$', 'h3llo', false],
    ['^[^\\s]+$', 'a\u00a0b', true],
    ['^\\s$', '\u00a0', false],
    ['^[]a]+$', ']a]', true],
    ['^[\\x00-\\x1f]$', '\u0005', true],
    ['^a{2,3}$', 'aaa', true],
    ['^a{2,3}$', 'aaaa', false],
    ['^[A-Za-z0-9!#$%&\'*+\\-.^_\\x60|~]+$', 'X-Token.v1', true],
  ];
  for (const [pattern, text, matches] of table) {
    test(`${JSON.stringify(pattern)} ${matches ? 'matches' : 'does not match'} ${JSON.stringify(text)}`, () => {
      const re = re2RegExp(pattern);
      assert.ok(re !== undefined, `no translation for ${pattern}`);
      assert.equal(re.test(text), matches, `${pattern} as ${re.source}`);
    });
  }

  test('what has no JavaScript spelling is left untranslated, not guessed', () => {
    for (const pattern of ['(a)\\1', '(?U)a+', '[[:^alpha:]]', 'a\\C', '(ab']) assert.equal(re2ToJs(pattern), undefined, pattern);
  });
});

const str = (extra: OpenApiSchema = {}): OpenApiSchema => ({ type: 'string', ...extra });

// A route whose method match carries a CEL rule with `(?i)`, as Gateway API's GRPCRoute does, and
// a portal whose addresses are told apart by a oneOf whose branches name only some fields.
const definitions: Record<string, OpenApiSchema> = {
  'test.Route': {
    type: 'object',
    properties: {
      apiVersion: str(),
      kind: str(),
      metadata: { type: 'object', properties: { name: str() } },
      spec: {
        type: 'object',
        properties: {
          service: str({ 'x-kubernetes-validations': [{ rule: 'self.matches(r"""(?i)^\\.?[a-z_][a-z_0-9]*(\\.[a-z_][a-z_0-9]*)*$""")', message: 'service must be a dotted name' }] }),
          method: str({ 'x-kubernetes-validations': [{ rule: "matches(self, '(?i)^[a-z]+$') && self.find('(?i)GET') != ''", message: 'method must be letters and hold get' }] }),
          code: str({ pattern: '(?i)^[a-f0-9]+$' }),
          odd: str({ 'x-kubernetes-validations': [{ rule: "self.matches('(a)\\\\1')", message: 'never reported' }] }),
          computed: str({ 'x-kubernetes-validations': [{ rule: "self.matches(self + '(?i)')", message: 'never reported' }] }),
          // has() over an indexed item, as Gateway API's route rules write it.
          rules: {
            type: 'array',
            items: { type: 'object', properties: { name: str(), matches: { type: 'array', items: str() } } },
            'x-kubernetes-validations': [{ rule: '(self.size() > 0 && has(self[0].matches) ? self[0].matches.size() : 0) <= 2', message: 'the first rule has at most two matches' }],
          },
        },
      },
    },
    'x-kubernetes-group-version-kind': [{ group: 'example.com', version: 'v1', kind: 'Route' }],
  },
  'test.Portal': {
    type: 'object',
    properties: {
      apiVersion: str(),
      kind: str(),
      metadata: { type: 'object', properties: { name: str() } },
      spec: {
        type: 'object',
        properties: {
          addresses: {
            type: 'array',
            items: {
              type: 'object',
              oneOf: [{ properties: { type: { enum: ['IPAddress'] }, value: { anyOf: [{ format: 'ipv4' }, { format: 'ipv6' }] } } }, { properties: { type: { not: { enum: ['IPAddress'] } } } }],
              properties: { type: str({ default: 'IPAddress' }), value: str() },
            },
          },
          closed: {
            type: 'object',
            anyOf: [{ properties: { a: str() }, additionalProperties: false }, { properties: { b: str() }, additionalProperties: false }],
            properties: { a: str(), b: str(), c: str() },
          },
        },
      },
    },
    'x-kubernetes-group-version-kind': [{ group: 'example.com', version: 'v1', kind: 'Portal' }],
  },
};
const data: SchemaBundleData = { format: 1, kubernetesVersion: 'v0.0.0-test', sources: {}, definitions, kinds: indexKinds(definitions) };
const resolver = new SchemaResolver([new SchemaBundle(data, { kind: 'bundled', label: 'RE2 test schemas', kubernetesVersion: 'v0.0.0-test' })]);
const OPTIONS: CheckOptions = { role: { kind: 'manifests' }, schemas: resolver, unknownKind: 'information' };

describe('RE2 regexes and structural alternatives in validation', () => {
  test('CEL matches and find, and pattern, read (?i) as RE2 does, and has() of an indexed item runs: no error on a valid value, the rule message on an invalid one', () => {
    expectCheckFindings(
      `apiVersion: example.com/v1
kind: Route
metadata:
  name: ok
spec:
  service: Grpc.Health.V1
  method: GetStatus
  code: BEEF42
  rules:
    - name: a
      matches: [p, q]
---
apiVersion: example.com/v1
kind: Route
metadata:
  name: no-matches
spec:
  rules:
    - name: a
---
apiVersion: example.com/v1
kind: Route
metadata:
  name: bad
spec:
  service: grpc-health
  ^^^^^^^ error: Route spec.service: Invalid value: "grpc-health": service must be a dotted name
  method: Put
  ^^^^^^ error: Route spec.method: Invalid value: "Put": method must be letters and hold get
  code: XYZ
        ^^^ error: \`XYZ\` does not match the pattern (?i)^[a-f0-9]+$ required for Route spec.code
  rules:
  ^^^^^ error: Route spec.rules: Invalid value: the first rule has at most two matches
    - matches: [p, q, r]
`,
      OPTIONS,
      { sorted: true },
    );
  });

  test('a regex with no JavaScript translation, literal or computed, is a note that the rule was not run, never an error', () => {
    expectCheckFindings(
      `apiVersion: example.com/v1
kind: Route
metadata:
  name: odd
spec:
  odd: aa
  ^^^ information: Route spec.odd: the CEL rule \`self.matches('(a)\\\\1')\` cannot be checked here (its regex "(a)\\\\1" uses RE2 syntax that has no JavaScript translation)
  computed: x
  ^^^^^^^^ information: Route spec.computed: the CEL rule \`self.matches(self + '(?i)')\` cannot be checked here (Invalid regular expression: x(?i))
`,
      OPTIONS,
      { sorted: true },
    );
  });

  test('a oneOf branch that names only some fields does not make the others unknown; a branch closed by additionalProperties: false does', () => {
    expectCheckFindings(
      `apiVersion: example.com/v1
kind: Portal
metadata:
  name: p
spec:
  addresses:
    - value: 10.0.0.1
    - type: IPAddress
      value: 10.0.0.2
    - type: Hostname
      value: portal.example.com
    - type: example.com/custom
      value: anything
  closed:
    a: x
---
apiVersion: example.com/v1
kind: Portal
metadata:
  name: q
spec:
  closed:
    a: x
    c: z
    ^ error: unknown field \`c\` in Portal spec.closed
`,
      OPTIONS,
      { contained: true },
    );
  });
});

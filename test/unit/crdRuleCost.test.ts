import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { CheckOptions } from '../../server/src/check/checkFile';
import { loadBundledSchemas } from '../../server/src/schemas/bundled';
import { SchemaResolver } from '../../server/src/schemas/resolver';
import { ruleAst } from '../../server/src/validation/cel/compileRules';
import { declTypeOf, estimateRuleCost, exceedFactor } from '../../server/src/validation/cel/estimateCost';
import { expectCheckFindings } from '../support/checkExpect';
import { crdHead, crdYaml } from '../support/crdYaml';

const WIDGETS = { group: 'example.com', kind: 'Widget', plural: 'widgets' };

const OPTIONS: CheckOptions = { role: { kind: 'manifests' }, schemas: new SchemaResolver([loadBundledSchemas()]), unknownKind: 'information' };
const ADVICE = '(try simplifying the rule, or adding maxItems, maxProperties, and maxLength where arrays, maps, and strings are declared)';

/** A CRD whose spec schema is `spec` (YAML, indented to sit under `spec:`). */
function crd(spec: string): string {
  return crdYaml(WIDGETS, spec);
}

describe("CEL rule cost estimated as the apiserver does when a CRD is created", () => {
  test('a rule over a list without maxItems that loops inside a loop is refused on its rule line, and so is the schema it overloads', () => {
    const text = crd(`              type: object
              properties:
                names:
                  type: array
                  items: {type: string}
              x-kubernetes-validations:
                - rule: self.names.all(x, self.names.exists(y, x == y))
                  ^^^^ error: spec.validation.openAPIV3Schema.properties[spec].x-kubernetes-validations[0].rule: Forbidden: estimated rule cost exceeds budget by factor of more than 100x ${ADVICE}
                  ^^^^ error: spec.validation.openAPIV3Schema.properties[spec].x-kubernetes-validations[0].rule: Forbidden: contributed to estimated rule cost total exceeding cost limit for entire OpenAPIv3 schema
                  message: names are unique
`);
    // The whole schema's total sits on its openAPIV3Schema key, as the apiserver's last cause.
    const total = `        openAPIV3Schema:\n        ^^^^^^^^^^^^^^^ error: spec.validation.openAPIV3Schema: Forbidden: x-kubernetes-validations estimated rule cost total for entire OpenAPIv3 schema exceeds budget by factor of more than 100x ${ADVICE}\n`;
    expectCheckFindings(text.replace('        openAPIV3Schema:\n', total), OPTIONS, { sorted: true });
  });

  test('the same rule passes once maxItems and maxLength bound the list', () => {
    expectCheckFindings(
      crd(`              type: object
              properties:
                names:
                  type: array
                  maxItems: 50
                  items: {type: string, maxLength: 63}
              x-kubernetes-validations:
                - rule: self.names.all(x, self.names.exists(y, x == y))
`),
      OPTIONS,
    );
  });

  test('a rule under a list without maxItems counts once per item that fits in a request; its factor is said as the apiserver says it', () => {
    expectCheckFindings(
      crd(`              type: object
              properties:
                a: {type: string, maxLength: 40000}
                b: {type: string, maxLength: 10000}
                items:
                  type: array
                  items:
                    type: object
                    properties:
                      host: {type: string, maxLength: 253}
                    x-kubernetes-validations:
                      - rule: size(self.host) > 3 && size(self.host) < 250 && self.host != ''
                        ^^^^ error: spec.validation.openAPIV3Schema.properties[spec].properties[items].items.x-kubernetes-validations[0].rule: Forbidden: estimated rule cost exceeds budget by factor of 1.048576x ${ADVICE}
              x-kubernetes-validations:
                - rule: self.a.contains(self.b)
                  ^^^^ error: spec.validation.openAPIV3Schema.properties[spec].x-kubernetes-validations[0].rule: Forbidden: estimated rule cost exceeds budget by factor of 6.4x ${ADVICE}
                - rule: size(self.a) > 3
`),
      OPTIONS,
      { sorted: true },
    );
  });

  test('versions with identical schemas share spec.validation, as the apiserver names them; versions that differ keep their own path', () => {
    const version = (name: string, maxLength: number): string => `    - name: ${name}
      served: true
      storage: ${name === 'v1' ? 'true' : 'false'}
      schema:
        openAPIV3Schema:
          type: object
          properties:
            a: {type: string, maxLength: ${maxLength}}
            b: {type: string, maxLength: 10000}
          x-kubernetes-validations:
            - rule: self.a.contains(self.b)
              ^^^^ error: spec.__PATH__.openAPIV3Schema.x-kubernetes-validations[0].rule: Forbidden: estimated rule cost exceeds budget by factor of __F__ ${ADVICE}
`;
    const head = crdHead(WIDGETS);
    // Identical: one estimate, one cause, on the first version's rule.
    const shared = version('v1', 40000).replace('__PATH__', 'validation').replace('__F__', '6.4x');
    expectCheckFindings(head + shared + version('v2', 40000).split('\n').filter((l) => !l.includes('^^^^')).join('\n'), OPTIONS);
    // Different: each version is estimated and named by its index.
    const own = (name: string, i: number, maxLength: number, f: string): string => version(name, maxLength).replace('__PATH__', `versions[${i}].schema`).replace('__F__', f);
    expectCheckFindings(head + own('v1', 0, 40000, '6.4x') + own('v2', 1, 60000, '9.6x'), OPTIONS);
  });

  test('a messageExpression is estimated on its own', () => {
    expectCheckFindings(
      crd(`              type: object
              properties:
                a: {type: string, maxLength: 40000}
                b: {type: string, maxLength: 10000}
              x-kubernetes-validations:
                - rule: size(self.a) > 0
                  messageExpression: "self.a.contains(self.b) ? 'x' : 'y'"
                  ^^^^^^^^^^^^^^^^^ error: spec.validation.openAPIV3Schema.properties[spec].x-kubernetes-validations[0].messageExpression: Forbidden: estimated messageExpression cost exceeds budget by factor of 6.4x ${ADVICE}
`),
      OPTIONS,
    );
  });

  test('cheap rules are silent, and the corpus rules of the benchmark are cheap', () => {
    expectCheckFindings(
      crd(`              type: object
              properties:
                minReplicas: {type: integer}
                maxReplicas: {type: integer}
                memory: {type: string, maxLength: 16}
                windows:
                  type: array
                  maxItems: 8
                  items:
                    type: object
                    properties: {start: {type: string, maxLength: 5}, end: {type: string, maxLength: 5}}
              x-kubernetes-validations:
                - rule: self.minReplicas <= self.maxReplicas
                - rule: "quantity(self.memory).compareTo(quantity('64Mi')) >= 0"
                - rule: "!has(self.windows) || self.windows.all(w, w.start < w.end)"
`),
      OPTIONS,
    );
  });

  test('costs follow cel-go: identifiers and selects cost one, strings are traversed at 0.1 per byte, macros multiply by the list size', () => {
    const spec = declTypeOf(
      {
        type: 'object',
        properties: {
          n: { type: 'integer' },
          s: { type: 'string', maxLength: 16 },
          l: { type: 'array', maxItems: 8, items: { type: 'object', properties: { a: { type: 'string', maxLength: 5 }, b: { type: 'string', maxLength: 5 } } } },
        },
      },
      false,
    );
    const cost = (rule: string): number => estimateRuleCost(ruleAst(rule), spec);
    assert.equal(cost('self.n <= 3'), 3);
    // quantity() traverses the 64 bytes maxLength 16 allows (4 per character): 7; the literal's 4 characters: 1.
    assert.equal(cost("quantity(self.s).compareTo(quantity('64Mi')) >= 0"), 12);
    // Per item: w.a and w.b (2 each), the string comparison (20 bytes: 2), the step (3); times 8, plus the range and the result.
    assert.equal(cost('self.l.all(w, w.a < w.b)'), 75);
    assert.equal(exceedFactor(10_485_760, 10_000_000), '1.048576x');
  });

  test('sets and named formats are namespaced functions with their own estimates; exists_one ends with an int comparison', () => {
    const spec = declTypeOf(
      { type: 'object', properties: { s: { type: 'string', maxLength: 64 }, l: { type: 'array', maxItems: 10, items: { type: 'string', maxLength: 16 } } } },
      false,
    );
    const cost = (rule: string): number => estimateRuleCost(ruleAst(rule), spec);
    // The namespace costs nothing; one comparison per pair of items (10 × 1), the call, self.l and the list literal.
    assert.equal(cost("sets.contains(self.l, ['a'])"), 23);
    assert.equal(cost("sets.equivalent(self.l, ['a', 'b'])"), 53);
    // A variable named like a namespace is a variable: `sets.contains('a')` is the string function.
    assert.equal(cost("self.l.all(sets, sets.contains('a'))"), 113);
    // validate runs a named format's regex (up to 128 characters at 0.25) over the 256 bytes: 26 × 32.
    assert.equal(cost('!format.dns1123Label().validate(self.s).hasValue()'), 837);
    // 10 × (the body's 2 + the step's 2), self.l, and `@result == 1` (2), as the apiserver says: 1.227908x over 279,070 items.
    assert.equal(cost("self.l.exists_one(x, x == 'a')"), 44);
    assert.equal(cost('ip.isCanonical(self.s)'), 54);
  });

  test("a free identifier such as `string` is sized by self's own bound, as the apiserver's size lookup answers it", () => {
    const object = declTypeOf({ type: 'object', properties: { s: { type: 'string', maxLength: 64 } } }, false);
    // self is an object (no bound): comparing with `string` costs nothing beyond type(self.s) (3) and the identifier (1).
    assert.equal(estimateRuleCost(ruleAst('type(self.s) == string'), object), 4);
    // self is a string of 256 bytes: the comparison traverses them (26); the apiserver says 1.200003x over 413,794 items.
    assert.equal(estimateRuleCost(ruleAst('type(self) == string'), declTypeOf({ type: 'string', maxLength: 64 }, false)), 29);
  });

  test('string() of an int-or-string costs as its costliest overload, string(bytes): a traversal', () => {
    const spec = declTypeOf(
      { type: 'object', properties: { ios: { 'x-kubernetes-int-or-string': true, maxLength: 15 }, s: { type: 'string', maxLength: 16 }, n: { type: 'integer' } } },
      false,
    );
    const cost = (rule: string): number => estimateRuleCost(ruleAst(rule), spec);
    // 60 bytes at 0.1 (6), self.ios (2), size (1) and the comparison (1).
    assert.equal(cost('string(self.ios).size() < 3'), 10);
    // string → bytes traverses too (64 bytes: 7); int → string and string → string are one step.
    assert.equal(cost('bytes(self.s).size() < 3'), 11);
    assert.equal(cost('string(self.n).size() < 3'), 5);
  });

  test("two-variable comprehensions bind a map's key and value (a list's index and item), the body counted once per entry", () => {
    const spec = declTypeOf({ type: 'object', properties: { s: { type: 'string', maxLength: 64 }, l: { type: 'array', maxItems: 10, items: { type: 'string', maxLength: 16 } }, m: { type: 'object', maxProperties: 10, additionalProperties: { type: 'string', maxLength: 16 } } } }, false);
    // Per entry: k and v (2), comparing with a key of no declared length (0), the step (3); as the apiserver: 1.009528x over 190,477 items.
    assert.equal(estimateRuleCost(ruleAst('self.m.all(k, v, k != v)'), spec), 53);
    assert.equal(estimateRuleCost(ruleAst('self.l.all(i, v, i < 3 && v != self.s)'), spec), 153);
  });

  test('the lists library and strings.quote / format as cel-go estimates them', () => {
    const spec = declTypeOf({ type: 'object', properties: { s: { type: 'string', maxLength: 64 }, l: { type: 'array', maxItems: 10, items: { type: 'string', maxLength: 16 } } } }, false);
    const cost = (rule: string): number => estimateRuleCost(ruleAst(rule), spec);
    // slice(0, 2): two items, the call and a new list (13); the apiserver says 4.1x over 2,400,000 items.
    assert.equal(cost('self.l.slice(0, 2).size() > 0'), 17);
    // sort and distinct are quadratic: 10 × 10 at 2.1 (strings) and 2, each plus 11; 48.1x over 1,090,910 items.
    assert.equal(cost('self.l.sort() == self.l && self.l.distinct().size() == 1'), 441);
    // quote traverses its argument (26), format its pattern (1); 2.7x over 631,579 items.
    assert.equal(cost("strings.quote(self.s) == 'x' && '%s'.format([self.s]) == 'y'"), 43);
  });

  test('join and replace are estimated as the Kubernetes strings library estimates them, result sizes included', () => {
    const spec = declTypeOf(
      { type: 'object', properties: { s: { type: 'string', maxLength: 16 }, parts: { type: 'array', maxItems: 16, items: { type: 'string', maxLength: 63 } } } },
      false,
    );
    const cost = (rule: string): number => estimateRuleCost(ruleAst(rule), spec);
    // join: 16 items of 252 bytes and 15 separators make at most 4,047 bytes, traversed at 0.1 (405); what follows traverses them again.
    assert.equal(cost("self.parts.join(',')"), 407);
    assert.equal(cost("self.parts.join(',').lowerAscii()"), 812);
    // replace: traversal and building the result at 0.2 per byte of the 64 (13); the result is longest when
    // each one-character match becomes four characters (256 bytes), unchanged when the text is shorter, and
    // the input with the text around every character when the match is empty.
    assert.equal(cost("self.s.replace('a', 'bbbb').lowerAscii()"), 41);
    assert.equal(cost("self.s.replace('-', '').lowerAscii()"), 22);
    assert.equal(cost("self.s.replace('', 'x').lowerAscii()"), 28);
    // split: 0.2 per byte (13); as many parts as characters, or as a literal limit says (3 × the loop's 6).
    assert.equal(cost("self.s.split(',').all(x, x.size() < 2)"), 2 + 13 + 64 * 6 + 1);
    assert.equal(cost("self.s.split(',', 3).all(x, x.size() < 2)"), 2 + 13 + 3 * 6 + 1);
    assert.equal(exceedFactor(64_000_004, 10_000_000), '6.4x');
  });

  test('Gateway API rules: escaped field names (`__namespace__`) and duration() are sized by the schema, so their CRDs are not refused', () => {
    const spec = declTypeOf(
      {
        type: 'object',
        properties: {
          parentRefs: {
            type: 'array',
            maxItems: 32,
            items: { type: 'object', properties: { name: { type: 'string', maxLength: 253 }, namespace: { type: 'string', maxLength: 63 }, 'section-name': { type: 'string', maxLength: 253 } } },
          },
          timeouts: { type: 'object', properties: { request: { type: 'string', pattern: '^([0-9]{1,5}(h|m|s|ms)){1,4}$' } } },
        },
      },
      false,
    );
    const cost = (rule: string): number => estimateRuleCost(ruleAst(rule), spec);
    // namespace is a CEL reserved word: reached as __namespace__ (or, since 1.31, as it is); section-name as section__dash__name.
    assert.ok(cost("self.parentRefs.all(p1, self.parentRefs.all(p2, p1.__namespace__ == p2.__namespace__ && p1.section__dash__name == ''))") < 1_000_000);
    assert.equal(cost("self.parentRefs.all(p, p.__namespace__ == 'a')"), cost("self.parentRefs.all(p, p.namespace == 'a')"));
    // duration() of an unbounded string is a scalar: comparing two of them is one step, not a traversal.
    assert.ok(cost("!has(self.timeouts.request) || duration(self.timeouts.request) != duration('0s')") < 10_000);
  });
});

// Cluster tier, issue 15: the cost of CEL rules in a CustomResourceDefinition, estimated by
// Plumbline and by the real kube-apiserver, which is the oracle. Each CRD below is sent as a
// dry-run create (POST .../customresourcedefinitions?dryRun=All) and checked by checkFile as a
// workspace file; the verdicts (accepted / refused) must be equal, and the apiserver's causes must
// be exactly our cost findings, field path and words (`<field>: Forbidden: ...`). The first set is
// CRDs a person writes (bounded and unbounded lists, maps, strings, loops, the per-rule and
// whole-schema limits at their edges); the second puts rules where they may run many times
// (unbounded lists and maps, required and defaulted fields, embedded resources, int-or-string,
// transition rules), each just over the limit; the third probes one expression at a time, scaled
// so that the apiserver's six-digit factor gives its estimate to the unit.
//
//   node --import tsx --test --test-reporter=spec test/cluster/celCostDifferential.test.ts
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { parse } from 'yaml';
import { checkFile, type CheckOptions } from '../../server/src/check/checkFile';
import { ManifestParser } from '../../server/src/manifests/parse';
import { loadBundledSchemas } from '../../server/src/schemas/bundled';
import type { OpenApiSchema } from '../../server/src/schemas/openapi';
import { SchemaResolver } from '../../server/src/schemas/resolver';
import { ruleAst } from '../../server/src/validation/cel/compileRules';
import { declTypeOf, estimateRuleCost, STATIC_RULE_COST_LIMIT } from '../../server/src/validation/cel/estimateCost';
import { rawRequest, startCluster, type Cluster } from './harness';
import { crdHead, crdVersion } from '../support/crdYaml';

const OPTIONS: CheckOptions = { role: { kind: 'manifests' }, schemas: new SchemaResolver([loadBundledSchemas()]), unknownKind: 'information' };

/** Schema YAML re-indented to sit under a version's `spec:` property. */
function indented(spec: string): string {
  const lines = spec.replace(/^\n+|\s+$/g, '').split('\n');
  const indent = Math.min(...lines.filter((l) => l.trim() !== '').map((l) => /^ */.exec(l)?.[0].length ?? 0));
  return lines.map((l) => `              ${l.slice(indent)}`).join('\n');
}

/** A CRD whose `spec` property has this schema (YAML as written under `spec:`, any indent); with `v2`, a second version with that one. */
function crd(spec: string, v2?: string): string {
  const names = { group: 'cost.plumbline.dev', kind: 'Widget', plural: 'widgets' };
  return `${crdHead(names)}${crdVersion('v1', `${indented(spec)}\n`, true)}${v2 === undefined ? '' : crdVersion('v2', `${indented(v2)}\n`, false)}`;
}

/** `self.a.contains(self.b)` costs ceil(0.1 × 4·maxLength(a)) × ceil(0.1 × 4·maxLength(b)) + 4 (two selects of self). */
const containsRule = (a: number, b: number, rules = 1): string => `
  type: object
  properties:
    a: {type: string, maxLength: ${a}}
    b: {type: string, maxLength: ${b}}
  x-kubernetes-validations:
${Array.from({ length: rules }, (_, i) => `    - rule: "self.a.contains(self.b)${i === 0 ? '' : ` || size(self.a) == ${i}`}"`).join('\n')}
`;

interface Variant {
  name: string;
  spec: string;
  /** A second version's schema, when the CRD has two. */
  v2?: string;
  /** What the variant is built to show: the apiserver must give this verdict, or the variant proves nothing. */
  meant: 'accepted' | 'refused';
}

const VARIANTS: Variant[] = [
  {
    name: 'cheap rules over scalars, a bounded string and a bounded list',
    meant: 'accepted',
    spec: `
      type: object
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
        - rule: "!has(self.windows) || self.windows.all(w, w.start < w.end)"`,
  },
  {
    name: 'a loop inside a loop over a list without maxItems',
    meant: 'refused',
    spec: `
      type: object
      properties:
        names:
          type: array
          items: {type: string}
      x-kubernetes-validations:
        - rule: self.names.all(x, self.names.exists(y, x == y))`,
  },
  {
    name: 'the same loops once maxItems and maxLength bound the list',
    meant: 'accepted',
    spec: `
      type: object
      properties:
        names:
          type: array
          maxItems: 50
          items: {type: string, maxLength: 63}
      x-kubernetes-validations:
        - rule: self.names.all(x, self.names.exists(y, x == y))`,
  },
  {
    name: 'a loop over a map without maxProperties whose values are unbounded strings',
    meant: 'refused',
    spec: `
      type: object
      properties:
        labels:
          type: object
          additionalProperties: {type: string}
      x-kubernetes-validations:
        - rule: self.labels.all(k, self.labels[k].lowerAscii() == self.labels[k])`,
  },
  {
    name: 'the same map loop with maxProperties and maxLength',
    meant: 'accepted',
    spec: `
      type: object
      properties:
        labels:
          type: object
          maxProperties: 64
          additionalProperties: {type: string, maxLength: 63}
      x-kubernetes-validations:
        - rule: self.labels.all(k, self.labels[k].lowerAscii() == self.labels[k])`,
  },
  {
    name: 'nested loops over map keys bounded by maxProperties',
    meant: 'accepted',
    spec: `
      type: object
      properties:
        labels:
          type: object
          maxProperties: 32
          additionalProperties: {type: string, maxLength: 63}
      x-kubernetes-validations:
        - rule: self.labels.all(k, self.labels.exists_one(j, j == k))`,
  },
  {
    name: 'matches with a literal pattern over an unbounded string',
    meant: 'accepted',
    spec: `
      type: object
      properties:
        s: {type: string}
      x-kubernetes-validations:
        - rule: "self.s.matches('^[a-z0-9]([-a-z0-9]*[a-z0-9])?$')"`,
  },
  {
    name: 'matches with a pattern taken from another unbounded string',
    meant: 'refused',
    spec: `
      type: object
      properties:
        s: {type: string}
        p: {type: string}
      x-kubernetes-validations:
        - rule: self.s.matches(self.p)`,
  },
  {
    name: 'split of an unbounded string, then a loop over the parts',
    meant: 'refused',
    spec: `
      type: object
      properties:
        s: {type: string}
      x-kubernetes-validations:
        - rule: "self.s.split(',').all(x, x.size() <= 63)"`,
  },
  {
    name: 'split of a bounded string, then a loop over the parts',
    meant: 'accepted',
    spec: `
      type: object
      properties:
        s: {type: string, maxLength: 256}
      x-kubernetes-validations:
        - rule: "self.s.split(',').all(x, x.size() <= 63)"`,
  },
  {
    name: 'join of a list of unbounded strings without maxItems',
    meant: 'refused',
    spec: `
      type: object
      properties:
        parts:
          type: array
          items: {type: string}
      x-kubernetes-validations:
        - rule: "self.parts.join(',').lowerAscii().size() < 100"`,
  },
  {
    name: 'join of a bounded list of bounded strings',
    meant: 'accepted',
    spec: `
      type: object
      properties:
        parts:
          type: array
          maxItems: 16
          items: {type: string, maxLength: 63}
      x-kubernetes-validations:
        - rule: "self.parts.join(',').lowerAscii().size() < 100"`,
  },
  {
    name: 'a cheap rule on each item of a list without maxItems, counted once per item that fits in a request',
    meant: 'refused',
    spec: `
      type: object
      properties:
        a: {type: string, maxLength: 40000}
        items:
          type: array
          items:
            type: object
            properties:
              host: {type: string, maxLength: 253}
            x-kubernetes-validations:
              - rule: size(self.host) > 3 && size(self.host) < 250 && self.host != ''
      x-kubernetes-validations:
        - rule: size(self.a) > 3`,
  },
  {
    name: 'the per-item rule with maxItems on the list',
    meant: 'accepted',
    spec: `
      type: object
      properties:
        items:
          type: array
          maxItems: 1000
          items:
            type: object
            properties:
              host: {type: string, maxLength: 253}
            x-kubernetes-validations:
              - rule: size(self.host) > 3 && size(self.host) < 250 && self.host != ''`,
  },
  {
    name: 'a rule on the items of a list of lists without maxItems',
    meant: 'refused',
    spec: `
      type: object
      properties:
        matrix:
          type: array
          items:
            type: array
            items:
              type: string
              maxLength: 8
              x-kubernetes-validations:
                - rule: self.lowerAscii() == self`,
  },
  {
    name: 'a rule estimated at exactly the per-rule limit (10,000,000)',
    meant: 'accepted',
    spec: containsRule(10906, 5728),
  },
  {
    name: 'a rule estimated just over the per-rule limit (10,000,003)',
    meant: 'refused',
    spec: containsRule(11621, 5376),
  },
  {
    name: 'ten rules of 9,984,004 each: under the limit for the whole schema',
    meant: 'accepted',
    spec: containsRule(40000, 1560, 10),
  },
  {
    name: 'eleven rules of 9,984,004 each: over the limit for the whole schema, none over its own',
    meant: 'refused',
    spec: containsRule(40000, 1560, 11),
  },
  {
    name: 'two versions with one schema: estimated once, at spec.validation',
    meant: 'refused',
    spec: containsRule(11621, 5376),
    v2: containsRule(11621, 5376),
  },
  {
    name: 'two versions with different schemas: each estimated at its own path',
    meant: 'refused',
    spec: containsRule(11621, 5376),
    v2: containsRule(40000, 10000),
  },
  {
    name: 'replace by a longer text grows the string that later calls traverse',
    meant: 'refused',
    spec: `
      type: object
      properties:
        s: {type: string, maxLength: 200000}
      x-kubernetes-validations:
        - rule: "self.s.replace('a', '${'b'.repeat(30)}').lowerAscii().matches('^b+$|^c+$|^d+$')"`,
  },
  {
    name: 'replace by a shorter text of a bounded string',
    meant: 'accepted',
    spec: `
      type: object
      properties:
        s: {type: string, maxLength: 200000}
      x-kubernetes-validations:
        - rule: "self.s.replace('-', '').lowerAscii().matches('^[a-z]+$')"`,
  },
  {
    name: 'a messageExpression over the per-rule limit',
    meant: 'refused',
    spec: `
      type: object
      properties:
        a: {type: string, maxLength: 40000}
        b: {type: string, maxLength: 10000}
      x-kubernetes-validations:
        - rule: size(self.a) > 0
          messageExpression: "self.a.contains(self.b) ? 'x' : 'y'"`,
  },
];

// Per-expression probes. Each rule sits on the items of a list whose maxItems is chosen, from our
// estimate, to put the rule 1.2x over the per-rule limit: the apiserver then says its own estimate
// to six digits ("by factor of 1.200042x"), so any difference in one call's cost shows.
// (Property names are not YAML 1.1 booleans such as `n` or `y`: the apiserver reads this YAML as 1.1.)
const ITEM_SCHEMA = `
type: object
properties:
  s: {type: string, maxLength: 64}
  num: {type: integer}
  l: {type: array, maxItems: 10, items: {type: string, maxLength: 16}}
  m: {type: object, maxProperties: 10, additionalProperties: {type: string, maxLength: 16}}
  ios: {x-kubernetes-int-or-string: true}
  d: {type: string, format: duration}
  t: {type: string, format: date-time}
  e: {type: string, enum: [a, bb, ccc]}
  q: {type: string, maxLength: 16}
  b: {type: string, format: byte, maxLength: 32}
  o: {type: object, properties: {x: {type: string, maxLength: 8}}}`;

const PROBES = [
  "self.s.startsWith('ab') && self.s.endsWith('z')",
  'self.s.contains(self.l[0])',
  "self.s.find('[0-9]+') != ''",
  "self.s.findAll('[a-z]').size() < 5",
  "self.s.indexOf('x') > 0 || self.s.lastIndexOf('y') < 3",
  "self.s.substring(1, 3) == 'ab'",
  "self.s.trim().upperAscii() == 'X'",
  'self.s + self.s == self.l[1]',
  'self.s in self.l',
  "self.l.exists_one(x, x == 'a')",
  "self.l.map(x, x + 'a').filter(y, y.size() > 2).size() > 0",
  'self.m.all(k, self.m[k] != k)',
  "'a' in self.m",
  "self.ios == 3 || self.ios == 'x'",
  "self.d < duration('1h')",
  "self.t < timestamp('2020-01-01T00:00:00Z')",
  "self.e == 'bb'",
  "quantity(self.q).isGreaterThan(quantity('1'))",
  "isURL(self.s) && url(self.s).getHost() == 'a'",
  'isIP(self.s) && ip(self.s).family() == 4',
  "isCIDR(self.s) && cidr(self.s).containsIP(ip('10.0.0.1'))",
  'isSemver(self.s) && semver(self.s).major() > 1',
  "self.l.isSorted() && self.l.indexOf('a') >= 0",
  "sets.contains(self.l, ['a'])",
  "self.?s.orValue('') == 'x'",
  'self.l.all(x, self.l.all(y, x <= y || y <= x))',
  'string(self.num) == self.s',
  "self.s.split('-').size() == 2",
  '!format.dns1123Label().validate(self.s).hasValue()',
  "self.s.matches('^a+$')",
  "self.l.join('-').size() > 3",
  "size(self.s) < 10 && self.num > 0 && has(self.q)",
  'ip.isCanonical(self.s)',
  "sets.intersects(self.l, ['a', 'b']) || sets.equivalent(self.l, ['c'])",
  "format.named('dns1123Subdomain').value().validate(self.s).hasValue()",
  "self.e in ['a', 'bb'] && self.l.exists(x, x.startsWith(self.e))",
  'self.s.size() > 3 && self.l.size() > 1 && size(self.m) > 1',
  "self.s.lowerAscii().split(',').all(x, x.size() < 3)",
  'self.l + self.l == self.l',
  "self.m == {'a': 'b'}",
  "self.l.filter(x, x.startsWith('a')).all(y, y.size() < 3)",
  'self.l.map(x, x.size()).sum() < 10',
  "self.s.charAt(3) == 'a'",
  "quantity(self.q).add(quantity('1')).isLessThan(quantity('2'))",
  "self.d > duration('1s') && self.d.getSeconds() > 0",
  'self.t.getFullYear() > 2000',
  'self.num + 1 > 2 && self.num * 2 < 10 && self.num % 3 == 0 && double(self.num) > 1.5',
  'self.s.matches(self.l[0])',
  "self.l.exists(x, x.matches('^[a-z]+$'))",
  "self.s.indexOf('ab', 2) > 0 && self.s.substring(2) == 'x'",
  "self.?l[?0].orValue('') == 'a'",
  "has(self.m.a) && 'a' in self.l && self.l.all(x, x in self.m)",
  'self.m.exists(k, self.m[k].startsWith(k))',
  "type(self.s) == string && self.e == 'a'",
  'dyn(self.s) == self.e',
  'string(self.b).size() > 1 && bytes(self.s).size() > 1',
  "self.s.split(',', 3).all(x, x.size() < 2)",
  'self.l.all(x, x.matches(self.s))',
  "self.l == ['a'] && self.m.map(k, k).size() > 1",
  'self.l.all(x, self.m.exists(k, k == x))',
  'self.l.map(x, self.m.map(k, k + x)).size() > 0',
  "self.?o.?x.orValue('') == 'a' && self.l[?5].hasValue()",
  "has(self.o.x) && self.o.x.size() > 1",
  'isQuantity(self.q) && quantity(self.q).asInteger() > 1 && quantity(self.q).isInteger()',
  "url(self.s).getPort() == '80' && url(self.s).getScheme() == url(self.s).getHostname()",
  "cidr(self.s).prefixLength() > 8 && cidr(self.s).containsCIDR(cidr('10.0.0.0/8')) && cidr(self.s).containsCIDR('10.0.0.0/8')",
  'cidr(self.s).masked() == cidr(self.s) && cidr(self.s).ip().family() == 4 && ip(self.s) == ip(self.s)',
  "semver(self.s).isGreaterThan(semver('1.0.0')) && semver(self.s, true).compareTo(semver('2.0.0')) < 0",
  "self.l.all(x, isQuantity(x) && quantity(x).compareTo(quantity(self.q)) > 0)",
  'self.m.all(k, v, k != v)',
  'self.l.all(i, v, i < 3 && v != self.s) && self.m.exists_one(k, v, v == k)',
  "self.l.map(x, x != '', x + 'a').size() > 0",
  'self.l.slice(0, 2).size() > 0',
  'self.l.sort() == self.l && self.l.distinct().size() == 1',
  "strings.quote(self.s) == 'x' && '%s'.format([self.s]) == 'y'",
  'self.l.reverse().size() > 1 && lists.range(5).size() > 1',
  '[self.l, self.l].flatten().size() > 1',
  "string(self.ios) == 'x' && string(ip(self.s)) == '::1'",
  'size(self.b) < 10 && self.b == self.b',
  "(self.s.startsWith(self.l[0]) ? self.s : self.l[0]).size() > 2",
  "self.e.upperAscii() == 'A' && self.o.x.endsWith('y')",
  "self.t - duration('1h') < timestamp('2020-01-01T00:00:00Z')",
  "url(self.s).getQuery().size() > 0 && url(self.s).getEscapedPath() != ''",
  "self.l.exists_one(x, x == self.s) && self.m.exists_one(k, k == self.s)",
];

/** Probes whose `self` is a string (maxLength 64): what a free identifier such as `string` is sized by. */
const STRING_ITEM_SCHEMA = 'type: string\nmaxLength: 64';
const STRING_PROBES = ['type(self) == string', "self.lowerAscii().split('-').exists_one(x, x == self)", "self.startsWith('a') && type(self) != int"];

function probeVariant(rule: string, itemSchema = ITEM_SCHEMA): Variant {
  const items = parse(itemSchema) as OpenApiSchema;
  const perRun = estimateRuleCost(ruleAst(rule), declTypeOf(items, false));
  assert.ok(perRun > 0, `we estimate ${rule} at more than nothing`);
  const maxItems = Math.ceil((1.2 * STATIC_RULE_COST_LIMIT) / perRun);
  const itemLines = itemSchema.trim().split('\n').map((l) => `      ${l}`).join('\n');
  return {
    name: `${rule} (${perRun} per run, ${maxItems} items)`,
    meant: 'refused',
    spec: `
type: object
properties:
  items:
    type: array
    maxItems: ${maxItems}
    items:
${itemLines}
      x-kubernetes-validations:
        - rule: ${JSON.stringify(rule)}`,
  };
}

// Where a rule sits decides how often it may run: required fields make an item bigger (fewer fit
// in a request), defaults do not; maps, embedded resources and lists inside lists multiply alike.
// Each is refused or accepted by the figure it gets; the causes (with their factors) must be equal.
/** A list of int-or-string items with maxLength, each item under `rule`. */
const intOrStringItems = (rule: string): string => `
      type: object
      properties:
        ports:
          type: array
          maxItems: 300000
          items:
            x-kubernetes-int-or-string: true
            maxLength: 15
            x-kubernetes-validations:
              - rule: ${JSON.stringify(rule)}`;

/** The variant with the fewest repeats of a clause that we refuse: just over the limit, so the apiserver's factor has six digits. */
function justOver(name: string, spec: (rule: string) => string, clause: string): Variant {
  for (let k = 1; k <= 500; k++) {
    const rule = Array.from({ length: k }, () => clause).join(' && ');
    const ours = checkFile(new ManifestParser().parse(crd(spec(rule))), OPTIONS).filter((f) => f.severity === 'error');
    if (ours.length > 0) return { name: `${name} (${k} × ${clause})`, meant: 'refused', spec: spec(rule) };
  }
  throw new Error(`${name}: we never refuse ${clause}`);
}

const STRUCTURES: Variant[] = [
  justOver(
    'a rule on the items of a list without maxItems whose items have required fields',
    (rule) => `
      type: object
      properties:
        items:
          type: array
          items:
            type: object
            required: [host, port]
            properties:
              host: {type: string, maxLength: 253}
              port: {type: integer}
            x-kubernetes-validations:
              - rule: ${JSON.stringify(rule)}`,
    "self.host.startsWith('a') && self.port > 0",
  ),
  justOver(
    'the same with a default on the required port (a defaulted field may be left out)',
    (rule) => `
      type: object
      properties:
        items:
          type: array
          items:
            type: object
            required: [host, port]
            properties:
              host: {type: string, maxLength: 253}
              port: {type: integer, default: 80}
            x-kubernetes-validations:
              - rule: ${JSON.stringify(rule)}`,
    "self.host.startsWith('a') && self.port > 0",
  ),
  justOver(
    'a rule on the values of a map without maxProperties',
    (rule) => `
      type: object
      properties:
        routes:
          type: object
          additionalProperties:
            type: object
            required: [to]
            properties:
              to: {type: string, maxLength: 63}
            x-kubernetes-validations:
              - rule: ${JSON.stringify(rule)}`,
    "self.to.lowerAscii() == self.to",
  ),
  justOver(
    'a rule on the items of an unbounded list inside a list of two',
    (rule) => `
      type: object
      properties:
        pairs:
          type: array
          maxItems: 2
          items:
            type: array
            items:
              type: string
              maxLength: 8
              x-kubernetes-validations:
                - rule: ${JSON.stringify(rule)}`,
    "self.startsWith('a')",
  ),
  justOver(
    'a rule on embedded resources in a list without maxItems (apiVersion, kind, metadata.name are always there)',
    (rule) => `
      type: object
      properties:
        resources:
          type: array
          items:
            type: object
            x-kubernetes-embedded-resource: true
            x-kubernetes-preserve-unknown-fields: true
            x-kubernetes-validations:
              - rule: ${JSON.stringify(rule)}`,
    "self.kind == 'ConfigMap' && self.metadata.name.startsWith('a')",
  ),
  justOver('int-or-string items with maxLength', intOrStringItems, "self == 'http'"),
  justOver('int-or-string items with maxLength', intOrStringItems, 'self == 80'),
  justOver('int-or-string items with maxLength', intOrStringItems, 'string(self).size() < 3'),
  {
    name: 'a costly messageExpression on the items of a large list is not multiplied by the items',
    meant: 'accepted',
    spec: `
      type: object
      properties:
        items:
          type: array
          maxItems: 100000
          items:
            type: object
            properties:
              host: {type: string, maxLength: 253}
            x-kubernetes-validations:
              - rule: size(self.host) > 0
                messageExpression: "self.host.lowerAscii() + ' ' + self.host.upperAscii() + ' ' + self.host.trim()"`,
  },
  justOver(
    'a transition rule on a bounded string',
    (rule) => `
      type: object
      properties:
        owner: {type: string, maxLength: 1000000}
        tag: {type: string, maxLength: 1000000}
      x-kubernetes-validations:
        - rule: ${JSON.stringify(rule)}`,
    '(self.owner == oldSelf.owner || oldSelf.owner.startsWith(self.tag))',
  ),
];

interface ApiserverVerdict {
  accepted: boolean;
  causes: string[];
  message: string;
}

async function apiserverVerdict(cluster: Cluster, text: string): Promise<ApiserverVerdict> {
  const res = await rawRequest(cluster.kubeconfigPath, { method: 'POST', path: '/apis/apiextensions.k8s.io/v1/customresourcedefinitions?dryRun=All', body: text, contentType: 'application/yaml', timeoutMs: 60_000 });
  if (res.status === 201 || res.status === 200) return { accepted: true, causes: [], message: '' };
  const status = res.json as { message?: string; details?: { causes?: { field?: string; message?: string }[] } } | undefined;
  assert.equal(res.status, 422, `the apiserver refuses a CRD as invalid, not otherwise: ${res.status} ${res.body.slice(0, 2000)}`);
  const causes = (status?.details?.causes ?? []).map((c) => `${c.field ?? ''}: ${c.message ?? ''}`);
  return { accepted: false, causes, message: status?.message ?? res.body };
}

/** What differs between the apiserver's verdict and causes and ours, per variant; the table of verdicts goes to the log. */
async function differences(cluster: Cluster, variants: Variant[]): Promise<string[]> {
  const disagreements: string[] = [];
  const table: string[] = [];
  for (const v of variants) {
    const text = crd(v.spec, v.v2);
    const theirs = await apiserverVerdict(cluster, text);
    const findings = checkFile(new ManifestParser().parse(text), OPTIONS).filter((f) => f.severity === 'error');
    const ours = findings.map((f) => f.message);
    const verdict = (accepted: boolean): string => (accepted ? 'accepted' : 'refused');
    table.push(`${verdict(theirs.accepted).padEnd(8)} (ours ${verdict(ours.length === 0)}) ${v.name}`);
    if (verdict(theirs.accepted) !== v.meant) disagreements.push(`${v.name}: meant to be ${v.meant}, the apiserver says ${verdict(theirs.accepted)}: ${theirs.message}`);
    if (theirs.accepted !== (ours.length === 0)) {
      disagreements.push(`${v.name}: apiserver ${verdict(theirs.accepted)} ${JSON.stringify(theirs.causes)}; we ${verdict(ours.length === 0)} ${JSON.stringify(ours)}`);
      continue;
  }
  const missing = ours.filter((m) => !theirs.causes.includes(m));
  const extra = theirs.causes.filter((c) => !ours.includes(c));
  if (missing.length > 0 || extra.length > 0) disagreements.push(`${v.name}: ours not in the apiserver's ${JSON.stringify(missing)}; the apiserver's not in ours ${JSON.stringify(extra)}`);
}
  console.log(table.join('\n'));
  return disagreements;
}

describe('CEL rule cost of CRDs: Plumbline estimates as the kube-apiserver does', { timeout: 10 * 60_000 }, () => {
  let cluster: Cluster;
  before(async () => {
    cluster = await startCluster();
  });
  after(async () => {
    await cluster?.stop();
  });

  test(`${VARIANTS.length} CRDs as dry-run creates: the same verdict and the same causes at the same field paths`, async () => {
    assert.deepEqual(await differences(cluster, VARIANTS), []);
  });

  test(`${STRUCTURES.length} places a rule can sit: how often it may run, as the apiserver counts it`, async () => {
    assert.deepEqual(await differences(cluster, STRUCTURES), []);
  });

  test(`${PROBES.length + STRING_PROBES.length} single expressions, each scaled just over the per-rule limit: the apiserver's estimate to six digits equals ours`, async () => {
    assert.deepEqual(await differences(cluster, [...PROBES.map((p) => probeVariant(p)), ...STRING_PROBES.map((p) => probeVariant(p, STRING_ITEM_SCHEMA))]), []);
  });
});

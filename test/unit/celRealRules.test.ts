import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { OpenApiSchema, ValidationRule } from '../../server/src/schemas/openapi';
import { loadBundledSchemas } from '../../server/src/schemas/bundled';
import { compiledRules } from '../../server/src/validation/cel/compileRules';
import { formatText } from '../../server/src/cli/checkCommand';

// Rules of real CRDs, evaluated on sample values (ints as bigint, as the apiserver types them).
// This is the side-by-side corpus the engine was chosen on (README, "CEL rules"): the rules
// must compile with our environment and give the apiserver's verdict.
const REAL_RULES: [source: string, rule: string, self: unknown, valid: boolean][] = [
  ['Gateway API Gateway.spec.addresses', "self.all(a1, a1.type == 'IPAddress' && has(a1.value) ? self.exists_one(a2, a2.type == a1.type && has(a2.value) && a2.value == a1.value) : true )", [{ type: 'IPAddress', value: '1.2.3.4' }, { type: 'IPAddress', value: '1.2.3.4' }], false],
  ['Gateway API Gateway.spec.addresses[]', 'self.type == \'Hostname\' ? (!has(self.value) || self.value.matches(r"""^(\\*\\.)?[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$""")): true', { type: 'Hostname', value: '*.example.com' }, true],
  ['Gateway API infrastructure.labels', 'self.all(key, key.matches(r"""^([a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*/)?([A-Za-z0-9][-A-Za-z0-9_.]{0,61})?[A-Za-z0-9]$"""))', { 'app.kubernetes.io/name': 'x', 'Bad Key': 'y' }, false],
  ['Gateway API infrastructure.labels', 'self.all(key, key.split("/")[0].size() < 253)', { 'a/b': 'x' }, true],
  ['Gateway API listeners', 'self.all(l1, self.exists_one(l2, l1.name == l2.name))', [{ name: 'a' }, { name: 'a' }], false],
  ['Gateway API listeners', 'self.all(l1, self.all(l2, l1.port == l2.port && l1.protocol == l2.protocol && (has(l1.hostname) && has(l2.hostname) ? l1.hostname == l2.hostname : !has(l1.hostname) && !has(l2.hostname)) ? l1.name == l2.name : true))', [{ name: 'a', port: 80n, protocol: 'HTTP' }, { name: 'b', port: 80n, protocol: 'HTTP' }], false],
  ['Gateway API HTTPRoute timeouts', "!(has(self.request) && has(self.backendRequest) && duration(self.request) != duration('0s') && duration(self.backendRequest) > duration(self.request))", { request: '10s', backendRequest: '20s' }, false],
  ['Gateway API HTTPPathMatch', "(self.type in ['Exact','PathPrefix']) ? self.value.startsWith('/') : true", { type: 'PathPrefix', value: 'api' }, false],
  ['Gateway API HTTPPathMatch', "(self.type in ['Exact','PathPrefix']) ? !self.value.contains('//') : true", { type: 'Exact', value: '/a//b' }, false],
  ['Gateway API HTTPRoute filters', "self.filter(f, f.type == 'RequestRedirect').size() <= 1", [{ type: 'RequestRedirect' }, { type: 'URLRewrite' }], true],
  ['Karpenter NodePool requirements', "self.all(x, x.key != 'kubernetes.io/hostname')", [{ key: 'kubernetes.io/hostname' }], false],
  ['Karpenter NodePool requirements', "self.all(x, x.operator == 'In' ? x.values.size() != 0 : true)", [{ operator: 'In', values: [] }], false],
  ['Karpenter budgets', 'self.all(x, has(x.schedule) == has(x.duration))', [{ schedule: '@daily' }], false],
  ['Karpenter expireAfter', "self == 'Never' || duration(self) > duration('0s')", '720h', true],
  ['cert-manager Certificate', "!has(self.privateKey) || !has(self.privateKey.rotationPolicy) || self.privateKey.rotationPolicy != 'Never'", { privateKey: { rotationPolicy: 'Always' } }, true],
  ['Kubernetes docs', 'self.minReplicas <= self.replicas && self.replicas <= self.maxReplicas', { minReplicas: 1n, replicas: 3n, maxReplicas: 5n }, true],
  ['Kubernetes docs', 'self.set1.all(e, !(e in self.set2))', { set1: ['a'], set2: ['a'] }, false],
  ['Kubernetes docs', "'Available' in self.stateCounts", { stateCounts: { Available: 1n } }, true],
  ['Kubernetes docs (optional)', "self.?foo.orValue('') == ''", {}, true],
  ['Kubernetes docs (int vs double)', 'self.replicas < 1.5', { replicas: 1n }, true],
  ['Kubernetes docs (quantity)', "quantity(self.limit).isGreaterThan(quantity(self.request))", { limit: '1Gi', request: '2Gi' }, false],
];

function bundledRules(): ValidationRule[] {
  const out: ValidationRule[] = [];
  const walk = (schema: unknown): void => {
    if (Array.isArray(schema)) return schema.forEach(walk);
    if (typeof schema !== 'object' || schema === null) return;
    const rules = (schema as OpenApiSchema)['x-kubernetes-validations'];
    if (Array.isArray(rules)) out.push(...rules);
    for (const v of Object.values(schema)) walk(v);
  };
  walk(loadBundledSchemas().data.definitions);
  return out;
}

describe('CEL rules of real CRDs', () => {
  test('every rule in the bundled schemas compiles', () => {
    const rules = bundledRules();
    assert.ok(rules.length >= 16, `found ${rules.length} bundled rules`);
    const broken = compiledRules(rules).filter((r) => r.program === undefined);
    assert.deepEqual(broken.map((r) => `${r.source.rule}: ${r.unsupported ?? ''}`), []);
  });

  for (const [source, rule, self, valid] of REAL_RULES) {
    test(`${source}: ${rule.slice(0, 60)}`, () => {
      const [compiled] = compiledRules([{ rule }]);
      assert.ok(compiled?.program !== undefined, compiled?.unsupported);
      assert.equal(compiled.program({ self }), valid);
    });
  }
});

describe('plumbline check text output', () => {
  test('skipped transition rules are one note for the run, not one line per object', () => {
    const note = { range: { start: { line: 5, character: 2 }, end: { line: 5, character: 7 } }, severity: 'hint' as const, code: 'schema.cel-transition', message: 'x' };
    const out = formatText([
      { path: '/tmp/a.yaml', documents: 1, resources: 1, skipped: undefined, findings: [note] },
      { path: '/tmp/b.yaml', documents: 1, resources: 1, skipped: undefined, findings: [note] },
    ]);
    assert.equal(out, 'note: CEL transition rules (oldSelf) of 2 object(s) were not checked: they compare with the object in the cluster, so they are judged as on a create\nSummary: 2 resources found in 2 files - errors: 0, warnings: 0, skipped files: 0\n');
  });
});

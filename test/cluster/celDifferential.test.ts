// Cluster tier, issue 15: CEL rules judged by Plumbline and by the real kube-apiserver, which is
// the oracle. A CRD whose rules use each Kubernetes CEL library is installed; a few hundred
// generated custom resources go to the apiserver as dry-run creates and through `plumbline check
// --context` (which reads the CRD's schema, rules included, from the cluster's /openapi/v3); the
// verdicts must be equal per object, and each of our messages must be the apiserver's own words.
// Then objects are created for real and dry-run updates check transition rules and ratcheting
// against the same verdicts from the engine given the live object.
//
//   npm run build && node --import tsx --test --test-reporter=spec test/cluster/celDifferential.test.ts
import assert from 'node:assert/strict';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { pathToFileURL } from 'node:url';
import { parse } from 'yaml';
import { checkFile } from '../../server/src/check/checkFile';
import { ManifestParser } from '../../server/src/manifests/parse';
import { SchemaBundle, indexKinds } from '../../server/src/schemas/bundle';
import type { OpenApiSchema } from '../../server/src/schemas/openapi';
import { SchemaResolver } from '../../server/src/schemas/resolver';
import { LspHarness } from '../support/lspClient';
import { clusterWithCrd, dryRunVerdicts, plumblineFindings } from './crdOracle';

const GROUP = 'cel.plumbline.dev';
const COUNT = 240;
const NAMES = { group: GROUP, kind: 'Probe', plural: 'probes' };

const SPEC_SCHEMA = `
              type: object
              x-kubernetes-validations:
                - rule: "self.minReplicas <= self.replicas"
                  message: replicas must be at least minReplicas
                  fieldPath: .replicas
                - rule: "self.mode != 'Legacy'"
                  messageExpression: "'mode ' + self.mode + ' is retired'"
                  reason: FieldValueForbidden
              properties:
                replicas: {type: integer}
                minReplicas: {type: integer, default: 1}
                mode: {type: string, maxLength: 16, default: Current}
                owner:
                  type: string
                  maxLength: 32
                  x-kubernetes-validations:
                    - {rule: "self == oldSelf", message: owner is immutable}
                size:
                  type: integer
                  x-kubernetes-validations:
                    - {rule: "self >= oldSelf", message: size may only grow}
                memory:
                  type: string
                  maxLength: 16
                  x-kubernetes-validations:
                    - {rule: "isQuantity(self) && quantity(self).isLessThan(quantity('4Gi'))", message: memory must be a quantity below 4Gi}
                endpoint:
                  type: string
                  maxLength: 64
                  x-kubernetes-validations:
                    - {rule: "isURL(self) && url(self).getScheme() == 'https'", message: endpoint must be an https URL}
                image:
                  type: string
                  maxLength: 64
                  x-kubernetes-validations:
                    - {rule: "self.find('[0-9]+[.][0-9]+') != ''", message: image needs a version}
                    - {rule: "self.findAll(':').size() <= 1", message: image has one tag}
                weights:
                  type: array
                  maxItems: 8
                  items: {type: integer}
                  x-kubernetes-validations:
                    - {rule: "self.isSorted()", message: weights must be sorted}
                    - {rule: "self.sum() <= 100", message: weights add up to at most 100}
                    - {rule: "self.max() <= 50", message: each weight is at most 50}
                    - {rule: "self.indexOf(0) == -1", message: no weight is zero}
                zones:
                  type: array
                  maxItems: 8
                  items: {type: string, maxLength: 8}
                  x-kubernetes-validations:
                    - {rule: "sets.contains(['a', 'b', 'c'], self)", message: "zones are among a, b and c"}
                    - {rule: "!sets.intersects(self, ['x'])", message: zone x is closed}
                address:
                  type: string
                  maxLength: 64
                  x-kubernetes-validations:
                    - {rule: "isIP(self) && ip(self).family() == 4 && !ip(self).isLoopback()", message: address must be a non-loopback IPv4 address}
                network:
                  type: string
                  maxLength: 64
                  x-kubernetes-validations:
                    - {rule: "isCIDR(self) && cidr(self).containsIP(ip('10.0.0.1'))", message: network must contain 10.0.0.1}
                slug:
                  type: string
                  maxLength: 64
                  x-kubernetes-validations:
                    - {rule: "!format.dns1123Label().validate(self).hasValue()", message: slug must be a DNS label}
                name:
                  type: string
                  maxLength: 64
                  x-kubernetes-validations:
                    - {rule: "self.split('-').size() <= 3 && self.replace('-', '').lowerAscii() == self.replace('-', '')", message: at most three lowercase parts}
                service:
                  type: string
                  maxLength: 64
                  x-kubernetes-validations:
                    - {rule: 'self.matches(r"""(?i)^\\.?[a-z_][a-z_0-9]*(\\.[a-z_][a-z_0-9]*)*$""")', message: service must be a dotted name}
                routes:
                  type: array
                  maxItems: 4
                  items:
                    type: object
                    properties:
                      matches: {type: array, maxItems: 4, items: {type: string, maxLength: 8}}
                  x-kubernetes-validations:
                    - {rule: "(self.size() > 0 && has(self[0].matches) ? self[0].matches.size() : 0) <= 2", message: the first route has at most two matches}
                site:
                  type: object
                  oneOf:
                    - properties: {type: {enum: [IP]}, value: {format: ipv4}}
                    - properties: {type: {not: {enum: [IP]}}}
                  properties:
                    type: {type: string, maxLength: 8}
                    value: {type: string, maxLength: 32}
                labels:
                  type: object
                  maxProperties: 8
                  additionalProperties: {type: string, maxLength: 16}
                  x-kubernetes-validations:
                    - {rule: "self.all(k, k.lowerAscii() == k)", message: label keys are lowercase}
                    - {rule: "self.?team.orValue('') != 'nobody'", message: team nobody is not a team}
`;

const CRD = `apiVersion: apiextensions.k8s.io/v1
kind: CustomResourceDefinition
metadata:
  name: probes.${GROUP}
spec:
  group: ${GROUP}
  scope: Namespaced
  names: {plural: probes, singular: probe, kind: Probe, listKind: ProbeList}
  versions:
    - name: v1
      served: true
      storage: true
      schema:
        openAPIV3Schema:
          type: object
          properties:
            spec:${SPEC_SCHEMA}`;

/** A small seeded generator, so a failure names an object that the next run builds again. */
function random(seed: number): () => number {
  let a = seed;
  return () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

// Each field's pool: mostly valid values, some invalid, so most objects break one or two rules.
const POOLS: Record<string, string[]> = {
  replicas: ['3', '3', '3', '0'],
  mode: ['Current', 'Current', 'Current', 'Legacy'],
  memory: ['1Gi', '500m', '1536Mi', '3.5Gi', '"2"', '8Gi', '4Gi', '12 GB'],
  endpoint: ['https://example.com', 'https://a.io:8443/p?q=1', 'http://example.com', '/just/a/path', 'not a url'],
  image: ['nginx:1.27', 'repo/app:v2.1.0', 'nginx:latest', 'a:1.2:3'],
  weights: ['[10, 20, 30]', '[1]', '[]', '[30, 20]', '[0, 10]', '[40, 50, 60]'],
  zones: ['[a, b]', '[c]', '[]', '[a, x]', '[d]'],
  address: ['10.1.2.3', '192.168.0.1', '127.0.0.1', '::1', '2001:db8::1', '010.0.0.1', '1.2.3'],
  network: ['10.0.0.0/8', '10.0.0.0/24', '192.168.0.0/16', '10.0.0.0/33', '10.0.0.1'],
  slug: ['my-app', 'app', 'Not_A_Label', '-bad', 'a'.repeat(64)],
  name: ['web-api-v2', 'web', 'a-b-c-d', 'Web'],
  labels: ['{team: platform}', '{app: web, tier: db}', '{Team: x}', '{team: nobody}', '{}'],
};

// Gateway API's shapes: RE2's (?i), has() of an indexed item, and a oneOf whose branches name only
// some fields. Drawn from a generator of their own, half the time, so the objects above stay as they were.
const GATEWAY_POOLS: Record<string, string[]> = {
  service: ['grpc.health.v1.Health', 'Echo_Service', '.Dotted.Name', 'Echo.V1', 'GRPC', 'echo-service'],
  routes: ['[{matches: [a, b]}]', '[{}]', '[]', '[{matches: [a]}, {matches: [a, b, c]}]', '[{matches: [A]}]', '[{matches: [a, b, c]}]'],
  site: ['{type: IP, value: 10.0.0.1}', '{type: Host, value: example.com}', '{value: 10.0.0.2, type: IP}'],
};

function generate(count: number): { name: string; spec: string }[] {
  const next = random(15);
  const gateway = random(16);
  const out: { name: string; spec: string }[] = [];
  for (let i = 0; i < count; i++) {
    const lines: string[] = [];
    for (const [field, pool] of Object.entries(POOLS)) {
      // Fields other than replicas are left out now and then: absent fields skip their rules.
      if (field !== 'replicas' && next() < 0.3) continue;
      lines.push(`  ${field}: ${pool[Math.floor(next() * pool.length)] ?? ''}`);
    }
    for (const [field, pool] of Object.entries(GATEWAY_POOLS)) {
      if (gateway() < 0.5) continue;
      lines.push(`  ${field}: ${pool[Math.floor(gateway() * pool.length)] ?? ''}`);
    }
    out.push({ name: `p${String(i).padStart(3, '0')}`, spec: lines.join('\n') });
  }
  return out;
}

const manifest = (name: string, spec: string): string => `apiVersion: ${GROUP}/v1\nkind: Probe\nmetadata:\n  name: ${name}\n  namespace: default\nspec:\n${spec}\n`;

/**
 * The part of our message the apiserver's must contain: all of it but the kind we put in front,
 * or for a rule that failed at runtime, the rule it names (the engines word the cause differently).
 */
const asApiserverWords = (message: string): string => {
  const runtime = / evaluating rule: .*$/.exec(message);
  return runtime !== null ? runtime[0] : message.replace(/^Probe /, '');
};

describe('CEL rules: Plumbline agrees with the kube-apiserver', { timeout: 10 * 60_000 }, () => {
  const env = clusterWithCrd(CRD, NAMES, 'plumbline-cel-');
  const kubectl = env.kubectl;

  test(`${COUNT} generated objects as dry-run creates: the same verdict and the apiserver's words`, () => {
    const objects = generate(COUNT);
    const dir = join(env.work, 'create');
    mkdirSync(dir);
    for (const o of objects) writeFileSync(join(dir, `${o.name}.yaml`), manifest(o.name, o.spec));
    const oracle = dryRunVerdicts(env.cluster, ['create'], objects.map((o) => manifest(o.name, o.spec)).join('---\n'), NAMES);
    assert.equal(oracle.size, COUNT, `the apiserver judged every object (${oracle.size} of ${COUNT})`);
    const invalid = [...oracle.values()].filter((v) => v !== '').length;
    assert.ok(invalid > COUNT / 4 && invalid < COUNT, `a mix of valid and invalid objects (${invalid} invalid)`);

    // Our verdict through the CLI, with the schema (rules included) read from the cluster.
    const ours = plumblineFindings(['--kubeconfig', env.cluster.kubeconfigPath, '--context', env.cluster.adminContext, dir], objects.map((o) => o.name));
    const disagreements: string[] = [];
    for (const o of objects) {
      const theirs = oracle.get(o.name) ?? '';
      const mine = ours.get(o.name) ?? [];
      const errors = mine.filter((f) => f.severity === 'error');
      const notes = mine.filter((f) => f.severity !== 'error' && f.code !== 'schema.cel-transition');
      if (notes.length > 0) disagreements.push(`${o.name}: notes ${JSON.stringify(notes.map((n) => n.message))}`);
      if ((theirs !== '') !== (errors.length > 0)) disagreements.push(`${o.name}: apiserver ${theirs === '' ? 'accepts' : `rejects: ${theirs}`}; we ${errors.length === 0 ? 'accept' : `reject: ${JSON.stringify(errors.map((e) => e.message))}`}\n${o.spec}`);
      for (const e of errors) if (!theirs.includes(asApiserverWords(e.message))) disagreements.push(`${o.name}: "${asApiserverWords(e.message)}" is not in the apiserver's "${theirs}"`);
    }
    assert.deepEqual(disagreements, []);
  });

  test('dry-run updates: transition rules and ratcheting against the live object', async () => {
    const live = Array.from({ length: 40 }, (_, i) => ({ name: `u${String(i).padStart(3, '0')}`, owner: `team${i % 3}`, size: i % 5 }));
    kubectl(['create', '-f', '-'], live.map((o) => manifest(o.name, `  replicas: 3\n  owner: ${o.owner}\n  size: ${o.size}\n  memory: 3Gi`)).join('---\n'));
    // Tighten the memory rule: the live objects' 3Gi now breaks it, which ratcheting forgives while it is unchanged.
    kubectl(['apply', '-f', '-'], CRD.replace("quantity('4Gi')", "quantity('2Gi')").replace('below 4Gi', 'below 2Gi'));
    const deadline = Date.now() + 60_000;
    while (dryRunVerdicts(env.cluster, ['create'], manifest('probe-rule', '  replicas: 3\n  memory: 3Gi'), NAMES).get('probe-rule') === '') {
      if (Date.now() > deadline) assert.fail('the tightened CRD rule never took effect');
      await new Promise<void>((resolve) => setImmediate(resolve));
    }
    const next = random(7);
    const updates = live.map((o, i) => {
      const owner = next() < 0.3 ? `team${(i + 1) % 3}` : o.owner;
      const size = next() < 0.3 ? o.size - 1 : o.size + 1;
      const memory = next() < 0.3 ? '2.5Gi' : '3Gi';
      return { name: o.name, spec: `  replicas: 3\n  owner: ${owner}\n  size: ${size}\n  memory: ${memory}` };
    });
    const oracle = dryRunVerdicts(env.cluster, ['replace'], updates.map((o) => manifest(o.name, o.spec)).join('---\n'), NAMES);
    assert.equal(oracle.size, updates.length);
    const bundle = resolverFromCluster(kubectl);
    const disagreements: string[] = [];
    for (const u of updates) {
      const liveObject = JSON.parse(kubectl(['get', `probes.${GROUP}/${u.name}`, '-n', 'default', '-o', 'json'])) as unknown;
      const findings = checkFile(new ManifestParser().parse(manifest(u.name, u.spec)), { role: { kind: 'manifests' }, schemas: bundle, unknownKind: 'information', liveObjects: { lookup: () => liveObject, generation: 1 } });
      assert.ok(!findings.some((f) => f.code === 'schema.unknown-kind'), `the CRD's schema is used: ${JSON.stringify(findings)}`);
      const errors = findings.filter((f) => f.severity === 'error');
      const theirs = oracle.get(u.name) ?? '';
      if ((theirs !== '') !== (errors.length > 0)) disagreements.push(`${u.name}: apiserver ${theirs === '' ? 'accepts' : `rejects: ${theirs}`}; we ${errors.length === 0 ? 'accept' : `reject: ${JSON.stringify(errors.map((e) => e.message))}`}\n${u.spec}`);
      for (const e of errors) if (!theirs.includes(asApiserverWords(e.message))) disagreements.push(`${u.name}: "${asApiserverWords(e.message)}" is not in "${theirs}"`);
    }
    assert.deepEqual(disagreements, []);
    assert.ok([...oracle.values()].some((v) => v.includes('owner is immutable')), 'some updates break a transition rule');
    assert.ok([...oracle.values()].some((v) => v.includes('below 2Gi')), 'some updates change memory and break the tightened rule');
    assert.ok(updates.some((u) => u.spec.includes('3Gi') && oracle.get(u.name) === ''), 'some keep 3Gi and are accepted by ratcheting');
  });

  test('in the editor: a transition rule runs against the live object once drift has read it', async () => {
    // u039 exists since the previous test (owner team0); the editor changes its owner.
    const uri = pathToFileURL(join(env.work, 'u039.yaml')).href;
    const lsp = await LspHarness.start({ cluster: { kubeconfig: env.cluster.kubeconfigPath } }, { initializationOptions: { cacheDir: join(env.work, 'lsp-cache') } });
    try {
      const text = manifest('u039', '  replicas: 3\n  owner: someone-else\n  size: 4\n  memory: 3Gi');
      await lsp.open(uri, text);
      // Drift's dry-run apply reports the apiserver's refusal (drift.rejected); validation says the same in its own finding.
      // Before drift has read the live object the document is judged as a create (memory against today's rule):
      // wait for the verdict made with the live object, which only a transition rule can give.
      const immutable = await lsp.waitForDiagnostics(uri, (d) => d.some((x) => x.code === 'schema.cel' && x.message.includes('owner is immutable')), 60_000);
      const finding = immutable.find((x) => x.code === 'schema.cel');
      assert.equal(finding?.message, 'Probe spec.owner: Invalid value: "someone-else": owner is immutable');
      assert.deepEqual(finding?.range, { start: { line: 7, character: 2 }, end: { line: 7, character: 7 } });
      // Ratcheting: memory 3Gi is above today's 2Gi rule but unchanged from the cluster, so it is no error.
      assert.ok(!immutable.some((x) => x.message.includes('below 2Gi')), JSON.stringify(immutable));
      assert.ok(!immutable.some((x) => x.code === 'schema.cel-transition'), 'no "skipped" note once the live object is known');
    } finally {
      await lsp.stop();
    }
  });
});

/** The CRD's schema as our resolver reads it, straight from the CRD object (the CLI test reads /openapi/v3). */
function resolverFromCluster(kubectl: (args: string[]) => string): SchemaResolver {
  const crd = parse(kubectl(['get', `crd/probes.${GROUP}`, '-o', 'yaml'])) as { spec: { versions: { schema: { openAPIV3Schema: OpenApiSchema } }[] } };
  const schema = crd.spec.versions[0]?.schema.openAPIV3Schema;
  assert.ok(schema !== undefined);
  // The apiserver adds apiVersion, kind and metadata to every CRD's published schema.
  const definitions: Record<string, OpenApiSchema> = {
    'dev.plumbline.cel.v1.Probe': { ...schema, properties: { ...schema.properties, apiVersion: { type: 'string' }, kind: { type: 'string' }, metadata: { type: 'object' } }, 'x-kubernetes-group-version-kind': [{ group: GROUP, version: 'v1', kind: 'Probe' }] },
  };
  return new SchemaResolver([new SchemaBundle({ format: 1, kubernetesVersion: 'test', sources: {}, definitions, kinds: indexKinds(definitions) }, { kind: 'bundled', label: 'the CRD', kubernetesVersion: 'test' })]);
}

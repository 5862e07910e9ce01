// Cluster tier, issue 15: which CEL functions a CRD rule may use, with the real kube-apiserver as
// the oracle. One CRD holds a rule per expression below (each function family the apiserver
// declares, and what it does not: cel.bind, math, base64, string reverse, quantity's sign as a
// method, mismatched types) and goes to the apiserver as a dry-run create; for each rule our
// verdict on the CRD file (a crd.cel-compile error or none) must be the apiserver's, and our words
// its words. Then the accepted rules are installed and objects are sent as dry-run creates: the
// engine must run every rule the apiserver accepts (no "cannot be checked" note) and reach the
// same verdict per object.
//
//   node --import tsx --test --test-reporter=spec test/cluster/celEnvironment.test.ts
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { parse } from 'yaml';
import { checkFile, type CheckOptions } from '../../server/src/check/checkFile';
import { ManifestParser } from '../../server/src/manifests/parse';
import { SchemaBundle, indexKinds } from '../../server/src/schemas/bundle';
import { loadBundledSchemas } from '../../server/src/schemas/bundled';
import type { OpenApiSchema } from '../../server/src/schemas/openapi';
import { SchemaResolver } from '../../server/src/schemas/resolver';
import { rawRequest, startCluster, type Cluster } from './harness';
import { crdYaml } from '../support/crdYaml';

const GROUP = 'env.plumbline.dev';
const OPTIONS: CheckOptions = { role: { kind: 'manifests' }, schemas: new SchemaResolver([loadBundledSchemas()]), unknownKind: 'information' };

const FIELDS = `
                s: {type: string, maxLength: 64}
                namespace: {type: string, maxLength: 63}
                team-name: {type: string, maxLength: 63}
                i: {type: integer}
                d: {type: number}
                b: {type: boolean}
                q: {x-kubernetes-int-or-string: true, maxLength: 16}
                mem: {type: string, maxLength: 16}
                l: {type: array, maxItems: 8, items: {type: string, maxLength: 8}}
                il: {type: array, maxItems: 8, items: {type: integer}}
                m: {type: object, maxProperties: 8, additionalProperties: {type: string, maxLength: 8}}
                dur: {type: string, format: duration, maxLength: 16}`;

/** Rules the apiserver accepts, one family each; each holds on SAMPLE_OK and some fail on SAMPLE_BAD. */
const ACCEPTED = [
  // standard library and type identifiers
  "self.s.startsWith('a') && self.s.endsWith('c') && self.s.contains('b') && self.s.matches('^a') && size(self.s) == 3",
  "type(self.q) == int || type(self.q) == string && type(ip('1.1.1.1')) == net.IP && type(self.dur) == google.protobuf.Duration",
  "int('3') == 3 && double(self.i) > 0.5 && string(self.i) == '2' && self.dur < duration('1h') && self.dur.getMinutes() >= 0",
  // quantity, global sign
  "isQuantity(self.mem) && quantity(self.mem).isLessThan(quantity('2Gi')) && sign(quantity(self.mem)) == 1 && quantity(self.mem).add(1).isGreaterThan(quantity(self.mem))",
  // strings extension (version 2)
  "self.s.charAt(0) == 'a' && self.s.indexOf('b') == 1 && self.s.upperAscii() == 'ABC' && self.s.substring(1) == 'bc' && self.l.join(',') != '' && strings.quote(self.s) == '\"abc\"'",
  // lists extension (version 3) and the Kubernetes lists library
  'self.il.sort() == [1, 2, 3] && self.il.distinct().size() == 3 && self.il.reverse()[0] == 3 && self.il.slice(0, 1) == [1] && lists.range(2) == [0, 1] && [[1], [2]].flatten() == [1, 2]',
  'self.il.sum() == 6 && self.il.min() == 1 && self.il.max() == 3 && self.il.isSorted() && self.il.indexOf(2) == 1 && self.il.first().value() == 1 && self.il.last().orValue(0) == 3',
  // sets, regex, url, ip, cidr, semver, format
  "sets.contains(['a', 'b', 'c'], self.l) && !sets.intersects(self.l, ['x']) && self.s.find('b+') == 'b' && self.s.findAll('[a-c]').size() == 3",
  "isURL('https://a.io/p') && url('https://a.io:8443/p').getPort() == '8443' && isIP('10.0.0.1') && ip('10.0.0.1').family() == 4 && cidr('10.0.0.0/8').containsIP('10.1.2.3') && ip.isCanonical('::1')",
  "isSemver('1.2.3') && semver('1.2.3').isLessThan(semver('1.10.0')) && semver('v1.2', true).minor() == 2 && !format.dns1123Label().validate(self.s).hasValue() && format.named('uuid').hasValue()",
  // optionals
  "self.?s.orValue('') == 'abc' && optional.ofNonZeroValue(self.s).hasValue() && optional.unwrap([optional.of(1), optional.none()]) == [1] && self.m[?'team'].orValue('') != 'nobody'",
  // escaped property names
  "self.__namespace__ == self.namespace && self.team__dash__name != 'nobody'",
];

/** Rules the apiserver refuses: what a CRD may not use in 1.36, and type mismatches the check sees. */
const REFUSED = [
  'cel.bind(x, self.i, x > 0)',
  'math.greatest(self.i, 2) == 2',
  "base64.encode(b'a') == 'YQ=='",
  "b'abc'.hex() == 'a'",
  "quantity(self.mem).sign() == 1",
  "self.s.reverse() == 'cba'",
  'self.l.sum() == 1',
  'self.b.isSorted()',
  'nosuch(self.i)',
  "sets.nosuch(self.l, ['a'])",
  "self.i == 'a'",
  "self.s + 1 == 'a'",
  "[1, 'a'].size() == 2",
  'self.l.map(x, x)',
  'self.nosuch == 1',
  'has(self.nosuch) && self.?other.hasValue()',
];

function crd(rules: string[], name = 'probes'): string {
  return crdYaml(
    { group: GROUP, kind: name === 'probes' ? 'Probe' : 'Check', plural: name },
    `              type: object
              properties:${FIELDS}
              x-kubernetes-validations:
${rules.map((r, i) => `                - rule: ${JSON.stringify(r)}\n                  message: r${i}`).join('\n')}
`,
  );
}

const SAMPLE_OK = `s: abc
namespace: prod
team-name: web
i: 2
d: 1.5
b: true
q: 5
mem: 1Gi
l: [a, b]
il: [1, 2, 3]
m: {team: platform}
dur: 5m`;

/** Variants that break some of the accepted rules (and keep the others). */
const SAMPLES: Record<string, string> = {
  ok: SAMPLE_OK,
  bigmem: SAMPLE_OK.replace('mem: 1Gi', 'mem: 3Gi'),
  unsorted: SAMPLE_OK.replace('il: [1, 2, 3]', 'il: [3, 1, 2]'),
  nobody: SAMPLE_OK.replace('team-name: web', 'team-name: nobody').replace('team: platform', 'team: nobody'),
  zone: SAMPLE_OK.replace('l: [a, b]', 'l: [a, x]'),
  text: SAMPLE_OK.replace('s: abc', 's: xyz').replace('namespace: prod', 'namespace: dev'),
  long: SAMPLE_OK.replace('dur: 5m', 'dur: 2h').replace('q: 5', 'q: "5"'),
};

interface Status {
  message?: string;
  details?: { causes?: { field?: string; message?: string }[] };
}

describe('CEL environment: the functions a CRD rule may use, as the kube-apiserver says', { timeout: 10 * 60_000 }, () => {
  let cluster: Cluster;
  before(async () => {
    cluster = await startCluster();
  });
  after(async () => {
    await cluster?.stop();
  });

  test(`${ACCEPTED.length} accepted and ${REFUSED.length} refused rules: the same verdict per rule and the apiserver's words`, async () => {
    const rules = [...ACCEPTED, ...REFUSED];
    const text = crd(rules);
    const res = await rawRequest(cluster.kubeconfigPath, { method: 'POST', path: '/apis/apiextensions.k8s.io/v1/customresourcedefinitions?dryRun=All', body: text, contentType: 'application/yaml', timeoutMs: 60_000 });
    assert.equal(res.status, 422, `the apiserver refuses the CRD for its refused rules: ${res.body.slice(0, 500)}`);
    const causes = (res.json as Status).details?.causes ?? [];
    const ours = checkFile(new ManifestParser().parse(text), OPTIONS).filter((f) => f.severity === 'error');
    const disagreements: string[] = [];
    rules.forEach((rule, i) => {
      const at = `x-kubernetes-validations[${i}].rule`;
      const theirs = causes.filter((c) => c.field?.endsWith(at) === true).map((c) => c.message ?? '');
      const mine = ours.filter((f) => f.message.includes(`${at}:`));
      if (theirs.length !== mine.length) {
        disagreements.push(`${rule}: apiserver ${JSON.stringify(theirs)}; we ${JSON.stringify(mine.map((f) => f.message))}`);
        return;
      }
      // Ours quotes the rule where the apiserver dumps its Go struct; the rest must be its words exactly.
      for (const [j, m] of mine.entries()) {
        const detail = m.message.replace(/^[^:]+: Invalid value: ".*?": /s, '');
        if (!(theirs[j] ?? '').endsWith(`: ${detail}`) && theirs[j] !== detail) disagreements.push(`${rule}: "${detail}" is not the apiserver's "${theirs[j] ?? ''}"`);
        if (m.code !== 'crd.cel-compile') disagreements.push(`${rule}: code ${m.code}`);
      }
      if ((i < ACCEPTED.length) !== (theirs.length === 0)) disagreements.push(`${rule}: listed as ${i < ACCEPTED.length ? 'accepted' : 'refused'}, the apiserver says otherwise: ${JSON.stringify(theirs)}`);
    });
    assert.deepEqual(disagreements, []);
  });

  test('objects against the accepted rules: every rule runs here, and the verdicts are the apiserver\'s', async () => {
    const text = crd(ACCEPTED, 'checks');
    const created = await rawRequest(cluster.kubeconfigPath, { method: 'POST', path: '/apis/apiextensions.k8s.io/v1/customresourcedefinitions', body: text, contentType: 'application/yaml', timeoutMs: 60_000 });
    assert.equal(created.status, 201, created.body.slice(0, 500));
    const schema = (parse(text) as { spec: { versions: { schema: { openAPIV3Schema: OpenApiSchema } }[] } }).spec.versions[0]?.schema.openAPIV3Schema;
    assert.ok(schema !== undefined);
    const definitions: Record<string, OpenApiSchema> = {
      'dev.plumbline.env.v1.Check': { ...schema, properties: { ...schema.properties, apiVersion: { type: 'string' }, kind: { type: 'string' }, metadata: { type: 'object' } }, 'x-kubernetes-group-version-kind': [{ group: GROUP, version: 'v1', kind: 'Check' }] },
    };
    const schemas = new SchemaResolver([new SchemaBundle({ format: 1, kubernetesVersion: 'test', sources: {}, definitions, kinds: indexKinds(definitions) }, { kind: 'bundled', label: 'the CRD', kubernetesVersion: 'test' })]);
    const disagreements: string[] = [];
    let refusedByApiserver = 0;
    for (const [name, spec] of Object.entries(SAMPLES)) {
      const manifest = `apiVersion: ${GROUP}/v1\nkind: Check\nmetadata: {name: ${name}, namespace: default}\nspec:\n${spec.replace(/^/gm, '  ')}\n`;
      // The CRD becomes Established shortly after it is created: retry while the resource is not served yet.
      let res = await rawRequest(cluster.kubeconfigPath, { method: 'POST', path: `/apis/${GROUP}/v1/namespaces/default/checks?dryRun=All`, body: manifest, contentType: 'application/yaml', timeoutMs: 60_000 });
      const deadline = Date.now() + 60_000;
      while (res.status === 404 && Date.now() < deadline) {
        await new Promise<void>((resolve) => setImmediate(resolve));
        res = await rawRequest(cluster.kubeconfigPath, { method: 'POST', path: `/apis/${GROUP}/v1/namespaces/default/checks?dryRun=All`, body: manifest, contentType: 'application/yaml', timeoutMs: 60_000 });
      }
      assert.ok(res.status === 201 || res.status === 422, `${name}: ${res.status} ${res.body.slice(0, 300)}`);
      const theirs = new Set(((res.json as Status).details?.causes ?? []).map((c) => /\br\d+\b/.exec(c.message ?? '')?.[0] ?? c.message ?? ''));
      if (theirs.size > 0) refusedByApiserver++;
      const findings = checkFile(new ManifestParser().parse(manifest), { ...OPTIONS, schemas });
      const notes = findings.filter((f) => f.code === 'schema.cel-unsupported' || f.code === 'schema.cel-cost');
      if (notes.length > 0) disagreements.push(`${name}: rules not run here: ${JSON.stringify(notes.map((n) => n.message))}`);
      const mine = new Set(findings.filter((f) => f.severity === 'error').map((f) => /\br\d+\b/.exec(f.message)?.[0] ?? f.message));
      if ([...theirs].sort().join() !== [...mine].sort().join()) disagreements.push(`${name}: apiserver fails ${JSON.stringify([...theirs])}; we fail ${JSON.stringify([...mine])}`);
    }
    assert.deepEqual(disagreements, []);
    assert.ok(refusedByApiserver >= 4, `the samples break rules (${refusedByApiserver} refused)`);
  });
});

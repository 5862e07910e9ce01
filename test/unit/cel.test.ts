import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { parse } from 'yaml';
import { checkFile, type CheckOptions } from '../../server/src/check/checkFile';
import { ManifestParser } from '../../server/src/manifests/parse';
import { kubernetesEnvironment } from '../../server/src/validation/cel/kubernetesLibrary';
import { expectCheckFindings } from '../support/checkExpect';
import { celResolver } from '../support/celSchemas';

const OPTIONS: CheckOptions = { role: { kind: 'manifests' }, schemas: celResolver, unknownKind: 'information' };
const HEAD = 'apiVersion: example.com/v1\nkind: Gadget\nmetadata:\n  name: g\n';

/** Checks a caret fixture; `live` is the object as the cluster holds it (YAML), for transition rules. */
function expectFindings(fixture: string, live?: string): void {
  expectCheckFindings(fixture, live === undefined ? OPTIONS : { ...OPTIONS, liveObjects: { lookup: () => parse(live) as unknown, generation: 1 } }, { sorted: true });
}

describe('CEL rules (x-kubernetes-validations)', () => {
  test('a valid object passes every library function; an unsupported rule is only a note', () => {
    expectFindings(`${HEAD}spec:
  replicas: 3
  ratio: 1.25
  mode: Current
  memory: 1536Mi
  timeout: 1m30s
  endpoint: https://example.com/api?x=1
  image: nginx:1.27
  weights: [0.5e1, 10, 20]
  zones: [a, c]
  address: 10.1.2.3
  network: 10.0.0.0/8
  version: v1.3
  slug: my-app
  name: web-api-v2
  labels:
    team: platform
  ports:
    - name: http
      ^^^^ hint: Gadget spec.ports[http]: transition rules (oldSelf) are not checked without the object in the cluster, as on a create
      port: 8080
  fancy: x
  ^^^^^ information: Gadget spec.fancy: the CEL rule \`'%s!'.format([self]) != ''\` cannot be checked here (found no matching overload for 'string.format(list<dyn>)')
`);
  });

  test('each failed rule sits on its field and quotes the rule message as the apiserver words it', () => {
    expectFindings(`${HEAD}spec:
^^^^ error: Gadget spec: Forbidden: mode Legacy is retired
  replicas: 0
  ^^^^^^^^ error: Gadget spec.replicas: Invalid value: replicas must be at least minReplicas
  ratio: 2
  ^^^^^ error: Gadget spec.ratio: Invalid value: 2: ratio must be below 1.5
  mode: Legacy
  owner: me
  ^^^^^ hint: Gadget spec.owner: transition rules (oldSelf) are not checked without the object in the cluster, as on a create
  timeout: 90m
  ^^^^^^^ error: Gadget spec.timeout: Invalid value: "90m": timeout is at most an hour
  memory: 8Gi
  ^^^^^^ error: Gadget spec.memory: Invalid value: "8Gi": memory must be a quantity below 4Gi
  endpoint: http://example.com
  ^^^^^^^^ error: Gadget spec.endpoint: Invalid value: "http://example.com": endpoint must be an https URL
  image: nginx:latest:x
  ^^^^^ error: Gadget spec.image: Invalid value: "nginx:latest:x": image needs a version
  ^^^^^ error: Gadget spec.image: Invalid value: "nginx:latest:x": image has one tag
  weights: [30, 20, 0, 60]
  ^^^^^^^ error: Gadget spec.weights: Invalid value: weights must be sorted
  ^^^^^^^ error: Gadget spec.weights: Invalid value: weights add up to at most 100
  ^^^^^^^ error: Gadget spec.weights: Invalid value: each weight is between 0 and 50
  ^^^^^^^ error: Gadget spec.weights: Invalid value: no weight is zero
  zones: [a, x, d]
  ^^^^^ error: Gadget spec.zones: Invalid value: zones are among a, b and c
  ^^^^^ error: Gadget spec.zones: Invalid value: zone x is closed
  address: 127.0.0.1
  ^^^^^^^ error: Gadget spec.address: Invalid value: "127.0.0.1": address must be a non-loopback IPv4 address
  network: 192.168.0.0/16
  ^^^^^^^ error: Gadget spec.network: Invalid value: "192.168.0.0/16": network must contain 10.0.0.1
  version: v1.1
  ^^^^^^^ error: Gadget spec.version: Invalid value: "v1.1": version must be after 1.2.0
  slug: Not_A_Label
  ^^^^ error: Gadget spec.slug: Invalid value: "Not_A_Label": slug: a lowercase RFC 1123 label must consist of lower case alphanumeric characters or '-', and must start and end with an alphanumeric character
  name: a-b-c-D
  ^^^^ error: Gadget spec.name: Invalid value: "a-b-c-D": at most three lowercase parts
  labels:
  ^^^^^^ error: Gadget spec.labels: Invalid value: label keys are lowercase
  ^^^^^^ error: Gadget spec.labels: Invalid value: team nobody is not a team
    Team: x
    team: nobody
  ports:
    - name: http
      ^^^^ error: Gadget spec.ports[http]: Invalid value: ports below 1025 are privileged
      port: 80
`);
  });

  test('a rule sees a plain number as the apiserver receives it: 010 is the octal 8, 1_0 is 10', () => {
    expectFindings(`${HEAD}spec:
  minReplicas: 9
  replicas: 010
  ^^^^^^^^ error: Gadget spec.replicas: Invalid value: replicas must be at least minReplicas
`);
    expectFindings(`${HEAD}spec:
  minReplicas: 9
  replicas: 1_0
`);
  });

  test('messageExpression that fails falls back to message; fieldPath moves the finding; defaults apply before rules', () => {
    // minReplicas defaults to 1, so replicas: 0 fails even though minReplicas is not written.
    expectFindings(`${HEAD}spec:
^^^^ error: Gadget spec: Invalid value: mode Old is retired too
  mode: Old
  replicas: 0
  ^^^^^^^^ error: Gadget spec.replicas: Invalid value: replicas must be at least minReplicas
`);
  });

  test('transition rules run against the live object, with ratcheting', () => {
    const live = `${HEAD}spec:
  replicas: 3
  owner: alice
  weights: [30, 20]
  ports:
    - name: http
      port: 8080
    - name: metrics
      port: 80
`;
    // owner changed, a port shrank: both transition rules fail. weights were unsorted in the
    // cluster already and are unchanged (ratcheting); metrics' privileged port is unchanged too.
    expectFindings(`${HEAD}spec:
  replicas: 3
  owner: bob
  ^^^^^ error: Gadget spec.owner: Invalid value: "bob": owner is immutable
  weights: [30, 20]
  ports:
    - name: http
      ^^^^ error: Gadget spec.ports[http]: Invalid value: a port may only grow
      port: 2000
    - name: metrics
      port: 80
    - name: new
      port: 9000
`, live);
    // The same object as the cluster holds it: nothing to report, and no note about transition rules.
    expectFindings(live, live);
  });

  test('a rule that fails at runtime is an error, as the apiserver rejects the object', () => {
    expectFindings(`${HEAD}spec:
  replicas: 1
  weights: []
  ^^^^^^^ error: Gadget spec.weights: Invalid value: "array": max called on empty list evaluating rule: each weight is between 0 and 50
`);
  });

  test('a pathological rule is bounded by the cost limit, not run', () => {
    const items = Array.from({ length: 40 }, (_, i) => `p${i}`).join(', ');
    const started = performance.now();
    expectFindings(`${HEAD}spec:
  replicas: 1
  pairs: [${items}]
  ^^^^^ information: Gadget spec.pairs: the CEL rule \`self.all(a, self.all(b, self.all(c, self.all(d, a + b + c + d != ''))))\` was not evaluated: its estimated cost on this value (${String(21 * 40 ** 4 + 110)}) exceeds the per-rule limit (1000000)
`);
    assert.ok(performance.now() - started < 2000, 'the bound answers at once');
  });

  test('rules in patches are not evaluated (a patch is a partial object)', () => {
    const text = `${HEAD}spec:\n  replicas: 0\n`;
    assert.deepEqual(checkFile(new ManifestParser().parse(text), { ...OPTIONS, role: { kind: 'patch', use: 'strategic-merge' } }), []);
  });
});

describe('Kubernetes CEL library functions', () => {
  const env = kubernetesEnvironment();
  const cases: [string, unknown][] = [
    ["quantity('1Gi') == quantity('1024Mi')", true],
    ["quantity('1.5').add(1).asApproximateFloat()", 2.5],
    ["quantity('2k').sub(quantity('500')).asInteger()", 1500n],
    ["quantity('500m').isInteger()", false],
    ["sign(quantity('-1'))", -1n],
    ["quantity('1e3').compareTo(quantity('1k'))", 0n],
    ["isQuantity('12 GB')", false],
    ["url('https://a.io:8443/p?x=1&x=2').getQuery()['x']", ['1', '2']],
    ["url('https://a.io:8443/p').getHostname() + ':' + url('https://a.io:8443/p').getPort()", 'a.io:8443'],
    ["url('/api/v1').getEscapedPath()", '/api/v1'],
    ["isURL('not a url')", false],
    ["'abc123def456'.findAll('[0-9]+', 1)", ['123']],
    ['[1, 2.5].max()', 2.5],
    ["['b', 'a'].isSorted()", false],
    ['[].sum()', 0n],
    ['sets.equivalent([1, 2], [2, 1, 1.0])', true],
    ["string(ip('2001:db8:0:0:0:0:0:1'))", '2001:db8::1'],
    ["isIP('010.0.0.1') || isIP('::ffff:1.2.3.4') || isIP('fe80::1%eth0')", false],
    ["ip('fe80::1').isLinkLocalUnicast() && ip('8.8.8.8').isGlobalUnicast()", true],
    ["ip.isCanonical('127.0.0.1') && ip.isCanonical('::1') && ip.isCanonical('2001:db8::abcd')", true],
    ["ip.isCanonical('2001:DB8::ABCD')", false],
    ["ip.isCanonical('2001:db8::0:0:0:abcd')", false],
    ["ip.isCanonical('2001:db8:0:0:1:0:0:1')", false],
    ["ip.isCanonical('2001:db8::1:0:0:1') && ip('10.0.0.1').family() == 4", true],
    ["cidr('192.168.1.5/24').masked() == cidr('192.168.1.0/24')", true],
    ["cidr('10.0.0.0/8').containsCIDR('10.1.0.0/16') && cidr('10.0.0.0/8').prefixLength() == 8", true],
    ["semver('1.2.3-rc.1').isLessThan(semver('1.2.3'))", true],
    ["semver('1.2.3-alpha.2').compareTo(semver('1.2.3-alpha.10'))", -1n],
    ["format.named('uuid').value().validate('123e4567-e89b-12d3-a456-426614174000').hasValue()", false],
    ["format.named('nope').hasValue()", false],
    ["format.qualifiedName().validate('example.com/Name_1').hasValue()", false],
    ["'a.b.c'.replace('.', '/', 1) + 'hello'.charAt(1) + strings.quote('a\"b')", 'a/b.ce"a\\"b"'],
    ['lists.range(3).reverse() + [[4], [5]].flatten() + [2, 1, 1].sort().distinct() + [7, 8, 9].slice(1, 2)', [2n, 1n, 0n, 4n, 5n, 1n, 2n, 8n]],
    ['[[1], [2, [3]]].flatten(2).last().value() + [optional.of(5), optional.none()].unwrapOpt()[0] + (optional.ofNonZeroValue(0).hasValue() ? 100 : 0)', 8n],
  ];
  for (const [expression, want] of cases) {
    test(expression, () => assert.deepEqual(env.evaluate(expression, {}), want));
  }
  test('ip.isCanonical of a string that is no IP address is an error, as in the apiserver', () => {
    assert.throws(() => env.evaluate("ip.isCanonical('10.0.0.01')", {}), /IP Address parse error during conversion from string: 10\.0\.0\.01/);
  });
});

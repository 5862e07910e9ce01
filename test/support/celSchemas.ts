import { SchemaBundle, indexKinds, type SchemaBundleData } from '../../server/src/schemas/bundle';
import type { OpenApiSchema, ValidationRule } from '../../server/src/schemas/openapi';
import { SchemaResolver } from '../../server/src/schemas/resolver';

// A custom resource of our own whose fields carry CEL rules using each Kubernetes library
// function, shaped as a CRD's structural schema (which is what the apiserver evaluates).
const str = (...rules: ValidationRule[]): OpenApiSchema => ({ type: 'string', 'x-kubernetes-validations': rules });

const spec: OpenApiSchema = {
  type: 'object',
  'x-kubernetes-validations': [
    { rule: 'self.minReplicas <= self.replicas', message: 'replicas must be at least minReplicas', fieldPath: '.replicas' },
    { rule: "!has(self.mode) || self.mode != 'Legacy'", messageExpression: "'mode ' + self.mode + ' is retired'", reason: 'FieldValueForbidden' },
    { rule: "!has(self.mode) || self.mode != 'Old'", messageExpression: 'self.noSuchField', message: 'mode Old is retired too' },
  ],
  properties: {
    replicas: { type: 'integer' },
    minReplicas: { type: 'integer', default: 1 },
    ratio: { type: 'number', 'x-kubernetes-validations': [{ rule: 'self < 1.5', message: 'ratio must be below 1.5' }] },
    mode: { type: 'string' },
    owner: str({ rule: 'self == oldSelf', message: 'owner is immutable' }),
    memory: str({ rule: "isQuantity(self) && quantity(self).isLessThan(quantity('4Gi'))", message: 'memory must be a quantity below 4Gi' }),
    endpoint: str({ rule: "isURL(self) && url(self).getScheme() == 'https'", message: 'endpoint must be an https URL' }),
    image: str({ rule: "self.find('[0-9]+[.][0-9]+') != ''", message: 'image needs a version' }, { rule: "self.findAll(':').size() <= 1", message: 'image has one tag' }),
    weights: {
      type: 'array',
      items: { type: 'integer' },
      'x-kubernetes-validations': [
        { rule: 'self.isSorted()', message: 'weights must be sorted' },
        { rule: 'self.sum() <= 100', message: 'weights add up to at most 100' },
        { rule: 'self.min() >= 0 && self.max() <= 50', message: 'each weight is between 0 and 50' },
        { rule: 'self.indexOf(0) == -1 && self.lastIndexOf(0) == -1', message: 'no weight is zero' },
      ],
    },
    zones: {
      type: 'array',
      items: { type: 'string' },
      'x-kubernetes-validations': [
        { rule: "sets.contains(['a', 'b', 'c'], self)", message: 'zones are among a, b and c' },
        { rule: "!sets.intersects(self, ['x'])", message: 'zone x is closed' },
        { rule: "sets.equivalent(self, self.filter(z, true))", message: 'never fails' },
      ],
    },
    address: str({ rule: 'isIP(self) && ip(self).family() == 4 && !ip(self).isLoopback()', message: 'address must be a non-loopback IPv4 address' }),
    network: str({ rule: "isCIDR(self) && cidr(self).containsIP(ip('10.0.0.1'))", message: 'network must contain 10.0.0.1' }),
    version: str({ rule: "isSemver(self, true) && semver(self, true).isGreaterThan(semver('1.2.0'))", message: 'version must be after 1.2.0' }),
    slug: str({ rule: '!format.dns1123Label().validate(self).hasValue()', messageExpression: "'slug: ' + format.dns1123Label().validate(self).value().join(', ')" }),
    name: str({ rule: "self.split('-').size() <= 3 && self.replace('-', '').lowerAscii() == self.replace('-', '')", message: 'at most three lowercase parts' }),
    labels: {
      type: 'object',
      additionalProperties: { type: 'string' },
      'x-kubernetes-validations': [
        { rule: 'self.all(k, k.lowerAscii() == k)', message: 'label keys are lowercase' },
        { rule: "self.?team.orValue('') != 'nobody'", message: 'team nobody is not a team' },
      ],
    },
    ports: {
      type: 'array',
      'x-kubernetes-list-type': 'map',
      'x-kubernetes-list-map-keys': ['name'],
      items: {
        type: 'object',
        required: ['name'],
        properties: { name: { type: 'string' }, port: { type: 'integer' } },
        'x-kubernetes-validations': [
          { rule: 'self.port > 1024', message: 'ports below 1025 are privileged' },
          { rule: 'self.port >= oldSelf.port', message: 'a port may only grow' },
        ],
      },
    },
    timeout: { type: 'string', format: 'duration', 'x-kubernetes-validations': [{ rule: "self <= duration('1h')", message: 'timeout is at most an hour' }] },
    // The apiserver refuses the first (undeclared), so no object is judged by it; the second it
    // accepts but the engine cannot run (ext.Strings format): a note.
    fancy: str({ rule: 'self.bogusFunction()', message: 'never reported' }, { rule: "'%s!'.format([self]) != ''", message: 'never reported' }),
    pairs: {
      type: 'array',
      items: { type: 'string' },
      'x-kubernetes-validations': [{ rule: "self.all(a, self.all(b, self.all(c, self.all(d, a + b + c + d != ''))))", message: 'never reported' }],
    },
  },
};

const definitions: Record<string, OpenApiSchema> = {
  'test.Gadget': {
    type: 'object',
    properties: {
      apiVersion: { type: 'string' },
      kind: { type: 'string' },
      metadata: { type: 'object', properties: { name: { type: 'string' } } },
      spec,
    },
    'x-kubernetes-group-version-kind': [{ group: 'example.com', version: 'v1', kind: 'Gadget' }],
  },
};
const data: SchemaBundleData = { format: 1, kubernetesVersion: 'v0.0.0-test', sources: {}, definitions, kinds: indexKinds(definitions) };
export const celResolver = new SchemaResolver([new SchemaBundle(data, { kind: 'bundled', label: 'CEL test schemas', kubernetesVersion: 'v0.0.0-test' })]);

import { SchemaBundle, indexKinds, type SchemaBundleData } from '../../server/src/schemas/bundle';
import type { OpenApiSchema } from '../../server/src/schemas/openapi';
import { SchemaResolver } from '../../server/src/schemas/resolver';

// A small schema set in the shape Kubernetes serves (allOf/$ref nesting, merge keys, int-or-string),
// enough to exercise every rule of the walker without the generated bundle.
const definitions: Record<string, OpenApiSchema> = {
  'test.Widget': {
    type: 'object',
    required: ['spec'],
    properties: {
      apiVersion: { type: 'string' },
      kind: { type: 'string' },
      metadata: { allOf: [{ $ref: '#/components/schemas/test.Meta' }], description: 'Standard metadata.' },
      spec: { allOf: [{ $ref: '#/components/schemas/test.WidgetSpec' }] },
    },
    'x-kubernetes-group-version-kind': [{ group: 'example.com', version: 'v1', kind: 'Widget' }],
  },
  'test.Meta': {
    type: 'object',
    properties: {
      name: { type: 'string' },
      labels: { type: 'object', additionalProperties: { type: 'string' } },
    },
  },
  'test.WidgetSpec': {
    type: 'object',
    required: ['size'],
    properties: {
      replicas: { type: 'integer', minimum: 0 },
      size: { type: 'string', enum: ['small', 'large'] },
      port: { 'x-kubernetes-int-or-string': true, anyOf: [{ type: 'integer' }, { type: 'string' }] },
      enabled: { type: 'boolean' },
      memory: { type: 'string', format: 'quantity' },
      interval: { type: 'string', pattern: '^([0-9]+(\\.[0-9]+)?(ms|s|m|h))+$' },
      parts: {
        type: 'array',
        'x-kubernetes-patch-merge-key': 'name',
        items: { type: 'object', required: ['name'], properties: { name: { type: 'string' }, weight: { type: 'number' } } },
      },
      extra: { type: 'object', 'x-kubernetes-preserve-unknown-fields': true },
    },
  },
};
const data: SchemaBundleData = { format: 1, kubernetesVersion: 'v0.0.0-test', sources: {}, definitions, kinds: indexKinds(definitions) };
export const resolver = new SchemaResolver([new SchemaBundle(data, { kind: 'bundled', label: 'test schemas', kubernetesVersion: 'v0.0.0-test' })]);

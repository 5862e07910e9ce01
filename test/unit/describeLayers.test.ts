// A version that is not served names the schemas that know its group, not every CRD file of the
// repository: on a home-ops repository, a Flux OCIRepository at v1beta2 was "not served … by
// workspace CRD kubernetes/apps/network/multus/app/crd.yaml, bundled schemas", which misled.
import { describe, test } from 'node:test';
import type { CheckOptions } from '../../server/src/check/checkFile';
import { SchemaBundle, indexKinds, type SchemaBundleData } from '../../server/src/schemas/bundle';
import type { OpenApiSchema } from '../../server/src/schemas/openapi';
import { SchemaResolver } from '../../server/src/schemas/resolver';
import { crdBundle, crdDefinitions } from '../../server/src/schemas/workspaceCrds';
import { expectCheckFindings } from '../support/checkExpect';
import { crdYaml } from '../support/crdYaml';

const object: OpenApiSchema = { type: 'object', properties: { apiVersion: { type: 'string' }, kind: { type: 'string' }, metadata: { type: 'object' }, spec: { type: 'object' } } };
const definitions: Record<string, OpenApiSchema> = { 'test.Source': { ...object, 'x-kubernetes-group-version-kind': [{ group: 'source.example.com', version: 'v1', kind: 'Source' }] } };
const data: SchemaBundleData = { format: 1, kubernetesVersion: 'v0.0.0-test', sources: {}, definitions, kinds: indexKinds(definitions) };
const bundled = new SchemaBundle(data, { kind: 'bundled', label: 'test schemas', kubernetesVersion: 'v0.0.0-test' });

function resolverWith(...crds: [string, string][]): SchemaResolver {
  const resolver = new SchemaResolver([bundled]);
  resolver.setWorkspaceCrds(crds.map(([path, group]) => crdBundle(crdDefinitions(crdYaml({ group, kind: 'Net', plural: 'nets' }, '              type: object\n')), path, bundled)));
  return resolver;
}

const options = (schemas: SchemaResolver): CheckOptions => ({ role: { kind: 'manifests' }, schemas, unknownKind: 'information' });

describe('the schemas a finding names', () => {
  test('a version not served names only the layers that define its group', () => {
    expectCheckFindings(
      `apiVersion: source.example.com/v1beta2
            ^^^^^^^^^^^^^^^^^^^^^^^^^^ error: Source is not served as \`source.example.com/v1beta2\` by test schemas; use \`source.example.com/v1\`
kind: Source
metadata:
  name: s
`,
      options(resolverWith(['apps/multus/crd.yaml', 'net.example.com'], ['apps/other/crd.yaml', 'other.example.com'])),
    );
  });

  test('a workspace CRD that defines the group is named, and a kind no layer knows still names them all', () => {
    expectCheckFindings(
      `apiVersion: net.example.com/v2
            ^^^^^^^^^^^^^^^^^^ error: Net is not served as \`net.example.com/v2\` by workspace CRD apps/multus/crd.yaml; use \`net.example.com/v1\`
kind: Net
metadata:
  name: n
---
apiVersion: nowhere.example.com/v1
kind: Thing
      ^^^^^ information: no schema for Thing (nowhere.example.com/v1) in workspace CRDs (2 files), test schemas; it is not validated
metadata:
  name: t
`,
      options(resolverWith(['apps/multus/crd.yaml', 'net.example.com'], ['apps/other/crd.yaml', 'other.example.com'])),
    );
  });
});

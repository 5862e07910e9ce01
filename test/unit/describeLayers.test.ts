// A version that is not served names the schemas that know its group, not every CRD file of the
// repository: on a home-ops repository, a Flux OCIRepository at v1beta2 was "not served … by
// workspace CRD kubernetes/apps/network/multus/app/crd.yaml, bundled schemas", which misled.
import { describe, test } from 'node:test';
import type { CheckOptions } from '../../server/src/check/checkFile';
import { SchemaBundle, indexKinds, type SchemaBundleData } from '../../server/src/schemas/bundle';
import type { OpenApiSchema } from '../../server/src/schemas/openapi';
import { SchemaResolver } from '../../server/src/schemas/resolver';
import { projectGroupLabels } from '../../server/src/schemas/bundled';
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

  // The bundled Flux CRDs are one release: flux2-multi-tenancy's OCIRepository at v1beta2 was
  // "not served … by bundled schemas (Kubernetes v1.36.3)", as if Kubernetes had dropped it.
  test('a version missing from a bundled project names that project\'s release and how to pin an older one', () => {
    const flux: Record<string, OpenApiSchema> = { 'test.OCIRepository': { ...object, 'x-kubernetes-group-version-kind': [{ group: 'source.toolkit.fluxcd.io', version: 'v1', kind: 'OCIRepository' }] } };
    const sources = { kubernetes: 'v0.0.0-test', 'github.com/fluxcd/source-controller': 'v9.9.9' };
    const shipped = new SchemaBundle(
      { format: 1, kubernetesVersion: 'v0.0.0-test', sources, definitions: flux, kinds: indexKinds(flux) },
      { kind: 'bundled', label: 'test schemas', kubernetesVersion: 'v0.0.0-test', groupLabels: projectGroupLabels(sources) },
    );
    const oci = `apiVersion: source.toolkit.fluxcd.io/v1beta2
kind: OCIRepository
metadata:
  name: podinfo
`;
    expectCheckFindings(
      oci.replace(
        '\n',
        "\n            ^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^ error: OCIRepository is not served as `source.toolkit.fluxcd.io/v1beta2` by bundled schemas (Flux source-controller v9.9.9); use `source.toolkit.fluxcd.io/v1`; if your clusters run an older release that still serves it, keep that release's CRDs in the repository (for Flux: `flux install --export`) or validate against the cluster\n",
      ),
      options(new SchemaResolver([shipped])),
    );
    // The repository's own Flux CRDs (gotk-components.yaml) are the release it pins: no hint to pin one.
    const pinned = new SchemaResolver([shipped]);
    pinned.setWorkspaceCrds([crdBundle(crdDefinitions(crdYaml({ group: 'source.toolkit.fluxcd.io', kind: 'OCIRepository', plural: 'ocirepositories' }, '              type: object\n')), 'clusters/prod/flux-system/gotk-components.yaml', shipped)]);
    expectCheckFindings(
      oci.replace(
        '\n',
        '\n            ^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^ error: OCIRepository is not served as `source.toolkit.fluxcd.io/v1beta2` by workspace CRD clusters/prod/flux-system/gotk-components.yaml, bundled schemas (Flux source-controller v9.9.9); use `source.toolkit.fluxcd.io/v1`\n',
      ),
      options(pinned),
    );
  });
});

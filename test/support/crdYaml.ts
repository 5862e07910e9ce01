// CustomResourceDefinitions as test text: the same head and version blocks every CEL and CRD test
// needs, so each test writes only the schema it is about.

export interface CrdNames {
  group: string;
  kind: string;
  plural: string;
  scope?: 'Namespaced' | 'Cluster';
}

/** The CRD up to and including `versions:`; versions follow (crdVersion). */
export function crdHead({ group, kind, plural, scope = 'Namespaced' }: CrdNames): string {
  return `apiVersion: apiextensions.k8s.io/v1
kind: CustomResourceDefinition
metadata:
  name: ${plural}.${group}
spec:
  group: ${group}
  scope: ${scope}
  names: {kind: ${kind}, plural: ${plural}}
  versions:
`;
}

/** One served version whose `.spec` has the schema `spec`: YAML indented to sit under `spec:` (14 spaces). */
export function crdVersion(name: string, spec: string, storage: boolean): string {
  return `    - name: ${name}
      served: true
      storage: ${storage}
      schema:
        openAPIV3Schema:
          type: object
          properties:
            spec:
${spec}`;
}

/** A CRD with one version, v1, whose `.spec` has the schema `spec` (indented to sit under `spec:`). */
export function crdYaml(names: CrdNames, spec: string): string {
  return crdHead(names) + crdVersion('v1', spec, true);
}

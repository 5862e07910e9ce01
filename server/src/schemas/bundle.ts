import { kindKey, refName, type OpenApiSchema } from './openapi';

/** Where a schema came from, as hover and diagnostics tell the user. */
export interface SchemaSource {
  kind: 'cluster' | 'workspace' | 'cache' | 'bundled';
  /** e.g. "cluster prod (v1.36.3)", "workspace CRD crds/widgets.yaml" or "bundled Kubernetes v1.36.3". */
  label: string;
  kubernetesVersion: string;
  /**
   * For a bundle that gathers several projects' CRDs: the label of the project that defines a
   * group ("bundled schemas (Flux source-controller v1.10.1)"), so a message about a Flux kind names Flux's
   * release rather than Kubernetes'.
   */
  groupLabels?: ReadonlyMap<string, string>;
}

/** A set of OpenAPI definitions with an index from group/version/kind to the definition name. */
export interface SchemaBundleData {
  format: 1;
  kubernetesVersion: string;
  /** Where each part of the bundle was generated from (versions of Kubernetes, Flux, Argo CD…). */
  sources: Record<string, string>;
  definitions: Record<string, OpenApiSchema>;
  kinds: Record<string, string>;
}

/** Schemas ready for lookups: definitions by name, kinds by group/version/Kind. */
export class SchemaBundle {
  constructor(
    readonly data: SchemaBundleData,
    readonly source: SchemaSource,
  ) {}

  definition(name: string): OpenApiSchema | undefined {
    return this.data.definitions[name];
  }

  /** The definition for an object kind, or undefined when the bundle does not know it. */
  kind(group: string, version: string, kind: string): { name: string; schema: OpenApiSchema } | undefined {
    const name = this.data.kinds[kindKey({ group, version, kind })];
    if (name === undefined) return undefined;
    const schema = this.data.definitions[name];
    return schema === undefined ? undefined : { name, schema };
  }

  resolveRef(schema: OpenApiSchema): OpenApiSchema {
    let current = schema;
    for (let hops = 0; current.$ref !== undefined && hops < 16; hops++) {
      const target = this.data.definitions[refName(current.$ref)];
      if (target === undefined) return {};
      current = target;
    }
    return current;
  }

  /** Every group/version/Kind the bundle knows, for completion. */
  kindKeys(): string[] {
    return Object.keys(this.data.kinds);
  }
}

/** Collects the group/version/kind index of OpenAPI definitions (from x-kubernetes-group-version-kind). */
export function indexKinds(definitions: Record<string, OpenApiSchema>): Record<string, string> {
  const kinds: Record<string, string> = {};
  for (const [name, schema] of Object.entries(definitions)) {
    for (const gvk of schema['x-kubernetes-group-version-kind'] ?? []) {
      // List kinds and Status are not objects users write.
      if (schema.properties?.['metadata'] === undefined) continue;
      if ((gvk.kind.endsWith('List') && schema.properties['items'] !== undefined) || (gvk.group === '' && gvk.kind === 'Status')) continue;
      kinds[kindKey(gvk)] = name;
    }
  }
  return kinds;
}

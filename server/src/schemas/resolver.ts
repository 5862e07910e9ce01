import type { ResourceIdentity } from '../manifests/identity';
import type { SchemaBundle, SchemaSource } from './bundle';
import type { OpenApiSchema } from './openapi';
import { SchemaView } from '../validation/schemaView';

export interface ResolvedSchema {
  name: string;
  schema: OpenApiSchema;
  view: SchemaView;
  source: SchemaSource;
}

type Layer = { bundle: SchemaBundle; view: SchemaView };

/**
 * Chooses the schema for a document's kind from an ordered list of bundles: the live
 * cluster's first, then the CRDs found in the workspace, then the cluster's disk cache, then
 * the bundled schemas.
 */
export class SchemaResolver {
  /** In lookup order: what setLayers gave, with the workspace CRDs after the live cluster. */
  private layers: Layer[] = [];
  private given: Layer[] = [];
  private workspace: Layer[] = [];
  /** Changes whenever the layers change, so cached validation results can be invalidated; unique across resolvers. */
  generation = 0;
  private static generations = 0;
  /** The Kubernetes version a setting or flag names, for when no cluster says its own. */
  private pinned: string | undefined;

  constructor(bundles: readonly SchemaBundle[]) {
    this.setLayers(bundles);
  }

  setLayers(bundles: readonly SchemaBundle[]): void {
    this.given = bundles.map((bundle) => ({ bundle, view: new SchemaView(bundle) }));
    this.order();
  }

  /** The CRDs found in the workspace, one bundle per file; they rank below the live cluster only. */
  setWorkspaceCrds(bundles: readonly SchemaBundle[]): void {
    const known = new Map(this.workspace.map((l) => [l.bundle, l]));
    this.workspace = bundles.map((bundle) => known.get(bundle) ?? { bundle, view: new SchemaView(bundle) });
    this.order();
  }

  private order(): void {
    const live = this.given.filter((l) => l.bundle.source.kind === 'cluster');
    this.layers = [...live, ...this.workspace, ...this.given.filter((l) => l.bundle.source.kind !== 'cluster')];
    this.generation = ++SchemaResolver.generations;
  }

  /** Sets (or clears) the version a setting or flag names; cached results are recomputed. */
  pinVersion(version: string | undefined): void {
    if (version === this.pinned) return;
    this.pinned = version;
    this.generation = ++SchemaResolver.generations;
  }

  /**
   * The Kubernetes version apiVersions are judged against: the cluster's (live, or cached from
   * it), else the pinned one, else that of the last layer (the bundled schemas).
   */
  targetVersion(): string {
    const cluster = this.layers.find(({ bundle }) => bundle.source.kind === 'cluster' || bundle.source.kind === 'cache');
    if (cluster !== undefined && cluster.bundle.source.kubernetesVersion !== 'unknown') return cluster.bundle.source.kubernetesVersion;
    return this.pinned ?? this.layers[this.layers.length - 1]?.bundle.source.kubernetesVersion ?? 'unknown';
  }

  resolve(identity: Pick<ResourceIdentity, 'group' | 'version' | 'kind'>): ResolvedSchema | undefined {
    // Once per checked object: an index loop and a literal (a spread is microseconds in unoptimized code).
    const layers = this.layers;
    for (let i = 0; i < layers.length; i++) {
      const { bundle, view } = layers[i] as Layer;
      const found = bundle.kind(identity.group, identity.version, identity.kind);
      if (found !== undefined) return { name: found.name, schema: found.schema, view, source: bundle.source };
    }
    return undefined;
  }

  /** Versions of the same group and kind that are known, e.g. to suggest apps/v1 for apps/v1beta1. */
  otherVersions(identity: Pick<ResourceIdentity, 'group' | 'kind'>): string[] {
    const versions = new Set<string>();
    for (const { bundle } of this.layers) {
      for (const key of bundle.kindKeys()) {
        const [group, version, kind] = key.split('/');
        if (group === identity.group && kind === identity.kind && version !== undefined) versions.add(version);
      }
    }
    return [...versions];
  }

  /** group/version/Kind keys of every layer, deduplicated, for completion. */
  allKindKeys(): string[] {
    return [...new Set(this.layers.flatMap(({ bundle }) => bundle.kindKeys()))].sort();
  }

  /** apiVersions under which a kind of this name is known, in any group. */
  apiVersionsOfKind(kind: string): string[] {
    return this.allKindKeys().flatMap((key) => {
      const [group = '', version = '', k] = key.split('/');
      return k === kind ? [group === '' ? version : `${group}/${version}`] : [];
    });
  }

  /**
   * Labels of the layers, for messages: "bundled schemas (Kubernetes v1.36.3)". Given a group,
   * only the layers that define it (when any does): a version of a Flux kind that is not served
   * names the schemas that know Flux, not every CRD file of the repository.
   */
  describe(group?: string): string {
    const defining = group === undefined ? [] : this.layersDefining(group);
    const layers = defining.length > 0 ? defining : this.layers;
    const workspace = layers.filter((l) => l.bundle.source.kind === 'workspace');
    const labels: string[] = [];
    for (const l of layers) {
      if (l.bundle.source.kind !== 'workspace') labels.push((group === undefined ? undefined : l.bundle.source.groupLabels?.get(group)) ?? l.bundle.source.label);
      else if (l === workspace[0]) labels.push(workspace.length === 1 ? l.bundle.source.label : `workspace CRDs (${workspace.length} files)`);
    }
    return labels.join(', ') || 'no schemas';
  }

  /**
   * Whether only the bundled schemas define the group, from a project's CRDs that Plumbline ships
   * (Flux, Argo CD…): a version missing there may still be served by an older release of it.
   */
  onlyBundledProjectKnows(group: string): boolean {
    const defining = this.layersDefining(group);
    return defining.length > 0 && defining.every(({ bundle }) => bundle.source.kind === 'bundled' && bundle.source.groupLabels?.has(group) === true);
  }

  /** The layers that define some kind of the group, in lookup order. */
  private layersDefining(group: string): Layer[] {
    return this.layers.filter(({ bundle }) => bundle.kindKeys().some((k) => k.startsWith(`${group}/`)));
  }
}

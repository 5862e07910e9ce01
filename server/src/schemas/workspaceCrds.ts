import { kubectlValue } from '../manifests/kubectlRead';
import { ManifestParser } from '../manifests/parse';
import { indexKinds, SchemaBundle } from './bundle';
import type { OpenApiSchema } from './openapi';

/** Cheap test before parsing: only files that declare a CRD are parsed for one. */
const MENTIONS_CRD = /^kind:\s*["']?CustomResourceDefinition\b/m;

const OBJECT_META_REF = '#/components/schemas/io.k8s.apimachinery.pkg.apis.meta.v1.ObjectMeta';

interface CrdVersion {
  name?: unknown;
  served?: unknown;
  schema?: unknown;
}

interface CrdShape {
  apiVersion?: unknown;
  kind?: unknown;
  spec?: {
    group?: unknown;
    names?: { kind?: unknown };
    version?: unknown;
    versions?: unknown;
    validation?: { openAPIV3Schema?: unknown };
  };
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/**
 * The OpenAPI definition the apiserver publishes for one served version of a CRD: the CRD's
 * schema with apiVersion, kind and metadata as every object has them.
 */
function definitionOf(group: string, version: string, kind: string, schema: Record<string, unknown>): OpenApiSchema {
  const own = schema as OpenApiSchema;
  return {
    ...own,
    type: 'object',
    properties: {
      ...(own.properties ?? {}),
      apiVersion: { type: 'string', description: 'APIVersion defines the versioned schema of this representation of an object.' },
      kind: { type: 'string', description: 'Kind is a string value representing the REST resource this object represents.' },
      metadata: { allOf: [{ $ref: OBJECT_META_REF }], description: "Standard object's metadata." },
    },
    'x-kubernetes-group-version-kind': [{ group, version, kind }],
  };
}

/** Definitions (by `<group>.<version>.<Kind>`) for the served versions of the CRDs a YAML text declares. */
export function crdDefinitions(text: string): Record<string, OpenApiSchema> {
  const definitions: Record<string, OpenApiSchema> = {};
  if (!MENTIONS_CRD.test(text)) return definitions;
  // Read as kubectl reads the file to apply it (YAML 1.1 scalars): a default `y` is the boolean the apiserver stores.
  const file = new ManifestParser().parse(text);
  for (const d of file.documents) {
    // A broken document is reported where it is written, not here.
    if (d.syntax.some((p) => p.severity === 'error')) continue;
    let crd: unknown;
    try {
      crd = kubectlValue(file, d, 100);
    } catch {
      continue;
    }
    if (!isObject(crd)) continue;
    const { apiVersion, kind, spec } = crd as CrdShape;
    if (kind !== 'CustomResourceDefinition' || typeof apiVersion !== 'string' || !apiVersion.startsWith('apiextensions.k8s.io/')) continue;
    const group = spec?.group;
    const crdKind = spec?.names?.kind;
    if (typeof group !== 'string' || typeof crdKind !== 'string') continue;
    // apiextensions.k8s.io/v1beta1 allowed one schema for all versions, and `version` alone.
    const shared = spec?.validation?.openAPIV3Schema;
    const versions: CrdVersion[] = Array.isArray(spec?.versions) ? (spec.versions as CrdVersion[]) : typeof spec?.version === 'string' ? [{ name: spec.version, served: true }] : [];
    for (const v of versions) {
      if (typeof v !== 'object' || v === null || typeof v.name !== 'string' || v.served === false) continue;
      const own = isObject(v.schema) ? v.schema['openAPIV3Schema'] : undefined;
      const schema = own ?? shared;
      definitions[`${group}.${v.name}.${crdKind}`] = definitionOf(group, v.name, crdKind, isObject(schema) ? schema : { 'x-kubernetes-preserve-unknown-fields': true });
    }
  }
  return definitions;
}

/**
 * The schemas of the CRDs in one workspace file, as a bundle labelled with that file. Types the
 * CRD refers to (ObjectMeta) are looked up in `base` (the bundled schemas) without copying them.
 */
export function crdBundle(definitions: Record<string, OpenApiSchema>, displayPath: string, base: SchemaBundle): SchemaBundle {
  const inherited = Object.assign(Object.create(base.data.definitions) as Record<string, OpenApiSchema>, definitions);
  return new SchemaBundle(
    { format: 1, kubernetesVersion: base.data.kubernetesVersion, sources: { workspace: displayPath }, definitions: inherited, kinds: indexKinds(definitions) },
    { kind: 'workspace', label: `workspace CRD ${displayPath}`, kubernetesVersion: base.source.kubernetesVersion },
  );
}

/** One file's CRDs as plain data (see WorkspaceCrds.snapshot). */
export interface CrdFileSnapshot {
  display: string;
  definitions: Record<string, OpenApiSchema>;
}

/**
 * The CRDs found in a workspace, one bundle per file, in path order (the first file that
 * defines a kind wins). `update` says whether anything changed, so callers re-validate only then.
 */
export class WorkspaceCrds {
  private readonly byFile = new Map<string, SchemaBundle>();

  constructor(
    private readonly base: SchemaBundle,
    private readonly display: (path: string) => string,
  ) {}

  /** Whether this file declared CRDs when last read. */
  holds(path: string): boolean {
    return this.byFile.has(path);
  }

  /** Reads a file's text again (undefined: the file is gone); true when its CRDs changed. */
  update(path: string, text: string | undefined): boolean {
    const had = this.byFile.has(path);
    const definitions = text === undefined ? {} : crdDefinitions(text);
    if (Object.keys(definitions).length === 0) {
      this.byFile.delete(path);
      return had;
    }
    const before = this.byFile.get(path);
    if (before !== undefined && JSON.stringify(Object.entries(before.data.definitions)) === JSON.stringify(Object.entries(definitions))) return false;
    this.byFile.set(path, crdBundle(definitions, this.display(path), this.base));
    return true;
  }

  /**
   * The CRDs as plain data, in path order: what a worker thread needs to rebuild the same
   * bundles with `crdBundle` (a bundle itself holds the base schemas and does not cross threads).
   */
  snapshot(): CrdFileSnapshot[] {
    return [...this.byFile.entries()]
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
      .map(([path, bundle]) => ({ display: bundle.data.sources['workspace'] ?? this.display(path), definitions: { ...bundle.data.definitions } }));
  }

  bundles(): SchemaBundle[] {
    return [...this.byFile.entries()].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)).map(([, bundle]) => bundle);
  }

  /** apiVersion/kind → the file whose CRD defines it, for reports. */
  kinds(): { apiVersion: string; kind: string; source: string }[] {
    const seen = new Set<string>();
    const out: { apiVersion: string; kind: string; source: string }[] = [];
    for (const bundle of this.bundles()) {
      for (const key of bundle.kindKeys()) {
        if (seen.has(key)) continue;
        seen.add(key);
        const [group = '', version = '', kind = ''] = key.split('/');
        out.push({ apiVersion: `${group}/${version}`, kind, source: bundle.source.label });
      }
    }
    return out;
  }

  /** The API groups the CRDs define. */
  groups(): string[] {
    return [...new Set(this.kinds().map((k) => k.apiVersion.split('/')[0] ?? ''))];
  }

  get size(): number {
    return this.byFile.size;
  }
}

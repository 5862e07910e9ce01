import { isDeepStrictEqual } from 'node:util';
import { kindKey, type GroupVersionKind, type OpenApiSchema } from '../../server/src/schemas/openapi';
import type { OpenApiV3Document } from './cluster';

const REF_PREFIX = '#/components/schemas/';

/**
 * Merges the `components.schemas` of every group-version document into one map. A name served by
 * several documents (ObjectMeta is in all of them) must be the same schema everywhere, except
 * for `x-kubernetes-group-version-kind`: each document lists only its own group's kinds for the
 * shared meta types (DeleteOptions, WatchEvent), so those lists are united. Any other difference
 * is reported rather than silently picking one.
 */
export function mergeDefinitions(docs: ReadonlyMap<string, OpenApiV3Document>): { definitions: Record<string, OpenApiSchema>; conflicts: string[] } {
  const definitions: Record<string, OpenApiSchema> = {};
  const firstSeen = new Map<string, string>();
  const conflicts: string[] = [];
  for (const [path, doc] of docs) {
    for (const [name, schema] of Object.entries(doc.components?.schemas ?? {})) {
      const existing = definitions[name];
      if (existing === undefined) {
        definitions[name] = schema;
        firstSeen.set(name, path);
        continue;
      }
      const { [GVK]: existingKinds, ...existingRest } = existing;
      const { [GVK]: kinds, ...rest } = schema;
      if (!isDeepStrictEqual(existingRest, rest)) {
        conflicts.push(`${name}: differs between ${firstSeen.get(name) ?? '?'} and ${path}`);
      } else if (existingKinds !== undefined || kinds !== undefined) {
        definitions[name] = { ...existing, [GVK]: uniteKinds([...(existingKinds ?? []), ...(kinds ?? [])]) };
      }
    }
  }
  return { definitions, conflicts };
}

const GVK = 'x-kubernetes-group-version-kind';

function uniteKinds(kinds: readonly GroupVersionKind[]): GroupVersionKind[] {
  const byKey = new Map(kinds.map((k) => [kindKey(k), k]));
  return [...byKey.keys()].sort().map((key) => byKey.get(key) as GroupVersionKind);
}

/** Adds definitions that must not collide with what is there. */
export function addDefinitions(target: Record<string, OpenApiSchema>, extra: Record<string, OpenApiSchema>, what: string): void {
  for (const [name, schema] of Object.entries(extra)) {
    if (name in target) throw new Error(`${what}: definition ${name} already exists`);
    target[name] = schema;
  }
}

/** Every `$ref` that does not name a definition (or is not in `#/components/schemas/` form). */
export function danglingRefs(definitions: Record<string, OpenApiSchema>): string[] {
  const problems = new Set<string>();
  // `names` is true for maps keyed by property name (any key is a schema there); elsewhere the
  // values of enum/default/example are data, not schemas.
  const visit = (value: unknown, owner: string, names = false): void => {
    if (Array.isArray(value)) {
      for (const item of value) visit(item, owner);
      return;
    }
    if (typeof value !== 'object' || value === null) return;
    for (const [key, child] of Object.entries(value)) {
      if (names) visit(child, owner);
      else if (key === '$ref' && typeof child === 'string') {
        if (!child.startsWith(REF_PREFIX) || definitions[child.slice(REF_PREFIX.length)] === undefined) problems.add(`${owner} → ${child}`);
      } else if (key !== 'enum' && key !== 'default' && key !== 'example') {
        visit(child, owner, key === 'properties' || key === 'patternProperties');
      }
    }
  };
  for (const [name, schema] of Object.entries(definitions)) visit(schema, name);
  return [...problems].sort();
}

/** Compact JSON with object keys sorted at every level, so regenerating diffs cleanly. */
export function stableStringify(value: unknown): string {
  return JSON.stringify(value, (_key, v: unknown) => {
    if (typeof v !== 'object' || v === null || Array.isArray(v)) return v;
    const sorted: Record<string, unknown> = {};
    for (const key of Object.keys(v).sort()) sorted[key] = (v as Record<string, unknown>)[key];
    return sorted;
  });
}

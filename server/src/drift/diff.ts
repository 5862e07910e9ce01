import type { FieldPath } from '../manifests/fieldPath';

/** A field whose live value differs from what applying Git would make it. */
export interface FieldDiff {
  path: FieldPath;
  /** What the cluster would hold after applying Git (undefined: applying removes it). */
  desired: unknown;
  /** What the cluster holds now (undefined: the cluster lacks it). */
  live: unknown;
}

/** Merge keys for the list at a path, from the schema, or undefined to match items by position. */
export type ListKeys = (path: FieldPath) => string[] | undefined;

const COMMON_KEYS = [['name'], ['containerPort', 'protocol'], ['port', 'protocol'], ['mountPath'], ['devicePath'], ['ip'], ['type'], ['key']];

/**
 * Without a schema: the first set of keys every item of every list has and that tells the items
 * of each list apart (the same item is expected in both lists, so only each list must be unique).
 */
export function guessListKeys(...lists: readonly (readonly unknown[])[]): string[] | undefined {
  const items = lists.flat();
  if (items.length === 0 || !items.every((i) => i !== null && typeof i === 'object' && !Array.isArray(i))) return undefined;
  for (const keys of COMMON_KEYS) {
    const first = keys[0]!;
    if (!items.every((i) => first in (i as Record<string, unknown>))) continue;
    const unique = lists.every((list) => {
      const ids = list.map((i) => JSON.stringify(keys.map((k) => (i as Record<string, unknown>)[k])));
      return new Set(ids).size === ids.length;
    });
    if (unique) return keys;
  }
  return undefined;
}

function keysOf(item: unknown, keys: readonly string[]): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const k of keys) {
    const v = (item as Record<string, unknown>)[k];
    if (v !== undefined) out[k] = v;
  }
  return out;
}

/** Field-by-field differences between two normalized objects; lists of objects are matched by merge key. */
export function diffObjects(desired: unknown, live: unknown, listKeys: ListKeys = () => undefined, path: FieldPath = [], out: FieldDiff[] = []): FieldDiff[] {
  if (Array.isArray(desired) && Array.isArray(live)) {
    return diffLists(desired as unknown[], live as unknown[], listKeys, path, out);
  }
  if (isObject(desired) && isObject(live)) {
    for (const key of new Set([...Object.keys(desired), ...Object.keys(live)])) diffObjects(desired[key], live[key], listKeys, [...path, key], out);
    return out;
  }
  if (JSON.stringify(desired) !== JSON.stringify(live)) out.push({ path, desired, live });
  return out;
}

function diffLists(desired: unknown[], live: unknown[], listKeys: ListKeys, path: FieldPath, out: FieldDiff[]): FieldDiff[] {
  const keys = listKeys(path) ?? guessListKeys(desired, live);
  if (keys !== undefined && keys.length > 0) {
    const seen = new Set<string>();
    for (const item of desired) {
      const id = keysOf(item, keys);
      const token = JSON.stringify(id);
      seen.add(token);
      const other = live.find((l) => JSON.stringify(keysOf(l, keys)) === token);
      diffObjects(item, other, listKeys, [...path, { keys: id }], out);
    }
    for (const item of live) {
      const id = keysOf(item, keys);
      if (!seen.has(JSON.stringify(id))) out.push({ path: [...path, { keys: id }], desired: undefined, live: item });
    }
    return out;
  }
  if (desired.length !== live.length || desired.some((d, i) => JSON.stringify(d) !== JSON.stringify(live[i]))) {
    // Atomic lists (args, command…): the list is the unit users change.
    out.push({ path, desired, live });
  }
  return out;
}

/** A JSON object (not a list, not null). */
export function isObject(v: unknown): v is Record<string, unknown> {
  return v !== null && typeof v === 'object' && !Array.isArray(v);
}

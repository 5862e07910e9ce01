// The proof as first written (decode every owned leaf path, look each up from the root), kept as
// the oracle of proofDifferential.test.ts: the walk in server/src/drift/proof.ts must agree with it.
import { isDeepStrictEqual } from 'node:util';
import type { KubeObject } from '../../server/src/cluster/http';
import { valueAt, type FieldPath } from '../../server/src/manifests/fieldPath';
import { sameQuantity } from '../../server/src/drift/clientSide';
import { guessListKeys, isObject, type ListKeys } from '../../server/src/drift/diff';
import { ownedPaths } from '../../server/src/drift/managedFields';


/**
 * The leaf fields of Git's object, list items named by merge key (a port's protocol by its
 * default when Git leaves it out), lists of scalars whole; undefined when an item lacks its key.
 */
function gitLeaves(value: unknown, listKeys: ListKeys, path: FieldPath = [], out: FieldPath[] = []): FieldPath[] | undefined {
  if (isObject(value) && Object.keys(value).length > 0) {
    for (const [k, v] of Object.entries(value)) if (gitLeaves(v, listKeys, [...path, k], out) === undefined) return undefined;
    return out;
  }
  if (Array.isArray(value) && value.length > 0 && value.every(isObject)) {
    const keys = listKeys(path) ?? guessListKeys(value);
    if (keys === undefined || keys.length === 0) {
      out.push(path);
      return out;
    }
    for (const item of value) {
      const selector = Object.fromEntries(keys.map((k): [string, unknown] => [k, item[k] ?? (k === 'protocol' ? 'TCP' : undefined)]).filter(([, v]) => v !== undefined));
      if (Object.keys(selector).length !== keys.length) return undefined;
      if (gitLeaves(item, listKeys, [...path, { keys: selector }], out) === undefined) return undefined;
    }
    return out;
  }
  out.push(path);
  return out;
}

/** A key for each prefix of a path (built step by step: this runs for every field of every object). */
function prefixKeys(path: FieldPath): string[] {
  const out: string[] = [];
  let key = '';
  for (const step of path) {
    key += typeof step === 'string' ? `.${step}` : typeof step === 'number' ? `[${step}]` : `{${JSON.stringify(Object.keys(step.keys).sort().map((k) => [k, step.keys[k]]))}}`;
    out.push(key);
  }
  return out;
}

/** A Git list item with these key values; a port's protocol by its default when Git leaves it out. */
function gitItemMatches(item: unknown, keys: Record<string, unknown>): boolean {
  return isObject(item) && Object.entries(keys).every(([k, v]) => (item[k] ?? (k === 'protocol' ? 'TCP' : undefined)) === v);
}

/** Defaults the API server fills into atomic fields (compared whole), by the field's name. */
const ATOMIC_DEFAULTS: Record<string, Record<string, unknown>> = { fieldRef: { apiVersion: 'v1' }, resourceFieldRef: { divisor: '0' } };

function withDefaults(path: FieldPath, declared: unknown): unknown {
  const last = path[path.length - 1];
  const defaults = typeof last === 'string' ? ATOMIC_DEFAULTS[last] : undefined;
  return defaults !== undefined && isObject(declared) ? { ...defaults, ...declared } : declared;
}

/**
 * Whether applying Git as `manager` is provably a no-op, without asking the API server: every
 * field the manager's last apply owns is declared by Git with the value the cluster holds
 * (quantities by value), and Git declares nothing outside those fields. Then the apply would
 * neither change nor remove anything, and the dry-run would answer the live object itself.
 * Ownership is read from managedFields, so atomic maps (`selector`, `fieldRef`) are compared
 * whole. Anything else — a value differing, a server default inside an atomic field, Git's
 * fields not matching the owned ones — is left to the dry-run.
 */
export function provenNoOpReference(live: KubeObject, desired: Record<string, unknown>, manager: string, listKeys: ListKeys): boolean {
  const entries = (live.metadata?.managedFields ?? []).filter((e) => e.manager === manager && e.operation === 'Apply' && e.subresource === undefined);
  if (entries.length !== 1) return false;
  // managedFields never list the identity fields.
  const { apiVersion: _a, kind: _k, metadata, ...rest } = desired;
  const { name: _n, namespace: _ns, ...meta } = isObject(metadata) ? metadata : {};
  const git: Record<string, unknown> = { ...rest, ...(Object.keys(meta).length > 0 ? { metadata: meta } : {}) };
  const owned = ownedPaths(entries[0]!.fieldsV1);
  if (owned.length === 0) return false;
  for (const path of owned) {
    const declared = valueAt(git, path, gitItemMatches);
    if (declared === undefined) return false;
    const now = valueAt(live, path);
    if (!isDeepStrictEqual(declared, now) && !sameQuantity(path, declared, now) && !isDeepStrictEqual(withDefaults(path, declared), now)) return false;
  }
  const ownedLeaves = new Set(owned.map((path) => prefixKeys(path).pop()!));
  // A list's merge keys as the manager's fields name its items (a Service port by port and protocol).
  const keysOwned = new Map<string, string[]>();
  for (const path of owned) {
    const keys = prefixKeys(path);
    path.forEach((step, i) => {
      if (typeof step === 'object') keysOwned.set(i === 0 ? '' : keys[i - 1]!, Object.keys(step.keys));
    });
  }
  const leaves = gitLeaves(git, (path) => keysOwned.get(path.length === 0 ? '' : prefixKeys(path).pop()!) ?? listKeys(path));
  if (leaves === undefined) return false;
  return leaves.every((leaf) => prefixKeys(leaf).some((key) => ownedLeaves.has(key)));
}

import type { KubeObject } from '../cluster/http';
import { matchesKeys, type FieldStep } from '../manifests/fieldPath';
import { sameQuantity } from './clientSide';
import { guessListKeys, isObject, type ListKeys } from './diff';

// The proof runs for every object of every drift answer (2,000 in the benchmark), so it walks
// the managedFields trie once, beside the Git and live objects, instead of decoding every leaf
// path and looking each up from the root, and Git's object once beside the same trie.

/** A fieldsV1 key decoded, with a list item's key names; the same keys recur in every object of a kind. */
interface Step {
  step: FieldStep;
  /** The names of a list item's keys (`k:{…}`), in the order the server wrote them. */
  names: string[] | undefined;
}

const decodedSteps = new Map<string, Step | null>();

/** `f:name`, `k:{…}`, `v:…`, `i:N` as a step (null when it cannot be read), as ownedPaths decodes them. */
function decodeStep(key: string): Step | null {
  const known = decodedSteps.get(key);
  if (known !== undefined) return known;
  const body = key.slice(2);
  let step: FieldStep | undefined;
  try {
    if (key.startsWith('f:')) step = body;
    else if (key.startsWith('k:')) step = { keys: JSON.parse(body) as Record<string, unknown> };
    else if (key.startsWith('v:')) step = { keys: { $value: JSON.parse(body) as unknown } };
    else if (key.startsWith('i:')) step = Number(body);
  } catch {
    step = undefined;
  }
  const decoded = step === undefined ? null : { step, names: typeof step === 'object' ? Object.keys(step.keys) : undefined };
  // Bounded: keys of list items (`k:{"name":"…"}`) differ between objects.
  if (decodedSteps.size > 50_000) decodedSteps.clear();
  decodedSteps.set(key, decoded);
  return decoded;
}

/**
 * Whether two JSON values are equal, as isDeepStrictEqual answers for them (numbers by Object.is,
 * maps whatever their key order) without its generality: node:util's walk was a seventh of the
 * proof, for the lists and atomic maps among the owned leaves.
 */
function jsonEqual(a: unknown, b: unknown): boolean {
  if (a === null || typeof a !== 'object' || b === null || typeof b !== 'object') return Object.is(a, b);
  if (a === b) return true;
  if (Array.isArray(a)) {
    if (!Array.isArray(b) || a.length !== b.length) return false;
    for (let i = 0; i < a.length; i++) if (!jsonEqual(a[i], b[i])) return false;
    return true;
  }
  if (Array.isArray(b) || Object.getPrototypeOf(a) !== Object.getPrototypeOf(b)) return false;
  let size = 0;
  for (const k in a) {
    if (!Object.hasOwn(a, k)) continue;
    if (!Object.hasOwn(b, k) || !jsonEqual((a as Record<string, unknown>)[k], (b as Record<string, unknown>)[k])) return false;
    size++;
  }
  for (const k in b) if (Object.hasOwn(b, k)) size--;
  return size === 0;
}

/** One step into a value, as valueAt takes it. */
function stepInto(current: unknown, step: FieldStep, matches: (item: unknown, keys: Record<string, unknown>) => boolean): unknown {
  if (current === null || typeof current !== 'object') return undefined;
  if (typeof step === 'string') return (current as Record<string, unknown>)[step];
  if (typeof step === 'number') return Array.isArray(current) ? (current[step] as unknown) : undefined;
  if (!Array.isArray(current)) return undefined;
  // An indexed loop, not find(): a closure per list step (or an iterator, until V8 optimizes the
  // function) was garbage made for every step into a list.
  for (let i = 0; i < current.length; i++) if (matches(current[i], step.keys)) return current[i] as unknown;
  return undefined;
}

/** A Git list item with these key values; a port's protocol by its default when Git leaves it out. */
function gitItemMatches(item: unknown, keys: Record<string, unknown>): boolean {
  if (!isObject(item)) return false;
  for (const k in keys) if ((item[k] ?? (k === 'protocol' ? 'TCP' : undefined)) !== keys[k]) return false;
  return true;
}

/** Defaults the API server fills into atomic fields (compared whole), by the field's name. */
const ATOMIC_DEFAULTS: Record<string, Record<string, unknown>> = { fieldRef: { apiVersion: 'v1' }, resourceFieldRef: { divisor: '0' } };

function withDefaults(last: FieldStep, declared: unknown): unknown {
  const defaults = typeof last === 'string' ? ATOMIC_DEFAULTS[last] : undefined;
  return defaults !== undefined && isObject(declared) ? { ...defaults, ...declared } : declared;
}

/** A fieldsV1 node: its children by their encoded keys (`f:name`, `k:{…}`), `.` for the field itself. */
type FieldsNode = Record<string, unknown>;

const NO_FIELDS: FieldsNode = Object.freeze({});

function fieldsNode(value: unknown): FieldsNode {
  return value !== null && typeof value === 'object' ? (value as FieldsNode) : NO_FIELDS;
}

/** Whether a fieldsV1 node is a leaf: it owns the field as a whole (nothing below it but `.`). */
function isLeaf(node: FieldsNode): boolean {
  for (const k in node) if (k !== '.') return false;
  return true;
}

/**
 * Walks the manager's fieldsV1 trie beside Git's and the live object: false as soon as an owned
 * leaf is missing from Git or holds another value; else the number of owned leaves. Allocates
 * nothing of its own: the trie itself is what gitCovered reads afterwards (a trie of maps built
 * beside it was a seventh of a drift answer's garbage).
 */
function walkOwned(node: FieldsNode, git: unknown, live: unknown, parent: FieldStep | undefined, last: FieldStep | undefined): number | false {
  let leaves = 0;
  let children = false;
  for (const k in node) {
    if (k === '.') continue;
    children = true;
    const decoded = decodeStep(k);
    if (decoded === null) continue;
    const step = decoded.step;
    const found = walkOwned(fieldsNode(node[k]), stepInto(git, step, gitItemMatches), stepInto(live, step, matchesKeys), last, step);
    if (found === false) return false;
    leaves += found;
  }
  if (children || last === undefined) return leaves;
  // A leaf: Git must declare it, with the live value (quantities by value, atomic maps with their server defaults).
  if (git === undefined) return false;
  // Most leaves are scalars: === first, a walk only for the rest.
  if (git !== live && !jsonEqual(git, live) && !sameQuantity(parent === undefined ? [last] : [parent, last], git, live) && !jsonEqual(withDefaults(last, git), live)) return false;
  return 1;
}

/** Whether a node walkOwned reached holds an owned leaf (through keys it can read). */
function holdsLeaf(node: FieldsNode): boolean {
  let children = false;
  for (const k in node) {
    if (k === '.') continue;
    children = true;
    if (decodeStep(k) !== null && holdsLeaf(fieldsNode(node[k]))) return true;
  }
  return !children;
}

/** A list's merge keys as the manager's fields name its items (a Service port by port and protocol): the last item that holds an owned leaf. */
function ownedListKeys(node: FieldsNode): string[] | undefined {
  let keys: string[] | undefined;
  for (const k in node) {
    if (k === '.') continue;
    const decoded = decodeStep(k);
    if (decoded !== null && decoded.names !== undefined && holdsLeaf(fieldsNode(node[k]))) keys = decoded.names;
  }
  return keys;
}

/**
 * The manager's node for a Git list item with this selector (`size` keys): the item key naming
 * the same fields with the same values, in whatever order or spelling (as decodeStep reads it).
 * Matched on the decoded keys: the key's text made for every item of every list (and looked up
 * as a new string) was a seventh of the proof.
 */
function ownedItem(node: FieldsNode, selector: Record<string, unknown>, size: number): FieldsNode | undefined {
  for (const k in node) {
    if (!k.startsWith('k:')) continue;
    const decoded = decodeStep(k);
    if (decoded === null || decoded.names === undefined || decoded.names.length !== size) continue;
    const keys = (decoded.step as { keys: Record<string, unknown> }).keys;
    let same = true;
    for (const name of decoded.names) {
      if (!Object.hasOwn(selector, name) || !jsonEqual(keys[name], selector[name])) {
        same = false;
        break;
      }
    }
    if (same) return fieldsNode(node[k]);
  }
  return undefined;
}

const fieldKeys = new Map<string, string>();

/** `f:name`, the fieldsV1 key of a map key, made once per name: not a new string for every field of every object. */
function fieldKey(name: string): string {
  let key = fieldKeys.get(name);
  if (key === undefined) {
    // Bounded: Git's map keys (labels, ConfigMap data) differ between objects.
    if (fieldKeys.size > 50_000) fieldKeys.clear();
    key = `f:${name}`;
    fieldKeys.set(name, key);
  }
  return key;
}

/**
 * Whether every leaf field of Git's object lies in an owned leaf (its own or an ancestor's): list
 * items named by merge key (a port's protocol by its default when Git leaves it out), lists of
 * scalars whole; false when an item lacks its key. `owned`: the manager's fieldsV1 node at this
 * path, if any (walkOwned found every owned leaf declared with its live value); `path` is the
 * field's path, kept in place.
 */
function gitCovered(value: unknown, owned: FieldsNode | undefined, covered: boolean, path: FieldStep[], listKeys: ListKeys): boolean {
  if (isObject(value)) {
    let any = false;
    for (const k in value) {
      any = true;
      const found = owned?.[fieldKey(k)];
      const child = found === undefined ? undefined : fieldsNode(found);
      path.push(k);
      const ok = gitCovered(value[k], child, covered || (child !== undefined && isLeaf(child)), path, listKeys);
      path.pop();
      if (!ok) return false;
    }
    if (any) return true;
  } else if (Array.isArray(value) && value.length > 0 && value.every(isObject)) {
    const keys = (owned === undefined ? undefined : ownedListKeys(owned)) ?? listKeys([...path]) ?? guessListKeys(value);
    if (keys !== undefined && keys.length > 0) {
      for (const item of value) {
        const selector: Record<string, unknown> = {};
        for (const k of keys) {
          const v = item[k] ?? (k === 'protocol' ? 'TCP' : undefined);
          if (v === undefined) return false;
          selector[k] = v;
        }
        // Keys named twice make a selector that names fewer: the item cannot be placed.
        if (Object.keys(selector).length !== keys.length) return false;
        const child = owned === undefined ? undefined : ownedItem(owned, selector, keys.length);
        path.push({ keys: selector });
        const ok = gitCovered(item, child, covered || (child !== undefined && isLeaf(child)), path, listKeys);
        path.pop();
        if (!ok) return false;
      }
      return true;
    }
  }
  // A leaf (a scalar, an empty map or list, a list of scalars or an atomic list): inside an owned field?
  return covered;
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
export function provenNoOp(live: KubeObject, desired: Record<string, unknown>, manager: string, listKeys: ListKeys): boolean {
  const entries = (live.metadata?.managedFields ?? []).filter((e) => e.manager === manager && e.operation === 'Apply' && e.subresource === undefined);
  if (entries.length !== 1) return false;
  // managedFields never list the identity fields.
  const { apiVersion: _a, kind: _k, metadata, ...rest } = desired;
  const { name: _n, namespace: _ns, ...meta } = isObject(metadata) ? metadata : {};
  const git: Record<string, unknown> = { ...rest, ...(Object.keys(meta).length > 0 ? { metadata: meta } : {}) };
  const fields = fieldsNode(entries[0]!.fieldsV1);
  const leaves = walkOwned(fields, git, live, undefined, undefined);
  if (leaves === false || leaves === 0) return false;
  return gitCovered(git, fields, false, [], listKeys);
}

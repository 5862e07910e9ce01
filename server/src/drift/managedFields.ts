import type { KubeObject, ManagedFieldsEntry } from '../cluster/http';
import { formatPath, isPrefix, type FieldPath, type FieldStep } from '../manifests/fieldPath';

/** The leaf fields one managedFields entry owns, decoded from the fieldsV1 trie. */
export function ownedPaths(fields: Record<string, unknown> | undefined): FieldPath[] {
  const out: FieldPath[] = [];
  const walk = (node: Record<string, unknown>, path: FieldPath): void => {
    const children = Object.keys(node).filter((k) => k !== '.');
    if (children.length === 0) {
      if (path.length > 0) out.push(path);
      return;
    }
    for (const key of children) {
      const step = decodeStep(key);
      if (step === undefined) continue;
      const child = node[key];
      walk(child !== null && typeof child === 'object' ? (child as Record<string, unknown>) : {}, [...path, step]);
    }
  };
  walk(fields ?? {}, []);
  return out;
}

function decodeStep(key: string): FieldStep | undefined {
  const body = key.slice(2);
  try {
    if (key.startsWith('f:')) return body;
    if (key.startsWith('k:')) return { keys: JSON.parse(body) as Record<string, unknown> };
    if (key.startsWith('v:')) return { keys: { $value: JSON.parse(body) as unknown } };
    if (key.startsWith('i:')) return Number(body);
  } catch {
    return undefined;
  }
  return undefined;
}

/** A path key that tolerates key order in list selectors. */
export function pathToken(path: FieldPath): string {
  return token(path);
}

function token(path: FieldPath): string {
  return JSON.stringify(path.map(stepValue));
}

/** A step as its token writes it: a list selector by its keys in sorted order. */
function stepValue(step: FieldStep): unknown {
  return typeof step === 'object' ? Object.fromEntries(Object.entries(step.keys).sort(([a], [b]) => a.localeCompare(b))) : step;
}

/**
 * The field paths (and all their ancestors) that a manager owns in an object, as tokens. Made in
 * one walk of the trie, a path's token from its parent's (`[a,b]` is `[` + the steps' JSON joined
 * by `,` + `]`, as JSON.stringify writes the array): the token of every prefix of every leaf path,
 * each made from scratch, was most of what ownedBy cost.
 */
export function ownedBy(object: KubeObject, manager: string): Set<string> {
  const owned = new Set<string>();
  // Whether the node holds a leaf path (as ownedPaths finds them); adds the tokens of those paths and their ancestors.
  const walk = (node: Record<string, unknown>, inner: string): boolean => {
    let children = false;
    let leaf = false;
    for (const key in node) {
      if (key === '.') continue;
      children = true;
      const step = decodeStep(key);
      if (step === undefined) continue;
      const child = node[key];
      const stepInner = `${inner === '' ? '' : `${inner},`}${JSON.stringify(stepValue(step))}`;
      if (walk(child !== null && typeof child === 'object' ? (child as Record<string, unknown>) : {}, stepInner)) {
        owned.add(`[${stepInner}]`);
        leaf = true;
      }
    }
    // A node with nothing below it is a leaf path (the root is none).
    return leaf || (!children && inner !== '');
  };
  for (const entry of object.metadata?.managedFields ?? []) {
    if (entry.manager !== manager || entry.subresource !== undefined) continue;
    walk(entry.fieldsV1 ?? {}, '');
  }
  return owned;
}

export function pathIn(set: Set<string>, path: FieldPath): boolean {
  return set.has(token(path));
}

/** Managers that mean a person changed the object by hand, not a controller or a GitOps applier. */
export const DEFAULT_MANUAL_MANAGERS = ['kubectl*', 'k9s', 'Lens', 'OpenLens', 'kubernetes-dashboard', 'Mozilla', 'curl'];

export function isManualManager(manager: string | undefined, patterns: readonly string[] = DEFAULT_MANUAL_MANAGERS): boolean {
  if (manager === undefined) return false;
  return patterns.some((p) => (p.endsWith('*') ? manager.startsWith(p.slice(0, -1)) : manager === p));
}

/** Whether any manual manager wrote to the object (else no field of it can be set by hand). */
export function hasManualEntries(live: KubeObject, manual: readonly string[] = DEFAULT_MANUAL_MANAGERS): boolean {
  return (live.metadata?.managedFields ?? []).some((e) => isManualManager(e.manager, manual));
}

/** A subtree someone set by hand in the cluster that Git does not declare. */
export interface HandSetField {
  path: FieldPath;
  manager: string;
  operation: string;
  time: string | undefined;
}

const IGNORED = [['metadata', 'annotations', 'kubectl.kubernetes.io/last-applied-configuration'], ['status']];

/**
 * Fields owned by manual managers that Git does not declare (`declared` holds the paths Git's
 * apply owns), grouped at the topmost undeclared field: one finding per thing a person added.
 * `skip` leaves out owned fields that are no one's hand-made change (e.g. server defaults).
 */
export function handSetFields(live: KubeObject, declared: Set<string>, manual: readonly string[] = DEFAULT_MANUAL_MANAGERS, skip: (path: FieldPath, manager: string | undefined) => boolean = () => false): HandSetField[] {
  const roots = new Map<string, { field: HandSetField; leaves: FieldPath[] }>();
  for (const entry of live.metadata?.managedFields ?? ([] as ManagedFieldsEntry[])) {
    if (!isManualManager(entry.manager, manual)) continue;
    for (const path of ownedPaths(entry.fieldsV1)) {
      if (IGNORED.some((ignored) => isPrefix(ignored, path))) continue;
      if (pathIn(declared, path)) continue;
      if (skip(path, entry.manager)) continue;
      let cut = 1;
      while (cut < path.length && pathIn(declared, path.slice(0, cut))) cut++;
      const root = path.slice(0, cut);
      const key = `${entry.manager ?? ''}|${formatPath(root)}`;
      let group = roots.get(key);
      if (group === undefined) roots.set(key, (group = { field: { path: root, manager: entry.manager ?? 'unknown', operation: entry.operation ?? 'Update', time: entry.time }, leaves: [] }));
      group.leaves.push(path);
    }
  }
  // Keys someone put into a map (an annotation, a Secret key, a label) are each their own
  // finding, named exactly: a map of such keys says nothing about which one was added.
  return [...roots.values()].flatMap(({ field, leaves }) => {
    const keysOfMap = leaves.every((leaf) => leaf.length === field.path.length + 1 && typeof leaf[leaf.length - 1] === 'string');
    return keysOfMap && leaves.length > 0 ? leaves.map((leaf) => ({ ...field, path: leaf })) : [field];
  });
}

/**
 * The manager that last wrote a field, and when, for "set by kubectl-scale at 10:42" in messages.
 * An entry that owns the field itself (or inside it) beats one that only owns an ancestor, such as
 * a creator owning all of `data` when someone later patched `data.password`; then the latest wins.
 */
export function writerOf(live: KubeObject, path: FieldPath, except: string): { manager: string; time: string | undefined } | undefined {
  let best: { manager: string; time: string | undefined; depth: number } | undefined;
  for (const entry of live.metadata?.managedFields ?? []) {
    if (entry.manager === undefined || entry.manager === except) continue;
    const depths = ownedPaths(entry.fieldsV1).flatMap((p) => (isPrefix(p, path) || isPrefix(path, p) ? [Math.min(p.length, path.length)] : []));
    if (depths.length === 0) continue;
    const depth = Math.max(...depths);
    if (best === undefined || depth > best.depth || (depth === best.depth && (entry.time ?? '') > (best.time ?? ''))) best = { manager: entry.manager, time: entry.time, depth };
  }
  return best === undefined ? undefined : { manager: best.manager, time: best.time };
}

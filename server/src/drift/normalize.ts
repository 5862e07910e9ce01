import type { KubeObject } from '../cluster/http';

const SERVER_METADATA = ['managedFields', 'resourceVersion', 'uid', 'generation', 'creationTimestamp', 'selfLink', 'deletionGracePeriodSeconds'];
const LAST_APPLIED = 'kubectl.kubernetes.io/last-applied-configuration';

/**
 * A copy without empty maps and lists, and nulls, which mean the same as absent: so they never
 * count as drift. `skip` names keys of this map left out of the copy.
 */
function prune(value: unknown, skip?: (key: string) => boolean): unknown {
  if (Array.isArray(value)) {
    const items: unknown[] = [];
    for (let i = 0; i < value.length; i++) {
      const p = prune(value[i]);
      if (p !== undefined) items.push(p);
    }
    return items.length === 0 ? undefined : items;
  }
  if (value !== null && typeof value === 'object') {
    const out: Record<string, unknown> = {};
    let any = false;
    for (const k in value) {
      if (skip?.(k) === true) continue;
      const p = prune((value as Record<string, unknown>)[k]);
      if (p === undefined) continue;
      out[k] = p;
      any = true;
    }
    return any ? out : undefined;
  }
  return value === null ? undefined : value;
}

const isServerMetadata = (key: string): boolean => SERVER_METADATA.includes(key);
const isLastApplied = (key: string): boolean => key === LAST_APPLIED;

/** metadata without the server's fields and kubectl's last-applied annotation, pruned. */
function pruneMetadata(metadata: unknown): unknown {
  if (metadata === null || typeof metadata !== 'object' || Array.isArray(metadata)) return prune(metadata);
  const out: Record<string, unknown> = {};
  let any = false;
  for (const k in metadata) {
    if (isServerMetadata(k)) continue;
    const value = (metadata as Record<string, unknown>)[k];
    const p = k === 'annotations' && value !== null && typeof value === 'object' && !Array.isArray(value) ? prune(value, isLastApplied) : prune(value);
    if (p === undefined) continue;
    out[k] = p;
    any = true;
  }
  return any ? out : undefined;
}

/**
 * The part of an object that is desired state: no status, no server bookkeeping. A new object:
 * prune copies what it keeps (a structuredClone of the whole object before it was twice the work).
 */
export function normalize(object: KubeObject): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const k in object) {
    if (k === 'status') continue;
    const value = (object as Record<string, unknown>)[k];
    const p = k === 'metadata' ? pruneMetadata(value) : prune(value);
    if (p !== undefined) out[k] = p;
  }
  return out;
}

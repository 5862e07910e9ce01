import type { KubeObject } from '../cluster/http';

const SERVER_METADATA = ['managedFields', 'resourceVersion', 'uid', 'generation', 'creationTimestamp', 'selfLink', 'deletionGracePeriodSeconds'];
const LAST_APPLIED = 'kubectl.kubernetes.io/last-applied-configuration';

/** Empty maps and lists, and nulls, mean the same as absent: drop them so they never count as drift. */
function prune(value: unknown): unknown {
  if (Array.isArray(value)) {
    const items = value.map(prune).filter((v) => v !== undefined);
    return items.length === 0 ? undefined : items;
  }
  if (value !== null && typeof value === 'object') {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value)) {
      const p = prune(v);
      if (p !== undefined) out[k] = p;
    }
    return Object.keys(out).length === 0 ? undefined : out;
  }
  return value === null ? undefined : value;
}

/** The part of an object that is desired state: no status, no server bookkeeping. */
export function normalize(object: KubeObject): Record<string, unknown> {
  const copy = structuredClone(object) as Record<string, unknown> & KubeObject;
  delete copy['status'];
  const metadata = copy.metadata;
  if (metadata !== undefined) {
    for (const key of SERVER_METADATA) delete metadata[key];
    if (metadata.annotations !== undefined) delete metadata.annotations[LAST_APPLIED];
  }
  return (prune(copy) ?? {}) as Record<string, unknown>;
}

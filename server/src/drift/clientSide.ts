import type { KubeObject } from '../cluster/http';
import { guessListKeys, isObject, type ListKeys } from './diff';
import type { FieldPath } from '../manifests/fieldPath';
import { pathIn, pathToken } from './managedFields';
import { lastApplied } from './applyAs';

// Without permission to dry-run, the prediction is Git laid over the live object. The server
// would have defaulted, canonicalized and merged; these functions do the parts of that which
// otherwise read as drift: list items merged by key (so the live item's defaults stay),
// quantities compared by value, Secret stringData as data.

const BINARY_SUFFIX: Record<string, number> = { Ki: 2 ** 10, Mi: 2 ** 20, Gi: 2 ** 30, Ti: 2 ** 40, Pi: 2 ** 50, Ei: 2 ** 60 };
const DECIMAL_SUFFIX: Record<string, number> = { n: 1e-9, u: 1e-6, m: 1e-3, '': 1, k: 1e3, M: 1e6, G: 1e9, T: 1e12, P: 1e15, E: 1e18 };
const QUANTITY = /^([+-]?(?:\d+(?:\.\d*)?|\.\d+))(Ki|Mi|Gi|Ti|Pi|Ei|[numkMGTPE]|[eE][+-]?\d+)?$/;

/** The value of a Kubernetes quantity (`1000m` → 1, `1Gi` → 1073741824), or undefined. */
export function quantityValue(value: unknown): number | undefined {
  if (typeof value === 'number') return value;
  if (typeof value !== 'string') return undefined;
  const m = QUANTITY.exec(value);
  if (m === null) return undefined;
  const n = Number(m[1]);
  const suffix = m[2] ?? '';
  if (suffix in BINARY_SUFFIX) return n * BINARY_SUFFIX[suffix]!;
  if (suffix in DECIMAL_SUFFIX) return n * DECIMAL_SUFFIX[suffix]!;
  return n * 10 ** Number(suffix.slice(1));
}

/** Fields whose values are quantities, where `1000m` and `1` mean the same (the API server stores either spelling as given). */
const QUANTITY_PARENTS = new Set(['requests', 'limits', 'hard', 'capacity', 'overhead']);

export function sameQuantity(path: FieldPath, a: unknown, b: unknown): boolean {
  const parent = path[path.length - 2];
  const leaf = path[path.length - 1];
  if (!(typeof parent === 'string' && QUANTITY_PARENTS.has(parent)) && leaf !== 'sizeLimit' && leaf !== 'storage') return false;
  const x = quantityValue(a);
  const y = quantityValue(b);
  return x !== undefined && y !== undefined && Math.abs(x - y) <= Math.abs(y) * 1e-12;
}


/** The live item a Git item is: same values for the keys Git states (a key Git leaves out, like a port's protocol, is the server's default). */
function matchItem(item: unknown, live: readonly unknown[], keys: readonly string[]): unknown {
  if (!isObject(item)) return undefined;
  const stated = keys.filter((k) => item[k] !== undefined);
  if (stated.length === 0) return undefined;
  return live.find((l) => isObject(l) && stated.every((k) => l[k] === item[k]));
}

/** Git laid over the live object: what an apply would produce, without server defaults. */
export function overlay(live: unknown, desired: unknown, listKeys: ListKeys, ownedByUs: Set<string>, path: FieldPath = []): unknown {
  if (isObject(desired) && isObject(live)) {
    const out: Record<string, unknown> = { ...live };
    for (const [k, v] of Object.entries(desired)) out[k] = overlay(live[k], v, listKeys, ownedByUs, [...path, k]);
    return out;
  }
  if (Array.isArray(desired) && Array.isArray(live)) {
    const keys = listKeys(path) ?? guessListKeys(desired, live);
    if (keys === undefined || keys.length === 0) return desired;
    const used = new Set<unknown>();
    const merged = (desired as unknown[]).map((item): unknown => {
      const match = matchItem(item, live, keys);
      if (match === undefined) return item;
      used.add(match);
      return overlay(match, item, listKeys, ownedByUs, [...path, { keys: Object.fromEntries(keys.filter((k) => isObject(match) && match[k] !== undefined).map((k) => [k, (match as Record<string, unknown>)[k]])) }]);
    });
    // Items someone else added stay (an apply keeps what other managers own); ours that Git dropped go.
    const others = (live as unknown[]).filter((l) => !used.has(l) && !(isObject(l) && pathIn(ownedByUs, [...path, { keys: Object.fromEntries(keys.filter((k) => l[k] !== undefined).map((k) => [k, l[k]])) }])));
    return [...merged, ...others];
  }
  if (sameQuantity(path, desired, live)) return live;
  return desired;
}

/** A Secret's stringData as the data the API server would store it as. */
export function secretAsStored(desired: Record<string, unknown>): Record<string, unknown> {
  if (desired['kind'] !== 'Secret' || !isObject(desired['stringData'])) return desired;
  const data: Record<string, unknown> = { ...(isObject(desired['data']) ? desired['data'] : {}) };
  for (const [k, v] of Object.entries(desired['stringData'])) data[k] = Buffer.from(String(v)).toString('base64');
  const out: Record<string, unknown> = { ...desired, data };
  delete out['stringData'];
  return out;
}

/** Every field path Git states, list items by merge key, as the tokens managedFields use. */
export function declaredPaths(desired: Record<string, unknown>, listKeys: ListKeys): Set<string> {
  const out = new Set<string>();
  const walk = (value: unknown, path: FieldPath): void => {
    if (path.length > 0) out.add(pathToken(path));
    if (isObject(value)) for (const [k, v] of Object.entries(value)) walk(v, [...path, k]);
    else if (Array.isArray(value)) {
      const keys = listKeys(path) ?? guessListKeys(value);
      if (keys === undefined) return;
      for (const item of value) {
        if (!isObject(item)) continue;
        walk(item, [...path, { keys: Object.fromEntries(keys.filter((k) => item[k] !== undefined).map((k) => [k, item[k]])) }]);
      }
    }
  };
  walk(desired, []);
  return out;
}

/** The prediction without a dry-run. */
export function predictClientSide(live: KubeObject, desired: Record<string, unknown>, listKeys: ListKeys, ownedByUs: Set<string>): KubeObject {
  return overlay(live, secretAsStored(desired), listKeys, ownedByUs) as KubeObject;
}

/**
 * Client-side `kubectl apply` owns every field of what it created, server defaults included, and
 * records what it actually sent in the last-applied annotation: a field it owns that it never
 * sent is a default, not a person's change. (With dry-run rights the engine asks the server instead.)
 */
export function defaultsOfClientSideApply(live: KubeObject, listKeys: ListKeys): (path: FieldPath, manager: string | undefined) => boolean {
  const sent = lastApplied(live);
  if (sent === undefined) return () => false;
  const declared = declaredPaths(sent, listKeys);
  return (path, manager) => manager === 'kubectl-client-side-apply' && !pathIn(declared, path);
}

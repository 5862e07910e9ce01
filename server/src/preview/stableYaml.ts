import { stringify } from 'yaml';
import type { KubeObject } from '../cluster/http';
import { maskObject } from '../drift/mask';

/** Keys kustomize and Plumbline (a direct sync's environment mark) add for their own bookkeeping. */
const BOOKKEEPING_ANNOTATION = /^(plumbline\.dev\/environment|config\.kubernetes\.io\/origin|internal\.config\.kubernetes\.io\/.*|alpha\.config\.kubernetes\.io\/transformations|config\.k8s\.io\/id)$/;

/** The order people write the top of a manifest in; everything else follows alphabetically. */
const LEADING_KEYS: Record<string, number> = { apiVersion: 0, kind: 1, metadata: 2, name: 3, namespace: 4 };

function sortKeys(value: unknown, depth: number): unknown {
  if (Array.isArray(value)) return value.map((v) => sortKeys(v, depth + 1));
  if (value === null || typeof value !== 'object') return value;
  const rank = (k: string): number => (depth <= 1 ? (LEADING_KEYS[k] ?? 10) : 10);
  const entries = Object.entries(value as Record<string, unknown>).sort(([a], [b]) => rank(a) - rank(b) || (a < b ? -1 : a > b ? 1 : 0));
  return Object.fromEntries(entries.map(([k, v]) => [k, sortKeys(v, depth + 1)]));
}

/** A copy without kustomize's origin/transformation annotations (and no empty annotations map left behind). */
export function withoutBookkeeping(object: KubeObject): KubeObject {
  const annotations = object.metadata?.annotations;
  if (annotations === undefined || !Object.keys(annotations).some((k) => BOOKKEEPING_ANNOTATION.test(k))) return object;
  const kept = Object.fromEntries(Object.entries(annotations).filter(([k]) => !BOOKKEEPING_ANNOTATION.test(k)));
  const metadata = { ...object.metadata };
  if (Object.keys(kept).length === 0) delete metadata.annotations;
  else metadata.annotations = kept;
  return { ...object, metadata };
}

/**
 * An object as YAML that diffs well: bookkeeping annotations gone, Secret values masked, keys in
 * a fixed order (apiVersion, kind, metadata first; the rest alphabetical), list order kept.
 */
export function stableYaml(object: KubeObject): string {
  return stringify(sortKeys(maskObject(withoutBookkeeping(object)), 0), { lineWidth: 0 });
}

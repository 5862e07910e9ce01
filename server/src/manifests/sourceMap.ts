import { isMap, isPair, isScalar, isSeq, type Document, type Node, type Pair } from 'yaml';
import type { FieldPath } from './fieldPath';

/** Where in the Git YAML a field is: the exact value when declared, otherwise its nearest declared parent key. */
export interface SourceSpot {
  /** Offsets relative to the document's chunk. */
  start: number;
  end: number;
  /** True when the field itself is declared; false when the spot is an ancestor. */
  exact: boolean;
  /** How many steps of the path were found. */
  depth: number;
  /** The value node when exact (for quick fixes that rewrite it). */
  valueNode: Node | undefined;
}

function itemMatches(item: unknown, keys: Record<string, unknown>): boolean {
  if (!isMap(item)) return false;
  // Git may leave out key fields the server defaults (protocol: TCP); compare those it states.
  let stated = 0;
  for (const [k, v] of Object.entries(keys)) {
    const node = item.get(k, true);
    if (node === undefined) continue;
    stated++;
    if (!isScalar(node) || node.value !== v) return false;
  }
  return stated > 0;
}

/** Finds a field of a Kubernetes object in the YAML document that declares it. */
export function locate(doc: Document, path: FieldPath): SourceSpot | undefined {
  let node: unknown = doc.contents;
  let anchor: Node | null = null;
  let depth = 0;
  for (const step of path) {
    let next: unknown;
    let key: Node | null = null;
    if (typeof step === 'string' && isMap(node)) {
      const pair = node.items.find((p): p is Pair => isPair(p) && isScalar(p.key) && String(p.key.value) === step);
      if (pair !== undefined) {
        key = pair.key as Node;
        next = pair.value;
      }
    } else if (typeof step === 'number' && isSeq(node)) {
      next = node.items[step];
      key = (next as Node | undefined) ?? null;
    } else if (typeof step === 'object' && isSeq(node)) {
      next = node.items.find((item) => (step.keys['$value'] !== undefined ? isScalar(item) && item.value === step.keys['$value'] : itemMatches(item, step.keys)));
      // A list item is best pointed at by its key field (`- name: web`), not its whole body.
      const keyName = Object.keys(step.keys)[0];
      const keyField = isMap(next) && keyName !== undefined ? (next.get(keyName, true) as Node | undefined) : undefined;
      key = keyField ?? (next as Node | undefined) ?? null;
    }
    if (next === undefined) break;
    anchor = key;
    node = next;
    depth++;
  }
  if (depth === path.length) {
    const target = (node ?? anchor) as Node | null;
    const range = (isScalar(target) || isMap(target) || isSeq(target) ? target.range : undefined) ?? anchor?.range;
    if (range === undefined || range === null) return undefined;
    // Point at a scalar value itself; for collections, at the key that owns them.
    const useKey = !isScalar(target) && anchor !== null && anchor !== target;
    const r = useKey && anchor?.range != null ? anchor.range : range;
    return { start: r[0], end: r[1], exact: true, depth, valueNode: isScalar(target) ? target : undefined };
  }
  const fallback = anchor ?? (isMap(doc.contents) ? ((doc.contents.get('kind', true) as Node | undefined) ?? null) : null);
  const r = fallback?.range;
  if (r === undefined || r === null) return undefined;
  return { start: r[0], end: r[1], exact: false, depth, valueNode: undefined };
}

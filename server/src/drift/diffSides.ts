import { Document, isMap, isScalar, isSeq, type Node } from 'yaml';
import type { FieldPath } from '../manifests/fieldPath';
import type { HandSetField } from './managedFields';

/** A field path with list items found by their keys turned into indices of `object`'s lists; undefined when an item is not there. */
function concretePath(object: unknown, path: FieldPath): (string | number)[] | undefined {
  const out: (string | number)[] = [];
  let at: unknown = object;
  for (const step of path) {
    if (typeof step === 'string') {
      if (at === null || typeof at !== 'object' || Array.isArray(at)) return undefined;
      out.push(step);
      at = (at as Record<string, unknown>)[step];
    } else if (typeof step === 'number') {
      if (!Array.isArray(at)) return undefined;
      out.push(step);
      at = at[step] as unknown;
    } else {
      if (!Array.isArray(at)) return undefined;
      const index = at.findIndex((item: unknown) => item !== null && typeof item === 'object' && Object.entries(step.keys).every(([k, v]) => String((item as Record<string, unknown>)[k]) === String(v)));
      if (index === -1) return undefined;
      out.push(index);
      at = at[index] as unknown;
    }
  }
  return out;
}

/** What a hand-set field's mark says: who set it, and what applying Git does to it. */
function markText(h: HandSetField): string {
  return ` set by hand (${h.manager}${h.time !== undefined ? `, ${h.time}` : ''}): Git does not declare it, and applying Git keeps it`;
}

/**
 * One side of Show Cluster Diff as YAML, with a comment line above each field someone set by hand.
 * Such a field is the same on both sides (applying Git keeps it), so without a mark the diff shows
 * nothing where the CodeLens counts a drifted field.
 */
export function diffSideText(object: Record<string, unknown>, handSet: readonly HandSetField[]): string {
  const doc = new Document(object);
  for (const h of handSet) {
    const path = concretePath(object, h.path);
    if (path === undefined || path.length === 0) continue;
    const last = path[path.length - 1];
    const parent = doc.getIn(path.slice(0, -1), true) as Node | undefined;
    if (typeof last === 'number' && isSeq(parent)) {
      const item = parent.items[last];
      if (item !== undefined && item !== null && typeof item === 'object') (item as Node).commentBefore = markText(h);
    } else if (typeof last === 'string' && isMap(parent)) {
      const pair = parent.items.find((p) => isScalar(p.key) && p.key.value === last);
      if (pair !== undefined && isScalar(pair.key)) pair.key.commentBefore = markText(h);
    }
  }
  return doc.toString();
}

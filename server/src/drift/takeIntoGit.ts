import { isMap, isScalar, stringify, type Document, type Node, type Pair } from 'yaml';
import type { FieldPath } from '../manifests/fieldPath';

/** Text to insert at an offset of the file: one edit that leaves every other byte as it was. */
export interface Insertion {
  offset: number;
  text: string;
}

/** The line start at or before `offset`, and the column of `offset` on its line. */
function columnOf(text: string, offset: number): number {
  return offset - (text.lastIndexOf('\n', offset - 1) + 1);
}

/**
 * The edit that writes a field someone set in the cluster into Git's manifest: the keys Git
 * lacks, as a block under the deepest map Git already declares on the path, indented like its
 * other keys (`metadata:` gains `annotations:` and the key). Only map keys are written: a path
 * through a list, a flow-style map or a value that is not a map gives undefined, and the quick
 * fix is not offered rather than guessing at the layout.
 */
export function takeIntoGit(text: string, base: number, doc: Document, path: FieldPath, value: unknown): Insertion | undefined {
  if (value === undefined || path.length === 0 || !path.every((s) => typeof s === 'string')) return undefined;
  let map: unknown = doc.contents;
  let depth = 0;
  while (depth < path.length && isMap(map)) {
    const pair = (map).items.find((p: Pair) => isScalar(p.key) && String(p.key.value) === path[depth]);
    if (pair === undefined) break;
    map = pair.value;
    depth++;
  }
  if (depth === path.length || !isMap(map) || map.flow === true || map.items.length === 0) return undefined;
  const first = map.items[0]!.key as Node | null;
  const last = map.items[map.items.length - 1]!;
  const firstStart = first?.range?.[0];
  const end = ((last.value as Node | null)?.range ?? (last.key as Node | null)?.range)?.[1];
  if (firstStart === undefined || end === undefined) return undefined;
  const indent = ' '.repeat(columnOf(text, base + firstStart));
  // What is left of the path, nested, with the cluster's value at the end.
  let tail: unknown = value;
  for (let i = path.length - 1; i >= depth; i--) tail = { [path[i] as string]: tail };
  const block = stringify(tail, { indent: 2, lineWidth: 0 })
    .trimEnd()
    .split('\n')
    .map((line) => indent + line)
    .join('\n');
  // After the last line of the map: the end of its last value's line.
  const lineEnd = text.indexOf('\n', base + end - 1);
  const at = lineEnd === -1 ? text.length : lineEnd;
  return { offset: at, text: `\n${block}` };
}

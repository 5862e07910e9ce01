import { isCollection, isMap, isPair, isScalar, visit, type Node } from 'yaml';
import { describeIdentity } from '../manifests/identity';
import type { Range } from '../manifests/lineIndex';
import type { ManifestFile } from '../manifests/parse';

export interface OutlineEntry {
  name: string;
  detail: string;
  range: Range;
  selectionRange: Range;
}

/** One outline entry per resource, `Kind/name`, spanning its document. */
export function outline(file: ManifestFile): OutlineEntry[] {
  return file.documents.flatMap((d) => {
    if (d.identity === undefined) return [];
    const [start = 0, , end = start] = d.doc.range;
    const root = d.doc.contents;
    const nameNode = isMap(root) ? (root.getIn(['metadata', 'name'], true) as Node | undefined) : undefined;
    const kindNode = isMap(root) ? (root.get('kind', true) as Node | undefined) : undefined;
    const anchor = (isScalar(nameNode) ? nameNode : kindNode)?.range;
    const range = file.lines.rangeOf(d.base + start, d.base + end);
    return [{
      name: describeIdentity(d.identity),
      detail: d.identity.namespace === undefined ? d.identity.apiVersion : `${d.identity.apiVersion} · ${d.identity.namespace}`,
      range,
      selectionRange: anchor === undefined || anchor === null ? range : file.lines.rangeOf(d.base + anchor[0], d.base + anchor[1]),
    }];
  });
}

/** Folding ranges (zero-based start and end lines): each document, and each key whose value spans lines. */
export function foldingRanges(file: ManifestFile): { startLine: number; endLine: number }[] {
  const out: { startLine: number; endLine: number }[] = [];
  const lineOf = (offset: number): number => file.lines.positionAt(offset).line;
  for (const d of file.documents) {
    const [start = 0, , end = start] = d.doc.range;
    const first = lineOf(d.base + start);
    // The end offset sits at the start of the next line when the document ends with a newline.
    const last = lineOf(Math.max(d.base + start, d.base + end - 1));
    if (last > first) out.push({ startLine: first, endLine: last });
    visit(d.doc, {
      Pair(_key, pair) {
        if (!isPair(pair) || !isCollection(pair.value) || pair.key === null) return;
        const keyNode = pair.key as Node;
        const value = pair.value;
        const from = lineOf(d.base + (keyNode.range?.[0] ?? 0));
        const to = lineOf(Math.max(d.base + (value.range?.[0] ?? 0), d.base + (value.range?.[1] ?? 0) - 1));
        if (to > from) out.push({ startLine: from, endLine: to });
      },
    });
  }
  return out;
}

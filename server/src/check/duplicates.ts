import { isMap, isScalar, type Node } from 'yaml';
import type { Range } from '../manifests/lineIndex';
import type { ManifestFile } from '../manifests/parse';
import type { Finding } from './problem';

/** A resource as declared in a file, with the range of its name for reporting. */
export interface Declaration {
  path: string;
  key: string;
  label: string;
  range: Range;
}

/** The resources a file declares, identified by group/kind/namespace/name. */
export function declarations(path: string, file: ManifestFile): Declaration[] {
  const out: Declaration[] = [];
  for (const d of file.documents) {
    const id = d.identity;
    if (id?.name === undefined) continue;
    const root = d.doc.contents;
    const nameNode = isMap(root) ? (root.getIn(['metadata', 'name'], true) as Node | undefined) : undefined;
    const [start = 0, end = start] = isScalar(nameNode) ? (nameNode.range ?? []) : [];
    out.push({
      path,
      key: `${id.group}/${id.kind}/${id.namespace ?? ''}/${id.name}`,
      label: `${id.kind}/${id.name}${id.namespace === undefined ? '' : ` in namespace ${id.namespace}`}`,
      range: file.lines.rangeOf(d.base + start, d.base + end),
    });
  }
  return out;
}

/** One error on every declaration after the first of the same resource, naming where the first is. */
export function duplicateFindings(all: readonly Declaration[], display: (path: string) => string = (p) => p): Map<string, Finding[]> {
  const first = new Map<string, Declaration>();
  const out = new Map<string, Finding[]>();
  for (const d of all) {
    const earlier = first.get(d.key);
    if (earlier === undefined) {
      first.set(d.key, d);
      continue;
    }
    const where = earlier.path === d.path ? `line ${earlier.range.start.line + 1}` : `${display(earlier.path)}:${earlier.range.start.line + 1}`;
    const list = out.get(d.path) ?? [];
    list.push({ range: d.range, severity: 'error', code: 'resource.duplicate', message: `duplicate resource ${d.label}: already declared at ${where}` });
    out.set(d.path, list);
  }
  return out;
}

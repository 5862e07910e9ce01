import { isMap, isPair, isScalar, isSeq, stringify } from 'yaml';
import { checkFile } from '../check/checkFile';
import type { Severity } from '../manifests/problem';
import type { KubeObject } from '../manifests/kubeObject';
import type { FieldPath } from '../manifests/fieldPath';
import { ManifestParser } from '../manifests/parse';
import type { SchemaResolver } from '../schemas/resolver';

/** A schema problem of a rendered object, at the path of the field it is about. */
export interface RenderedProblem {
  path: FieldPath;
  severity: Severity;
  code: string;
  message: string;
}

/** The field path of the deepest node at `offset`: list items by `name` when they have one. */
function pathAt(root: unknown, offset: number): FieldPath {
  const path: FieldPath = [];
  let node = root;
  for (;;) {
    if (isMap(node)) {
      const pair = node.items.find((p) => isPair(p) && isScalar(p.key) && within(p.key.range, offset, (p.value as { range?: [number, number, number] } | null)?.range));
      if (pair === undefined || !isScalar(pair.key)) return path;
      path.push(String(pair.key.value));
      if (within(pair.key.range, offset)) return path;
      node = pair.value;
    } else if (isSeq(node)) {
      const index = node.items.findIndex((item) => within((item as { range?: [number, number, number] } | null)?.range, offset));
      if (index === -1) return path;
      const item = node.items[index];
      const name = isMap(item) ? item.get('name') : undefined;
      path.push(typeof name === 'string' ? { keys: { name } } : index);
      node = item;
    } else return path;
  }
}

function within(range: [number, number, number] | null | undefined, offset: number, until?: [number, number, number] | null): boolean {
  if (range === undefined || range === null) return false;
  return offset >= range[0] && offset <= (until?.[1] ?? range[1]);
}

/** Validates an object as rendered, with the schemas a document of its kind gets in the editor. */
export function validateRendered(object: KubeObject, schemas: SchemaResolver): RenderedProblem[] {
  const file = new ManifestParser().parse(stringify(object));
  const document = file.documents[0];
  if (document === undefined) return [];
  return checkFile(file, { role: { kind: 'manifests' }, schemas, unknownKind: 'ignore' })
    .filter((f) => f.severity === 'error')
    .map((f) => ({ path: pathAt(document.doc.contents, file.lines.offsetAt(f.range.start) - document.base), severity: f.severity, code: f.code, message: f.message }));
}

import type { ManifestDocument, ManifestFile } from './parse';

/** Zero-based line where a document's content starts (after its `---` and leading comments): where "open" should land. */
export function documentLine(file: ManifestFile, d: ManifestDocument): number {
  return file.lines.positionAt(d.base + (d.doc.contents?.range[0] ?? d.doc.range[0] ?? 0)).line;
}

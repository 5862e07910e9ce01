import type { ManifestDocument, ManifestFile } from '../manifests/parse';

export interface DocumentSpan {
  document: ManifestDocument;
  start: number;
  end: number;
  /** The lines of this document only, and the file line the first one is on. */
  lines: string[];
  firstLine: number;
}

/** The document of a multi-document file that contains `offset`, with its text split into lines. */
export function documentAt(file: ManifestFile, offset: number): DocumentSpan | undefined {
  const docs = file.documents;
  for (let i = docs.length - 1; i >= 0; i--) {
    const document = docs[i]!;
    const start = document.base + (document.doc.range[0] ?? 0);
    const chunkStart = document.base;
    if (chunkStart > offset) continue;
    const next = docs[i + 1];
    const end = next === undefined ? file.text.length : next.base + (next.base === document.base ? next.doc.range[0] : 0);
    const firstLine = file.lines.positionAt(Math.min(start, chunkStart)).line;
    const startOfLine = file.lines.offsetAt({ line: firstLine, character: 0 });
    return { document, start: startOfLine, end, lines: file.text.slice(startOfLine, end).split(/\r?\n/), firstLine };
  }
  return undefined;
}

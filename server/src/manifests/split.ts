/** One YAML document's source text and where it starts in the file. */
export interface DocumentChunk {
  start: number;
  text: string;
}

/**
 * Where each `---` marker line starts: at the start of the text or after a LF only (a multiline
 * `^` would also match after U+2028, U+2029 and a lone CR, which are no line starts for the line
 * index: a cut there shifted every later range by a line), followed by a blank or the end.
 * indexOf rather than a regex with a lookbehind: on a 7 MB file the regex tried every position
 * and was the largest single cost of checking it.
 */
function markers(text: string): number[] {
  const found: number[] = [];
  for (let at = text.indexOf('---'); at !== -1; at = text.indexOf('---', at + 3)) {
    if (at > 0 && text.charCodeAt(at - 1) !== 0x0a) continue;
    const next = text.charCodeAt(at + 3);
    // NaN past the end; space, tab, CR or LF otherwise.
    if (Number.isNaN(next) || next === 0x20 || next === 0x09 || next === 0x0d || next === 0x0a) found.push(at);
  }
  return found;
}

/**
 * Splits a multi-document YAML stream at `---` lines so that each document can be parsed
 * and cached on its own: an edit then re-parses one document, not the whole file.
 * A `---` at column 0 can never be content (YAML forbids it inside scalars), so the split is
 * exact. Directive lines (`%YAML`) just above a marker travel with the document they precede.
 */
export function splitDocuments(text: string): DocumentChunk[] {
  const cuts: number[] = [];
  for (const marker of markers(text)) {
    let cut = marker;
    while (cut > 0) {
      const prevLineStart = cut >= 2 ? text.lastIndexOf('\n', cut - 2) + 1 : 0;
      if (prevLineStart >= cut || text.charCodeAt(prevLineStart) !== 0x25 /* % */) break;
      cut = prevLineStart;
    }
    if (cut > 0) cuts.push(cut);
  }
  const chunks: DocumentChunk[] = [];
  let start = 0;
  for (const cut of cuts) {
    if (cut <= start) continue;
    chunks.push({ start, text: text.slice(start, cut) });
    start = cut;
  }
  chunks.push({ start, text: text.slice(start) });
  return chunks;
}

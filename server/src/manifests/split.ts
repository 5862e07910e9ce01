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
  for (let at = text.indexOf('---'); at !== -1; at = text.indexOf('---', at + 3)) if (isMarker(text, at)) found.push(at);
  return found;
}

/** Whether the `---` at `at` is a document marker line: at a line start, followed by a blank or the end. */
function isMarker(text: string, at: number): boolean {
  if (at > 0 && text.charCodeAt(at - 1) !== 0x0a) return false;
  const next = text.charCodeAt(at + 3);
  // NaN past the end; space, tab, CR or LF otherwise.
  return Number.isNaN(next) || next === 0x20 || next === 0x09 || next === 0x0d || next === 0x0a;
}

/** Where the chunk of the marker at `marker` starts: its line, or the first of the directive lines (`%…`) just above it. */
function cutAt(text: string, marker: number): number {
  let cut = marker;
  while (cut > 0) {
    const prevLineStart = cut >= 2 ? text.lastIndexOf('\n', cut - 2) + 1 : 0;
    if (prevLineStart >= cut || text.charCodeAt(prevLineStart) !== 0x25 /* % */) break;
    cut = prevLineStart;
  }
  return cut;
}

/**
 * The first offset at or after `from` (above 0) where splitDocuments starts a chunk, or -1:
 * found from `from` on, without splitting the text before it (to cut a large file in pieces).
 */
export function nextChunkStart(text: string, from: number): number {
  for (let at = text.indexOf('---', from); at !== -1; at = text.indexOf('---', at + 3)) {
    if (!isMarker(text, at)) continue;
    const cut = cutAt(text, at);
    if (cut >= from && cut > 0) return cut;
  }
  return -1;
}

/**
 * Splits a multi-document YAML stream at `---` lines so that each document can be parsed
 * and cached on its own: an edit then re-parses one document, not the whole file.
 * A `---` at column 0 can never be content (YAML forbids it inside scalars), so the split is
 * exact. Directive lines (`%YAML`) just above a marker travel with the document they precede.
 */
export function splitDocuments(text: string): DocumentChunk[] {
  const cuts: number[] = [];
  const found = markers(text);
  for (let i = 0; i < found.length; i++) {
    const cut = cutAt(text, found[i] as number);
    if (cut > 0) cuts.push(cut);
  }
  const chunks: DocumentChunk[] = [];
  let start = 0;
  for (let i = 0; i < cuts.length; i++) {
    const cut = cuts[i] as number;
    if (cut <= start) continue;
    chunks.push({ start, text: text.slice(start, cut) });
    start = cut;
  }
  chunks.push({ start, text: text.slice(start) });
  return chunks;
}

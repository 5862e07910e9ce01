import { isAlias, isMap, isNode, isPair, isScalar, isSeq, parseAllDocuments, parseDocument, type Document } from 'yaml';
import type { Problem } from './problem';
import { identityOf, identityOfData, type ResourceIdentity } from './identity';
import { documentData, hasExactRanges, quickParseData, quickParseDocument } from './quickParse';
import { YAML_LOG } from './yamlLog';
import { lineStartsOf, PieceLineIndex, type LinePiece, type Lines } from './lineIndex';
import { splitDocuments, type DocumentChunk } from './split';
import { parseWithPaddedQuotes } from './quotedContinuations';
import type { TextSource } from './blockText';
import type { TextWindow } from './textWindow';

// Messages without code frames (we show ranges instead); duplicate keys are errors, as kubectl treats them.
// Duplicate keys are found below with a set per mapping: yaml's own check compares every pair (quadratic).
const PARSE_OPTIONS = { prettyErrors: false, uniqueKeys: false, ...YAML_LOG } as const;

/** Keys that repeat in a mapping, which kubectl rejects; in document order, outer mappings first. */
function duplicateKeys(doc: Document.Parsed): Problem[] {
  const out: Problem[] = [];
  // A hand-written walk over maps, sequences and pairs (what yaml's visit() reaches, aliases not
  // followed): the generic visitor was a noticeable share of parsing a large file.
  const walk = (node: unknown): void => {
    if (isMap(node)) {
      const seen = new Set<string>();
      for (const pair of node.items) {
        const key = pair.key;
        if (!isScalar(key)) continue;
        const name = String(key.value);
        if (seen.has(name)) {
          const [start = 0, end = start] = key.range ?? [];
          out.push({ start, end, severity: 'error', code: 'yaml.DUPLICATE_KEY', message: 'Map keys must be unique' });
        } else seen.add(name);
      }
      for (const pair of node.items) {
        walk(pair.key);
        walk(pair.value);
      }
    } else if (isSeq(node)) {
      for (const item of node.items) walk(item);
    } else if (isPair(node)) {
      walk(node.key);
      walk(node.value);
    }
  };
  walk(doc.contents);
  return out;
}

/**
 * Aliases that name no anchor defined before them. The parser accepts them and fails only when
 * the value is read; kubectl refuses the document, so they are errors where they stand.
 */
function unresolvedAliases(doc: Document.Parsed): Problem[] {
  const out: Problem[] = [];
  const anchors = new Set<string>();
  // Document order (a pair's key, then its value), so an anchor counts only after its definition.
  const walk = (node: unknown, depth: number): void => {
    if (depth > MAX_NESTING) return;
    if (isNode(node) && node.anchor !== undefined) anchors.add(node.anchor);
    if (isAlias(node)) {
      if (!anchors.has(node.source)) {
        const [start = 0, end = start] = node.range ?? [];
        out.push({ start, end: Math.max(end, start + 1), severity: 'error', code: 'yaml.UNRESOLVED_ALIAS', message: `alias *${node.source} names no anchor &${node.source} defined before it; kubectl refuses this document` });
      }
    } else if (isMap(node)) {
      for (const pair of node.items) {
        walk(pair.key, depth + 1);
        walk(pair.value, depth + 1);
      }
    } else if (isSeq(node)) {
      for (const item of node.items) walk(item, depth + 1);
    }
  };
  walk(doc.contents, 0);
  return out;
}

/** One parsed YAML document with its findings; offsets are relative to its chunk. */
export interface ParsedDocument {
  readonly doc: Document.Parsed;
  readonly identity: ResourceIdentity | undefined;
  readonly syntax: readonly Problem[];
  /**
   * A data parse's document (ManifestParser's `data` option), whose tree is built only when
   * `doc` is read: its data the first time this is called, undefined afterwards (see documentValue).
   */
  readonly takeData?: () => unknown;
  /** A data parse's document: its range in the chunk, without building its tree (see documentSpan). */
  readonly span?: readonly [number, number];
}

/**
 * A document's data, as documentData(d.doc) gives it: for a data parse's document, the data it
 * was parsed to, without building the tree (the first time; a fresh copy from the tree after).
 */
export function documentValue(d: ParsedDocument, maxAliasCount: number): unknown {
  const data = d.takeData?.();
  return data !== undefined ? data : documentData(d.doc, maxAliasCount);
}

/** A document's start and end in its chunk, without building a data parse's tree. */
export function documentSpan(d: ParsedDocument): readonly [number, number] {
  if (d.span !== undefined) return d.span;
  const [start = 0, , end = start] = d.doc.range;
  return [start, end];
}

/** The parse of one chunk of text, shared by every file version that contains the same text. */
export interface ParsedChunk {
  readonly text: string;
  readonly documents: readonly ParsedDocument[];
  /** Offsets of the chunk's line starts, relative to it (0 first). */
  readonly lineStarts: readonly number[];
}

/** A parsed chunk where it sits in one file version. */
export interface PlacedChunk {
  readonly start: number;
  readonly parsed: ParsedChunk;
}

/** A document of a particular file version: the cached parse plus where its chunk starts. */
export interface ManifestDocument extends ParsedDocument {
  /** Offset of the chunk in the file; add it to node ranges and problem offsets. */
  readonly base: number;
  /** Index of the document in the file, counting from 0. */
  readonly index: number;
}

/**
 * How a file version differs from the one parsed before it: chunks `[from, oldTo)` of
 * `previous` became chunks `[from, newTo)`; those before are the same, at the same place, and
 * those after are the same parses shifted by the same offset (and lines). Per-file results can
 * be carried over from `previous` for everything outside the span.
 */
export interface FileEdit {
  readonly previous: ManifestFile;
  readonly from: number;
  readonly oldTo: number;
  readonly newTo: number;
}

export interface ManifestFile {
  readonly text: string;
  readonly lines: Lines;
  readonly documents: readonly ManifestDocument[];
  /** The chunks the documents come from, in order; per-chunk results can be cached on `parsed`. */
  readonly chunks: readonly PlacedChunk[];
  /** Set when this version was re-parsed around an edit of the previous one. */
  readonly edit?: FileEdit;
  /** The line of chunk `index`'s start (the line count for `chunks.length`). */
  firstLineOf(index: number): number;
}

/**
 * The parser reports an unclosed quote where the input ends, often many lines below the
 * mistake. Point at the opening quote instead, through the end of its line.
 */
function unclosedQuoteRange(text: string, message: string, end: number): [number, number] | undefined {
  const quote = /Missing closing (["'])quote/.exec(message)?.[1];
  if (quote === undefined) return undefined;
  let at = text.lastIndexOf(quote, Math.min(end, text.length) - 1);
  // A double-quoted scalar may contain escaped quotes; step over them.
  while (quote === '"' && at > 0 && text[at - 1] === '\\') at = text.lastIndexOf(quote, at - 1);
  if (at < 0) return undefined;
  let lineEnd = text.indexOf('\n', at);
  if (lineEnd === -1) lineEnd = text.length;
  else if (text[lineEnd - 1] === '\r') lineEnd--;
  return [at, lineEnd];
}

const TOKEN_END = /[\s:,[\]{}#]/;

/** Widens a one-character error position to the token it points into, e.g. a whole duplicate key. */
function widenToToken(text: string, start: number, end: number): number {
  if (end - start > 1 || start >= text.length || TOKEN_END.test(text[start] ?? ' ')) return end;
  let at = start;
  while (at < text.length && !TOKEN_END.test(text[at] ?? ' ')) at++;
  return at;
}

function syntaxProblems(doc: Document.Parsed, text: string): Problem[] {
  const chunkLength = text.length;
  const problems: Problem[] = [];
  for (const [list, severity] of [
    [doc.errors, 'error'],
    [doc.warnings, 'warning'],
  ] as const) {
    for (const e of list) {
      const [start, end] = unclosedQuoteRange(text, e.message, e.pos[1]) ?? e.pos;
      const safeEnd = Math.min(widenToToken(text, start, Math.max(end, start + 1)), chunkLength);
      const deeper = e.code === 'BLOCK_AS_IMPLICIT_KEY' || e.code === 'MULTILINE_IMPLICIT_KEY' ? deeperLineAfter(text, start) : undefined;
      if (deeper !== undefined) {
        // Both errors of one over-indented line say the same thing: one finding, on that line.
        if (!problems.some((p) => p.code === 'yaml.BAD_INDENT' && p.start === deeper.start)) problems.push({ ...deeper, severity, code: 'yaml.BAD_INDENT', message: OVER_INDENTED });
        continue;
      }
      problems.push({ start, end: Math.max(safeEnd, start), severity, code: `yaml.${e.code}`, message: e.message });
    }
  }
  return problems;
}

const OVER_INDENTED = 'bad indentation: this line is indented deeper than the line above it; align it with its sibling keys, or nest it under a key that ends with `:`';

/**
 * A line indented deeper than a `key: value` above it is read as the value continuing (a plain
 * scalar over two lines) and the parser reports that value, on the line above. The line to fix
 * is the deeper one: the first line after `at`'s that is neither blank nor a comment, when it is
 * indented deeper than `at`'s line. Its range is its text, without the indentation.
 */
function deeperLineAfter(text: string, at: number): { start: number; end: number } | undefined {
  const lineStart = text.lastIndexOf('\n', at - 1) + 1;
  const indentOf = (from: number): number => {
    let i = from;
    while (text[i] === ' ') i++;
    return i - from;
  };
  const own = indentOf(lineStart);
  for (let next = text.indexOf('\n', at); next !== -1 && next < text.length; ) {
    const from = next + 1;
    const end = text.indexOf('\n', from);
    const lineEnd = end === -1 ? text.length : end;
    const indent = indentOf(from);
    const first = text[from + indent];
    if (first !== undefined && first !== '\n' && first !== '#' && first !== '\r') {
      return indent > own ? { start: from + indent, end: text[lineEnd - 1] === '\r' ? lineEnd - 1 : lineEnd } : undefined;
    }
    next = end;
  }
  return undefined;
}

/** Deeper than this a document is not parsed: the parser recurses per level, and real manifests nest a few dozen. */
export const MAX_NESTING = 200;

/**
 * Where a chunk first nests deeper than MAX_NESTING, or -1: block indentation with `- ` item
 * markers, and flow brackets counted per line (so `[` inside scalars, like ANSI codes in a
 * script, cannot add up).
 */
function tooDeepAt(text: string): number {
  let lineStart = 0;
  let nextSquare = -1;
  let nextCurly = -1;
  while (lineStart < text.length) {
    let lineEnd = text.indexOf('\n', lineStart);
    if (lineEnd === -1) lineEnd = text.length;
    // Block depth: leading spaces and `- ` item markers; flow depth: brackets on the line.
    let i = lineStart;
    let indent = 0;
    // A tab may separate compact `- ` items too (`- \t- - …`): counting stopped at the first one,
    // so a line of thousands of items behind a tab overflowed yaml's parser stack.
    for (;;) {
      const c = text.charCodeAt(i);
      if (c === 32 || c === 9) {
        indent++;
        i++;
      } else if (c === 45 && (text.charCodeAt(i + 1) === 32 || text.charCodeAt(i + 1) === 9)) {
        indent += 2;
        i += 2;
      } else break;
    }
    if (indent / 2 > MAX_NESTING) return lineStart;
    // Only a line with a bracket can nest in flow style; most lines have none. Each search
    // resumes where it stopped, so the text is scanned once per bracket kind.
    if (nextSquare < i) nextSquare = nextAt(text, '[', i);
    if (nextCurly < i) nextCurly = nextAt(text, '{', i);
    if (nextSquare >= lineEnd && nextCurly >= lineEnd) {
      lineStart = lineEnd + 1;
      continue;
    }
    let flow = 0;
    for (; i < lineEnd; i++) {
      const c = text.charCodeAt(i);
      if (c === 91 || c === 123) {
        if (++flow > MAX_NESTING) return lineStart;
      } else if ((c === 93 || c === 125) && flow > 0) flow--;
    }
    lineStart = lineEnd + 1;
  }
  return -1;
}

/** Offset of the next `char` at or after `from`, or the text's length. */
function nextAt(text: string, char: string, from: number): number {
  const at = text.indexOf(char, from);
  return at === -1 ? text.length : at;
}

// Characters YAML forbids in a stream (C0 controls other than tab/LF/CR, DEL) and lone surrogates, which cannot be saved as UTF-8.
// eslint-disable-next-line no-control-regex -- finding control characters is the point
const FORBIDDEN = /[\x00-\x08\x0B\x0C\x0E-\x1F\x7F]|[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g;

function forbiddenCharacters(text: string): Problem[] {
  const out: Problem[] = [];
  for (const m of text.matchAll(FORBIDDEN)) {
    const code = m[0].charCodeAt(0);
    const hex = `U+${code.toString(16).toUpperCase().padStart(4, '0')}`;
    const message = code >= 0xd800 && code <= 0xdfff ? `lone surrogate ${hex} cannot be saved as UTF-8` : `control character ${hex} is not allowed in YAML`;
    out.push({ start: m.index, end: m.index + 1, severity: 'error', code: 'yaml.FORBIDDEN_CHARACTER', message });
    if (out.length >= 20) break;
  }
  return out;
}

/** Parses one chunk. Exported for tests; use ManifestParser to get caching. */
export function parseChunk(text: string): ParsedChunk {
  const deepAt = tooDeepAt(text);
  if (deepAt !== -1) {
    const lineEnd = text.indexOf('\n', deepAt);
    const end = Math.min(lineEnd === -1 ? text.length : lineEnd, deepAt + 200);
    return {
      text,
      lineStarts: lineStartsOf(text),
      documents: [{ doc: emptyDocument(), identity: undefined, syntax: [{ start: deepAt, end, severity: 'error', code: 'yaml.RESOURCE_EXHAUSTION', message: `not parsed: this document nests more than ${MAX_NESTING} levels deep here` }] }],
    };
  }
  const docs = parseAllDocuments(text, PARSE_OPTIONS);
  // parseAllDocuments returns an EmptyStream (array-like, no documents) for blank input.
  let list: Document.Parsed[] = Array.isArray(docs) ? docs : [];
  // A quoted scalar continued at its key's indentation, as go-yaml (kubectl) writes and reads it.
  if (list.some((doc) => doc.errors.some((e) => e.code === 'MISSING_CHAR' && e.message.includes('quote')))) list = parseWithPaddedQuotes(text, PARSE_OPTIONS) ?? list;
  // Characters are checked once per chunk and reported with its first document.
  const forbidden = forbiddenCharacters(text);
  const hasAlias = text.includes('*');
  return {
    text,
    lineStarts: lineStartsOf(text),
    documents: list.map((doc, i) => ({
      doc,
      identity: doc.errors.length === 0 ? identityOf(doc) : safeIdentity(doc),
      syntax: [...syntaxProblems(doc, text), ...duplicateKeys(doc), ...(hasAlias ? unresolvedAliases(doc) : []), ...(i === 0 ? forbidden : [])],
    })),
  };
}

// A first look for those characters: a plain character class scans far faster than the
// lookarounds that tell a lone surrogate from a pair, which run only when it finds one.
// eslint-disable-next-line no-control-regex -- finding control characters is the point
const MAYBE_FORBIDDEN = /[\x00-\x08\x0B\x0C\x0E-\x1F\x7F\uD800-\uDFFF]/;
const ANY_FORBIDDEN = new RegExp(FORBIDDEN.source);

/**
 * parseChunk, through the quick parser where the chunk has the plain shape it handles (the
 * same tree for a fraction of the cost); anything else, or any finding, takes the full parse.
 * For checks, which only read the tree: the editor keeps the full parse's comments and tokens.
 */
export function parseChunkQuickly(text: string): ParsedChunk {
  // Nesting too deep is found by the quick parser itself, which then declines.
  if (MAYBE_FORBIDDEN.test(text) && ANY_FORBIDDEN.test(text)) return parseChunk(text);
  const doc = quickParseDocument(text);
  if (doc === undefined) return parseChunk(text);
  return new QuickChunk(text, [{ doc, identity: identityOf(doc), syntax: [] }]);
}

const NO_PROBLEMS: readonly Problem[] = Object.freeze([]);

/**
 * A document parsed straight to data (see quickParseData): drift compares thousands of files
 * whose trees are wanted only for the few with a finding to place. The tree is the quick
 * parser's, built from the same text when first asked for.
 */
class DataDocument implements ParsedDocument {
  readonly identity: ResourceIdentity | undefined;
  readonly syntax = NO_PROBLEMS;
  readonly span: readonly [number, number];
  private tree: Document.Parsed | undefined;
  private data: Record<string, unknown> | undefined;

  constructor(
    private readonly text: string,
    data: Record<string, unknown>,
  ) {
    this.data = data;
    this.identity = identityOfData(data);
    // A quick document's range: the whole chunk (see quickParse's documentOf).
    this.span = [0, text.length];
  }

  get doc(): Document.Parsed {
    // The quick parser takes whatever its data mode took; the full parse only to be safe.
    this.tree ??= quickParseDocument(this.text) ?? parseChunk(this.text).documents[0]!.doc;
    return this.tree;
  }

  readonly takeData = (): unknown => {
    const data = this.data;
    this.data = undefined;
    return data;
  };
}

/**
 * parseChunkQuickly for readers of values (drift, discovery): a plain chunk is parsed to its data,
 * and its tree built only if `doc` is read (to place a finding), from the same text.
 */
export function parseChunkToData(text: string): ParsedChunk {
  if (MAYBE_FORBIDDEN.test(text) && ANY_FORBIDDEN.test(text)) return parseChunk(text);
  const data = quickParseData(text);
  if (data === undefined) return parseChunkQuickly(text);
  return new QuickChunk(text, [new DataDocument(text, data)]);
}

/** A quick parse's chunk: most are checked without anything to report, so lines are found only when asked for. */
class QuickChunk implements ParsedChunk {
  private starts: number[] | undefined;

  constructor(
    readonly text: string,
    readonly documents: readonly ParsedDocument[],
  ) {}

  get lineStarts(): readonly number[] {
    this.starts ??= lineStartsOf(this.text);
    return this.starts;
  }
}

/** Whether a chunk came from the quick parser (then its findings are best taken from parseChunk). */
export function isQuickChunk(chunk: ParsedChunk): boolean {
  return chunk instanceof QuickChunk;
}

/**
 * Whether findings in a chunk must come from the full parse to be worded and placed as it would:
 * a quick chunk with an empty value or a block scalar, whose ranges the quick tree does not
 * reproduce. A quick chunk without either has yaml's tree, ranges included: parsing it again
 * would only cost time (a quarter of a check where many documents have a finding).
 */
export function needsFullParseToReport(chunk: ParsedChunk): boolean {
  return chunk instanceof QuickChunk && !chunk.documents.every((d) => hasExactRanges(d.doc));
}

function emptyDocument(): Document.Parsed {
  return parseDocument('', PARSE_OPTIONS);
}

function safeIdentity(doc: Document.Parsed): ResourceIdentity | undefined {
  try {
    return identityOf(doc);
  } catch {
    return undefined;
  }
}

/**
 * Parses files document by document and remembers each document's parse by its text, so an
 * edit to one document of a large file re-parses only that document. Told where the text
 * changed since the previous call (a TextWindow), it also re-splits and re-indexes only around
 * that window instead of the whole file.
 */
export class ManifestParser {
  private cache = new Map<string, ParsedChunk>();
  private last: ParsedFile | undefined;
  private readonly quick: boolean;
  private readonly data: boolean;

  /**
   * `quick` parses plain chunks with the quick parser: for checks, which need no comments or
   * tokens. `data` (quick too) parses plain chunks to their data, building a document's tree
   * only when its `doc` is read: for drift, which reads values and places a finding in few files.
   */
  constructor(options: { quick?: boolean; data?: boolean } = {}) {
    this.data = options.data === true;
    this.quick = options.quick === true || this.data;
  }

  private parseOne(text: string): ParsedChunk {
    return this.data ? parseChunkToData(text) : this.quick ? parseChunkQuickly(text) : parseChunk(text);
  }

  /** `text` may be a TextSource: after an edit only the text around it is read, not joined whole. */
  parse(text: string | TextSource, changed?: TextWindow): ManifestFile {
    const last = this.last;
    // Should parsing throw, the next call must not take a window relative to a text never parsed.
    this.last = undefined;
    const file = last !== undefined && changed !== undefined ? this.reparse(last, text, changed) : this.parseAll(text);
    // One step back is all an edit needs: a chain of edits would keep every version alive.
    last?.forgetEdit();
    this.last = file;
    return file;
  }

  private parseAll(source: string | TextSource): ParsedFile {
    const text = source.toString();
    // A check parses each text once: keying chunks by their text would only cost hashing it.
    if (this.quick) return new ParsedFile(text, splitDocuments(text).map((chunk) => ({ start: chunk.start, parsed: this.parseOne(chunk.text) })));
    const next = new Map<string, ParsedChunk>();
    const chunks: PlacedChunk[] = [];
    for (const chunk of splitDocuments(text)) {
      const parsed = next.get(chunk.text) ?? this.cache.get(chunk.text) ?? parseChunk(chunk.text);
      next.set(chunk.text, parsed);
      chunks.push({ start: chunk.start, parsed });
    }
    // Keep only what the latest version uses: memory stays proportional to one file version.
    this.cache = next;
    return new ParsedFile(text, chunks);
  }

  /**
   * Re-splits the chunks the window touches, plus one on each side (a `---` or `%` line edited
   * at a boundary moves it), and shifts the rest. Text outside the window is unchanged, so the
   * chunks outside that margin keep their parse and their cut points.
   */
  private reparse(last: ParsedFile, text: string | TextSource, changed: TextWindow): ParsedFile {
    const old = last.chunks;
    const delta = text.length - last.length;
    if (changed.end - changed.start - delta !== changed.oldEnd - changed.start || old.length === 0) return this.parseAll(text);
    const chunkAt = (offset: number): number => {
      let low = 0;
      let high = old.length - 1;
      while (low < high) {
        const mid = (low + high + 1) >> 1;
        if ((old[mid]?.start ?? 0) <= offset) low = mid;
        else high = mid - 1;
      }
      return low;
    };
    const first = Math.max(0, chunkAt(Math.max(0, changed.start - 1)) - 1);
    const last1 = Math.min(old.length - 1, chunkAt(changed.oldEnd) + 1);
    const regionStart = old[first]?.start ?? 0;
    const after = old[last1 + 1];
    const regionEnd = after === undefined ? text.length : after.start + delta;
    const region = splitDocuments(text.slice(regionStart, regionEnd));
    // An edit that empties the region leaves one empty chunk; a full split has none unless the text is empty.
    const kept = region.filter((c: DocumentChunk) => c.text !== '' || (first === 0 && after === undefined));
    const fresh: PlacedChunk[] = kept.map((c: DocumentChunk) => {
      const parsed = this.cache.get(c.text) ?? this.parseOne(c.text);
      return { start: regionStart + c.start, parsed };
    });
    const chunks: PlacedChunk[] = [...old.slice(0, first), ...fresh, ...old.slice(last1 + 1).map((c) => (delta === 0 ? c : { start: c.start + delta, parsed: c.parsed }))];
    // The cache keys chunks by text for the full path; keep it to what this version uses.
    for (const c of old.slice(first, last1 + 1)) this.cache.delete(c.parsed.text);
    for (const c of fresh) this.cache.set(c.parsed.text, c.parsed);
    const file = new ParsedFile(text, chunks, { previous: last, from: first, oldTo: last1 + 1, newTo: first + fresh.length });
    // Carried over now, while the previous index is at hand: built later from scratch it costs a pass over every document.
    if (last.hasLines) file.carryLines();
    return file;
  }
}

/** A data parse's document where it sits in a file: its tree still built only when `doc` is read. */
function placedData(d: DataDocument, base: number, index: number): ManifestDocument {
  return {
    get doc() {
      return d.doc;
    },
    identity: d.identity,
    syntax: d.syntax,
    takeData: d.takeData,
    span: d.span,
    base,
    index,
  };
}

function linePiece(c: PlacedChunk): LinePiece {
  return { start: c.start, length: c.parsed.text.length, lineStarts: c.parsed.lineStarts };
}

/** A file version; its line index and document list are built on first use, from the chunks. */
class ParsedFile implements ManifestFile {
  private lineIndex: PieceLineIndex | undefined;
  private documentList: ManifestDocument[] | undefined;

  constructor(
    private source: string | TextSource,
    readonly chunks: readonly PlacedChunk[],
    private editOf?: FileEdit,
  ) {}

  get text(): string {
    const text = this.source.toString();
    this.source = text;
    return text;
  }

  /** The text's length, without assembling it. */
  get length(): number {
    return this.source.length;
  }

  get edit(): FileEdit | undefined {
    return this.editOf;
  }

  forgetEdit(): void {
    this.editOf = undefined;
  }

  get lines(): PieceLineIndex {
    if (this.lineIndex === undefined) {
      const edit = this.editOf;
      const before = edit?.previous instanceof ParsedFile ? edit.previous.lineIndex : undefined;
      this.lineIndex =
        edit !== undefined && before !== undefined
          ? before.with(this.source.length, edit.from, edit.oldTo, this.chunks.slice(edit.from, edit.newTo).map(linePiece))
          : PieceLineIndex.of(this.source.length, this.chunks.map(linePiece));
    }
    return this.lineIndex;
  }

  get hasLines(): boolean {
    return this.lineIndex !== undefined;
  }

  carryLines(): void {
    this.lineIndex ??= this.lines;
  }

  firstLineOf(index: number): number {
    return this.lines.firstLineOf(index);
  }

  get documents(): readonly ManifestDocument[] {
    if (this.documentList === undefined) {
      const documents: ManifestDocument[] = [];
      const chunks = this.chunks;
      for (let c = 0; c < chunks.length; c++) {
        const chunk = chunks[c] as PlacedChunk;
        const list = chunk.parsed.documents;
        for (let i = 0; i < list.length; i++) {
          const d = list[i] as ParsedDocument;
          documents.push(d instanceof DataDocument ? placedData(d, chunk.start, documents.length) : { doc: d.doc, identity: d.identity, syntax: d.syntax, base: chunk.start, index: documents.length });
        }
      }
      this.documentList = documents;
    }
    return this.documentList;
  }
}

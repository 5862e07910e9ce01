import { isMap, isScalar, valueOf } from '../manifests/yamlNodes';
import type { Lines, Range } from '../manifests/lineIndex';
import type { ManifestFile, ParsedChunk, PlacedChunk } from '../manifests/parse';
import type { Finding } from '../manifests/problem';

/** A resource as declared in a file, with the range of its name for reporting. */
export interface Declaration {
  readonly path: string;
  readonly key: string;
  readonly label: string;
  readonly range: Range;
}

export interface ChunkDeclaration {
  key: string;
  /** What declarationLabel words: only a duplicate's label is made (every resource's was a cost). */
  kind: string;
  name: string;
  namespace?: string;
  /** Offsets of the name, relative to the chunk. */
  start: number;
  end: number;
}

/** What each parsed chunk declares, computed once per chunk: a large file's edit reads one. */
const chunkDeclarations = new WeakMap<ParsedChunk, ChunkDeclaration[]>();

function declaredIn(chunk: ParsedChunk): ChunkDeclaration[] {
  let out = chunkDeclarations.get(chunk);
  if (out === undefined) {
    out = declaredOf(chunk);
    chunkDeclarations.set(chunk, out);
  }
  return out;
}

/** What a chunk's documents declare. */
function declaredOf(chunk: ParsedChunk): ChunkDeclaration[] {
  const out: ChunkDeclaration[] = [];
  const documents = chunk.documents;
  for (let i = 0; i < documents.length; i++) {
    const d = documents[i] as ParsedChunk['documents'][number];
    const id = d.identity;
    if (id?.name === undefined) continue;
    const root = d.doc.contents;
    // root.getIn(['metadata', 'name'], true), without its iterators.
    const metadata = isMap(root) ? valueOf(root, 'metadata') : undefined;
    const nameNode = isMap(metadata) ? valueOf(metadata, 'name') : undefined;
    const range = isScalar(nameNode) ? nameNode.range : undefined;
    const start = range?.[0] ?? 0;
    const end = range?.[1] ?? start;
    const declared: ChunkDeclaration = { key: `${id.group}/${id.kind}/${id.namespace ?? ''}/${id.name}`, kind: id.kind, name: id.name, start, end };
    if (id.namespace !== undefined) declared.namespace = id.namespace;
    out.push(declared);
  }
  return out;
}

/** A declaration at offsets of a file; its range is worked out only when a duplicate needs it. */
export class PlacedDeclaration implements Declaration {
  private placed: Range | undefined;

  constructor(
    readonly path: string,
    private readonly declared: ChunkDeclaration,
    private readonly base: number,
    private readonly lines: () => Lines,
  ) {}

  get key(): string {
    return this.declared.key;
  }

  get label(): string {
    return declarationLabel(this.declared);
  }

  get range(): Range {
    this.placed ??= this.lines().rangeOf(this.base + this.declared.start, this.base + this.declared.end);
    return this.placed;
  }
}

/** The resources a file declares, identified by group/kind/namespace/name. */
export function declarations(path: string, file: ManifestFile): Declaration[] {
  const out: Declaration[] = [];
  const lines = (): Lines => file.lines;
  for (const { start, parsed } of file.chunks) {
    for (const d of declaredIn(parsed)) out.push(new PlacedDeclaration(path, d, start, lines));
  }
  return out;
}

/**
 * A copy of `s` that refers to no other string. The parser cuts names out of a file's text, and
 * V8 keeps a cut (and a string joined from cuts) pointing into the text it came from: the
 * declarations kept to the end of a check held every file's text, the 7.2 MB of the bench's
 * 4,250 files. Joining forces V8 to copy the characters once the result is cut again.
 */
function detached(s: string): string {
  return ` ${s}`.slice(1);
}

/** What a file declares, with the offsets of each name in it (for a check worker to send), in strings of their own: they outlive the text. */
export function declaredOffsets(file: ManifestFile): ChunkDeclaration[] {
  const out: ChunkDeclaration[] = [];
  const chunks = file.chunks;
  for (let c = 0; c < chunks.length; c++) {
    const { start, parsed } = chunks[c] as PlacedChunk;
    // Not kept per chunk as the editor's are: a check parses each chunk once, and a WeakMap entry per chunk cost its time and the collector's.
    const declared = declaredOf(parsed);
    for (let i = 0; i < declared.length; i++) {
      const d = declared[i] as ChunkDeclaration;
      const placed: ChunkDeclaration = { key: detached(d.key), kind: detached(d.kind), name: detached(d.name), start: start + d.start, end: start + d.end };
      if (d.namespace !== undefined) placed.namespace = detached(d.namespace);
      out.push(placed);
    }
  }
  return out;
}

/** `Kind/name in namespace ns`, as a duplicate finding names the resource. */
function declarationLabel(d: ChunkDeclaration): string {
  return `${d.kind}/${d.name}${d.namespace === undefined ? '' : ` in namespace ${d.namespace}`}`;
}

/**
 * The declarations of the resources declared more than once, in their order: those alone can be
 * duplicates, or the first declaration a duplicate names, in any group of files.
 */
export function repeatedDeclarations(all: readonly Declaration[]): Declaration[] {
  const seen = new Set<string>();
  const repeated = new Set<string>();
  for (const d of all) {
    const key = d.key;
    if (seen.has(key)) repeated.add(key);
    else seen.add(key);
  }
  return repeated.size === 0 ? [] : all.filter((d) => repeated.has(d.key));
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

/** How often each identity is declared in one file version, kept up to date edit by edit. */
interface FileIdentities {
  readonly path: string;
  readonly counts: Map<string, number>;
  /** Identities declared more than once. */
  readonly repeated: Set<string>;
}

const fileIdentities = new WeakMap<ManifestFile, FileIdentities>();

function count(state: FileIdentities, chunk: PlacedChunk | undefined, by: 1 | -1): void {
  if (chunk === undefined) return;
  for (const d of declaredIn(chunk.parsed)) {
    const n = (state.counts.get(d.key) ?? 0) + by;
    if (n === 0) state.counts.delete(d.key);
    else state.counts.set(d.key, n);
    if (n > 1) state.repeated.add(d.key);
    else state.repeated.delete(d.key);
  }
}

function identitiesOf(path: string, file: ManifestFile): FileIdentities {
  const known = fileIdentities.get(file);
  if (known !== undefined && known.path === path) return known;
  const edit = file.edit;
  const before = edit === undefined ? undefined : fileIdentities.get(edit.previous);
  let state: FileIdentities;
  if (edit !== undefined && before !== undefined && before.path === path) {
    // The previous version is not asked again once a newer one exists: take its counts over.
    fileIdentities.delete(edit.previous);
    state = before;
    for (let i = edit.from; i < edit.oldTo; i++) count(state, edit.previous.chunks[i], -1);
    for (let i = edit.from; i < edit.newTo; i++) count(state, file.chunks[i], 1);
  } else {
    state = { path, counts: new Map(), repeated: new Set() };
    for (const chunk of file.chunks) count(state, chunk, 1);
  }
  fileIdentities.set(file, state);
  return state;
}

/**
 * The duplicate findings of one file on its own, the same as
 * `duplicateFindings(declarations(path, file)).get(path)`; after an edit only the edited
 * documents' identities are counted again.
 */
export function fileDuplicateFindings(path: string, file: ManifestFile): Finding[] {
  const state = identitiesOf(path, file);
  if (state.repeated.size === 0) return [];
  const lines = (): Lines => file.lines;
  const repeated: Declaration[] = [];
  for (const { start, parsed } of file.chunks) {
    for (const d of declaredIn(parsed)) if (state.repeated.has(d.key)) repeated.push(new PlacedDeclaration(path, d, start, lines));
  }
  return duplicateFindings(repeated).get(path) ?? [];
}

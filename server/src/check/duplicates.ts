import { isMap, isScalar, type Node } from 'yaml';
import type { Lines, Range } from '../manifests/lineIndex';
import type { ManifestFile, ParsedChunk } from '../manifests/parse';
import type { Finding } from './problem';

/** A resource as declared in a file, with the range of its name for reporting. */
export interface Declaration {
  readonly path: string;
  readonly key: string;
  readonly label: string;
  readonly range: Range;
}

interface ChunkDeclaration {
  key: string;
  label: string;
  /** Offsets of the name, relative to the chunk. */
  start: number;
  end: number;
}

/** What each parsed chunk declares, computed once per chunk: a large file's edit reads one. */
const chunkDeclarations = new WeakMap<ParsedChunk, ChunkDeclaration[]>();

function declaredIn(chunk: ParsedChunk): ChunkDeclaration[] {
  let out = chunkDeclarations.get(chunk);
  if (out !== undefined) return out;
  out = [];
  for (const d of chunk.documents) {
    const id = d.identity;
    if (id?.name === undefined) continue;
    const root = d.doc.contents;
    const nameNode = isMap(root) ? (root.getIn(['metadata', 'name'], true) as Node | undefined) : undefined;
    const [start = 0, end = start] = isScalar(nameNode) ? (nameNode.range ?? []) : [];
    out.push({
      key: `${id.group}/${id.kind}/${id.namespace ?? ''}/${id.name}`,
      label: `${id.kind}/${id.name}${id.namespace === undefined ? '' : ` in namespace ${id.namespace}`}`,
      start,
      end,
    });
  }
  chunkDeclarations.set(chunk, out);
  return out;
}

/** A declaration placed in a file version; its range is worked out only when a duplicate needs it. */
class PlacedDeclaration implements Declaration {
  private placed: Range | undefined;

  constructor(
    readonly path: string,
    private readonly declared: ChunkDeclaration,
    private readonly base: number,
    private readonly lines: Lines,
  ) {}

  get key(): string {
    return this.declared.key;
  }

  get label(): string {
    return this.declared.label;
  }

  get range(): Range {
    this.placed ??= this.lines.rangeOf(this.base + this.declared.start, this.base + this.declared.end);
    return this.placed;
  }
}

/** The resources a file declares, identified by group/kind/namespace/name. */
export function declarations(path: string, file: ManifestFile): Declaration[] {
  const out: Declaration[] = [];
  const lines = file.lines;
  for (const { start, parsed } of file.chunks) {
    for (const d of declaredIn(parsed)) out.push(new PlacedDeclaration(path, d, start, lines));
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

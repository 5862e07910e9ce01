/** Zero-based line/character position, in UTF-16 code units like LSP and JavaScript strings. */
export interface Position {
  line: number;
  character: number;
}

export interface Range {
  start: Position;
  end: Position;
}

/** Maps string offsets to line/character positions and back. */
export interface Lines {
  readonly lineCount: number;
  positionAt(offset: number): Position;
  offsetAt(position: Position): number;
  rangeOf(start: number, end: number): Range;
}

/** Offsets of the line starts in `text`: 0, then each position after a '\n'. */
export function lineStartsOf(text: string): number[] {
  // Counted first, then filled: pushing onto an array that grows to a large file's lines cost
  // three times as much CPU as both passes (the copies as it grows, and their garbage).
  const starts = new Array<number>(lineBreaksIn(text, 0, text.length) + 1);
  starts[0] = 0;
  let k = 1;
  for (let at = text.indexOf('\n'); at !== -1; at = text.indexOf('\n', at + 1)) starts[k++] = at + 1;
  return starts;
}

/** How many '\n' lie in text[from, to). */
export function lineBreaksIn(text: string, from: number, to: number): number {
  let count = 0;
  for (let at = text.indexOf('\n', from); at !== -1 && at < to; at = text.indexOf('\n', at + 1)) count++;
  return count;
}

/** Maps string offsets to line/character positions; built once per text version. */
export class LineIndex implements Lines {
  private readonly lineStarts: number[];

  constructor(private readonly text: string) {
    this.lineStarts = lineStartsOf(text);
  }

  get lineCount(): number {
    return this.lineStarts.length;
  }

  positionAt(offset: number): Position {
    const clamped = Math.max(0, Math.min(offset, this.text.length));
    let low = 0;
    let high = this.lineStarts.length - 1;
    while (low < high) {
      const mid = (low + high + 1) >> 1;
      if ((this.lineStarts[mid] ?? 0) <= clamped) low = mid;
      else high = mid - 1;
    }
    return { line: low, character: clamped - (this.lineStarts[low] ?? 0) };
  }

  offsetAt(position: Position): number {
    const start = this.lineStarts[position.line];
    if (start === undefined) return this.text.length;
    return Math.min(start + position.character, this.text.length);
  }

  rangeOf(start: number, end: number): Range {
    return { start: this.positionAt(start), end: this.positionAt(end) };
  }
}

/** A piece of text that starts at a line start, with its own line starts (relative, from 0). */
export interface LinePiece {
  readonly start: number;
  readonly length: number;
  readonly lineStarts: readonly number[];
}

/**
 * The same mapping as LineIndex for a text made of pieces that each start at a line start
 * (the documents of a YAML stream). Each piece's line starts are computed once and reused by
 * every version that contains the piece, so a new version costs one step per piece, not per line.
 */
export class PieceLineIndex implements Lines {
  readonly lineCount: number;

  private constructor(
    private readonly textLength: number,
    private readonly starts: number[],
    private readonly firstLines: number[],
    private readonly counts: number[],
    private readonly lineStarts: (readonly number[])[],
    private readonly lengths: number[],
    lines: number,
  ) {
    this.lineCount = Math.max(1, lines);
  }

  static of(textLength: number, pieces: readonly LinePiece[]): PieceLineIndex {
    const index = new PieceLineIndex(textLength, [], [], [], [], [], 0);
    return index.with(textLength, 0, 0, pieces);
  }

  /**
   * This index with pieces `[from, oldTo)` replaced by `pieces`, for a text now `textLength`
   * long; the pieces after them keep their line starts and move by the same offset and lines.
   * Nothing is read from the unchanged pieces themselves, so a large file's edit stays cheap.
   */
  with(textLength: number, from: number, oldTo: number, pieces: readonly LinePiece[]): PieceLineIndex {
    const n = this.starts.length;
    const total = n - (oldTo - from) + pieces.length;
    const starts = this.starts.slice(0, from);
    const firstLines = this.firstLines.slice(0, from);
    const counts = this.counts.slice(0, from);
    const lineStarts = this.lineStarts.slice(0, from);
    const lengths = this.lengths.slice(0, from);
    const countOf = (rel: readonly number[], length: number, i: number): number => (i < total - 1 && rel[rel.length - 1] === length ? rel.length - 1 : rel.length);
    // The piece before the span may have become the last one (or stopped being it).
    let line = 0;
    if (from > 0) {
      const before = from - 1;
      const rel = lineStarts[before] ?? [0];
      counts[before] = countOf(rel, lengths[before] ?? 0, before);
      line = (firstLines[before] ?? 0) + (counts[before] ?? 0);
    }
    for (const piece of pieces) {
      const i = starts.length;
      const count = countOf(piece.lineStarts, piece.length, i);
      starts.push(piece.start);
      firstLines.push(line);
      counts.push(count);
      lineStarts.push(piece.lineStarts);
      lengths.push(piece.length);
      line += count;
    }
    if (oldTo < n) {
      const delta = textLength - this.textLength;
      const lineDelta = line - (this.firstLines[oldTo] ?? 0);
      for (let i = oldTo; i < n; i++) {
        starts.push((this.starts[i] ?? 0) + delta);
        firstLines.push((this.firstLines[i] ?? 0) + lineDelta);
        counts.push(this.counts[i] ?? 0);
        lineStarts.push(this.lineStarts[i] ?? [0]);
        lengths.push(this.lengths[i] ?? 0);
      }
      line = (firstLines[total - 1] ?? 0) + (counts[total - 1] ?? 0);
    }
    return new PieceLineIndex(textLength, starts, firstLines, counts, lineStarts, lengths, line);
  }

  positionAt(offset: number): Position {
    const clamped = Math.max(0, Math.min(offset, this.textLength));
    const p = lastAtMost(this.starts, clamped);
    const rels = this.lineStarts[p];
    if (rels === undefined) return { line: 0, character: clamped };
    const rel = clamped - (this.starts[p] ?? 0);
    const i = Math.min(lastAtMost(rels, rel), (this.counts[p] ?? 1) - 1);
    return { line: (this.firstLines[p] ?? 0) + i, character: rel - (rels[i] ?? 0) };
  }

  offsetAt(position: Position): number {
    if (position.line < 0 || position.line >= this.lineCount || this.starts.length === 0) return this.textLength;
    const p = lastAtMost(this.firstLines, position.line);
    const rel = this.lineStarts[p]?.[position.line - (this.firstLines[p] ?? 0)];
    if (rel === undefined) return this.textLength;
    return Math.min((this.starts[p] ?? 0) + rel + position.character, this.textLength);
  }

  rangeOf(start: number, end: number): Range {
    return { start: this.positionAt(start), end: this.positionAt(end) };
  }

  /** The line piece `index` starts on; the line count for one past the last piece. */
  firstLineOf(index: number): number {
    return this.firstLines[index] ?? this.lineCount;
  }
}

/** Index of the last element <= value in an ascending array (0 when none is). */
function lastAtMost(sorted: readonly number[], value: number): number {
  let low = 0;
  let high = sorted.length - 1;
  while (low < high) {
    const mid = (low + high + 1) >> 1;
    if ((sorted[mid] ?? 0) <= value) low = mid;
    else high = mid - 1;
  }
  return low;
}

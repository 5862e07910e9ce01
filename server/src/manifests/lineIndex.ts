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
  const starts = [0];
  let at = text.indexOf('\n');
  while (at !== -1) {
    starts.push(at + 1);
    at = text.indexOf('\n', at + 1);
  }
  return starts;
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
  private readonly starts: number[];
  private readonly firstLines: number[];
  private readonly counts: number[];
  readonly lineCount: number;

  constructor(
    private readonly textLength: number,
    private readonly pieces: readonly LinePiece[],
  ) {
    this.starts = new Array<number>(pieces.length);
    this.firstLines = new Array<number>(pieces.length);
    this.counts = new Array<number>(pieces.length);
    let line = 0;
    pieces.forEach((piece, i) => {
      const rel = piece.lineStarts;
      // A piece that ends with '\n' has a line start at its end: the next piece's first line.
      const count = i < pieces.length - 1 && rel[rel.length - 1] === piece.length ? rel.length - 1 : rel.length;
      this.starts[i] = piece.start;
      this.firstLines[i] = line;
      this.counts[i] = count;
      line += count;
    });
    this.lineCount = Math.max(1, line);
  }

  positionAt(offset: number): Position {
    const clamped = Math.max(0, Math.min(offset, this.textLength));
    const p = lastAtMost(this.starts, clamped);
    const piece = this.pieces[p];
    if (piece === undefined) return { line: 0, character: clamped };
    const rel = clamped - piece.start;
    const i = Math.min(lastAtMost(piece.lineStarts, rel), (this.counts[p] ?? 1) - 1);
    return { line: (this.firstLines[p] ?? 0) + i, character: rel - (piece.lineStarts[i] ?? 0) };
  }

  offsetAt(position: Position): number {
    if (position.line < 0 || position.line >= this.lineCount || this.pieces.length === 0) return this.textLength;
    const p = lastAtMost(this.firstLines, position.line);
    const piece = this.pieces[p];
    const rel = piece?.lineStarts[position.line - (this.firstLines[p] ?? 0)];
    if (piece === undefined || rel === undefined) return this.textLength;
    return Math.min(piece.start + rel + position.character, this.textLength);
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

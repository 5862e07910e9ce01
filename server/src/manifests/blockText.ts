/** A text the parser reads by parts; the whole string is assembled only when asked for. */
export interface TextSource {
  readonly length: number;
  slice(start: number, end: number): string;
  toString(): string;
}

const BLOCK = 16 * 1024;

/**
 * An immutable text kept as blocks of about 16 K characters. Replacing a range makes a new
 * version that shares every block the range does not touch, so an edit of a large file costs
 * a block, not a copy of the file (a JavaScript string edited in place is re-assembled whole
 * on the next read).
 */
export class BlockText implements TextSource {
  private constructor(
    private readonly blocks: readonly string[],
    private readonly starts: readonly number[],
    readonly length: number,
    private joined: string | undefined,
  ) {}

  static of(text: string): BlockText {
    const blocks: string[] = [];
    for (let at = 0; at < text.length; at += BLOCK) blocks.push(text.slice(at, at + BLOCK));
    return new BlockText(blocks, startsOf(blocks), text.length, text);
  }

  toString(): string {
    this.joined ??= this.blocks.join('');
    return this.joined;
  }

  slice(start: number, end: number): string {
    const from = Math.max(0, Math.min(start, this.length));
    const to = Math.max(from, Math.min(end, this.length));
    if (this.joined !== undefined) return this.joined.slice(from, to);
    if (from === to) return '';
    const a = this.blockAt(from);
    const b = this.blockAt(to - 1);
    const first = this.blocks[a] ?? '';
    const startA = this.starts[a] ?? 0;
    if (a === b) return first.slice(from - startA, to - startA);
    const parts = [first.slice(from - startA)];
    for (let i = a + 1; i < b; i++) parts.push(this.blocks[i] ?? '');
    parts.push((this.blocks[b] ?? '').slice(0, to - (this.starts[b] ?? 0)));
    return parts.join('');
  }

  charCodeAt(offset: number): number {
    if (this.joined !== undefined) return this.joined.charCodeAt(offset);
    if (offset < 0 || offset >= this.length) return Number.NaN;
    const i = this.blockAt(offset);
    return (this.blocks[i] ?? '').charCodeAt(offset - (this.starts[i] ?? 0));
  }

  /** This text with `[start, end)` replaced by `text`. */
  replace(start: number, end: number, text: string): BlockText {
    const from = Math.max(0, Math.min(start, this.length));
    const to = Math.max(from, Math.min(end, this.length));
    const length = this.length - (to - from) + text.length;
    if (this.blocks.length === 0) return BlockText.of(text);
    const a = this.blockAt(from);
    const b = Math.max(a, this.blockAt(Math.max(from, to - 1)));
    const merged = (this.blocks[a] ?? '').slice(0, from - (this.starts[a] ?? 0)) + text + (this.blocks[b] ?? '').slice(to - (this.starts[b] ?? 0));
    const pieces: string[] = [];
    if (merged.length <= 2 * BLOCK) pieces.push(merged);
    else for (let at = 0; at < merged.length; at += BLOCK) pieces.push(merged.slice(at, at + BLOCK));
    const blocks = [...this.blocks.slice(0, a), ...pieces.filter((p) => p !== ''), ...this.blocks.slice(b + 1)];
    return new BlockText(blocks, startsOf(blocks), length, undefined);
  }

  /** Index of the block holding `offset` (the last block for the text's end). */
  private blockAt(offset: number): number {
    let low = 0;
    let high = this.starts.length - 1;
    while (low < high) {
      const mid = (low + high + 1) >> 1;
      if ((this.starts[mid] ?? 0) <= offset) low = mid;
      else high = mid - 1;
    }
    return low;
  }
}

function startsOf(blocks: readonly string[]): number[] {
  const starts = new Array<number>(blocks.length);
  let at = 0;
  for (let i = 0; i < blocks.length; i++) {
    starts[i] = at;
    at += blocks[i]?.length ?? 0;
  }
  return starts;
}

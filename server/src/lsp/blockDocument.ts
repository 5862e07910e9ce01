import type { TextDocument } from 'vscode-languageserver-textdocument';
import { TextDocumentContentChangeEvent, type Position, type Range } from 'vscode-languageserver';
import { BlockText } from '../manifests/blockText';

const LF = 10;
const CR = 13;

const isEol = (c: number): boolean => c === CR || c === LF;

/** Offsets after each line break of `text` (CR, LF or CRLF), plus `offset` first when it starts a line. */
function lineOffsetsOf(text: string, atLineStart: boolean, offset = 0): number[] {
  const out = atLineStart ? [offset] : [];
  if (!text.includes('\r')) {
    // Most files have LF line ends only: the native search is many times faster than a loop over characters.
    for (let at = text.indexOf('\n'); at !== -1; at = text.indexOf('\n', at + 1)) out.push(offset + at + 1);
    return out;
  }
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (!isEol(c)) continue;
    if (c === CR && text.charCodeAt(i + 1) === LF) i++;
    out.push(offset + i + 1);
  }
  return out;
}

function wellFormed(range: Range): Range {
  const { start, end } = range;
  return start.line > end.line || (start.line === end.line && start.character > end.character) ? { start: end, end: start } : range;
}

/**
 * An open document whose text is a BlockText: the same positions, offsets and updates as the
 * TextDocument of vscode-languageserver-textdocument, but an edit of a large file does not
 * re-assemble the whole text; `snapshot` gives the parser each version without joining it.
 */
export class BlockDocument implements TextDocument {
  private text: BlockText;
  private lineOffsets: number[] | undefined;

  constructor(
    readonly uri: string,
    readonly languageId: string,
    private versionNumber: number,
    content: string,
  ) {
    this.text = BlockText.of(content);
    // Now rather than on the first edit, which would wait for a pass over a large file's text.
    this.lineOffsets = lineOffsetsOf(content, true);
  }

  get version(): number {
    return this.versionNumber;
  }

  /** The current version's text, immutable: later edits make new snapshots. */
  get snapshot(): BlockText {
    return this.text;
  }

  get lineCount(): number {
    return this.offsets().length;
  }

  getText(range?: Range): string {
    if (range === undefined) return this.text.toString();
    return this.text.slice(this.offsetAt(range.start), this.offsetAt(range.end));
  }

  positionAt(offset: number): Position {
    const at = Math.max(Math.min(offset, this.text.length), 0);
    const lines = this.offsets();
    let low = 0;
    let high = lines.length;
    if (high === 0) return { line: 0, character: at };
    while (low < high) {
      const mid = Math.floor((low + high) / 2);
      if ((lines[mid] ?? 0) > at) high = mid;
      else low = mid + 1;
    }
    const line = low - 1;
    const lineStart = lines[line] ?? 0;
    return { line, character: this.beforeEol(at, lineStart) - lineStart };
  }

  offsetAt(position: Position): number {
    const lines = this.offsets();
    if (position.line >= lines.length) return this.text.length;
    if (position.line < 0) return 0;
    const lineStart = lines[position.line] ?? 0;
    if (position.character <= 0) return lineStart;
    const next = position.line + 1 < lines.length ? (lines[position.line + 1] ?? 0) : this.text.length;
    return this.beforeEol(Math.min(lineStart + position.character, next), lineStart);
  }

  update(changes: readonly TextDocumentContentChangeEvent[], version: number): void {
    for (const change of changes) {
      if (TextDocumentContentChangeEvent.isIncremental(change)) {
        const range = wellFormed(change.range);
        const start = this.offsetAt(range.start);
        const end = this.offsetAt(range.end);
        this.text = this.text.replace(start, end, change.text);
        let lines = this.offsets();
        const startLine = Math.max(range.start.line, 0);
        const endLine = Math.max(range.end.line, 0);
        const added = lineOffsetsOf(change.text, false, start);
        if (endLine - startLine === added.length) {
          for (let i = 0; i < added.length; i++) lines[i + startLine + 1] = added[i] ?? 0;
        } else if (added.length < 10000) {
          lines.splice(startLine + 1, endLine - startLine, ...added);
        } else {
          lines = [...lines.slice(0, startLine + 1), ...added, ...lines.slice(endLine + 1)];
          this.lineOffsets = lines;
        }
        const diff = change.text.length - (end - start);
        if (diff !== 0) for (let i = startLine + 1 + added.length; i < lines.length; i++) lines[i] = (lines[i] ?? 0) + diff;
      } else {
        this.text = BlockText.of(change.text);
        this.lineOffsets = undefined;
      }
    }
    this.versionNumber = version;
  }

  private offsets(): number[] {
    this.lineOffsets ??= lineOffsetsOf(this.text.toString(), true);
    return this.lineOffsets;
  }

  private beforeEol(offset: number, lineStart: number): number {
    let at = offset;
    while (at > lineStart && isEol(this.text.charCodeAt(at - 1))) at--;
    return at;
  }
}

import { TextDocumentContentChangeEvent, type TextDocumentsConfiguration } from 'vscode-languageserver';
import type { TextSource } from '../manifests/blockText';
import { mergeWindows, type TextWindow } from '../manifests/textWindow';
import { BlockDocument } from './blockDocument';

const SURROGATE = /[\uD800-\uDFFF]/;

function countNuls(text: string): number {
  let n = 0;
  for (let at = text.indexOf('\u0000'); at !== -1; at = text.indexOf('\u0000', at + 1)) n++;
  return n;
}

/**
 * Text documents that remember, per URI, where their text changed since the window was last
 * taken, so the parser re-splits a large file only around an edit. A document created or
 * replaced as a whole has no window (everything changed).
 */
export class EditWindows {
  private readonly windows = new Map<string, TextWindow | 'all'>();
  /** UTF-8 size of each document, kept up to date by edits (counting a 7 MB text per keystroke shows). */
  private readonly bytes = new Map<string, number>();
  /** NUL characters in each document, kept up to date the same way (binary content is not checked). */
  private readonly nuls = new Map<string, number>();

  readonly documents: TextDocumentsConfiguration<BlockDocument> = {
    create: (uri, languageId, version, content) => {
      this.windows.set(uri, 'all');
      this.bytes.set(uri, Buffer.byteLength(content, 'utf8'));
      this.nuls.set(uri, countNuls(content));
      return new BlockDocument(uri, languageId, version, content);
    },
    update: (document, changes, version) => {
      for (const change of changes) {
        if (TextDocumentContentChangeEvent.isIncremental(change)) {
          const a = document.offsetAt(change.range.start);
          const b = document.offsetAt(change.range.end);
          const start = Math.min(a, b);
          const window = { start, oldEnd: Math.max(a, b), end: start + change.text.length };
          const prev = this.windows.get(document.uri);
          this.windows.set(document.uri, prev === 'all' ? 'all' : mergeWindows(prev, window));
          const removed = document.snapshot.slice(start, window.oldEnd);
          this.countBytes(document.uri, removed, change.text);
          const nuls = this.nuls.get(document.uri);
          if (nuls === undefined) this.nuls.delete(document.uri);
          else this.nuls.set(document.uri, nuls - countNuls(removed) + countNuls(change.text));
        } else {
          this.windows.set(document.uri, 'all');
          this.bytes.delete(document.uri);
          this.nuls.delete(document.uri);
        }
        document.update([change], version);
      }
      return document;
    },
  };

  private countBytes(uri: string, removed: string, inserted: string): void {
    const before = this.bytes.get(uri);
    // A surrogate pair split by the edit's boundary counts differently alone: count afresh then.
    if (before === undefined || SURROGATE.test(removed) || SURROGATE.test(inserted)) this.bytes.delete(uri);
    else this.bytes.set(uri, before - Buffer.byteLength(removed, 'utf8') + Buffer.byteLength(inserted, 'utf8'));
  }

  /** The UTF-8 size of a document's current text. */
  byteLength(uri: string, text: TextSource): number {
    let n = this.bytes.get(uri);
    if (n === undefined) {
      n = Buffer.byteLength(text.toString(), 'utf8');
      this.bytes.set(uri, n);
    }
    return n;
  }

  /** Whether a document's current text contains a NUL character. */
  hasNul(uri: string, text: TextSource): boolean {
    let n = this.nuls.get(uri);
    if (n === undefined) {
      n = countNuls(text.toString());
      this.nuls.set(uri, n);
    }
    return n > 0;
  }

  /** Where the text changed since the last call, or undefined when it may have changed anywhere. */
  take(uri: string): TextWindow | undefined {
    const window = this.windows.get(uri);
    this.windows.delete(uri);
    return window === 'all' ? undefined : (window ?? { start: 0, oldEnd: 0, end: 0 });
  }

  forget(uri: string): void {
    this.windows.delete(uri);
    this.bytes.delete(uri);
    this.nuls.delete(uri);
  }
}

import type { Range } from './lineIndex';

/** The start of a file: where findings about the file as a whole (skipped, unreadable) stand. */
export const FILE_START: Range = { start: { line: 0, character: 0 }, end: { line: 0, character: 0 } };

export type Severity = 'error' | 'warning' | 'information' | 'hint';

/**
 * A finding with offsets relative to the document chunk it was found in. Offsets stay
 * valid while the chunk's text is unchanged, so findings can be cached with the parse.
 */
export interface Problem {
  start: number;
  end: number;
  severity: Severity;
  code: string;
  message: string;
  /** Whatever a quick fix for this finding needs (becomes the finding's `data`). */
  data?: unknown;
}

/** A finding placed in a file: what the LSP adapter and the CLI print. */
export interface Finding {
  range: Range;
  severity: Severity;
  code: string;
  message: string;
  /** Whatever a quick fix for this finding needs (sent as the diagnostic's `data`). */
  data?: unknown;
}

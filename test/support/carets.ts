import type { Range } from '../../server/src/manifests/lineIndex';

/** An expectation written under the line it points at: `  ^^^^ error: message text`. */
export interface CaretExpectation {
  range: Range;
  severity: string;
  message: string;
}

const MARKER = /^(\s*)(\^+)\s+(error|warning|information|hint):\s*(.*)$/;

/**
 * Reads a caret-marked fixture. Marker lines are removed from the text; each marks columns on
 * the nearest real line above it, so fixtures show exactly where a diagnostic must land.
 */
export function parseCaretFixture(fixture: string): { text: string; expected: CaretExpectation[] } {
  const kept: string[] = [];
  const expected: CaretExpectation[] = [];
  for (const line of fixture.split('\n')) {
    const m = MARKER.exec(line);
    if (m === null) {
      kept.push(line);
      continue;
    }
    const target = kept.length - 1;
    if (target < 0) throw new Error(`caret marker before any text: ${line}`);
    const start = (m[1] ?? '').length;
    const width = (m[2] ?? '').length;
    expected.push({
      range: { start: { line: target, character: start }, end: { line: target, character: start + width } },
      severity: m[3] ?? '',
      message: m[4] ?? '',
    });
  }
  return { text: kept.join('\n'), expected };
}

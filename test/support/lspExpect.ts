import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import type { Diagnostic } from 'vscode-languageserver-protocol';
import { parseCaretFixture, type CaretExpectation } from './carets';

const SEVERITY_NAMES: Record<number, string> = { 1: 'error', 2: 'warning', 3: 'information', 4: 'hint' };

export function severityName(d: Diagnostic): string {
  return SEVERITY_NAMES[d.severity ?? 1] ?? `severity ${String(d.severity)}`;
}

/** A caret-marked fixture file: the text to send (markers removed) and what must be reported. */
export function readCaretFixture(path: string): { text: string; expected: CaretExpectation[] } {
  return parseCaretFixture(readFileSync(path, 'utf8'));
}

function order(a: CaretExpectation, b: CaretExpectation): number {
  return a.range.start.line - b.range.start.line || a.range.start.character - b.range.start.character || a.message.localeCompare(b.message);
}

function asExpectation(d: Diagnostic): CaretExpectation {
  return { range: d.range, severity: severityName(d), message: d.message };
}

/**
 * The diagnostics drawn under the lines they point at, in the caret syntax of the fixtures, so a
 * failure shows what the server said in the form the fixture is written in.
 */
export function renderWithCarets(text: string, diagnostics: readonly CaretExpectation[]): string {
  const lines = text.split('\n');
  const below = new Map<number, string[]>();
  for (const d of [...diagnostics].sort(order)) {
    const { start, end } = d.range;
    const width = start.line === end.line ? Math.max(1, end.character - start.character) : Math.max(1, (lines[start.line]?.length ?? 0) - start.character);
    const span = start.line === end.line ? '' : ` (to ${end.line}:${end.character})`;
    const list = below.get(start.line) ?? [];
    list.push(`${' '.repeat(start.character)}${'^'.repeat(width)} ${d.severity}: ${d.message}${span}`);
    below.set(start.line, list);
  }
  return lines.flatMap((line, i) => [line, ...(below.get(i) ?? [])]).join('\n');
}

/** Exact comparison: the same diagnostics (range, severity, message), in any order, all from Plumbline. */
export function assertDiagnostics(text: string, got: readonly Diagnostic[], expected: readonly CaretExpectation[], label: string): void {
  for (const d of got) assert.equal(d.source, 'plumbline', `${label}: diagnostic from another source: ${JSON.stringify(d)}`);
  const actual = got.map(asExpectation).sort(order);
  const want = [...expected].sort(order);
  assert.deepEqual(
    actual,
    want,
    `${label}: the server reported\n${renderWithCarets(text, actual)}\n\nbut the fixture expects\n${renderWithCarets(text, want)}\n`,
  );
}

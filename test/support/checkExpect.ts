import assert from 'node:assert/strict';
import { checkFile, type CheckOptions } from '../../server/src/check/checkFile';
import { ManifestParser } from '../../server/src/manifests/parse';
import { parseCaretFixture } from './carets';

/**
 * Checks a caret-marked fixture with checkFile and asserts its findings, in order: severity,
 * message (equal, or `contained` in the finding's) and exact range. `sorted` orders the findings
 * by position first (rules of several nodes may report out of document order).
 */
export function expectCheckFindings(fixture: string, options: CheckOptions, how: { contained?: boolean; sorted?: boolean } = {}): void {
  const { text, expected } = parseCaretFixture(fixture);
  const findings = checkFile(new ManifestParser().parse(text), options);
  if (how.sorted === true) findings.sort((a, b) => a.range.start.line - b.range.start.line || a.range.start.character - b.range.start.character);
  const shown = JSON.stringify(findings.map((f) => [f.range.start, f.severity, f.message]), null, 1);
  assert.equal(findings.length, expected.length, `findings: ${shown}`);
  expected.forEach((want, i) => {
    const got = findings[i]!;
    assert.equal(got.severity, want.severity, got.message);
    if (how.contained === true) assert.ok(got.message.includes(want.message), `"${got.message}" should include "${want.message}"`);
    else assert.equal(got.message, want.message, shown);
    assert.deepEqual(got.range, want.range, `range of "${got.message}"`);
  });
}

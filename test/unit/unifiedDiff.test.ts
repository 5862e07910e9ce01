// The CLI's unified diffs against GNU diff -u on the same texts: same hunks, same line numbers.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { unifiedDiff } from '../../server/src/preview/unifiedDiff';

const scratch = mkdtempSync(join(tmpdir(), 'plumbline-udiff-'));
after(() => rmSync(scratch, { recursive: true, force: true }));

function gnuDiff(a: string, b: string): string {
  writeFileSync(join(scratch, 'a'), a);
  writeFileSync(join(scratch, 'b'), b);
  const r = spawnSync('diff', ['-u', '--label', 'left', '--label', 'right', join(scratch, 'a'), join(scratch, 'b')], { encoding: 'utf8' });
  if (r.error !== undefined) throw new Error(`diff could not run: ${r.error.message}`);
  return r.stdout;
}

// A small deterministic generator, so the cases are the same on every run.
function* cases(): Generator<[string, string]> {
  let seed = 7;
  const next = (n: number): number => {
    seed = (seed * 1103515245 + 12345) % 2147483648;
    return seed % n;
  };
  yield ['', 'a\nb\n'];
  yield ['a\nb\n', ''];
  yield ['a\nb\nc\n', 'a\nb\nc\n'];
  for (let i = 0; i < 60; i++) {
    const base = Array.from({ length: 5 + next(40) }, (_, k) => `line ${k % 7 === 0 ? 'x' : k}`);
    const changed = [...base];
    for (let e = 0, edits = 1 + next(5); e < edits; e++) {
      const at = next(changed.length + 1);
      const op = next(3);
      if (op === 0) changed.splice(at, 1);
      else if (op === 1) changed.splice(at, 0, `new ${e}`);
      else changed[Math.min(at, changed.length - 1)] = `changed ${e}`;
    }
    yield [`${base.join('\n')}\n`, changed.length === 0 ? '' : `${changed.join('\n')}\n`];
  }
}

test('unified diffs are byte-identical to GNU diff -u (hunks, ranges, context)', () => {
  let compared = 0;
  for (const [a, b] of cases()) {
    assert.equal(unifiedDiff(a, b, { before: 'left', after: 'right' }), gnuDiff(a, b), `for\n${a}---\n${b}`);
    compared++;
  }
  assert.equal(compared, 63);
});

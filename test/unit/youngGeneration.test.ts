// capYoungGeneration (cli/heap.ts) sets a V8 flag after start, which V8 might ignore: a process
// that keeps what it allocates, as `plumbline diff` does, must see its young generation stop at
// the cap, where V8 alone grows it to 16 MB semi-spaces.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { test } from 'node:test';
import { REPO } from '../support/paths';


/** The size of both semi-spaces, in MB, after a process kept 1.5 million small objects; with the cap (MB) or without. */
function youngGenerationAfterKeeping(capMb: number | undefined): number {
  const program = `
    const { getHeapSpaceStatistics } = require('node:v8');
    ${capMb === undefined ? '' : `require(${JSON.stringify(join(REPO, 'server/src/cli/heap.ts'))}).capYoungGeneration(${capMb} * 1024 * 1024);`}
    const kept = [];
    // In small steps with a turn of the event loop between them, as a diff parses and compares file
    // by file: the cap is set by an observer of collections, which runs between turns.
    const step = (left) => {
      for (let i = 0; i < 2000; i++) kept.push({ i, text: 'x' + i });
      if (left > 0) return setImmediate(step, left - 1);
      process.stdout.write(String(getHeapSpaceStatistics().find((s) => s.space_name === 'new_space').space_size / 1048576));
    };
    step(750);
  `;
  const run = spawnSync(process.execPath, ['--import', 'tsx', '-e', program], { cwd: REPO, encoding: 'utf8', timeout: 60_000 });
  assert.equal(run.status, 0, run.stderr);
  return Number(run.stdout);
}

test('the young generation grows no further than the cap set after start (one growth late at most)', () => {
  const uncapped = youngGenerationAfterKeeping(undefined);
  const capped = youngGenerationAfterKeeping(2);
  assert.ok(uncapped > 8, `without a cap V8 grows it past 8 MB (got ${uncapped} MB): the test keeps too little to show the cap`);
  assert.ok(capped <= 2 * 2 * 2, `capped at 2 MB semi-spaces, new space is ${capped} MB`);
});

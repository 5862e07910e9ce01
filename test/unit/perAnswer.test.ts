// One answer's memo (files/stamped.ts): what files decide is computed once per answer, and work
// the answer started that outlives it (a cluster watch's later events) computes afresh.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { asOneAnswer, fileStamp, perAnswer } from '../../server/src/files/stamped';

test('within one answer a key is computed once; outside an answer every time', async () => {
  let runs = 0;
  const compute = (): Promise<number> => Promise.resolve(++runs);
  const inside = await asOneAnswer(async () => [await perAnswer('k', compute), await perAnswer('k', compute)]);
  assert.deepEqual(inside, [1, 1]);
  assert.equal(await perAnswer('k', compute), 2);
  assert.equal(await perAnswer('k', compute), 3);
});

test('work an answer started that runs after it ended sees files as they are then, not as the answer saw them', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'plumbline-per-answer-'));
  try {
    const file = join(dir, 'kustomization.yaml');
    writeFileSync(file, 'resources: []\n');
    let release: () => void = () => undefined;
    const gate = new Promise<void>((resolve) => (release = resolve));
    let later: Promise<string> | undefined;
    const seen = await asOneAnswer(async () => {
      // Continues in this answer's async context, as a watch's event handler would, long after it.
      later = gate.then(() => fileStamp(file));
      return fileStamp(file);
    });
    writeFileSync(file, 'resources: [deployment.yaml]\n');
    release();
    assert.notEqual(await later, seen, 'the stamp after the answer ended is read again');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

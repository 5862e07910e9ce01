import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { checkFile } from '../../server/src/check/checkFile';
import { declarations, duplicateFindings, fileDuplicateFindings } from '../../server/src/check/duplicates';
import { LineIndex } from '../../server/src/manifests/lineIndex';
import { ManifestParser, type ManifestFile } from '../../server/src/manifests/parse';
import { mergeWindows, type TextWindow } from '../../server/src/manifests/textWindow';
import { seededRandom } from '../support/random';

const cm = (name: string): string => `apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: ${name}\ndata:\n  k: v\n`;
const BASE = [cm('a'), '---\n', cm('b'), '%YAML 1.2\n---\n', cm('c'), '--- # d\n', cm('d'), '---\n', cm('e')].join('');


// Insertions that move or make document boundaries, directives and line breaks.
const PIECES = ['---\n', '\n---\n', '%YAML 1.2\n', '%', '-', '\n', 'x', ': ', '  name: z\n', '--- ', '{{ .x }}', ''];

function shape(file: ManifestFile): unknown {
  return {
    chunks: file.chunks.map((c) => [c.start, c.parsed.text]),
    bases: file.documents.map((d) => d.base),
    lines: file.lines.lineCount,
    positions: Array.from({ length: file.text.length + 1 }, (_, o) => file.lines.positionAt(o)),
  };
}

describe('incremental parse', () => {
  test('re-splitting around an edit gives the same chunks, bases and lines as a full parse', () => {
    const next = seededRandom(7);
    for (let run = 0; run < 300; run++) {
      const parser = new ManifestParser();
      let text = BASE;
      parser.parse(text);
      let window: TextWindow | undefined;
      // One to three edits before each parse, as a burst of keystrokes coalesces.
      const edits = 1 + Math.floor(next() * 3);
      for (let e = 0; e < edits; e++) {
        const start = Math.floor(next() * (text.length + 1));
        // Now and then a deletion across several documents.
        const oldEnd = Math.min(text.length, start + Math.floor(next() * (next() < 0.1 ? 400 : 12)));
        const piece = PIECES[Math.floor(next() * PIECES.length)] ?? '';
        text = text.slice(0, start) + piece + text.slice(oldEnd);
        window = mergeWindows(window, { start, oldEnd, end: start + piece.length });
      }
      const incremental = parser.parse(text, window);
      assert.deepEqual(shape(incremental), shape(new ManifestParser().parse(text)), `run ${run}: ${JSON.stringify(text)}`);
      const plain = new LineIndex(text);
      assert.equal(incremental.lines.lineCount, plain.lineCount);
      for (let o = -1; o <= text.length + 1; o++) assert.deepEqual(incremental.lines.positionAt(o), plain.positionAt(o), `run ${run}: offset ${o}`);
      for (let line = -1; line <= plain.lineCount; line++) {
        for (const character of [0, 3, 100]) assert.equal(incremental.lines.offsetAt({ line, character }), plain.offsetAt({ line, character }), `run ${run}: line ${line}`);
      }
    }
  });

  test('findings and duplicates carried over edit by edit are those of a full check', () => {
    const next = seededRandom(11);
    // Duplicates, a syntax error and a duplicate key, so there is something to carry over and shift.
    const start = [BASE, '---\n', cm('a'), '---\n', 'a: [\n', '---\n', 'k: 1\nk: 2\n', '---\n', cm('b')].join('');
    for (let run = 0; run < 60; run++) {
      const parser = new ManifestParser();
      let text = start;
      let file = parser.parse(text);
      checkFile(file);
      fileDuplicateFindings('f.yaml', file);
      // A string of edits, each checked, as an editor session goes.
      for (let step = 0; step < 8; step++) {
        const at = Math.floor(next() * (text.length + 1));
        const oldEnd = Math.min(text.length, at + Math.floor(next() * (next() < 0.1 ? 200 : 8)));
        const piece = PIECES[Math.floor(next() * PIECES.length)] ?? '';
        text = text.slice(0, at) + piece + text.slice(oldEnd);
        file = parser.parse(text, { start: at, oldEnd, end: at + piece.length });
        const fresh = new ManifestParser().parse(text);
        assert.deepEqual(checkFile(file), checkFile(fresh), `run ${run} step ${step}: ${JSON.stringify(text)}`);
        // The line index too is carried over from the previous version's.
        assert.deepEqual(shape(file), shape(fresh), `run ${run} step ${step}`);
        assert.deepEqual(fileDuplicateFindings('f.yaml', file), duplicateFindings(declarations('f.yaml', fresh)).get('f.yaml') ?? [], `run ${run} step ${step}`);
      }
    }
  });

  test('unchanged documents keep their parse', () => {
    const parser = new ManifestParser();
    const before = parser.parse(BASE);
    const at = BASE.indexOf('name: c') + 'name: '.length;
    const after = parser.parse(`${BASE.slice(0, at)}C${BASE.slice(at + 1)}`, { start: at, oldEnd: at + 1, end: at + 1 });
    assert.equal(after.documents[0]?.doc, before.documents[0]?.doc);
    assert.equal(after.documents[4]?.doc, before.documents[4]?.doc);
    assert.equal(after.documents[2]?.identity?.name, 'C');
  });

  test('emptying the text leaves one empty document chunk, as a full parse does', () => {
    const parser = new ManifestParser();
    parser.parse(BASE);
    const file = parser.parse('', { start: 0, oldEnd: BASE.length, end: 0 });
    assert.deepEqual(shape(file), shape(new ManifestParser().parse('')));
    assert.deepEqual(file.lines.positionAt(0), { line: 0, character: 0 });
  });

  test('a window that does not fit the text falls back to a full parse', () => {
    const parser = new ManifestParser();
    parser.parse(BASE);
    const file = parser.parse(`# x\n${BASE}`, { start: 0, oldEnd: 0, end: 1 });
    assert.deepEqual(shape(file), shape(new ManifestParser().parse(`# x\n${BASE}`)));
  });
});

import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { TextDocument } from 'vscode-languageserver-textdocument';
import { BlockDocument } from '../../server/src/lsp/blockDocument';
import { seededRandom } from '../support/random';


const PIECES = ['', 'x', '\n', '\r\n', '\r', 'name: a\n', '---\n', 'ü😀', 'y'.repeat(40000)];

describe('block document', () => {
  test('edits give the same text, positions and offsets as the TextDocument library', () => {
    const next = seededRandom(3);
    const pick = (n: number): number => Math.floor(next() * n);
    for (let run = 0; run < 20; run++) {
      const initial = Array.from({ length: 3000 }, (_, i) => `line ${i}${run % 2 === 0 && i % 7 === 0 ? '\r\n' : '\n'}`).join('');
      const expected = TextDocument.create('file:///a.yaml', 'yaml', 1, initial);
      const actual = new BlockDocument('file:///a.yaml', 'yaml', 1, initial);
      for (let step = 0; step < 40; step++) {
        // Ranges inside the document, as clients send them (the library's line bookkeeping assumes so).
        const line = pick(expected.lineCount);
        const endLine = Math.min(expected.lineCount - 1, line + pick(next() < 0.1 ? 900 : 3));
        const range = { start: { line, character: pick(12) }, end: { line: endLine, character: pick(12) } };
        // Now and then a whole-text replacement, or a range written end first.
        const change = next() < 0.03 ? { text: initial.slice(pick(initial.length)) } : { range: next() < 0.2 ? { start: range.end, end: range.start } : range, text: PIECES[pick(PIECES.length)] ?? '' };
        TextDocument.update(expected, [change], step + 2);
        actual.update([change], step + 2);
        const text = expected.getText();
        assert.equal(actual.getText(), text, `run ${run} step ${step}`);
        assert.equal(actual.snapshot.length, text.length);
        assert.equal(actual.lineCount, expected.lineCount);
        assert.equal(actual.version, expected.version);
        for (let k = 0; k < 50; k++) {
          const offset = pick(text.length + 3) - 1;
          assert.deepEqual(actual.positionAt(offset), expected.positionAt(offset), `run ${run} step ${step} offset ${offset}`);
          const position = { line: pick(expected.lineCount + 2) - 1, character: pick(15) - 1 };
          assert.equal(actual.offsetAt(position), expected.offsetAt(position), `run ${run} step ${step} ${JSON.stringify(position)}`);
          const b = pick(text.length + 1);
          const a = pick(b + 1);
          assert.equal(actual.snapshot.slice(a, b), text.slice(a, b));
        }
      }
    }
  });
});

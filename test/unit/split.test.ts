import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { nextChunkStart, splitDocuments } from '../../server/src/manifests/split';
import { seededRandom } from '../support/random';

describe('splitDocuments', () => {
  test('one chunk per document, offsets into the file', () => {
    const text = 'a: 1\n---\nb: 2\n--- # third\nc: 3\n';
    const chunks = splitDocuments(text);
    assert.deepEqual(
      chunks.map((c) => c.text),
      ['a: 1\n', '---\nb: 2\n', '--- # third\nc: 3\n'],
    );
    for (const c of chunks) assert.equal(text.slice(c.start, c.start + c.text.length), c.text);
  });

  test('a leading marker does not create an empty chunk', () => {
    assert.deepEqual(splitDocuments('---\na: 1\n').map((c) => c.text), ['---\na: 1\n']);
  });

  test('markers inside indented block scalars and longer dashes are content', () => {
    const text = 'script: |\n  ---\n  echo hi\n----\nnot: a marker\n';
    assert.equal(splitDocuments(text).length, 1);
  });

  test('directives travel with the document they precede', () => {
    const text = 'a: 1\n...\n%YAML 1.2\n---\nb: 2\n';
    assert.deepEqual(splitDocuments(text).map((c) => c.text), ['a: 1\n...\n', '%YAML 1.2\n---\nb: 2\n']);
  });

  test('CRLF line endings', () => {
    assert.deepEqual(splitDocuments('a: 1\r\n---\r\nb: 2\r\n').map((c) => c.text), ['a: 1\r\n', '---\r\nb: 2\r\n']);
  });

  test('nextChunkStart finds, from any offset, the chunk start splitDocuments makes there', () => {
    const rng = seededRandom(15);
    const parts = ['a: 1\n', '---\n', '--- # c\n', '----\n', '%YAML 1.2\n', '%TAG ! x\n', '  ---\n', 'b: ---\n', '---', '\r\n', 'x: |\n  ---\n', '...\n', '-- -\n'];
    for (let n = 0; n < 500; n++) {
      let text = '';
      for (let k = Math.floor(rng() * 12); k > 0; k--) text += parts[Math.floor(rng() * parts.length)];
      const starts = splitDocuments(text).map((c) => c.start).filter((s) => s > 0);
      for (let from = 0; from <= text.length + 1; from++) {
        const expected = starts.find((s) => s >= from) ?? -1;
        assert.equal(nextChunkStart(text, from), expected, `${JSON.stringify(text)} from ${from}`);
      }
    }
  });

  test('a --- after U+2028, U+2029 or a lone CR is content: no line starts there for the line index', () => {
    for (const sep of ['\u2028', '\u2029', '\r']) {
      assert.equal(splitDocuments(`a: 1${sep}---  - kind: Group\n`).length, 1, JSON.stringify(sep));
    }
  });
});

import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { splitDocuments } from '../../server/src/manifests/split';

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

  test('a --- after U+2028, U+2029 or a lone CR is content: no line starts there for the line index', () => {
    for (const sep of ['\u2028', '\u2029', '\r']) {
      assert.equal(splitDocuments(`a: 1${sep}---  - kind: Group\n`).length, 1, JSON.stringify(sep));
    }
  });
});

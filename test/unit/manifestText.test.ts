// The one text read of a workspace file (files/files.ts readTextIfSane): every reader — the diff,
// kustomization trees, environment discovery, ignore rules — gets the text decodeManifest gives,
// so none of them takes for plain text a file another reads otherwise.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { readTextIfSane } from '../../server/src/files/files';
import { asOneAnswer } from '../../server/src/files/stamped';

function withFiles(files: Record<string, Uint8Array | string>, check: (dir: string) => Promise<void>): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'plumbline-manifest-text-'));
  for (const [name, content] of Object.entries(files)) writeFileSync(join(dir, name), content);
  return check(dir).finally(() => rmSync(dir, { recursive: true, force: true }));
}

test('a file with a byte order mark, in UTF-8 or UTF-16, reads as its text without the mark', () =>
  withFiles(
    {
      'utf8.yaml': Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from('kind: ConfigMap\n')]),
      'utf16.yaml': Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from('kind: Secret\n', 'utf16le')]),
    },
    async (dir) => {
      assert.equal(await readTextIfSane(join(dir, 'utf8.yaml')), 'kind: ConfigMap\n');
      assert.equal(await readTextIfSane(join(dir, 'utf16.yaml')), 'kind: Secret\n');
    },
  ));

test('a lone carriage return is a line break; CRLF is kept as written', () =>
  withFiles({ 'cr.yaml': 'kind: A\rname: b\r\n' }, async (dir) => {
    assert.equal(await readTextIfSane(join(dir, 'cr.yaml')), 'kind: A\nname: b\r\n');
  }));

test('a binary file and one that is not UTF-8 have no text, within an answer as outside one', () =>
  withFiles({ 'binary.yaml': new Uint8Array([0x61, 0x00, 0x62]), 'latin1.yaml': new Uint8Array([0x61, 0x3a, 0x20, 0xe9, 0x0a]) }, async (dir) => {
    for (const read of [(path: string) => readTextIfSane(path), (path: string) => asOneAnswer(() => readTextIfSane(path))]) {
      assert.equal(await read(join(dir, 'binary.yaml')), undefined);
      assert.equal(await read(join(dir, 'latin1.yaml')), undefined);
    }
  }));

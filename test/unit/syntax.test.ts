import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { checkFile, sizeFinding } from '../../server/src/check/checkFile';
import { ManifestParser } from '../../server/src/manifests/parse';
import { decodeManifest } from '../../server/src/files/decode';
import { parseCaretFixture } from '../support/carets';

function expectFindings(fixture: string): void {
  const { text, expected } = parseCaretFixture(fixture);
  const findings = checkFile(new ManifestParser().parse(text));
  assert.equal(findings.length, expected.length, `findings: ${JSON.stringify(findings, null, 1)}`);
  expected.forEach((want, i) => {
    const got = findings[i]!;
    assert.equal(got.severity, want.severity);
    assert.ok(got.message.includes(want.message), `"${got.message}" should include "${want.message}"`);
    assert.deepEqual(got.range.start, want.range.start, `start of "${got.message}"`);
  });
}

describe('YAML syntax diagnostics', () => {
  test('bad indentation', () => {
    expectFindings(`data:
  LOG_LEVEL: info
 FEATURE_FLAGS: beta
^ error: All mapping items must start at the same column
`);
  });

  test('a line indented deeper than its sibling is reported on that line, not the one above (issue 15)', () => {
    expectFindings(`spec:
  replicas: 1
    paused: true
    ^ error: bad indentation: this line is indented deeper than the line above it; align it with its sibling keys, or nest it under a key that ends with \`:\`
`);
    expectFindings(`containers:
- name: web
   image: nginx
   ^ error: bad indentation: this line is indented deeper than the line above it
`);
  });

  test('duplicate keys', () => {
    expectFindings(`metadata:
  name: a
  name: b
  ^^^^ error: Map keys must be unique
`);
  });

  test('tabs as indentation', () => {
    expectFindings('data:\n\tkey: value\n^ error: Tabs are not allowed as indentation\n');
  });

  test('an unclosed quote', () => {
    expectFindings(`data:
  key: "value
       ^^^^^^ error: Missing closing "quote
  other: x
`);
  });

  test('an error in the third document lands on its own line', () => {
    expectFindings(`apiVersion: v1
kind: ConfigMap
---
apiVersion: v1
kind: Secret
---
apiVersion: v1
kind: Service
spec:
  ports:
    - port: 80
   name: http
^ error: 
`);
  });

  test('valid multi-document files have no findings', () => {
    expectFindings('apiVersion: v1\nkind: ConfigMap\n---\napiVersion: v1\nkind: Secret\n...\n');
  });

  test('an alias bomb is parsed without expanding it', () => {
    const lines = ['a: &a ["x","x","x","x","x","x","x","x","x"]'];
    for (let i = 1; i < 30; i++) lines.push(`${String.fromCharCode(97 + (i % 26))}${i}: &a${i} [*a${i === 1 ? '' : i - 1},*a${i === 1 ? '' : i - 1}]`);
    const findings = checkFile(new ManifestParser().parse(lines.join('\n')));
    assert.ok(Array.isArray(findings));
  });

  test('files over the size limit are skipped with a message', () => {
    const finding = sizeFinding(30 * 1024 * 1024);
    assert.ok(finding);
    assert.match(finding.message, /^skipped: too large \(30\.0 MB; the limit is 20\.0 MB/);
    assert.equal(sizeFinding(1024), undefined);
  });

  test('binary and invalid UTF-8 files are reported, not parsed', () => {
    const binary = decodeManifest(new Uint8Array([0x61, 0x00, 0x62]));
    assert.ok('finding' in binary && binary.finding.message.startsWith('skipped: binary file'));
    const latin1 = decodeManifest(new Uint8Array([0x61, 0x3a, 0x20, 0xe9, 0x0a]));
    assert.ok('finding' in latin1 && latin1.finding.message.includes('not valid UTF-8'));
    const ok = decodeManifest(new TextEncoder().encode('a: é\n'));
    assert.ok('text' in ok && ok.text === 'a: é\n');
  });
});

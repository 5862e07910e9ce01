import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { pathToFileURL } from 'node:url';
import { DiagnosticSeverity } from 'vscode-languageserver-protocol';
import { LspHarness } from '../support/lspClient';
import { EXAMPLES } from '../support/paths';

const BROKEN = join(EXAMPLES, 'infrastructure', 'broken.yaml');

describe('language server: YAML syntax diagnostics over JSON-RPC', () => {
  let lsp: LspHarness;
  before(async () => {
    lsp = await LspHarness.start();
  });
  after(async () => {
    await lsp.stop();
  });

  test('identifies itself, syncs documents incrementally and asks to be told of saves (they re-render environments)', () => {
    assert.equal(lsp.initializeResult?.serverInfo?.name, 'plumbline');
    assert.deepEqual(lsp.initializeResult?.capabilities.textDocumentSync, { openClose: true, change: 2, save: { includeText: false } });
  });

  test('the example with a deliberate error gets one diagnostic at the offending key', async () => {
    const uri = pathToFileURL(BROKEN).href;
    await lsp.open(uri, readFileSync(BROKEN, 'utf8'));
    const diagnostics = await lsp.waitForDiagnostics(uri);
    assert.equal(diagnostics.length, 1, JSON.stringify(diagnostics));
    const [d] = diagnostics;
    assert.equal(d?.source, 'plumbline');
    assert.equal(d?.severity, DiagnosticSeverity.Error);
    assert.equal(d?.code, 'yaml.BAD_INDENT');
    assert.equal(d?.message, 'All mapping items must start at the same column');
    assert.deepEqual(d?.range.start, { line: 8, character: 0 });
  });

  test('an error in a later document of a multi-document file lands on its line', async () => {
    const uri = 'untitled:multi.yaml';
    const text = 'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: a\n---\napiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: b\n  name: c\n';
    await lsp.open(uri, text);
    const [d, ...rest] = await lsp.waitForDiagnostics(uri);
    assert.equal(rest.length, 0);
    assert.equal(d?.message, 'Map keys must be unique');
    assert.deepEqual(d?.range, { start: { line: 9, character: 2 }, end: { line: 9, character: 6 } });
  });

  test('fixing the file clears the diagnostic; breaking it again brings it back', async () => {
    const uri = 'untitled:edit.yaml';
    await lsp.open(uri, 'data:\n  a: 1\n b: 2\n');
    await lsp.waitForDiagnostics(uri, (d) => d.length === 1);
    await lsp.replace(uri, 'data:\n  a: 1\n  b: 2\n');
    await lsp.waitForDiagnostics(uri, (d) => d.length === 0);
    await lsp.replace(uri, 'data:\n  a: 1\n\tb: 2\n');
    const [d] = await lsp.waitForDiagnostics(uri, (list) => list.length > 0);
    assert.match(d?.message ?? '', /Tabs are not allowed/);
  });

  test('closing a file clears its diagnostics', async () => {
    const uri = 'untitled:close.yaml';
    await lsp.open(uri, 'a: "unclosed\n');
    await lsp.waitForDiagnostics(uri, (d) => d.length === 1);
    await lsp.close(uri);
    await lsp.waitForDiagnostics(uri, (d) => d.length === 0);
  });

  test('hostile input gets diagnostics and the server keeps answering', async () => {
    const bomb = ['a: &a [x, x, x, x, x, x, x, x, x, x]'];
    for (let i = 1; i <= 40; i++) bomb.push(`k${i}: &a${i} [${i === 1 ? '*a' : `*a${i - 1}`}, ${i === 1 ? '*a' : `*a${i - 1}`}]`);
    const inputs: Record<string, string> = {
      'untitled:bomb.yaml': bomb.join('\n'),
      'untitled:deep.yaml': `${'['.repeat(10_000)}${']'.repeat(10_000)}\n`,
      'untitled:junk.yaml': Array.from({ length: 5000 }, (_, i) => String.fromCharCode((i * 7919) % 0xd7ff)).join(''),
      'untitled:deep-block.yaml': Array.from({ length: 2000 }, (_, i) => `${' '.repeat(i)}k${i}:`).join('\n'),
    };
    for (const [uri, text] of Object.entries(inputs)) {
      await lsp.open(uri, text);
      await lsp.waitForDiagnostics(uri, () => true, 20_000);
    }
    const probe = 'untitled:after-hostile.yaml';
    await lsp.open(probe, 'x: [\n');
    const diagnostics = await lsp.waitForDiagnostics(probe);
    assert.ok(diagnostics.length > 0);
    assert.equal(lsp.hasExited, false);
  });
});

describe('language server: settings', () => {
  let lsp: LspHarness;
  before(async () => {
    lsp = await LspHarness.start({ maxFileSize: 1 });
  });
  after(async () => {
    await lsp.stop();
  });

  test('files over plumbline.maxFileSize are skipped with a message, and raising the limit checks them', async () => {
    const uri = 'untitled:large.yaml';
    const line = 'key: value-value-value-value-value-value-value-value\n';
    const text = `data:\n${'  '.concat(line).repeat(Math.ceil((1.5 * 1024 * 1024) / line.length))}`;
    await lsp.open(uri, text);
    const [d] = await lsp.waitForDiagnostics(uri, (list) => list.length === 1);
    assert.equal(d?.severity, DiagnosticSeverity.Information);
    assert.match(d?.message ?? '', /^skipped: too large \(1\.[56] MB; the limit is 1\.0 MB/);
    await lsp.changeSettings({ maxFileSize: 4 });
    const after = await lsp.waitForDiagnostics(uri, (list) => list.every((x) => x.code !== 'file.too-large'));
    assert.ok(after.some((x) => x.code === 'yaml.DUPLICATE_KEY'), 'the whole file is parsed now');
  });
});

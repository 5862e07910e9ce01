import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { DiagnosticSeverity, type Diagnostic } from 'vscode-languageserver-protocol';
import { LspHarness } from '../support/lspClient';
import { HANG_MS, withinCpu } from '../support/bounded';

// Hostile and malformed input through the real server. test/lsp/diagnostics.test.ts already feeds
// a top-level alias bomb, 10,000-deep flow brackets, junk below U+D7FF and 2,000-deep block maps;
// these go further: inside Kubernetes objects (so the schema walker sees them too), other encodings
// of junk, and sizes at and far over the limit.

/** An answer bounded by the server's CPU time (see withinCpu). */
function within<T>(lsp: LspHarness, ms: number, what: string, promise: Promise<T>): Promise<{ value: T; ms: number }> {
  const pid = lsp.process.pid;
  if (pid === undefined) throw new Error('the language server has no process id');
  return withinCpu(pid, ms, what, promise);
}

const SETTINGS = { cluster: { enabled: false } };
/** How much server CPU any single answer may take. */
const BOUND_MS = 2_000;

function configMap(data: string): string {
  return `apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: hostile\ndata:\n${data}`;
}

/** Resolves with the value, or fails naming `what` once `ms` have passed. */

function covers(d: Diagnostic, line: number, character: number): boolean {
  const { start, end } = d.range;
  const afterStart = start.line < line || (start.line === line && start.character <= character);
  const beforeEnd = end.line > line || (end.line === line && end.character > character);
  return afterStart && beforeEnd;
}

async function startServer(): Promise<{ lsp: LspHarness; cleanup: () => Promise<void> }> {
  const scratch = mkdtempSync(join(tmpdir(), 'plumbline-lsp-hostile-'));
  const lsp = await LspHarness.start(SETTINGS, { env: { KUBECONFIG: join(scratch, 'no-kubeconfig'), PLUMBLINE_CACHE_DIR: join(scratch, 'cache') } });
  return {
    lsp,
    cleanup: async () => {
      await lsp.stop();
      rmSync(scratch, { recursive: true, force: true });
    },
  };
}

/** The server is alive and still validates: a fresh document gets its exact diagnostic. */
async function assertStillValidates(lsp: LspHarness, name: string): Promise<void> {
  assert.equal(lsp.hasExited, false, lsp.exitReason);
  const uri = `untitled:probe-${name}.yaml`;
  await lsp.open(uri, 'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: probe\n  labls: {}\n');
  const { value } = await within(lsp, BOUND_MS, 'probe diagnostics', lsp.waitForVersion(uri, 1));
  assert.deepEqual(
    value.map((d) => [d.range, d.message]),
    [[{ start: { line: 4, character: 2 }, end: { line: 4, character: 7 } }, 'unknown field `labls` in ConfigMap metadata; did you mean `labels`?']],
  );
  await lsp.close(uri);
}

// Each group has its own server: a test that hangs or kills one must not fail the others.

describe('language server: malformed text', () => {
  let lsp: LspHarness;
  let cleanup: () => Promise<void>;
  before(async () => {
    ({ lsp, cleanup } = await startServer());
  });
  after(async () => {
    await cleanup();
  });

  test('line endings, a byte-order mark and astral characters do not shift ranges', async () => {
    const labls = 'unknown field `labls` in ConfigMap metadata; did you mean `labels`?';
    const astralLine = '  annotations: {note: "🚀🚀", tier: 1}';
    const cases: { name: string; text: string; line: number; start: number; end: number; message: string }[] = [
      { name: 'crlf', text: 'apiVersion: v1\r\nkind: ConfigMap\r\nmetadata:\r\n  name: x\r\n  labls: {}\r\n', line: 4, start: 2, end: 7, message: labls },
      // The mark is a character of the text as sent: the value after it starts one column later.
      {
        name: 'bom',
        text: '\uFEFFapiVersion: apps/v1beta1\nkind: Deployment\nmetadata:\n  name: x\n',
        line: 0,
        start: 13,
        end: 25,
        message: 'apps/v1beta1 Deployment was removed in Kubernetes 1.16; use apps/v1 (target: Kubernetes 1.36)',
      },
      // Each rocket is two UTF-16 code units, which is how LSP counts characters.
      {
        name: 'astral',
        text: `apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: x\n${astralLine}\n`,
        line: 4,
        start: 36,
        end: 37,
        message: 'ConfigMap metadata.annotations.tier must be a string, not the number 1; quote it: "1"',
      },
    ];
    assert.equal(astralLine.indexOf('1}'), 36);
    for (const c of cases) {
      const uri = `untitled:${c.name}.yaml`;
      await lsp.open(uri, c.text);
      const diagnostics = await lsp.waitForVersion(uri, 1);
      assert.deepEqual(
        diagnostics.map((d) => [d.range, d.message]),
        [[{ start: { line: c.line, character: c.start }, end: { line: c.line, character: c.end } }, c.message]],
        c.name,
      );
      await lsp.close(uri);
    }
  });

  test('with CRLF line endings, a range that runs to the end of a line stops before the \\r', async () => {
    const uri = 'untitled:crlf-quote.yaml';
    // The unclosed quote is marked from the quote to the end of its line: `"x`, not `"x\r`.
    await lsp.open(uri, 'apiVersion: v1\r\nkind: ConfigMap\r\nmetadata:\r\n  name: "x\r\n  labels: {}\r\n');
    const diagnostics = await lsp.waitForVersion(uri, 1);
    assert.deepEqual(
      diagnostics.map((d) => [d.range, d.message]),
      [[{ start: { line: 3, character: 8 }, end: { line: 3, character: 10 } }, 'Missing closing "quote']],
    );
    await lsp.close(uri);
  });

  test('lone UTF-16 surrogates (which cannot be saved as UTF-8) are errors where they stand', async () => {
    const uri = 'untitled:surrogates.yaml';
    // A high surrogate alone in a quoted value, a low one alone in a plain value.
    const text = configMap('  quoted: "x\uD800y"\n  plain: z\uDC00\n');
    await lsp.open(uri, text);
    const { value: diagnostics } = await within(lsp, BOUND_MS, 'diagnostics', lsp.waitForVersion(uri, 1));
    assert.equal(text.split('\n')[5]?.indexOf('\uD800'), 12);
    assert.equal(text.split('\n')[6]?.indexOf('\uDC00'), 10);
    for (const [line, character] of [[5, 12], [6, 10]] as const) {
      assert.ok(
        diagnostics.some((d) => d.severity === DiagnosticSeverity.Error && covers(d, line, character)),
        `an error at ${line}:${character} (the lone surrogate); got ${JSON.stringify(diagnostics)}`,
      );
    }
    // The server can still work with the text.
    await within(lsp, BOUND_MS, 'hover', lsp.hover(uri, { line: 5, character: 4 }));
    await within(lsp, BOUND_MS, 'outline', lsp.documentSymbols(uri));
    await lsp.close(uri);
    await assertStillValidates(lsp, 'surrogates');
  });

  test('C0 control characters, which kubectl rejects, are errors where they stand', async () => {
    const uri = 'untitled:control.yaml';
    const text = configMap('  bell: ring\u0007ring\n  escape: "\u001b[31mred"\n');
    assert.equal(text.split('\n')[5]?.indexOf('\u0007'), 12);
    assert.equal(text.split('\n')[6]?.indexOf('\u001b'), 11);
    await lsp.open(uri, text);
    const { value: diagnostics } = await within(lsp, BOUND_MS, 'diagnostics', lsp.waitForVersion(uri, 1));
    for (const [line, character] of [[5, 12], [6, 11]] as const) {
      assert.ok(
        diagnostics.some((d) => d.severity === DiagnosticSeverity.Error && covers(d, line, character)),
        `an error at ${line}:${character} (the control character); got ${JSON.stringify(diagnostics)}`,
      );
    }
    await lsp.close(uri);
  });

  test('a control character is reported once, also when `...` ends documents without a `---`', async () => {
    const uri = 'untitled:control-once.yaml';
    await lsp.open(uri, 'a: x\u0007y\n...\nb: 1\n...\nc: 2\n');
    const diagnostics = await lsp.waitForVersion(uri, 1);
    assert.deepEqual(
      diagnostics.map((d) => [d.range, d.message]),
      [[{ start: { line: 0, character: 4 }, end: { line: 0, character: 5 } }, 'control character U+0007 is not allowed in YAML']],
    );
    await lsp.close(uri);
  });

  test('binary junk (with NUL bytes) is skipped with the same note as the CLI gives', async () => {
    const uri = 'untitled:junk.png.yaml';
    let seed = 7;
    const random = (): number => {
      seed = (seed * 1103515245 + 12345) % 2 ** 31;
      return seed / 2 ** 31;
    };
    // A PNG header and bytes 0-255 as Latin-1 characters, the way a mis-detected binary file reaches an editor.
    const junk = `\u0089PNG\r\n\u001a\n\u0000\u0000\u0000\rIHDR${Array.from({ length: 4096 }, () => String.fromCharCode(Math.floor(random() * 256))).join('')}`;
    await lsp.open(uri, junk);
    const { value: diagnostics } = await within(lsp, BOUND_MS, 'diagnostics', lsp.waitForVersion(uri, 1));
    assert.deepEqual(
      diagnostics.map((d) => ({ range: d.range, severity: d.severity, code: d.code, message: d.message })),
      [{ range: { start: { line: 0, character: 0 }, end: { line: 0, character: 0 } }, severity: DiagnosticSeverity.Information, code: 'file.binary', message: 'skipped: binary file (contains NUL bytes)' }],
    );
    await within(lsp, BOUND_MS, 'completion', lsp.completion(uri, { line: 0, character: 1 }));
    await lsp.close(uri);
    await assertStillValidates(lsp, 'junk');
  });

  test('a billion-laughs bomb in Helm values (not walked) is answered at once, outline and folding included', async () => {
    const lines = [
      'apiVersion: helm.toolkit.fluxcd.io/v2',
      'kind: HelmRelease',
      'metadata:',
      '  name: lol',
      'spec:',
      '  interval: 10m',
      '  chartRef:',
      '    kind: OCIRepository',
      '    name: lol',
      '  values:',
      '    l0: &l0 [lol, lol, lol, lol, lol, lol, lol, lol, lol, lol]',
    ];
    for (let i = 1; i <= 12; i++) lines.push(`    l${i}: &l${i} [${Array.from({ length: 10 }, () => `*l${i - 1}`).join(', ')}]`);
    const uri = 'untitled:lol-values.yaml';
    await lsp.open(uri, `${lines.join('\n')}\n`);
    const { value: diagnostics } = await within(lsp, BOUND_MS, 'diagnostics', lsp.waitForVersion(uri, 1));
    assert.deepEqual(diagnostics, []);
    const { value: symbols } = await within(lsp, BOUND_MS, 'outline', lsp.documentSymbols(uri));
    assert.equal(symbols?.[0]?.name, 'HelmRelease/lol');
    await within(lsp, BOUND_MS, 'folding', lsp.foldingRanges(uri));
    await within(lsp, BOUND_MS, 'hover', lsp.hover(uri, { line: 5, character: 3 }));
    await lsp.close(uri);
  });
});

describe('language server: 10,000-deep nesting', () => {
  let lsp: LspHarness;
  let cleanup: () => Promise<void>;
  before(async () => {
    ({ lsp, cleanup } = await startServer());
  });
  after(async () => {
    await cleanup();
  });

  test('10,000-deep nesting inside a resource, flow and block, is one error on its line and answered at once', async () => {
    const cases: Record<string, string> = {
      'flow-sequences': `  deep: ${'['.repeat(10_000)}${']'.repeat(10_000)}\n`,
      'flow-mappings': `  deep: ${'{a: '.repeat(10_000)}1${'}'.repeat(10_000)}\n`,
      'block-sequences': `  deep:\n    ${'- '.repeat(10_000)}x\n`,
    };
    for (const [name, data] of Object.entries(cases)) {
      const uri = `untitled:deep-${name}.yaml`;
      await lsp.open(uri, configMap(data));
      const { value: diagnostics, ms } = await within(lsp, BOUND_MS, `${name} diagnostics`, lsp.waitForVersion(uri, 1));
      const line = name === 'block-sequences' ? 6 : 5;
      assert.equal(diagnostics.length, 1, `${name} (${ms} ms): ${JSON.stringify(diagnostics)}`);
      const [d] = diagnostics;
      assert.equal(d?.severity, DiagnosticSeverity.Error);
      assert.equal(d?.code, 'yaml.RESOURCE_EXHAUSTION');
      assert.equal(d?.range.start.line, line, name);
      assert.ok((d?.message ?? '') !== '');
      await within(lsp, BOUND_MS, `${name} folding`, lsp.foldingRanges(uri));
      await within(lsp, BOUND_MS, `${name} hover`, lsp.hover(uri, { line: 4, character: 1 }));
      await lsp.close(uri);
    }
    await assertStillValidates(lsp, 'deep');
  });

  test('deep block nesting followed by a less indented key still gets diagnostics, and requests on it succeed', async () => {
    const uri = 'untitled:deep-then-key.yaml';
    await lsp.open(uri, configMap(`  deep:\n    ${'- '.repeat(3_000)}x\n  after: value\n`));
    const { value: diagnostics } = await within(lsp, BOUND_MS, 'diagnostics', lsp.waitForVersion(uri, 1));
    assert.ok(
      diagnostics.some((d) => d.severity === DiagnosticSeverity.Error && d.range.start.line === 6),
      `an error on the nested line; got ${JSON.stringify(diagnostics)}`,
    );
    await within(lsp, BOUND_MS, 'folding', lsp.foldingRanges(uri));
    await within(lsp, BOUND_MS, 'outline', lsp.documentSymbols(uri));
    await within(lsp, BOUND_MS, 'hover', lsp.hover(uri, { line: 7, character: 3 }));
    await within(lsp, BOUND_MS, 'completion', lsp.completion(uri, { line: 7, character: 3 }));
    await lsp.close(uri);
  });
});

describe('language server: deeply nested documents one after another', () => {
  let lsp: LspHarness;
  let cleanup: () => Promise<void>;
  before(async () => {
    ({ lsp, cleanup } = await startServer());
  });
  after(async () => {
    await cleanup();
  });

  test('2,000- then 3,000-deep block sequences each get a diagnostic and the server survives', async () => {
    for (const depth of [2_000, 3_000]) {
      const uri = `untitled:nested-${depth}.yaml`;
      await lsp.open(uri, `${'- '.repeat(depth)}x\n`);
      const { value: diagnostics } = await within(lsp, BOUND_MS, `diagnostics at depth ${depth}`, lsp.waitForVersion(uri, 1)).catch((error: unknown) => {
        throw new Error(`${String(error)}; ${lsp.exitReason ?? 'server running'}; ${/FATAL ERROR:.*$/m.exec(lsp.stderrTail)?.[0] ?? ''}`);
      });
      assert.ok(diagnostics.some((d) => d.severity === DiagnosticSeverity.Error), JSON.stringify(diagnostics));
    }
    await assertStillValidates(lsp, 'nested');
  });
});

describe('language server: a 50 MB file', () => {
  let lsp: LspHarness;
  let cleanup: () => Promise<void>;
  before(async () => {
    ({ lsp, cleanup } = await startServer());
  });
  after(async () => {
    await cleanup();
  });

  test('a 50 MB file is skipped as too large, and cutting it down gets it checked', async () => {
    // As in any real session, the server has already checked another document.
    await assertStillValidates(lsp, 'before-fifty');
    const uri = 'untitled:fifty.yaml';
    const row = '  key-000000: value-value-value-value-value-value-value-value-value\n';
    const count = Math.ceil((50 * 1024 * 1024) / row.length);
    const text = configMap(Array.from({ length: count }, (_, i) => row.replace('000000', String(i).padStart(6, '0'))).join(''));
    await lsp.open(uri, text);
    const { value: diagnostics } = await within(lsp, 20_000, 'diagnostics of 50 MB', lsp.waitForVersion(uri, 1, HANG_MS));
    assert.deepEqual(
      diagnostics.map((d) => ({ range: d.range, severity: d.severity, code: d.code, message: d.message })),
      [{ range: { start: { line: 0, character: 0 }, end: { line: 0, character: 0 } }, severity: DiagnosticSeverity.Information, code: 'file.too-large', message: 'skipped: too large (50.0 MB; the limit is 20.0 MB, see plumbline.maxFileSize)' }],
    );
    // One incremental edit deletes every data line but the first two and adds a typo.
    const version = await lsp.edit(uri, [{ range: { start: { line: 7, character: 0 }, end: { line: 5 + count, character: 0 } }, text: '  key-x: 1\n' }]);
    const { value: checked } = await within(lsp, 5_000, 'diagnostics after the cut', lsp.waitForVersion(uri, version, HANG_MS));
    assert.deepEqual(
      checked.map((d) => [d.range, d.message]),
      [[{ start: { line: 7, character: 9 }, end: { line: 7, character: 10 } }, 'ConfigMap data.key-x must be a string, not the number 1; quote it: "1"']],
    );
    await lsp.close(uri);
    await assertStillValidates(lsp, 'fifty');
  });
});

describe('language server: a %YAML directive below a blank first line', () => {
  let lsp: LspHarness;
  let cleanup: () => Promise<void>;
  before(async () => {
    ({ lsp, cleanup } = await startServer());
  });
  after(async () => {
    await cleanup();
  });

  test('is split into documents like any other file and validated at once', async () => {
    const uri = 'untitled:directive.yaml';
    await lsp.open(uri, '\n%YAML 1.2\n---\napiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: x\n  labls: {}\n');
    const { value: diagnostics } = await within(lsp, BOUND_MS, 'diagnostics', lsp.waitForVersion(uri, 1));
    assert.deepEqual(
      diagnostics.map((d) => [d.range, d.message]),
      [[{ start: { line: 7, character: 2 }, end: { line: 7, character: 7 } }, 'unknown field `labls` in ConfigMap metadata; did you mean `labels`?']],
    );
    await within(lsp, BOUND_MS, 'hover', lsp.hover(uri, { line: 3, character: 1 }));
  });
});

describe('language server: requests on a file skipped as too large', () => {
  let lsp: LspHarness;
  let cleanup: () => Promise<void>;
  before(async () => {
    ({ lsp, cleanup } = await startServer());
  });
  after(async () => {
    await cleanup();
  });

  test('outline, folding, hover and completion on a skipped 21 MB file answer at once (the file is not parsed)', async () => {
    const uri = 'untitled:skipped.yaml';
    const row = '  key-000000: value-value-value-value-value-value-value-value-value\n';
    const count = Math.ceil((21 * 1024 * 1024) / row.length);
    await lsp.open(uri, configMap(Array.from({ length: count }, (_, i) => row.replace('000000', String(i).padStart(6, '0'))).join('')));
    const [skipped] = await lsp.waitForVersion(uri, 1, HANG_MS);
    assert.equal(skipped?.code, 'file.too-large');
    await within(lsp, BOUND_MS, 'documentSymbol on the skipped file', lsp.documentSymbols(uri));
    await within(lsp, BOUND_MS, 'foldingRange on the skipped file', lsp.foldingRanges(uri));
    await within(lsp, BOUND_MS, 'hover on the skipped file', lsp.hover(uri, { line: 6, character: 4 }));
    await within(lsp, BOUND_MS, 'completion on the skipped file', lsp.completion(uri, { line: 6, character: 4 }));
    await assertStillValidates(lsp, 'skipped');
  });
});

describe('language server: a big file under the limit', () => {
  let lsp: LspHarness;
  let cleanup: () => Promise<void>;
  before(async () => {
    ({ lsp, cleanup } = await startServer());
  });
  after(async () => {
    await cleanup();
  });

  test('a 3 MB ConfigMap (45,000 keys, well under the 20 MB limit) is checked within 5 s of server CPU', async () => {
    const uri = 'untitled:three-mb.yaml';
    const row = '  key-000000: value-value-value-value-value-value-value-value-value\n';
    const count = Math.ceil((3 * 1024 * 1024) / row.length);
    await lsp.open(uri, configMap(Array.from({ length: count }, (_, i) => row.replace('000000', String(i).padStart(6, '0'))).join('')));
    await within(lsp, 5_000, `diagnostics for ${count} keys`, lsp.waitForVersion(uri, 1, HANG_MS));
  });
});

describe('language server: an alias bomb the schema walker follows', () => {
  let lsp: LspHarness;
  let cleanup: () => Promise<void>;
  before(async () => {
    ({ lsp, cleanup } = await startServer());
  });
  after(async () => {
    await cleanup();
  });

  test('in a CRD schema, stops with one warning within 3 s of server CPU', async () => {
    const lines = [
      'apiVersion: apiextensions.k8s.io/v1',
      'kind: CustomResourceDefinition',
      'metadata:',
      '  name: lols.example.com',
      'spec:',
      '  group: example.com',
      '  names: {kind: Lol, plural: lols}',
      '  scope: Namespaced',
      '  versions:',
      '    - name: v1',
      '      served: true',
      '      storage: true',
      '      schema:',
      '        openAPIV3Schema:',
      '          type: object',
      '          properties:',
      '            l0: &l0 {type: string}',
    ];
    const keys = 'abcdefghij'.split('');
    for (let i = 1; i <= 9; i++) lines.push(`            l${i}: &l${i} {type: object, properties: {${keys.map((k) => `${k}: *l${i - 1}`).join(', ')}}}`);
    const uri = 'untitled:lol-crd.yaml';
    await lsp.open(uri, `${lines.join('\n')}\n`);
    const { value: diagnostics } = await within(lsp, 3_000, 'diagnostics of the CRD bomb', lsp.waitForVersion(uri, 1, HANG_MS));
    assert.equal(diagnostics.length, 1, JSON.stringify(diagnostics));
    assert.equal(diagnostics[0]?.severity, DiagnosticSeverity.Warning);
    assert.equal(diagnostics[0]?.message, 'validation stopped: this document expands to more than 200000 nodes (aliases?)');
    await lsp.close(uri);
  });
});

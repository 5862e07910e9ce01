import assert from 'node:assert/strict';
import { randomInt } from 'node:crypto';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { pathToFileURL } from 'node:url';
import { TextDocument } from 'vscode-languageserver-textdocument';
import { LogMessageNotification, MessageType, type Diagnostic, type Position } from 'vscode-languageserver-protocol';
import { parseCaretFixture } from '../support/carets';
import { LspHarness, type TextEdit } from '../support/lspClient';
import { EXAMPLES } from '../support/paths';
import { type Rng, seededRandom } from '../support/random';
import { HANG_MS, withinCpu } from '../support/bounded';

// Seeded fuzzing of the real server: mutated manifests go in as opens, incremental edits (one or
// two ranges per change) and whole-text changes; every version must be diagnosed and every
// request answered within BOUND_MS of server CPU, with ranges that exist in the text, and the server must
// still validate a normal document at the end.
//
//   PLUMBLINE_FUZZ_SEED=1234 node --import tsx --test test/lsp/fuzz.test.ts   # reproduce a run
//   PLUMBLINE_FUZZ_SEED=random …                                             # explore a new seed
//   PLUMBLINE_FUZZ_ITERATIONS=20000 …                                         # fuzz longer
//
// Lone CR line breaks are not generated: editors send LF or CRLF; hostile.test.ts covers CR.

// `npm test` runs fixed seeds so that its verdict is the code's, not the draw's: a random seed
// made the suite fail one run in a few whenever it found a new parser fault. Seeds that found a
// fault are kept here once it is fixed; new ones are found with PLUMBLINE_FUZZ_SEED=random.
const FIXED_SEEDS = [20261203, 504224549, 171891887];
const SEED_SETTING = process.env['PLUMBLINE_FUZZ_SEED'];
const SEEDS = SEED_SETTING === undefined ? FIXED_SEEDS : [SEED_SETTING === 'random' ? randomInt(2 ** 31) : Number(SEED_SETTING)];
const ITERATIONS = Number(process.env['PLUMBLINE_FUZZ_ITERATIONS'] ?? 3000);
const BOUND_MS = Number(process.env['PLUMBLINE_FUZZ_BOUND_MS'] ?? 2_000);
/** Texts that grew past this by repeated mutation start over from the corpus. */
const MAX_TEXT = 200_000;

const FIXTURES = join(__dirname, 'fixtures', 'validation');



function yamlFiles(dir: string): string[] {
  return readdirSync(dir, { recursive: true, withFileTypes: true })
    .filter((e) => e.isFile() && /\.(ya?ml|tpl)$/.test(e.name))
    .map((e) => join(e.parentPath, e.name))
    .sort();
}

/** The examples and the validation fixtures (caret markers removed). */
function loadCorpus(): string[] {
  return [...yamlFiles(EXAMPLES), ...yamlFiles(FIXTURES)].map((f) => parseCaretFixture(readFileSync(f, 'utf8')).text);
}

const KINDS = [
  ['v1', 'ConfigMap'], ['v1', 'Secret'], ['v1', 'Service'], ['v1', 'Pod'], ['apps/v1', 'Deployment'], ['apps/v1', 'StatefulSet'],
  ['batch/v1', 'CronJob'], ['networking.k8s.io/v1', 'Ingress'], ['apiextensions.k8s.io/v1', 'CustomResourceDefinition'],
  ['helm.toolkit.fluxcd.io/v2', 'HelmRelease'], ['kustomize.toolkit.fluxcd.io/v1', 'Kustomization'], ['source.toolkit.fluxcd.io/v1', 'GitRepository'],
  ['argoproj.io/v1alpha1', 'Application'], ['argoproj.io/v1alpha1', 'ApplicationSet'], ['kustomize.config.k8s.io/v1beta1', 'Kustomization'],
  ['apps/v1beta1', 'Deployment'], ['example.com/v1', 'Widget'], ['v1', ''], ['', 'ConfigMap'],
] as const;

/** Junk characters: controls, NUL, BOM, lone surrogates, non-characters, separators, astral, YAML indicators. */
const JUNK = [
  '\0', '\x01', '\x07', '\x1b', '\x7f', '\x85', '\uFEFF', '\uD800', '\uDBFF', '\uDC00', '\uDFFF', '\uFFFE', '\uFFFF', '\u2028', '\u2029',
  '\u00a0', '\u200b', '\u0301', '🚀', '𝔘', '👩‍👩‍👧', ':', '-', '[', ']', '{', '}', '#', '&', '*', '!', '|', '>', "'", '"', '%', '@', '`', ',', '?',
  '\t', ' ', '\n', '\r\n', '\\', '---', '...', '<<', '~', 'null', '0x1F', '.inf', '1e400', '-0',
];

class Mutator {
  constructor(
    private readonly rnd: Rng,
    private readonly corpus: readonly string[],
  ) {}

  int(lo: number, hi: number): number {
    return lo + Math.floor(this.rnd() * (hi - lo + 1));
  }

  pick<T>(list: readonly T[]): T {
    return list[Math.floor(this.rnd() * list.length)] as T;
  }

  chance(p: number): boolean {
    return this.rnd() < p;
  }

  private lines(text: string): string[] {
    return text.split('\n');
  }

  private atLine(text: string, insert: string): string {
    const lines = this.lines(text);
    lines.splice(this.int(0, lines.length), 0, insert);
    return lines.join('\n');
  }

  private atOffset(text: string, insert: string): string {
    const at = this.int(0, text.length);
    return text.slice(0, at) + insert + text.slice(at);
  }

  /** A value line (`key: value`) to hang anchors, aliases and templates on. */
  private valueLine(lines: string[]): number | undefined {
    const candidates = lines.flatMap((l, i) => (/^\s*(-\s+)?[\w.-]+:\s+\S/.test(l) ? [i] : []));
    return candidates.length === 0 ? undefined : this.pick(candidates);
  }

  readonly mutations: Record<string, (text: string) => string> = {
    deleteLine: (text) => {
      const lines = this.lines(text);
      lines.splice(this.int(0, lines.length - 1), this.int(1, 3));
      return lines.join('\n');
    },
    duplicateLine: (text) => {
      const lines = this.lines(text);
      const i = this.int(0, lines.length - 1);
      lines.splice(i, 0, ...Array.from({ length: this.int(1, 3) }, () => lines[i] ?? ''));
      return lines.join('\n');
    },
    swapLines: (text) => {
      const lines = this.lines(text);
      const a = this.int(0, lines.length - 1);
      const b = this.int(0, lines.length - 1);
      [lines[a], lines[b]] = [lines[b] ?? '', lines[a] ?? ''];
      return lines.join('\n');
    },
    reindent: (text) => {
      const lines = this.lines(text);
      const i = this.int(0, lines.length - 1);
      const line = lines[i] ?? '';
      lines[i] = this.chance(0.5) ? ' '.repeat(this.int(0, 14)) + line.trimStart() : this.chance(0.5) ? ` ${line}` : line.replace(/^ /, '');
      return lines.join('\n');
    },
    insertTab: (text) => (this.chance(0.5) ? this.atOffset(text, '\t') : this.lines(text).map((l) => (this.chance(0.1) ? `\t${l}` : l)).join('\n')),
    junk: (text) => this.atOffset(text, Array.from({ length: this.int(1, 24) }, () => (this.chance(0.7) ? this.pick(JUNK) : String.fromCharCode(this.int(0, 0xffff)))).join('').replace(/\r(?!\n)/g, '')),
    unicode: (text) => {
      const chars = Array.from({ length: this.int(1, 40) }, () => (this.chance(0.2) ? String.fromCodePoint(this.int(0x10000, 0x10ffff)) : String.fromCharCode(this.int(0x20, 0xd7ff))));
      return this.atOffset(text, chars.join(''));
    },
    truncate: (text) => text.slice(0, this.int(0, text.length)),
    anchorsAndAliases: (text) => {
      const lines = this.lines(text);
      const a = this.valueLine(lines);
      const b = this.valueLine(lines);
      if (a === undefined || b === undefined) return this.atLine(text, 'x: &a [*a]');
      const name = this.pick(['a', 'a', 'b', 'nope']);
      lines[a] = (lines[a] ?? '').replace(/:\s+/, this.chance(0.8) ? `: &a ` : `: &a\n`);
      lines[b] = (lines[b] ?? '').replace(/:\s+.*$/, this.pick([`: *${name}`, `: [*${name}, *${name}]`, `: {<<: *${name}}`, `: *${name} extra`]));
      if (this.chance(0.2)) lines.splice(this.int(0, lines.length), 0, `<<: *${name}`);
      return lines.join('\n');
    },
    smallBomb: (text) => {
      const depth = this.int(2, 5);
      const bomb = ['b0: &b0 [lol, lol, lol]'];
      for (let i = 1; i <= depth; i++) bomb.push(`b${i}: &b${i} [*b${i - 1}, *b${i - 1}, *b${i - 1}]`);
      return this.atLine(text, bomb.join('\n'));
    },
    deepNesting: (text) => {
      const n = this.int(50, 3_000);
      switch (this.int(0, 3)) {
        case 0:
          return this.atLine(text, `deep: ${'['.repeat(n)}${']'.repeat(this.chance(0.8) ? n : this.int(0, n))}`);
        case 1:
          return this.atLine(text, `deep: ${'{a: '.repeat(n)}1${'}'.repeat(this.chance(0.8) ? n : this.int(0, n))}`);
        case 2:
          return this.atLine(text, `deep:\n  ${'- '.repeat(n)}x`);
        default:
          return this.atLine(text, Array.from({ length: Math.min(n, 300) }, (_, i) => `${' '.repeat(i)}k${i}:`).join('\n'));
      }
    },
    hugeScalar: (text) => {
      const n = this.int(10_000, 150_000);
      switch (this.int(0, 3)) {
        case 0:
          return this.atLine(text, `huge: ${'a'.repeat(n)}`);
        case 1:
          return this.atLine(text, `huge: "${'\\u00e9x'.repeat(Math.floor(n / 7))}"`);
        case 2:
          return this.atLine(text, `huge: |\n${Array.from({ length: Math.floor(n / 40) }, () => `  ${'b'.repeat(38)}`).join('\n')}`);
        default:
          return this.atLine(text, `${'k'.repeat(Math.min(n, 2_000))}: v`);
      }
    },
    documentMarkers: (text) => this.atLine(text, this.pick(['---', '...', '--- !tag', '%YAML 1.2\n---', '%TAG ! tag:example.com,2000:\n---', '--- |', '---\n---'])),
    template: (text) => {
      const lines = this.lines(text);
      const i = this.valueLine(lines);
      const t = this.pick(['{{ .Values.x }}', '{{- if .Values.on }}', "'{{path.basename}}'", '{{ include "x" . | nindent 4 }}', '${VAR}']);
      if (i === undefined || this.chance(0.3)) return this.atLine(text, t);
      lines[i] = (lines[i] ?? '').replace(/:\s+.*$/, `: ${t}`);
      return lines.join('\n');
    },
    changeKind: (text) => {
      const [apiVersion, kind] = this.pick(KINDS);
      let out = text.replace(/^kind:.*$/m, `kind: ${kind}`);
      if (this.chance(0.7)) out = out.replace(/^apiVersion:.*$/m, `apiVersion: ${apiVersion}`);
      return out;
    },
    splice: (text) => {
      const other = this.lines(this.pick(this.corpus));
      const from = this.int(0, other.length - 1);
      return this.atLine(text, other.slice(from, from + this.int(1, 15)).join('\n'));
    },
    crlf: (text) => text.replace(/\r?\n/g, '\r\n'),
    emptyish: () => this.pick(['', ' ', '\n', '---\n---\n', '#', '\uFEFF', '- ', ':', '{', 'a:\n  - b\n  c: d']),
  };

  /** One to three mutations of `text`; returns the new text and what was done. */
  mutate(text: string): { text: string; applied: string[] } {
    const names = Object.keys(this.mutations);
    const applied: string[] = [];
    let out = text;
    for (let i = this.int(1, 3); i > 0; i--) {
      const name = this.pick(names);
      applied.push(name);
      out = this.mutations[name]?.(out) ?? out;
    }
    // No lone CR line breaks (see above); mutations that cut or move lines can leave one.
    return { text: out.replace(/\r(?!\n)/g, ''), applied };
  }
}

/** The change from `before` to `after` as one or two incremental edits, with LSP positions of the client's model. */
function incrementalEdits(before: string, after: string, split: boolean): TextEdit[] {
  const max = Math.min(before.length, after.length);
  let prefix = 0;
  while (prefix < max && before.charCodeAt(prefix) === after.charCodeAt(prefix)) prefix++;
  let suffix = 0;
  while (suffix < max - prefix && before.charCodeAt(before.length - 1 - suffix) === after.charCodeAt(after.length - 1 - suffix)) suffix++;
  // Editors never split a CRLF: an edit neither starts right after a \r nor ends right before a \n
  // (a position between them does not exist in LSP, and a CRLF formed across an edit's boundary
  // is counted as two line breaks by incremental line bookkeeping).
  while (prefix > 0 && before[prefix - 1] === '\r') prefix--;
  while (suffix > 0 && before[before.length - suffix] === '\n') suffix--;
  const doc = TextDocument.create('fuzz:before', 'yaml', 0, before);
  const range = { start: doc.positionAt(prefix), end: doc.positionAt(before.length - suffix) };
  const inserted = after.slice(prefix, after.length - suffix);
  if (!split || inserted === '' || prefix === before.length - suffix) return [{ range, text: inserted }];
  // Delete, then insert at the same place (the second range is in the text after the first edit).
  return [
    { range, text: '' },
    { range: { start: range.start, end: range.start }, text: inserted },
  ];
}

function firstDifference(a: string, b: string): number {
  let i = 0;
  while (i < a.length && i < b.length && a.charCodeAt(i) === b.charCodeAt(i)) i++;
  return i;
}

function applyLocally(before: string, edits: TextEdit[]): string {
  const doc = TextDocument.create('fuzz:check', 'yaml', 0, before);
  return TextDocument.update(doc, edits.map((e) => ({ range: e.range, text: e.text })), 1).getText();
}

/**
 * Every range must exist in the text the client has: lines within it, characters within their
 * line. One known exception is tolerated here because hostile.test.ts pins it exactly: the
 * engine counts the \r of a CRLF as part of its line, so a position can land between \r and \n.
 */
function rangeProblem(text: string, d: Diagnostic): string | undefined {
  const doc = TextDocument.create('fuzz:range', 'yaml', 0, text);
  const valid = (p: Position): boolean => {
    if (p.line < 0 || p.character < 0 || p.line >= doc.lineCount) return false;
    const withBreak = doc.getText({ start: { line: p.line, character: 0 }, end: { line: p.line + 1, character: 0 } });
    const lineText = withBreak.replace(/\r?\n$/, '');
    const crlfSlack = withBreak.endsWith('\r\n') ? 1 : 0;
    return p.character <= lineText.length + crlfSlack;
  };
  const { start, end } = d.range;
  if (!valid(start) || !valid(end)) return `range outside the text: ${JSON.stringify(d.range)} (${doc.lineCount} lines): ${d.message}`;
  if (start.line > end.line || (start.line === end.line && start.character > end.character)) return `range ends before it starts: ${JSON.stringify(d.range)}`;
  if (d.source !== 'plumbline' || d.message === '' || d.severity === undefined || d.severity < 1 || d.severity > 4) return `malformed diagnostic: ${JSON.stringify(d)}`;
  return undefined;
}

class Latencies {
  private readonly samples: number[] = [];
  worst = { ms: 0, what: '' };

  add(ms: number, what: string): void {
    this.samples.push(ms);
    if (ms > this.worst.ms) this.worst = { ms, what };
  }

  summary(): string {
    const sorted = [...this.samples].sort((a, b) => a - b);
    const at = (q: number): number => sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] ?? 0;
    return `${sorted.length} samples, p50 ${at(0.5).toFixed(1)} ms, p99 ${at(0.99).toFixed(1)} ms, max ${this.worst.ms.toFixed(1)} ms (${this.worst.what})`;
  }
}

/** An answer bounded by the server's CPU time (see withinCpu): on a busy machine a wall-clock bound measured the scheduler. */
function within<T>(lsp: LspHarness, ms: number, what: string, promise: Promise<T>): Promise<{ value: T; ms: number }> {
  const pid = lsp.process.pid;
  if (pid === undefined) throw new Error('the language server has no process id');
  return withinCpu(pid, ms, what, promise);
}

for (const SEED of SEEDS) describe(`language server: seeded fuzzing over JSON-RPC (seed ${SEED})`, () => {
  let lsp: LspHarness;
  let scratch: string;
  const logged: string[] = [];

  before(async () => {
    scratch = mkdtempSync(join(tmpdir(), 'plumbline-lsp-fuzz-'));
    lsp = await LspHarness.start(
      { cluster: { enabled: false } },
      { workspaceFolders: [FIXTURES], env: { KUBECONFIG: join(scratch, 'no-kubeconfig'), PLUMBLINE_CACHE_DIR: join(scratch, 'cache') } },
    );
    lsp.connection.onNotification(LogMessageNotification.type, (m) => {
      if (m.type === MessageType.Error) logged.push(m.message);
    });
  });
  after(async () => {
    await lsp.stop();
    rmSync(scratch, { recursive: true, force: true });
  });

  test(`${ITERATIONS} mutated manifests: every version diagnosed and every request answered within ${BOUND_MS} ms of server CPU`, async (t) => {
    console.log(`fuzz seed ${SEED} (reproduce with PLUMBLINE_FUZZ_SEED=${SEED}), ${ITERATIONS} iterations`);
    t.diagnostic(`seed ${SEED}`);
    const rnd = seededRandom(SEED);
    const corpus = loadCorpus();
    const m = new Mutator(rnd, corpus);
    // Different roles: plain manifests, a strategic-merge and a JSON 6902 patch, a kustomization, a chart template.
    const slots = [
      'untitled:fuzz-a.yaml',
      'untitled:fuzz-b.yaml',
      pathToFileURL(join(scratch, 'fuzz.yaml')).href,
      pathToFileURL(join(FIXTURES, 'apps/shop/overlays/prod/deployment-patch.yaml')).href,
      pathToFileURL(join(FIXTURES, 'apps/shop/overlays/prod/replicas-json6902.yaml')).href,
      pathToFileURL(join(FIXTURES, 'apps/shop/overlays/prod/kustomization.yaml')).href,
      pathToFileURL(join(FIXTURES, 'charts/shop/templates/fuzz.yaml')).href,
    ];
    const texts = new Map<string, string>();
    const models = new Map<string, TextDocument>();
    const diagnostics = new Latencies();
    const requests = new Latencies();
    const counts = { opens: 0, incremental: 0, twoRange: 0, whole: 0, closes: 0, hovers: 0, completions: 0, symbols: 0, foldings: 0, diagnostics: 0 };
    const started = performance.now();

    const report = (done: number): string[] => [
      `fuzz seed ${SEED}: ${done} iterations in ${((performance.now() - started) / 1000).toFixed(1)} s`,
      `changes: ${counts.opens} opens, ${counts.incremental} one-range and ${counts.twoRange} two-range incremental, ${counts.whole} whole-text, ${counts.closes} closes`,
      `requests: ${counts.hovers} hover, ${counts.completions} completion, ${counts.symbols} documentSymbol, ${counts.foldings} foldingRange`,
      `diagnostics latency: ${diagnostics.summary()}`,
      `request latency: ${requests.summary()}`,
    ];
    const fail = (iteration: number, applied: string[], uri: string, text: string, why: string): never => {
      const file = join(tmpdir(), `plumbline-fuzz-${SEED}-${iteration}.yaml`);
      writeFileSync(file, text);
      for (const line of report(iteration)) console.log(line);
      throw new Error(
        `fuzz seed ${SEED}, iteration ${iteration} (${applied.join(', ')}) on ${uri}: ${why}\n` +
          `the text is in ${file}; reproduce with PLUMBLINE_FUZZ_SEED=${SEED}` +
          `${lsp.exitReason !== undefined ? `\n${lsp.exitReason}` : ''}${logged.length > 0 ? `\nserver errors:\n${logged.slice(-5).join('\n')}` : ''}` +
          `\nserver stderr: ${lsp.stderrTail}`,
      );
    };

    for (let iteration = 0; iteration < ITERATIONS; iteration++) {
      const uri = m.pick(slots);
      const current = texts.get(uri);
      // Start over now and then, and soon after a text got big, so most iterations stay editor-sized.
      const fresh = current === undefined || current.length > MAX_TEXT || m.chance(current.length > 50_000 ? 0.5 : 0.1);
      const base = fresh ? m.pick(corpus) : current;
      const { text, applied } = m.mutate(base);
      const sent = performance.now();
      let version: number;
      try {
        if (current === undefined) {
          // Reopened documents continue their version numbers: a late publish for the closed one cannot pass for the new one.
          version = (lsp.version(uri) ?? 0) + 1;
          models.set(uri, TextDocument.create(uri, 'yaml', version, text));
          await lsp.open(uri, text, version);
          counts.opens++;
        } else if (m.chance(0.15)) {
          await lsp.replace(uri, text);
          version = lsp.version(uri) ?? 0;
          models.set(uri, TextDocument.create(uri, 'yaml', version, text));
          counts.whole++;
        } else {
          const split = m.chance(0.25);
          const edits = incrementalEdits(current, text, split);
          assert.equal(applyLocally(current, edits), text, 'the test computed a wrong edit');
          version = await lsp.edit(uri, edits);
          // The server keeps its text by applying the same edits with the same library: so do we.
          const model = models.get(uri);
          if (model !== undefined) {
            const mirrored = TextDocument.update(model, edits.map((e) => ({ range: e.range, text: e.text })), version).getText();
            if (mirrored !== text) return fail(iteration, applied, uri, text, `incremental sync lost track: after the edits the server's copy differs from the text at offset ${firstDifference(mirrored, text)}`);
          }
          if (edits.length > 1) counts.twoRange++;
          else counts.incremental++;
        }
      } catch (error: unknown) {
        return fail(iteration, applied, uri, text, `sending failed: ${String(error)}`);
      }
      texts.set(uri, text);
      const lines = text.split('\n');
      const position: Position = m.chance(0.05)
        ? { line: m.int(0, lines.length + 5), character: m.int(0, 500) }
        : (() => {
            const line = m.int(0, lines.length - 1);
            return { line, character: m.int(0, (lines[line] ?? '').length) };
          })();
      const kind = m.pick(['hover', 'hover', 'completion', 'completion', 'symbols', 'folding'] as const);
      const request: Promise<unknown> =
        kind === 'hover' ? lsp.hover(uri, position)
          : kind === 'completion' ? lsp.completion(uri, position)
            : kind === 'symbols' ? lsp.documentSymbols(uri)
              : lsp.foldingRanges(uri);
      const published = lsp.waitForVersion(uri, version, HANG_MS);
      const label = `iteration ${iteration} (${applied.join(', ')})`;
      try {
        const [diag, answer] = await Promise.all([within(lsp, BOUND_MS, `diagnostics of version ${version}`, published), within(lsp, BOUND_MS, kind, request)]);
        diagnostics.add(performance.now() - sent, label);
        requests.add(answer.ms, `${kind} in ${label}`);
        counts.diagnostics++;
        counts[kind === 'hover' ? 'hovers' : kind === 'completion' ? 'completions' : kind === 'symbols' ? 'symbols' : 'foldings']++;
        for (const d of diag.value) {
          const problem = rangeProblem(text, d) ?? (d.code === 'plumbline.internal' ? `the check failed inside the server: ${d.message}` : undefined);
          if (problem !== undefined) fail(iteration, applied, uri, text, problem);
        }
        const failure = logged.find((l) => /failed|unhandled/i.test(l));
        if (failure !== undefined) fail(iteration, applied, uri, text, `the server logged: ${failure.slice(0, 500)}`);
      } catch (error: unknown) {
        if (error instanceof Error && error.message.startsWith('fuzz seed')) throw error;
        return fail(iteration, applied, uri, text, String(error instanceof Error ? error.message : error));
      }
      if (lsp.hasExited) return fail(iteration, applied, uri, text, 'the server exited');
      // Now and then the editor closes a file; it is opened again later.
      if (m.chance(0.03)) {
        await lsp.close(uri);
        texts.delete(uri);
        counts.closes++;
      }
    }

    for (const line of report(ITERATIONS)) {
      console.log(line);
      t.diagnostic(line);
    }
    assert.equal(counts.diagnostics, ITERATIONS, 'every version got its diagnostics');
    assert.deepEqual(logged.filter((l) => /failed|unhandled/i.test(l)), [], 'no validation or request failed inside the server');

    // Still a working server: a normal document gets exactly its one finding.
    const probe = 'untitled:after-fuzz.yaml';
    await lsp.open(probe, 'apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: web\nspec:\n  replica: 2\n  selector:\n    matchLabels: {app: web}\n  template:\n    metadata:\n      labels: {app: web}\n    spec:\n      containers:\n        - name: web\n          image: nginx\n');
    const { value: final } = await within(lsp, BOUND_MS, 'diagnostics after fuzzing', lsp.waitForVersion(probe, 1));
    assert.deepEqual(
      final.map((d) => [d.range, d.message]),
      [[{ start: { line: 5, character: 2 }, end: { line: 5, character: 9 } }, 'unknown field `replica` in Deployment spec; did you mean `replicas`?']],
    );
    assert.equal(lsp.hasExited, false);
  });
});

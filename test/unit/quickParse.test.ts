import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { isMap, isPair, isScalar, isSeq, parseAllDocuments, type Document } from 'yaml';
import { checkFile } from '../../server/src/check/checkFile';
import { declarations } from '../../server/src/check/duplicates';
import { documentSpan, documentValue, ManifestParser, parseChunk, parseChunkQuickly, parseChunkToData, isQuickChunk } from '../../server/src/manifests/parse';
import { identityOf, identityOfData } from '../../server/src/manifests/identity';
import { documentData, quickParseData, quickParseDocument } from '../../server/src/manifests/quickParse';
import { splitDocuments } from '../../server/src/manifests/split';
import { loadBundledSchemas } from '../../server/src/schemas/bundled';
import { SchemaResolver } from '../../server/src/schemas/resolver';
import { seededRandom, type Rng } from '../support/random';

// The quick parser may decline anything, but where it answers its tree must be the one the
// `yaml` library builds: same shapes, values, scalar styles and scalar ranges, and yaml must
// have found nothing to complain about. Generated manifests and thousands of mutations of
// them (which mostly land on the edge of what the quick parser accepts) hold it to that.

/** The tree as plain data: what validation and identity read, plus scalar ranges. */
function shapeOf(node: unknown): unknown {
  if (isMap(node)) return { map: node.items.map((p) => [shapeOf(p.key), shapeOf(p.value)]), flow: node.flow === true };
  if (isSeq(node)) return { seq: node.items.map(shapeOf), flow: node.flow === true };
  if (isPair(node)) return { pair: [shapeOf(node.key), shapeOf(node.value)] };
  if (isScalar(node)) {
    const value = node.value;
    const shown = typeof value === 'number' && Number.isNaN(value) ? 'NaN' : Object.is(value, -0) ? '-0' : value;
    // Ranges matter where a name is reported (plain and quoted scalars); empty values and block
    // scalars are never reported from a quick parse (any finding re-parses with yaml).
    const block = node.type === 'BLOCK_LITERAL' || node.type === 'BLOCK_FOLDED';
    const range = value === null && node.source === '' ? 'empty' : block ? 'block' : node.range?.slice(0, 2);
    return { value: shown, type: node.type, source: node.source, format: node.format ?? null, range, minFractionDigits: node.minFractionDigits ?? null };
  }
  return node === null ? null : 'other';
}

function fullParse(text: string): { doc: Document.Parsed | undefined; clean: boolean } {
  const docs = parseAllDocuments(text, { prettyErrors: false, uniqueKeys: true });
  const list = Array.isArray(docs) ? docs : [];
  const doc = list[0];
  const clean = list.length === 1 && doc !== undefined && doc.errors.length === 0 && doc.warnings.length === 0;
  return { doc, clean };
}

/** Whether a tree has a null key (`~:`), which the data parse leaves to the tree's. */
function hasNullKey(node: unknown): boolean {
  if (isMap(node)) return node.items.some((p) => (isScalar(p.key) && p.key.value === null) || hasNullKey(p.value));
  if (isSeq(node)) return node.items.some(hasNullKey);
  return false;
}

/** Asserts the quick parser agrees with yaml wherever it answers; true when it answered. */
function agrees(text: string): boolean {
  const quick = quickParseDocument(text);
  // The data parse answers exactly where the tree parse does (a null key aside), with the tree's data and identity.
  const data = quickParseData(text);
  if (quick === undefined) {
    assert.equal(data, undefined, `data parse answered where the tree parse did not:\n${text}`);
    return false;
  }
  if (data === undefined) assert.ok(hasNullKey(quick.contents), `data parse declined what the tree parse took:\n${text}`);
  else {
    assert.deepStrictEqual(data, documentData(quick, 100), `data parse differs for:\n${text}`);
    assert.deepStrictEqual(identityOfData(data), identityOf(quick));
    const chunk = parseChunkToData(text);
    const [d] = chunk.documents;
    assert.deepEqual(documentSpan(d!), [quick.range[0], quick.range[2]]);
    assert.deepStrictEqual(documentValue(d!, 100), data);
    // Taken once; then from the tree, which is the quick parser's.
    assert.deepStrictEqual(documentValue(d!, 100), data);
    assert.deepEqual(shapeOf(d!.doc.contents), shapeOf(quick.contents));
  }
  const { doc, clean } = fullParse(text);
  assert.ok(clean, `quick parse accepted text the full parser complains about:\n${text}\n${JSON.stringify(doc?.errors.map((e) => e.message))}`);
  assert.deepEqual(shapeOf(quick.contents), shapeOf(doc?.contents), `trees differ for:\n${text}`);
  // Drift reads the quick tree's data without yaml's toJS: the same data as yaml's own document gives.
  assert.deepStrictEqual(documentData(quick, 100), doc?.toJS({ maxAliasCount: 100 }), `data differs for:\n${text}`);
  return true;
}

const WORDS = ['web', 'shop', 'a b', 'x-y', 'key.with.dots', 'http://host:80/path', 'a:b', 'a#b', 'a,b', 'a]b', 'ü', '日本', 'emoji😀', 'C:\\dir'];
const SCALARS = [
  ...WORDS,
  '1', '-1', '+1', '0', '-0', '007', '0o17', '0o19', '0x1F', '0xG', '1.5', '1.50', '.5', '5.', '-.5', '1e3', '1.2E-3', '.inf', '-.Inf', '+.INF', '.nan', '.NaN',
  'true', 'True', 'TRUE', 'false', 'yes', 'no', 'on', 'off', 'null', 'Null', 'NULL', '~', 'nil',
  '1Gi', '500m', '10%', '2024-01-01', '12:30', '1_000', '0b101', '-', '--x', '?x', ':x', 'x:', 'x: y', 'x #y', '#x', '&a', '*a', '!tag', '@x', '`x', '%x', '|', '>', "it's", 'say "hi"', '{}', '[]', '{a}', '[a, b]',
];

function pick<T>(rng: Rng, list: readonly T[]): T {
  return list[Math.floor(rng() * list.length)] as T;
}

function quotedDouble(rng: Rng, s: string): string {
  const escapes = ['\\n', '\\t', '\\"', '\\\\', '\\u00e9', '\\x41', '\\/', '\\U0001F600', '\\e', '\\_', '\\q', '\\u12'];
  let out = s.replaceAll('\\', '\\\\').replaceAll('"', '\\"');
  if (rng() < 0.3) out += pick(rng, escapes);
  return `"${out}"`;
}

function scalarText(rng: Rng, inFlow: boolean): string {
  const s = pick(rng, SCALARS);
  const r = rng();
  // Flow context ends plain scalars at , [ ] { }; quoted ones may hold them.
  if (r < 0.55) return inFlow ? s.replace(/[,[\]{}]/g, '') : s;
  if (r < 0.8) return quotedDouble(rng, s);
  return `'${s.replaceAll("'", "''")}'`;
}

function keyText(rng: Rng): string {
  const r = rng();
  if (r < 0.7) return pick(rng, ['name', 'image', 'replicas', 'a', 'b', 'c', 'data', 'spec', 'metadata', 'app.kubernetes.io/name', 'true', '1', '0x10', 'null', 'with space', 'k:v']);
  if (r < 0.85) return `"${pick(rng, ['x', 'y z', 'a:b', ''])}"`;
  return `'${pick(rng, ['p', "q'r", ''])}'`;
}

function blockScalar(rng: Rng, indent: string): string {
  const header = pick(rng, ['|', '|-', '|+', '>', '>-', '>+', '| # note', '|2', '>\n']);
  const lines = Array.from({ length: 1 + Math.floor(rng() * 4) }, () => pick(rng, ['line one', '  more indented', '', 'x: y', '# not a comment', 'last', '    ', 'spaces after  ', 'blank with spaces']));
  // Empty lines come bare or with spaces up to and beyond the content's indentation.
  const empty = (): string => ' '.repeat(Math.floor(rng() * (indent.length + 5)));
  return `${header}\n${lines.map((l) => (l === '' ? '' : l === 'blank with spaces' ? empty() : `${indent}  ${l}`)).join('\n')}\n`;
}

function flowText(rng: Rng, depth: number): string {
  if (depth > 2 || rng() < 0.4) return rng() < 0.5 ? '[]' : '{}';
  if (rng() < 0.5) return `[${Array.from({ length: Math.floor(rng() * 4) }, () => (rng() < 0.2 ? flowText(rng, depth + 1) : scalarText(rng, true))).join(', ')}${rng() < 0.1 ? ',' : ''}]`;
  return `{${Array.from({ length: Math.floor(rng() * 3) }, (_, i) => `${rng() < 0.2 ? keyText(rng) : `k${i}`}: ${rng() < 0.2 ? flowText(rng, depth + 1) : scalarText(rng, true)}`).join(', ')}}`;
}

/** A block mapping at `indent`, as lines. */
function mapping(rng: Rng, indent: string, depth: number): string {
  const step = pick(rng, ['  ', '  ', '    ', ' ']);
  let out = '';
  const count = 1 + Math.floor(rng() * 4);
  for (let i = 0; i < count; i++) {
    if (rng() < 0.1) out += `${rng() < 0.5 ? indent : ' '.repeat(Math.floor(rng() * 6))}# comment ${i}\n`;
    if (rng() < 0.05) out += `${' '.repeat(Math.floor(rng() * 4))}\n`;
    const key = i === 0 && depth === 0 ? 'apiVersion' : keyText(rng);
    const r = rng();
    if (depth < 4 && r < 0.25) out += `${indent}${key}:${rng() < 0.1 ? ' # c' : ''}\n${mapping(rng, indent + step, depth + 1)}`;
    else if (depth < 4 && r < 0.45) out += `${indent}${key}:\n${sequence(rng, rng() < 0.5 ? indent : indent + step, depth + 1)}`;
    else if (r < 0.55) out += `${indent}${key}: ${blockScalar(rng, indent)}`;
    else if (r < 0.62) out += `${indent}${key}: ${flowText(rng, 0)}\n`;
    else if (r < 0.66) out += `${indent}${key}:\n`;
    else out += `${indent}${key}${rng() < 0.05 ? '  ' : ''}: ${scalarText(rng, false)}${pick(rng, ['', '', '', '  # trailing', '   ', '#x'])}\n`;
  }
  return out;
}

function sequence(rng: Rng, indent: string, depth: number): string {
  let out = '';
  const count = 1 + Math.floor(rng() * 3);
  for (let i = 0; i < count; i++) {
    const r = rng();
    if (depth < 4 && r < 0.35) {
      // `- key: value` with the rest of the mapping aligned after the dash.
      const inner = mapping(rng, `${indent}  `, depth + 1);
      out += `${indent}- ${inner.slice(indent.length + 2)}`;
    } else if (depth < 4 && r < 0.45) out += `${indent}-\n${mapping(rng, `${indent}  `, depth + 1)}`;
    else if (depth < 4 && r < 0.5) out += `${indent}- ${sequence(rng, `${indent}  `, depth + 1).slice(indent.length + 2)}`;
    else if (r < 0.55) out += `${indent}- ${blockScalar(rng, indent)}`;
    else if (r < 0.6) out += `${indent}- ${flowText(rng, 0)}\n`;
    else if (r < 0.63) out += `${indent}-\n`;
    else out += `${indent}- ${scalarText(rng, false)}\n`;
  }
  return out;
}

function manifest(rng: Rng): string {
  const head = rng() < 0.3 ? pick(rng, ['---\n', '--- # doc\n', '# header\n', '\n', '---\n\n']) : '';
  return `${head}${mapping(rng, '', 0)}`;
}

const MUTATIONS = [' ', '  ', '\n', ':', ': ', '-', '- ', '#', ' #', '"', "'", '|', '>', '[', ']', '{', '}', ',', '&a ', '*a', '!', '?', 'a', '0', '\\', '---\n', '...\n', '%', '\t', '\r', '\uFEFF', '\u00A0', '\u0085', '\u2028', '\u3000', '😀'];

function mutate(rng: Rng, text: string): string {
  let out = text;
  const edits = 1 + Math.floor(rng() * 3);
  for (let i = 0; i < edits; i++) {
    const at = Math.floor(rng() * (out.length + 1));
    if (rng() < 0.3) out = out.slice(0, at) + out.slice(at + 1 + Math.floor(rng() * 3));
    else out = out.slice(0, at) + pick(rng, MUTATIONS) + out.slice(at);
  }
  return out;
}

describe('quick parse', () => {
  test('fixed cases: the tree yaml builds, or no answer', () => {
    // The shapes manifests have: each must be answered, or checks lose their speed.
    const plain = [
      'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: a\ndata:\n  k: v\n',
      'a:\n- x\n- y\nb: 1\n',
      'a:\n  - name: x\n    v: 1\n  - name: y\n',
      'a: |\n  one\n  two\n\nb: 2\n',
      'a: >-\n  folded\n  text\n\n  para\n    indented\n  back\n',
      'a: |+\n  kept\n\n\nb: 1\n',
      'a: "esc \\" \\n \\u00e9"\nb: \'it\'\'s\'\n',
      'a: [1, "two", {b: c}, []]\n',
      '"q": 1\n\'r\': 2\n',
      'key with spaces  : value # comment\n',
      'a:\n  b:\n    c: [x, y]   # c\n  d: ~\n',
      '---\na: 1\n',
      'a:\n-\n  b: 1\n- - x\n  - y\n',
      'apiVersion: v1\r\nkind: ConfigMap\r\ndata:\r\n  script: |\r\n    echo hi\r\n\r\n    exit 0\r\n  k: "v" # c\r\n',
    ];
    for (const text of plain) assert.ok(agrees(text), `not answered: ${JSON.stringify(text)}`);
    // Errors, aliases, tags, continuation lines, a list at the root: the full parser's, or the same tree.
    const others = ['\uFEFFa: 1\n', 'a: 1\n\uFEFFb: 2\n', 'a:\u00A0b\n', 'a: b\u0085c\n', 'a: b\u2028c\n', '- a\n', 'a: b: c\n', 'a: &x 1\nb: *x\n', 'a: 1\na: 2\n', 'a: !!str 1\n', 'a: b\n  c\n', 'a: 1\n...\n', '--- a\n', 'a: "unclosed\n', 'a: [unclosed\n', 'a: |\n  no final newline'];
    for (const text of others) agrees(text);
  });

  test('data of keys a plain object inherits, null, numeric and boolean keys: as yaml’s toJS gives it', () => {
    const text = '__proto__: a\nconstructor: b\ntoString: {x: 1}\n~: c\n1: d\ntrue: e\nlist:\n  - __proto__: f\n';
    assert.ok(agrees(text), 'the quick parser answers this text');
    const data = documentData(quickParseDocument(text)!, 100) as Record<string, unknown>;
    assert.deepEqual(Object.keys(data), ['1', '__proto__', 'constructor', 'toString', '', 'true', 'list']);
    assert.equal(Object.getPrototypeOf(data), Object.prototype);
  });

  test('generated manifests and thousands of mutations agree with yaml wherever answered', () => {
    const rng = seededRandom(20261201);
    let generated = 0;
    let answered = 0;
    let mutatedAnswered = 0;
    for (let i = 0; i < 1500; i++) {
      // One in four with Windows line breaks.
      const lf = manifest(rng);
      const text = rng() < 0.25 ? lf.replaceAll('\n', '\r\n') : lf;
      generated++;
      if (agrees(text)) answered++;
      for (let m = 0; m < 4; m++) if (agrees(mutate(rng, text))) mutatedAnswered++;
    }
    // Generated text is plain but deliberately tricky; a good share must still be taken.
    assert.ok(answered > generated * 0.2, `answered ${answered} of ${generated} generated manifests`);
    assert.ok(mutatedAnswered > 500, `answered only ${mutatedAnswered} mutations`);
  });

  test('the repository\'s examples and fixtures agree with yaml, chunk by chunk', () => {
    const root = join(__dirname, '..', '..');
    const files = ['examples', 'test/fixtures'].flatMap((dir) =>
      readdirSync(join(root, dir), { recursive: true })
        .map(String)
        .filter((f) => /\.ya?ml$/.test(f))
        .map((f) => join(root, dir, f)),
    );
    assert.ok(files.length > 10, 'no example files found');
    let answered = 0;
    for (const file of files) for (const chunk of splitDocuments(readFileSync(file, 'utf8'))) if (agrees(chunk.text)) answered++;
    assert.ok(answered > 10);
  });

  test('checks give the same findings and declarations with and without the quick parser', () => {
    const schemas = new SchemaResolver([loadBundledSchemas()]);
    const rng = seededRandom(7);
    const deployment = (name: string, extra: string): string =>
      `apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: ${name}\n  labels: {app: ${name}}\nspec:\n  replicas: 2\n  selector:\n    matchLabels:\n      app: ${name}\n  template:\n    metadata:\n      labels:\n        app: ${name}\n    spec:\n      containers:\n        - name: web\n          image: "nginx:1.27"\n          args: ["--port", "8080"]\n          resources:\n            limits: {cpu: 500m, memory: 1Gi}\n${extra}`;
    let quick = 0;
    for (let run = 0; run < 60; run++) {
      const docs = Array.from({ length: 6 }, (_, i) => {
        const text = deployment(`app-${i % 4}`, rng() < 0.3 ? '          replica: 3\n' : '');
        return rng() < 0.5 ? mutate(rng, text) : text;
      });
      const lf = docs.join('---\n');
      const text = run % 3 === 0 ? lf.replaceAll('\n', '\r\n') : lf;
      const options = { role: { kind: 'manifests' } as const, schemas, unknownKind: 'information' as const };
      const fast = new ManifestParser({ quick: true }).parse(text);
      const full = new ManifestParser().parse(text);
      quick += fast.chunks.filter((c) => isQuickChunk(c.parsed)).length;
      assert.deepEqual(checkFile(fast, options), checkFile(full, options), text);
      const decl = (file: typeof fast): unknown => declarations('f.yaml', file).map((d) => [d.key, d.label, d.range]);
      assert.deepEqual(decl(fast), decl(full), text);
      assert.equal(fast.documents.length, full.documents.length);
      assert.deepEqual(fast.documents.map((d) => d.identity), full.documents.map((d) => d.identity));
      // Drift's parse: the same identities, data and document ranges, trees built only when read.
      const data = new ManifestParser({ data: true }).parse(text);
      assert.deepEqual(data.documents.map((d) => d.identity), full.documents.map((d) => d.identity));
      const clean = (d: (typeof full.documents)[number]): boolean => d.syntax.every((p) => p.severity !== 'error');
      assert.deepStrictEqual(data.documents.filter(clean).map((d) => documentValue(d, 100)), full.documents.filter(clean).map((d): unknown => d.doc.toJS({ maxAliasCount: 100 })));
      assert.deepEqual(data.documents.map((d) => d.base + documentSpan(d)[0]), full.documents.map((d) => d.base + documentSpan(d)[0]));
      assert.deepEqual(checkFile(data, options), checkFile(full, options), text);
    }
    assert.ok(quick > 100, `only ${quick} chunks took the quick parser`);
  });

  test('a mapping of 20,000 keys is taken, and a repeat at its end declined', () => {
    const keys = Array.from({ length: 20_000 }, (_, i) => `  k${i}: v${i}\n`).join('');
    const text = `apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: big\ndata:\n${keys}`;
    assert.ok(agrees(text));
    assert.equal(quickParseDocument(`${text}  k7: again\n`), undefined);
    assert.equal(quickParseDocument(`a: {${Array.from({ length: 50 }, (_, i) => `k${i}: 1`).join(', ')}, k3: 2}\n`), undefined);
  });

  test('paired surrogates (emoji) are fine for the quick parser', () => {
    assert.ok(isQuickChunk(parseChunkQuickly('a: "😀"\nb: 😀\n')), 'a surrogate pair sent the chunk to the full parser');
  });

  test('tabs, lone CRs, forbidden characters and deep nesting go to the full parser', () => {
    const deep = Array.from({ length: 300 }, (_, i) => `${'  '.repeat(i)}k${i}:\n`).join('');
    const deepFlow = `a: ${'['.repeat(300)}${']'.repeat(300)}\n`;
    for (const text of ['a:\tb\n', 'a: b\rc: d\n', 'a: b\r\r\n', 'a: \u0007\n', 'a: \ud800x\n', deep, deepFlow]) {
      const chunk = parseChunkQuickly(text);
      assert.equal(isQuickChunk(chunk), false, JSON.stringify(text));
      assert.deepEqual(chunk.documents.map((d) => d.syntax), parseChunk(text).documents.map((d) => d.syntax));
    }
  });
});

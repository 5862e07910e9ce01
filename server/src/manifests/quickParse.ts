import { Schema, type Document, type Pair, type Scalar, type ScalarTag, type YAMLMap, type YAMLSeq } from 'yaml';
import { YAML_LOG } from './yamlLog';
import { BLOCK_FOLDED, BLOCK_LITERAL, DocumentClass, isMap, isScalar, isSeq, PairClass, PLAIN, QUOTE_DOUBLE, QUOTE_SINGLE, ScalarClass, YAMLMapClass, YAMLSeqClass } from './yamlNodes';

// A parser for the plain shape nearly every manifest has: block mappings and sequences,
// one-line plain and quoted scalars, literal and folded block scalars, one-line flow
// collections and comments, with LF or CR LF line breaks. It builds the same nodes as the
// `yaml` library (same values, scalar types, and ranges of plain and quoted scalars) at a
// fraction of the cost, and gives up on anything else (anchors, tags, multi-line flow or plain
// scalars, tabs, lone CRs, byte order marks, directives, errors of any kind) so the caller can
// fall back to the full parser. test/unit/quickParse.test.ts holds it to that: wherever it
// answers, its tree equals yaml's. It also parses straight to plain data (quickParseData): what a
// drift answer reads of the thousands of files it compares, most of which have no finding to place.

// Thrown, never caught outside this file: a preallocated Error costs no stack trace per use.
const GIVE_UP = new Error('quick parse: not a plain manifest');

// Far deeper than manifests nest, well within the stack; deeper documents go to the full parser, which has its own limit.
const MAX_DEPTH = 100;

const SPACE = 32;
const HASH = 35;
const COLON = 58;
const DASH = 45;
const DOUBLE = 34;
const SINGLE = 39;
const BACKSLASH = 92;
const COMMA = 44;

/** True for characters that cannot start a plain scalar (YAML's c-indicator set, less `-?:`). */
function isIndicator(c: number): boolean {
  // , [ ] { } # & * ! | > ' " % @ `
  return c === 44 || c === 91 || c === 93 || c === 123 || c === 125 || c === 35 || c === 38 || c === 42 || c === 33 || c === 124 || c === 62 || c === 39 || c === 34 || c === 37 || c === 64 || c === 96;
}

function isFlowIndicator(c: number): boolean {
  return c === 44 || c === 91 || c === 93 || c === 123 || c === 125;
}

// yaml's node constructors tag every instance with Object.defineProperty, which was a fifth of
// a quick parse. These factories make the same nodes with the tag on a shared prototype
// instead: isScalar/isMap/isSeq/isPair and instanceof answer as for yaml's own, and every
// method is yaml's.
const NODE_TYPE = Object.getOwnPropertySymbols(new ScalarClass(null))[0] as symbol;

function taggedPrototype<T extends object>(prototype: T, sample: object): T {
  const tag: unknown = (sample as Record<symbol, unknown>)[NODE_TYPE];
  return Object.create(prototype, { [NODE_TYPE]: { value: tag } }) as T;
}

// A quick node keeps where it starts and ends as numbers; its `range` array, as yaml's nodes have
// it, is made when read. A check reads a few ranges (where it reports), and an array on every node
// was a third of what a quick parse allocates. A plain scalar keeps its start only: it ends where
// its source does (and so keeps the four properties an object gets without a second allocation).
const RANGE_START = Symbol('range start');
const RANGE_END = Symbol('range end');

interface Placed {
  [RANGE_START]: number;
  [RANGE_END]?: number;
  source?: string;
}

function withLazyRange<T extends object>(prototype: T): T {
  Object.defineProperty(prototype, 'range', {
    get(this: Placed): [number, number, number] {
      const start = this[RANGE_START];
      const end = this[RANGE_END] ?? start + (this.source ?? '').length;
      return [start, end, end];
    },
    // A range set on a node (yaml's clone() sets its copy's) is its own from then on.
    set(this: object, range: unknown) {
      Object.defineProperty(this, 'range', { value: range, writable: true, enumerable: true, configurable: true });
    },
    configurable: true,
  });
  return prototype;
}

/** Sets a quick node's range: [start, end, end]. */
function place<T extends object>(node: T, start: number, end: number): T {
  (node as Placed)[RANGE_START] = start;
  (node as Placed)[RANGE_END] = end;
  return node;
}

/** Sets the range of a plain scalar, whose source is the text at `start`. */
function placePlain(node: Scalar, start: number): Scalar {
  (node as unknown as Placed)[RANGE_START] = start;
  return node;
}

const SCALAR = withLazyRange(taggedPrototype(ScalarClass.prototype, new ScalarClass(null)));
const MAP = withLazyRange(taggedPrototype(YAMLMapClass.prototype, new YAMLMapClass()));
const SEQ = withLazyRange(taggedPrototype(YAMLSeqClass.prototype, new YAMLSeqClass()));
const PAIR = taggedPrototype(PairClass.prototype, new PairClass(null));

const TEMPLATE = new DocumentClass(undefined, YAML_LOG);
const DOCUMENT = taggedPrototype(DocumentClass.prototype, TEMPLATE);

/** A parsed document around `contents`, as yaml's Document.clone() builds one, sharing the template's settings. */
function documentOf(contents: YAMLMap | YAMLSeq, length: number): Document.Parsed {
  const doc = Object.create(DOCUMENT) as Document;
  doc.commentBefore = null;
  doc.comment = null;
  doc.errors = [];
  doc.warnings = [];
  // Shared by every quick document: checks read documents, they never change their settings.
  doc.options = TEMPLATE.options;
  if (TEMPLATE.directives !== undefined) doc.directives = TEMPLATE.directives;
  doc.schema = TEMPLATE.schema;
  doc.contents = contents;
  // The fields of a parsed document a quick parse has too: what it came from, and no errors.
  const parsed = doc as Document.Parsed;
  parsed.range = [0, length, length];
  QUICK.add(parsed);
  return parsed;
}

/** Documents the quick parser built: scalars, maps with scalar keys and sequences; no aliases, tags or merge keys. */
const QUICK = new WeakSet<Document.Parsed>();

// Thrown when a tree holds something plainData does not convert (a node added after the parse): toJS then.
const NOT_PLAIN = new Error('not a plain tree');

/** A quick tree's data as yaml's toJS gives it for such a tree (see documentData). */
function plainData(node: unknown): unknown {
  if (node === null) return null;
  // The quick parser's own nodes by their prototype first (yaml's isScalar/isMap reach the
  // bundle's export getters on every call); nodes made otherwise by yaml's tests.
  const prototype: unknown = typeof node === 'object' ? Object.getPrototypeOf(node) : undefined;
  if (prototype === SCALAR) return (node as Scalar).value;
  if (prototype === SEQ) return (node as YAMLSeq).items.map(plainData);
  if (prototype === MAP || isMap(node)) {
    const out: Record<string, unknown> = {};
    for (const { key, value } of (node as YAMLMap<unknown, unknown>).items) {
      if (key === null || typeof key !== 'object' || (Object.getPrototypeOf(key) !== SCALAR && !isScalar(key))) throw NOT_PLAIN;
      const k = (key as Scalar).value;
      // yaml's addPairToJSMap: a null key is '', other scalars by String; a key an object
      // inherits (`__proto__`, `constructor`) becomes an own property.
      let name: string;
      if (typeof k === 'string') name = k;
      else if (k === null) name = '';
      else if (typeof k === 'number' || typeof k === 'boolean' || typeof k === 'bigint' || k === undefined) name = String(k);
      else throw NOT_PLAIN;
      const data = plainData(value);
      if (name in out) Object.defineProperty(out, name, { value: data, writable: true, enumerable: true, configurable: true });
      else out[name] = data;
    }
    return out;
  }
  if (isScalar(node)) return node.value;
  if (isSeq(node)) return node.items.map(plainData);
  throw NOT_PLAIN;
}

/**
 * A parsed document's data, equal to its `toJS({ maxAliasCount })`. A quick tree is converted
 * directly: yaml's toJS walks it with a context made for anchors, merge keys and custom tags,
 * which a quick tree never has, and was a third of the parse time of a drift answer.
 */
export function documentData(doc: Document.Parsed, maxAliasCount: number): unknown {
  if (QUICK.has(doc)) {
    try {
      return plainData(doc.contents);
    } catch (error) {
      if (error !== NOT_PLAIN) throw error;
    }
  }
  return doc.toJS({ maxAliasCount });
}

// The nodes are made by constructors whose prototype is the tagged one: `new` allocates from a
// map V8 sizes to the node, where Object.create(prototype) was a twentieth of a check.
function QuickScalar(this: Scalar, value: unknown): void {
  this.value = value;
}
QuickScalar.prototype = SCALAR;

function QuickMap(this: YAMLMap, items: Pair[]): void {
  this.items = items;
}
QuickMap.prototype = MAP;

function QuickSeq(this: YAMLSeq, items: unknown[]): void {
  this.items = items;
}
QuickSeq.prototype = SEQ;

function QuickPair(this: Pair<Scalar, unknown>, key: Scalar, value: unknown): void {
  this.key = key;
  this.value = value;
}
QuickPair.prototype = PAIR;

const NewScalar = QuickScalar as unknown as new (value: unknown) => Scalar;
const NewMap = QuickMap as unknown as new (items: Pair[]) => YAMLMap;
const NewSeq = QuickSeq as unknown as new (items: unknown[]) => YAMLSeq;
const NewPair = QuickPair as unknown as new (key: Scalar, value: unknown) => Pair<Scalar, unknown>;

function scalar(value: unknown): Scalar {
  return new NewScalar(value);
}

function mapNode(items: Pair[] = []): YAMLMap {
  return new NewMap(items);
}

function seqNode(items: unknown[] = []): YAMLSeq {
  return new NewSeq(items);
}

function pair(key: Scalar, value: unknown): Pair<Scalar, unknown> {
  return new NewPair(key, value);
}

// yaml's own YAML 1.2 core scalar tags, tried in its order, as its composer resolves a plain scalar.
const CORE_TAGS = new Schema({ schema: 'core' }).tags.filter((tag): tag is ScalarTag & { test: RegExp } => !('collection' in tag && tag.collection !== undefined) && tag.default === true && tag.test !== undefined);
// A tag that reports a problem means yaml would too: that is the full parser's to word.
const REFUSE = (): never => {
  throw GIVE_UP;
};

// The core schema's decimal integer tag: a scalar of digits only is one (no earlier tag matches digits alone).
const INT_TAG = CORE_TAGS.find((tag) => tag.tag === 'tag:yaml.org,2002:int' && tag.format === undefined && tag.test.test('0') && !tag.test.test('0o7') && !tag.test.test('0x7'));
const DIGITS = /^[0-9]+$/;

/**
 * Whether a plain scalar may resolve to something other than a string (null, a boolean, a
 * number). Most plain scalars are words: only the empty string, ~ . + -, digits, and the four-
 * and five-letter words starting with n N t T f F (null, true, false…) can match another core
 * tag, so the others skip the tests.
 */
function mayNotBeString(source: string, c: number): boolean {
  const length = source.length;
  return length === 0 || c === 126 || c === 46 || c === 43 || c === 45 || (c >= 48 && c <= 57) || ((length === 4 || length === 5) && (c === 110 || c === 78 || c === 116 || c === 84 || c === 102 || c === 70));
}

/** A plain scalar resolved by the core schema's tags, as yaml's composer does, at [start, end) of the text. */
function plainScalar(source: string, start: number, end: number): Scalar {
  const c = source.charCodeAt(0);
  const maybeOther = mayNotBeString(source, c);
  let node: Scalar | undefined;
  let made = false;
  if (maybeOther && INT_TAG !== undefined && c >= 48 && c <= 57 && DIGITS.test(source)) {
    // A port, a count: the integer tag, without trying null, booleans and octals first.
    node = scalar(INT_TAG.resolve(source, REFUSE, {}));
  } else if (maybeOther) {
    for (let t = 0; t < CORE_TAGS.length; t++) {
      const tag = CORE_TAGS[t] as (typeof CORE_TAGS)[number];
      if (!tag.test.test(source)) continue;
      const resolved = tag.resolve(source, REFUSE, {});
      made = resolved instanceof ScalarClass;
      node = made ? (resolved as Scalar) : scalar(resolved);
      if (tag.format !== undefined) node.format = tag.format;
      break;
    }
  }
  node ??= scalar(source);
  node.source = source;
  node.type = PLAIN;
  // A scalar yaml's tag made (a float, with its fraction digits) has no lazy range: an array, as yaml gives it.
  if (made) node.range = [start, end, end];
  else placePlain(node, start);
  return node;
}

/** A plain scalar's value, as plainScalar resolves it, without the node. */
function plainValue(source: string): unknown {
  const c = source.charCodeAt(0);
  if (!mayNotBeString(source, c)) return source;
  if (INT_TAG !== undefined && c >= 48 && c <= 57 && DIGITS.test(source)) return INT_TAG.resolve(source, REFUSE, {});
  for (let t = 0; t < CORE_TAGS.length; t++) {
    const tag = CORE_TAGS[t] as (typeof CORE_TAGS)[number];
    if (!tag.test.test(source)) continue;
    const resolved: unknown = tag.resolve(source, REFUSE, {});
    return resolved instanceof ScalarClass ? (resolved as Scalar).value : resolved;
  }
  return source;
}

/**
 * A key's property name in data, as plainData names it. Gives up on a key that repeats one of
 * `out` (as checkUnique does: for keys other than null, String(value) is the name) and on a null
 * key, named '' in data but 'null' by checkUnique, so that the two cannot disagree.
 */
function dataName(out: Record<string, unknown>, key: unknown): string {
  let name: string;
  if (typeof key === 'string') name = key;
  else if (typeof key === 'number' || typeof key === 'boolean') name = String(key);
  else throw GIVE_UP;
  if (Object.hasOwn(out, name)) throw GIVE_UP;
  return name;
}

/** Sets a property as plainData does: a name an object inherits (`__proto__`, `constructor`) becomes an own property. */
function setData(out: Record<string, unknown>, name: string, value: unknown): void {
  if (name in out) Object.defineProperty(out, name, { value, writable: true, enumerable: true, configurable: true });
  else out[name] = value;
}

const ESCAPES: Record<string, string> = {
  '0': '\0',
  a: '\x07',
  b: '\b',
  t: '\t',
  n: '\n',
  v: '\v',
  f: '\f',
  r: '\r',
  e: '\x1b',
  ' ': ' ',
  '"': '"',
  '/': '/',
  '\\': '\\',
  N: '\u0085',
  _: '\u00a0',
  L: '\u2028',
  P: '\u2029',
};
const HEX_LENGTH: Record<string, number> = { x: 2, u: 4, U: 8 };
const HEX = /^[0-9a-fA-F]+$/;

/** The text of a one-line double-quoted scalar, escapes resolved. */
function unescapeDouble(raw: string): string {
  let out = '';
  let from = 0;
  for (let at = raw.indexOf('\\'); at !== -1; at = raw.indexOf('\\', from)) {
    out += raw.slice(from, at);
    const e = raw[at + 1] ?? '';
    const simple = ESCAPES[e];
    if (simple !== undefined) {
      out += simple;
      from = at + 2;
      continue;
    }
    const length = HEX_LENGTH[e];
    if (length === undefined) throw GIVE_UP;
    const digits = raw.substr(at + 2, length);
    if (digits.length !== length || !HEX.test(digits)) throw GIVE_UP;
    const code = parseInt(digits, 16);
    if (code > 0x10ffff) throw GIVE_UP;
    out += String.fromCodePoint(code);
    from = at + 2 + length;
  }
  return out + raw.slice(from);
}

// Up to this many keys a scan finds a repeat faster than a set.
const SCAN_KEYS = 8;

/**
 * Gives up when `key` repeats a key of the mapping whose pairs so far are items[from…] (the full
 * parse reports it). Returns the set of names to pass next time: none for small mappings, built
 * once a mapping outgrows a scan.
 */
function checkUnique(items: readonly unknown[], from: number, key: Scalar, names: Set<string> | undefined): Set<string> | undefined {
  const value = key.value;
  const name = typeof value === 'string' ? value : String(value);
  if (names === undefined && items.length - from < SCAN_KEYS) {
    for (let i = from; i < items.length; i++) {
      const other = ((items[i] as Pair).key as Scalar).value;
      if ((typeof other === 'string' ? other : String(other)) === name) throw GIVE_UP;
    }
    return undefined;
  }
  let set = names;
  if (set === undefined) {
    set = new Set<string>();
    for (let i = from; i < items.length; i++) set.add(String(((items[i] as Pair).key as Scalar).value));
  }
  if (set.has(name)) throw GIVE_UP;
  set.add(name);
  return set;
}

/**
 * Documents whose every node has yaml's own range: no empty value and no block scalar, whose
 * ranges the quick parser does not reproduce. A finding in one can be placed from the quick tree.
 */
const EXACT_RANGES = new WeakSet<Document.Parsed>();

export function hasExactRanges(doc: Document.Parsed): boolean {
  return EXACT_RANGES.has(doc);
}

/** Quick documents with a plain key that YAML 1.1 reads as a boolean (`on:`, `yes:`): rare, so most skip that check's walk. */
const BOOLISH_KEYS = new WeakSet<Document.Parsed>();

// The plain words YAML 1.1 reads as booleans and YAML 1.2 as strings (as kubectlRead.ts's YAML11_ONLY_BOOLEANS, which this module cannot import: kubectlRead imports the parser).
const YAML11_BOOLEAN_WORD = /^(y|Y|yes|Yes|YES|n|N|no|No|NO|on|On|ON|off|Off|OFF)$/;

/**
 * Whether a document may have a plain key that kubectl reads as a boolean (YAML 1.1): false
 * only for a quick document that the quick parser saw has none.
 */
export function mayHaveYaml11Keys(doc: Document.Parsed): boolean {
  return !QUICK.has(doc) || BOOLISH_KEYS.has(doc);
}

/** Quick documents with a `<<` key (a merge key, as kubectl reads it): rare, so most skip the look for one in every mapping. */
const MERGE_KEYS = new WeakSet<Document.Parsed>();

/** Whether a document may have a `<<` key: false only for a quick document that the quick parser saw has none. */
export function mayHaveMergeKeys(doc: Document.Parsed): boolean {
  return !QUICK.has(doc) || MERGE_KEYS.has(doc);
}

/** Whether a document came from the quick parser (not from yaml's, which it falls back to). */
export function isQuickDocument(doc: Document.Parsed): boolean {
  return QUICK.has(doc);
}

function emptyScalar(at: number): Scalar {
  const node = scalar(null);
  node.source = '';
  node.type = PLAIN;
  placePlain(node, at);
  return node;
}

const LONE_CR = /\r(?!\n)/;

/** Where a line's content ends: before the CR of a CR LF break at `lineBreak`. */
function contentEnd(text: string, lineStart: number, lineBreak: number): number {
  return lineBreak > lineStart && text.charCodeAt(lineBreak - 1) === 13 ? lineBreak - 1 : lineBreak;
}

class QuickParser {
  /** Set when a node's range is not yaml's (an empty value, a block scalar). */
  private inexact = false;
  /** Set when a plain key is a YAML 1.1 boolean word. */
  private boolishKey = false;
  /** Set when a key is `<<`. */
  private mergeKey = false;
  /** The pairs and items of the block collections being read, innermost last (see mapping). */
  private readonly stack: unknown[] = [];
  /** The first `#` at or after hashFrom (text.length for none): see commentIn. */
  private hashFrom = 0;
  private hashAt = -1;
  // The current line is [lineStart, lineEnd), without its CR LF or LF at lineBreak; `content`
  // is its first non-space character.
  private lineStart = 0;
  private lineEnd = 0;
  private lineBreak = 0;
  private content = 0;
  private atEnd = false;
  /** Collections open around the current one: deep nesting is the full parser's to refuse. */
  private depth = 0;
  /**
   * Where the text after what key, quoted, flow and flowItem last read continues (after a key's
   * colon, a closing quote or bracket): a second result, kept here rather than in an array.
   */
  private after = 0;

  /** `data`: build plain values (objects, arrays, scalars' values) instead of yaml's nodes, and no ranges. */
  constructor(
    private readonly text: string,
    private readonly data = false,
  ) {}

  private setLine(at: number): void {
    const text = this.text;
    this.lineStart = at;
    let lineBreak = text.indexOf('\n', at);
    if (lineBreak === -1) lineBreak = text.length;
    this.lineBreak = lineBreak;
    // contentEnd, inline: this runs on every line.
    const end = lineBreak > at && text.charCodeAt(lineBreak - 1) === 13 ? lineBreak - 1 : lineBreak;
    this.lineEnd = end;
    let c = at;
    while (c < end && text.charCodeAt(c) === SPACE) c++;
    this.content = c;
  }

  /**
   * Where a comment (`#` after a space) starts in [from, to), or -1. The next `#` of the text is
   * found with indexOf and kept while the scan moves forward: most lines have none, and no loop
   * over their characters is needed to tell.
   */
  private commentIn(from: number, to: number): number {
    const text = this.text;
    let hash = this.hashAt;
    if (from < this.hashFrom || hash < from) {
      hash = text.indexOf('#', from);
      if (hash === -1) hash = text.length;
      this.hashFrom = from;
      this.hashAt = hash;
    }
    while (hash < to) {
      if (hash > 0 && text.charCodeAt(hash - 1) === SPACE) return hash;
      // No comment: the next `#` after this one.
      this.hashFrom = hash + 1;
      const next = text.indexOf('#', hash + 1);
      hash = next === -1 ? text.length : next;
      this.hashAt = hash;
    }
    return -1;
  }

  /** The first `:` in [from, to) that a space or the line's end follows (one that ends a key), or -1. */
  private keyColonIn(from: number, to: number): number {
    const text = this.text;
    for (let colon = text.indexOf(':', from); colon !== -1 && colon < to; colon = text.indexOf(':', colon + 1)) {
      if (colon + 1 === this.lineEnd || text.charCodeAt(colon + 1) === SPACE) return colon;
    }
    return -1;
  }

  private isBlankOrComment(): boolean {
    return this.content === this.lineEnd || this.text.charCodeAt(this.content) === HASH;
  }

  /** Moves past blank and comment lines after the current one; false (and atEnd) at the end. */
  private nextContentLine(): boolean {
    for (;;) {
      if (this.lineBreak >= this.text.length) {
        this.atEnd = true;
        return false;
      }
      this.setLine(this.lineBreak + 1);
      if (!this.isBlankOrComment()) return true;
    }
  }

  private isSeqEntry(at: number): boolean {
    return this.text.charCodeAt(at) === DASH && (at + 1 === this.lineEnd || this.text.charCodeAt(at + 1) === SPACE);
  }

  private skipSpaces(at: number): number {
    while (at < this.lineEnd && this.text.charCodeAt(at) === SPACE) at++;
    return at;
  }

  /** After a value: only spaces, then an optional comment, may follow on its line. */
  private expectLineEnd(at: number): void {
    const next = this.skipSpaces(at);
    if (next === this.lineEnd) return;
    if (this.text.charCodeAt(next) === HASH && next > at) return;
    throw GIVE_UP;
  }

  /** Notes a plain key that YAML 1.1 reads as a boolean (see mayHaveYaml11Keys), and a `<<` key (mayHaveMergeKeys). Called for every key of three characters or fewer. */
  private noteKey(key: Scalar): void {
    const value = key.value;
    if (typeof value !== 'string' || value.length > 3) return;
    if (value === '<<') this.mergeKey = true;
    else if (key.type === PLAIN && YAML11_BOOLEAN_WORD.test(value)) this.boolishKey = true;
  }

  private empty(at: number): unknown {
    if (this.data) return null;
    this.inexact = true;
    return emptyScalar(at);
  }

  /** A plain scalar's node (with its range) or, in data mode, its value. */
  private plain(start: number, end: number): unknown {
    const source = this.text.slice(start, end);
    return this.data ? plainValue(source) : plainScalar(source, start, end);
  }

  parseDocument(): Document.Parsed {
    const root = this.parseRoot() as YAMLMap;
    const doc = documentOf(root, this.text.length);
    if (!this.inexact) EXACT_RANGES.add(doc);
    if (this.boolishKey) BOOLISH_KEYS.add(doc);
    if (this.mergeKey) MERGE_KEYS.add(doc);
    return doc;
  }

  /** The root mapping, a node or (in data mode) an object. */
  parseRoot(): unknown {
    const text = this.text;
    this.setLine(0);
    if (this.isBlankOrComment() && !this.nextContentLine()) throw GIVE_UP;
    if (this.lineStart === this.content && text.startsWith('---', this.lineStart)) {
      const after = this.lineStart + 3;
      if (after !== this.lineEnd && text.charCodeAt(after) !== SPACE) throw GIVE_UP;
      this.expectLineEnd(after);
      if (!this.nextContentLine()) throw GIVE_UP;
    }
    // A resource is a mapping; anything else (a list, a scalar, a directive) goes to the full parser.
    if (this.isSeqEntry(this.content)) throw GIVE_UP;
    const root = this.blockNode();
    if (!this.atEnd) throw GIVE_UP;
    return root;
  }

  /** A block mapping or sequence that starts at `content` on the current line. */
  private blockNode(): unknown {
    if (this.isSeqEntry(this.content)) return this.sequence(this.content);
    return this.mapping(this.content);
  }

  private mapping(start: number): unknown {
    if (++this.depth > MAX_DEPTH) throw GIVE_UP;
    if (this.data) return this.dataMapping(start);
    // The pairs go on the shared stack (a nested collection takes its own off before this one
    // adds the next), then into an array of their number: a new array grown by push holds room
    // for 17 items, and most mappings have a few.
    const stack = this.stack;
    const base = stack.length;
    const column = start - this.lineStart;
    let names: Set<string> | undefined;
    let at = start;
    for (;;) {
      const key = this.key(at) as Scalar;
      // Duplicate keys are reported from the full parse.
      names = checkUnique(stack, base, key, names);
      stack.push(pair(key, this.value(this.after, column, false)));
      if (this.atEnd) break;
      const indent = this.content - this.lineStart;
      if (indent < column) break;
      if (indent > column || this.isSeqEntry(this.content)) throw GIVE_UP;
      at = this.content;
    }
    const map = mapNode(stack.slice(base) as Pair[]);
    stack.length = base;
    place(map, start, this.lineStart);
    this.depth--;
    return map;
  }

  /** A block mapping in data mode: an object. */
  private dataMapping(start: number): Record<string, unknown> {
    const column = start - this.lineStart;
    const out: Record<string, unknown> = {};
    let at = start;
    for (;;) {
      const name = dataName(out, this.key(at));
      setData(out, name, this.value(this.after, column, false));
      if (this.atEnd) break;
      const indent = this.content - this.lineStart;
      if (indent < column) break;
      if (indent > column || this.isSeqEntry(this.content)) throw GIVE_UP;
      at = this.content;
    }
    this.depth--;
    return out;
  }

  private sequence(start: number): unknown {
    if (++this.depth > MAX_DEPTH) throw GIVE_UP;
    // The items go on the shared stack first, as a mapping's pairs do.
    const stack = this.stack;
    const base = stack.length;
    const column = start - this.lineStart;
    let at = start;
    for (;;) {
      stack.push(this.value(at + 1, column, true));
      if (this.atEnd) break;
      const indent = this.content - this.lineStart;
      if (indent < column) break;
      if (indent > column) throw GIVE_UP;
      if (!this.isSeqEntry(this.content)) break;
      at = this.content;
    }
    const items = stack.slice(base);
    stack.length = base;
    this.depth--;
    // In data mode, the array itself.
    if (this.data) return items;
    return place(seqNode(items), start, this.lineStart);
  }

  /** A mapping key (a node, or in data mode its value) at `at`; `after` is then the offset after its `:`. */
  private key(at: number): unknown {
    const text = this.text;
    const c = text.charCodeAt(at);
    if (c === DOUBLE || c === SINGLE) {
      const node = this.quoted(at);
      const colon = this.skipSpaces(this.after);
      if (text.charCodeAt(colon) !== COLON || (colon + 1 !== this.lineEnd && text.charCodeAt(colon + 1) !== SPACE)) throw GIVE_UP;
      this.after = colon + 1;
      if (!this.data) this.noteKey(node as Scalar);
      return node;
    }
    if (isIndicator(c) || ((c === DASH || c === 63 || c === COLON) && (at + 1 === this.lineEnd || text.charCodeAt(at + 1) === SPACE))) throw GIVE_UP;
    // The key ends at the first `:` that a space or the line's end follows; a comment before it, or none, is the full parser's.
    const i = this.keyColonIn(at, this.lineEnd);
    if (i === -1 || this.commentIn(at, i) !== -1) throw GIVE_UP;
    let end = i;
    while (text.charCodeAt(end - 1) === SPACE) end--;
    // yaml refuses implicit keys longer than 1024 characters.
    if (end - at > 1000) throw GIVE_UP;
    const node = this.plain(at, end);
    // Every such word has at most three letters: most keys are ruled out by their length.
    if (end - at <= 3 && !this.data) this.noteKey(node as Scalar);
    this.after = i + 1;
    return node;
  }

  /**
   * The value after a key's `:` or an entry's `-` at `at`, nested below `column`. Leaves the
   * parser on the next content line (or at the end).
   */
  private value(at: number, column: number, inSequence: boolean): unknown {
    const text = this.text;
    const start = this.skipSpaces(at);
    if (start === this.lineEnd || (text.charCodeAt(start) === HASH && start > at)) {
      if (!this.nextContentLine()) return this.empty(start);
      const indent = this.content - this.lineStart;
      if (indent > column) return this.blockNode();
      // A mapping's value may be a sequence at the key's own indentation.
      if (indent === column && !inSequence && this.isSeqEntry(this.content)) return this.sequence(this.content);
      return this.empty(start);
    }
    const c = text.charCodeAt(start);
    if (c === 124 || c === 62) return this.blockScalar(start, column);
    if (c === DOUBLE || c === SINGLE) {
      const node = this.quoted(start);
      const end = this.after;
      const after = this.skipSpaces(end);
      if (text.charCodeAt(after) === COLON && (after + 1 === this.lineEnd || text.charCodeAt(after + 1) === SPACE)) {
        if (inSequence) return this.mapping(start);
        throw GIVE_UP;
      }
      this.expectLineEnd(end);
      this.nextContentLine();
      return node;
    }
    if (c === 91 || c === 123) {
      const node = this.flow(start);
      this.expectLineEnd(this.after);
      this.nextContentLine();
      return node;
    }
    if (c === DASH && (start + 1 === this.lineEnd || text.charCodeAt(start + 1) === SPACE)) {
      if (inSequence) return this.sequence(start);
      throw GIVE_UP;
    }
    if (isIndicator(c) || ((c === 63 || c === COLON) && (start + 1 === this.lineEnd || text.charCodeAt(start + 1) === SPACE))) throw GIVE_UP;
    // The value runs to the line's end or to a comment; a key's `:` before either makes it a mapping.
    const lineEnd = this.lineEnd;
    const comment = this.commentIn(start, lineEnd);
    const colon = this.keyColonIn(start, comment === -1 ? lineEnd : comment);
    if (colon !== -1) {
      // `- key: value` starts a mapping inside the entry; after a key it is an error.
      if (inSequence) return this.mapping(start);
      throw GIVE_UP;
    }
    let end = comment === -1 ? lineEnd : comment;
    while (text.charCodeAt(end - 1) === SPACE) end--;
    const node = this.plain(start, end);
    this.nextContentLine();
    return node;
  }

  /** A one-line quoted scalar (a node, or in data mode its text) at `at`; `after` is then the offset after its closing quote. */
  private quoted(at: number): unknown {
    const text = this.text;
    const quote = text.charCodeAt(at);
    let i = at + 1;
    let escaped = false;
    for (;;) {
      if (i >= this.lineEnd) throw GIVE_UP;
      const ch = text.charCodeAt(i);
      if (quote === DOUBLE && ch === BACKSLASH) {
        // A backslash at the end of the line continues the scalar on the next one.
        if (i + 1 >= this.lineEnd) throw GIVE_UP;
        escaped = true;
        i += 2;
        continue;
      }
      if (ch === quote) {
        if (quote === SINGLE && text.charCodeAt(i + 1) === SINGLE) {
          escaped = true;
          i += 2;
          continue;
        }
        break;
      }
      i++;
    }
    const raw = text.slice(at + 1, i);
    const value = !escaped ? raw : quote === DOUBLE ? unescapeDouble(raw) : raw.replaceAll("''", "'");
    this.after = i + 1;
    if (this.data) return value;
    const node = scalar(value);
    node.source = value;
    node.type = quote === DOUBLE ? QUOTE_DOUBLE : QUOTE_SINGLE;
    return place(node, at, i + 1);
  }

  /** A flow sequence or mapping that closes on its line (nodes, or in data mode an array or object); `after` is then the offset after it. */
  private flow(at: number): unknown {
    const text = this.text;
    const isSeq = text.charCodeAt(at) === 91;
    const close = isSeq ? 93 : 125;
    if (++this.depth > MAX_DEPTH) throw GIVE_UP;
    const data = this.data;
    const node = data ? undefined : isSeq ? seqNode() : mapNode();
    // In data mode, the array or object itself.
    const value: unknown[] | Record<string, unknown> | undefined = !data ? undefined : isSeq ? [] : {};
    if (node !== undefined) node.flow = true;
    let names: Set<string> | undefined;
    let i = at + 1;
    for (;;) {
      i = this.skipSpaces(i);
      if (i >= this.lineEnd) throw GIVE_UP;
      const first = text.charCodeAt(i);
      if (first === close) break;
      // Only a scalar can be a key: flowItem reads a collection wherever a bracket opens one.
      const collection = first === 91 || first === 123;
      const item = this.flowItem(i);
      i = this.skipSpaces(this.after);
      if (isSeq) {
        if (text.charCodeAt(i) === COLON) throw GIVE_UP;
        if (node !== undefined) (node as YAMLSeq).items.push(item);
        else (value as unknown[]).push(item);
      } else {
        if (collection || text.charCodeAt(i) !== COLON) throw GIVE_UP;
        const name = node === undefined ? dataName(value as Record<string, unknown>, item) : undefined;
        if (node !== undefined) this.noteKey(item as Scalar);
        i = this.skipSpaces(i + 1);
        const c = text.charCodeAt(i);
        let entry: unknown;
        if (c === COMMA || c === close) entry = this.empty(i);
        else {
          entry = this.flowItem(i);
          i = this.skipSpaces(this.after);
        }
        if (node === undefined) setData(value as Record<string, unknown>, name as string, entry);
        else {
          const map = node as YAMLMap;
          names = checkUnique(map.items, 0, item as Scalar, names);
          map.items.push(pair(item as Scalar, entry));
        }
      }
      const c = text.charCodeAt(i);
      if (c === COMMA) i++;
      else if (c !== close) throw GIVE_UP;
    }
    this.depth--;
    this.after = i + 1;
    return node === undefined ? value : place(node, at, i + 1);
  }

  /** An item of a flow collection (a node, or in data mode a value); `after` is then the offset after it. */
  private flowItem(at: number): unknown {
    const text = this.text;
    const c = text.charCodeAt(at);
    if (c === 91 || c === 123) return this.flow(at);
    if (c === DOUBLE || c === SINGLE) return this.quoted(at);
    const next = text.charCodeAt(at + 1);
    if (isIndicator(c) || ((c === DASH || c === 63 || c === COLON) && (at + 1 === this.lineEnd || next === SPACE || isFlowIndicator(next)))) throw GIVE_UP;
    let i = at;
    for (; i < this.lineEnd; i++) {
      const ch = text.charCodeAt(i);
      if (isFlowIndicator(ch)) break;
      if (ch === COLON) {
        const after = text.charCodeAt(i + 1);
        if (i + 1 === this.lineEnd || after === SPACE || isFlowIndicator(after)) break;
      }
      if (ch === HASH && text.charCodeAt(i - 1) === SPACE) throw GIVE_UP;
    }
    if (i >= this.lineEnd) throw GIVE_UP;
    let end = i;
    while (text.charCodeAt(end - 1) === SPACE) end--;
    this.after = i;
    return this.plain(at, end);
  }

  /** A literal (`|`) or folded (`>`) block scalar whose header is at `at`, nested below `column`. */
  private blockScalar(at: number, column: number): unknown {
    const text = this.text;
    const folded = text.charCodeAt(at) === 62;
    let i = at + 1;
    let chomp: 'clip' | 'strip' | 'keep' = 'clip';
    const indicator = text.charCodeAt(i);
    if (indicator === DASH) chomp = 'strip';
    else if (indicator === 43) chomp = 'keep';
    if (chomp !== 'clip') i++;
    if (i < this.lineEnd && text.charCodeAt(i) !== SPACE) throw GIVE_UP;
    this.expectLineEnd(i);
    // Content lines: the indentation is the first non-empty line's, which must be deeper than the parent's.
    const lines: string[] = [];
    let indent = -1;
    let widestEmpty = 0;
    let lineStart = this.lineBreak + 1;
    let endedAt = text.length;
    while (lineStart < text.length) {
      const lineBreak = text.indexOf('\n', lineStart);
      // The last line without a line break: the break chomping sees differs; leave it to yaml.
      if (lineBreak === -1) throw GIVE_UP;
      const lineEnd = contentEnd(text, lineStart, lineBreak);
      let c = lineStart;
      while (c < lineEnd && text.charCodeAt(c) === SPACE) c++;
      const spaces = c - lineStart;
      if (c === lineEnd) {
        if (indent === -1) widestEmpty = Math.max(widestEmpty, spaces);
        else if (spaces > indent) throw GIVE_UP;
        lines.push('');
      } else {
        if (indent === -1) {
          if (spaces <= column || widestEmpty > spaces) throw GIVE_UP;
          indent = spaces;
        }
        if (spaces < indent) {
          endedAt = lineStart;
          break;
        }
        lines.push(text.slice(lineStart + indent, lineEnd));
      }
      lineStart = lineBreak + 1;
    }
    if (indent === -1) throw GIVE_UP;
    let trailing = 0;
    while (lines.length > 0 && lines[lines.length - 1] === '') {
      lines.pop();
      trailing++;
    }
    let body: string;
    if (!folded) body = lines.join('\n');
    else {
      if (lines[0] === '') throw GIVE_UP;
      body = lines[0] ?? '';
      let previousMore = body.startsWith(' ');
      let empties = 0;
      for (let k = 1; k < lines.length; k++) {
        const line = lines[k] ?? '';
        if (line === '') {
          empties++;
          continue;
        }
        const more = line.startsWith(' ');
        body += previousMore || more ? '\n'.repeat(empties + 1) : empties === 0 ? ' ' : '\n'.repeat(empties);
        body += line;
        previousMore = more;
        empties = 0;
      }
    }
    const value = chomp === 'strip' ? body : chomp === 'clip' ? `${body}\n` : `${body}\n${'\n'.repeat(trailing)}`;
    let node: unknown = value;
    if (!this.data) {
      const scalarNode = scalar(value);
      scalarNode.source = value;
      scalarNode.type = folded ? BLOCK_FOLDED : BLOCK_LITERAL;
      this.inexact = true;
      node = place(scalarNode, at, endedAt);
    }
    if (endedAt >= text.length) {
      this.atEnd = true;
      this.lineStart = this.lineEnd = this.lineBreak = this.content = text.length;
    } else {
      this.setLine(endedAt);
      if (this.isBlankOrComment()) this.nextContentLine();
    }
    return node;
  }
}

/**
 * The document in `text` when it has the plain shape of a manifest and parses without any
 * error, warning or duplicate key; undefined when only the full parser can tell.
 * The text must be one document (a chunk); characters YAML forbids are the caller's to find.
 */
export function quickParseDocument(text: string): Document.Parsed | undefined {
  if (!plainText(text)) return undefined;
  try {
    return new QuickParser(text).parseDocument();
  } catch (error) {
    if (error === GIVE_UP) return undefined;
    throw error;
  }
}

/** Whether the quick parser may take a text: tabs, lone CRs and byte order marks are the full parser's. */
function plainText(text: string): boolean {
  // Tabs are not indentation, a CR on its own is a line break too and a byte order mark is not
  // content: all are left to the full parser (CR LF is a line break like LF).
  return !(text.includes('\t') || text.includes('\uFEFF') || (text.includes('\r') && LONE_CR.test(text)));
}

/**
 * The data of the document in `text`, as documentData(quickParseDocument(text)) gives it, built
 * straight from the text: no nodes, pairs or ranges (a tree was 12 times the data's garbage).
 * Undefined wherever quickParseDocument is, and for a document with a null key.
 */
export function quickParseData(text: string): Record<string, unknown> | undefined {
  if (!plainText(text)) return undefined;
  try {
    return new QuickParser(text, true).parseRoot() as Record<string, unknown>;
  } catch (error) {
    if (error === GIVE_UP) return undefined;
    throw error;
  }
}

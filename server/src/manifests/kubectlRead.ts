// kubectl, Argo CD and Helm read YAML with sigs.k8s.io/yaml, whose go-yaml v2 resolves plain
// scalars as YAML 1.1 does: `yes`, `on`, `n`… are booleans, `0775` is the octal 509, `1_000` is
// 1000, and `<<` merges mappings. Our parser reads YAML 1.2, where the first three are a string,
// 775 and a string, and `<<` is a key. The objects we send to a cluster as those tools would
// (a plain file's dry-run, a plain folder's or a chart's render) must be read as they read them,
// or `defaultMode: 0775` arrives as 775 and `hostNetwork: yes` as "yes", which the apiserver
// refuses where kubectl's apply succeeds. (kustomize quotes such booleans and writes octals in
// decimal, so what it builds reads the same either way.)

import { isAlias, isMap, isPair, isScalar, isSeq, Scalar, type Document } from 'yaml';
import { documentSpan, documentValue, type ManifestDocument, type ManifestFile } from './parse';

// A plain word or number YAML 1.1 reads otherwise than YAML 1.2, standing alone (after a space, a
// dash, `[`, `{` or `,`, before a space, `:`, `,`, `]` or `}`), or a merge key. A prefilter: a match
// only sends the document through the slower walk below, which decides.
const MAY_READ_OTHERWISE = /(?:^|[\s[{,])(?:[yYnN]|[Yy]es|YES|[Nn]o|NO|[Oo]n|ON|[Oo]ff|OFF|[-+]?0[0-9_]+|[-+]?0[bB][01_]+|[-+]?[0-9][0-9_]*_[0-9_]*)(?=$|[\s:,\]}])|<</m;

/** The plain scalars YAML 1.1 reads as booleans (go-yaml v2's list) and YAML 1.2 as strings. */
export const YAML11_ONLY_BOOLEANS = /^(y|Y|yes|Yes|YES|n|N|no|No|NO|on|On|ON|off|Off|OFF)$/;

/** The boolean go-yaml v2 reads a plain scalar's text as, where YAML 1.2 reads a string; else undefined. */
export function yaml11BooleanWord(source: string): boolean | undefined {
  // Every such word has at most three letters: most scalars are ruled out by their length.
  if (source.length > 3 || !YAML11_ONLY_BOOLEANS.test(source)) return undefined;
  return /^(y|yes|on)$/i.test(source);
}

// How many aliases one walk may follow: each brings its anchor's whole tree again, so a few nested
// ones could multiply a small document (yaml's maxAliasCount bounds its own reading the same way).
const MAX_ALIASES_FOLLOWED = 100_000;

/** A plain scalar's value as go-yaml v2 resolves it where it differs from YAML 1.2's `core`, else `core`. */
function plainValue(source: string, core: unknown): unknown {
  return yaml11BooleanWord(source) ?? yaml11Number(source) ?? core;
}

/**
 * The number go-yaml v2 (and kustomize's go-yaml v3) reads a plain scalar as, where YAML 1.2 reads
 * another number or a string: `0775` (octal 509), `0b11`, `1_000`; undefined for any other scalar.
 */
export function yaml11Number(source: string): number | undefined {
  const c = source.charCodeAt(0);
  const signed = c === 43 || c === 45;
  const first = signed ? source.charCodeAt(1) : c;
  if (first < 48 || first > 57) return undefined;
  // Underscores are dropped, then an integer is read with Go's prefixes (0x, 0o, 0b, and a bare leading 0 for octal), then a float.
  const plain = source.includes('_') ? source.replace(/_/g, '') : source;
  const digits = signed ? plain.slice(1) : plain;
  let value: number | undefined;
  if (/^0[0-7]+$/.test(digits)) value = parseInt(digits, 8);
  else if (/^0[oO][0-7]+$/.test(digits)) value = parseInt(digits.slice(2), 8);
  else if (/^0[bB][01]+$/.test(digits)) value = parseInt(digits.slice(2), 2);
  else if (/^0[xX][0-9a-fA-F]+$/.test(digits)) value = parseInt(digits.slice(2), 16);
  else if (/^[0-9]+$/.test(digits)) value = parseInt(digits, 10);
  else if (plain !== source && /^[0-9]*\.?[0-9]+(?:[eE][-+]?[0-9]+)?$|^[0-9]+\.$/.test(digits)) value = Number(digits);
  if (value === undefined || !Number.isSafeInteger(Math.trunc(value))) return undefined;
  return c === 45 ? -value : value;
}

// A plain scalar with a leading 0 and more (0775, 0b11) or an underscore (1_000): the only ones go-yaml
// (kubectl's v2 and kustomize's v3 alike) reads as another number than YAML 1.2 does, or as a number where it reads a string.
const READS_OTHERWISE_AS_NUMBER = /^[-+]?0[0-9bB_]|^[-+]?[0-9][0-9_]*_/;

/** Whether a plain scalar's text may be a number go-yaml reads otherwise than YAML 1.2 (see yaml11Number). */
export function mayReadAsNumber(source: string): boolean {
  return source.length > 1 && READS_OTHERWISE_AS_NUMBER.test(source);
}

/** A scalar's value, with a plain number read as kubectl and kustomize read it (0775 is 509, 1_000 is 1000): what the apiserver receives. */
export function plainNumberAsRead(node: Scalar): unknown {
  const source = node.source;
  if (node.type !== Scalar.PLAIN || typeof source !== 'string' || !mayReadAsNumber(source)) return node.value;
  return yaml11Number(source) ?? node.value;
}

/** The data of one yaml node as sigs.k8s.io/yaml reads it. */
class Reader {
  private aliased = 0;

  constructor(private readonly doc: Document.Parsed) {}

  read(node: unknown, depth: number): unknown {
    if (depth > 512) throw new Error('a YAML document nested deeper than 512 levels');
    if (isAlias(node)) {
      const target = node.resolve(this.doc);
      if (target === undefined) throw new Error(`alias *${node.source} names no anchor`);
      if (++this.aliased > MAX_ALIASES_FOLLOWED) throw new Error('aliases expand to too many nodes');
      return this.read(target, depth + 1);
    }
    if (isScalar(node)) {
      // A tagged scalar (`!!str yes`) is what its tag says; only plain scalars resolve by their look.
      if (node.type !== Scalar.PLAIN || node.tag !== undefined || typeof node.source !== 'string') return node.value;
      return plainValue(node.source, node.value);
    }
    if (isSeq(node)) return node.items.map((item) => this.read(item, depth + 1));
    if (isMap(node)) {
      const out: Record<string, unknown> = {};
      const merges: unknown[] = [];
      for (const pair of node.items) {
        if (!isPair(pair)) continue;
        const key = pair.key;
        if (isScalar(key) && key.type === Scalar.PLAIN && key.tag === undefined && key.source === '<<') {
          merges.push(pair.value);
          continue;
        }
        set(out, keyString(this.read(key, depth + 1)), this.read(pair.value, depth + 1));
      }
      // Keys the mapping states itself win over merged ones, and earlier merge sources over later.
      for (const value of merges) {
        const sources = isSeq(value) ? value.items : [value];
        for (const source of sources) {
          const merged = this.read(source, depth + 1);
          if (typeof merged !== 'object' || merged === null || Array.isArray(merged)) throw new Error('a merge key `<<` takes a mapping or a list of mappings');
          for (const [k, v] of Object.entries(merged)) if (!Object.prototype.hasOwnProperty.call(out, k)) set(out, k, v);
        }
      }
      return out;
    }
    return node === undefined ? null : node;
  }
}

/** A mapping key as a JSON key: sigs.k8s.io/yaml writes a boolean, number or null key as its text. */
function keyString(key: unknown): string {
  if (typeof key === 'string') return key;
  if (typeof key === 'number' || typeof key === 'boolean' || typeof key === 'bigint') return String(key);
  return key === null || key === undefined ? 'null' : JSON.stringify(key);
}

function set(out: Record<string, unknown>, key: string, value: unknown): void {
  if (key === '__proto__') Object.defineProperty(out, key, { value, enumerable: true, writable: true, configurable: true });
  else out[key] = value;
}

/**
 * One document's data as kubectl sends it (see above). Most documents have nothing YAML 1.1 reads
 * otherwise, and give their data as documentValue does, without walking a tree.
 */
export function kubectlValue(file: ManifestFile, d: ManifestDocument, maxAliasCount: number): unknown {
  const [start, end] = documentSpan(d);
  if (!MAY_READ_OTHERWISE.test(file.text.slice(d.base + start, d.base + end))) return documentValue(d, maxAliasCount);
  return new Reader(d.doc).read(d.doc.contents, 0);
}

import { isScalar } from 'yaml';
import { documentLine } from './documentLine';
import { ManifestParser } from './parse';

/**
 * Where each document of a manifest file starts, and the kind and name it declares, read line by
 * line without parsing. The tree looks up thousands of objects' lines in hundreds of files on
 * every first answer, and a parse tree per document was the larger part of that work.
 *
 * The scan answers only for the plain block layout nearly every manifest uses. Anything else
 * (flow mappings, anchors, tags, quoted keys, escapes, multi-line scalars at the levels read,
 * directives, empty documents between markers, tabs) makes it answer undefined, and the caller
 * parses the file: a wrong line would be worse than a slower one.
 */
export interface DocumentHead {
  /** Zero-based line where the document's content starts (after its `---` and leading comments). */
  line: number;
  /** Kind and name as the parser's identity reads them: only when apiVersion and kind are both plain scalars. */
  kind?: string;
  name?: string;
}

/** A plain key and what follows its colon, at the start of a line or of an indented line's text. */
const KEY = /^([A-Za-z_][\w.\-/]*):(.*)$/;
const PLAIN = /^[A-Za-z][\w.\-/]*$/;
// Plain words the YAML core schema (or YAML 1.1) reads as something other than a string.
const NOT_A_STRING = /^(?:true|false|null|yes|no|on|off|y|n)$/i;

interface Building {
  line: number;
  apiVersion?: string;
  kind?: string;
  name?: string;
  nameSeen?: boolean;
  keys: Set<string>;
}

/** The value after `key:` when it is a simple string; null when the line holds no value; undefined when unsure. */
function simpleValue(rest: string): string | null | undefined {
  if (rest !== '' && rest[0] !== ' ') return undefined;
  let value = rest.trim();
  if (value === '' || value.startsWith('#')) return null;
  const comment = value.search(/\s#/);
  if (comment >= 0) value = value.slice(0, comment).trimEnd();
  if (value.startsWith('"')) return /^"([^"\\]*)"$/.exec(value)?.[1];
  if (value.startsWith("'")) return /^'([^']*)'$/.exec(value)?.[1];
  return PLAIN.test(value) && !NOT_A_STRING.test(value) ? value : undefined;
}

/** Whether a value that is not read may still be skipped line by line: no flow collection or quoted scalar left open. */
function closedOnItsLine(rest: string): boolean {
  let value = rest.trim();
  const first = value[0];
  if (first === undefined || first === '#') return true;
  if (first === '"' || first === "'" || first === '{' || first === '[') {
    const comment = value.search(/\s#/);
    if (comment >= 0) value = value.slice(0, comment).trimEnd();
    const last = value[value.length - 1];
    if (value.length < 2) return false;
    if (first === '"') return last === '"' && !value.slice(1, -1).includes('"') && !value.includes('\\');
    if (first === "'") return last === "'" && !value.slice(1, -1).includes("'");
    return last === (first === '{' ? '}' : ']');
  }
  // Anchors, aliases and tags change what a key holds: leave them to the parser.
  return first !== '&' && first !== '*' && first !== '!';
}

const ignorable = (trimmed: string): boolean => trimmed === '' || trimmed.startsWith('#');

/** Each document's first content line, kind and name; undefined when the file is not plain enough to be sure. */
export function scanDocumentHeads(text: string): DocumentHead[] | undefined {
  if (text.includes('\t') || /\r(?!\n)/.test(text) || text.charCodeAt(0) === 0xfeff) return undefined;
  const heads: DocumentHead[] = [];
  let doc: Building | undefined;
  let markerOpen = false;
  let metadataIndent: number | 'pending' | undefined;
  // Indentation of a key whose plain value was just read: a deeper line next would continue that value.
  let valueAt: number | undefined;
  const finish = (): void => {
    if (doc === undefined) return;
    const head: DocumentHead = { line: doc.line };
    if (doc.apiVersion !== undefined && doc.kind !== undefined) {
      head.kind = doc.kind;
      if (doc.name !== undefined) head.name = doc.name;
    }
    heads.push(head);
    doc = undefined;
    metadataIndent = undefined;
  };
  // Most lines are deep inside a spec: those are measured by index and never cut out of the text.
  for (let i = 0, at = 0; at <= text.length; i++) {
    let end = text.indexOf('\n', at);
    if (end < 0) end = text.length;
    const next = end + 1;
    if (end > at && text.charCodeAt(end - 1) === 13) end--;
    let first = at;
    while (first < end && text.charCodeAt(first) === 32) first++;
    const indent = first - at;
    const blank = first === end || text.charCodeAt(first) === 35;
    if (blank || (indent > 0 && metadataIndent === undefined && valueAt === undefined && doc !== undefined)) {
      at = next;
      continue;
    }
    const line = text.slice(at, end);
    at = next;
    if (line.startsWith('---') && (line.length === 3 || line[3] === ' ')) {
      valueAt = undefined;
      if (!ignorable(line.slice(3).trim())) return undefined;
      // A marker with nothing since the last one is an empty document: the parser places those differently.
      if (doc === undefined && markerOpen) return undefined;
      finish();
      markerOpen = true;
      continue;
    }
    if (line.startsWith('...') || line.startsWith('%')) return undefined;
    if (valueAt !== undefined && indent > valueAt) return undefined;
    valueAt = undefined;
    if (doc === undefined) {
      if (indent !== 0 || line.startsWith('-')) return undefined;
      doc = { line: i, keys: new Set() };
      markerOpen = false;
    }
    if (indent === 0) {
      metadataIndent = undefined;
      // A sequence written at its key's own indentation.
      if (line === '-' || line.startsWith('- ')) continue;
      const key = KEY.exec(line);
      if (key === null) return undefined;
      const [, name, rest] = key as unknown as [string, string, string];
      if (doc.keys.has(name)) return undefined;
      doc.keys.add(name);
      if (name === 'apiVersion' || name === 'kind') {
        const value = simpleValue(rest);
        if (value === undefined) return undefined;
        if (value !== null) doc[name] = value;
        valueAt = 0;
      } else if (name === 'metadata') {
        const value = simpleValue(rest);
        if (value !== null) return undefined;
        metadataIndent = 'pending';
      } else if (!closedOnItsLine(rest)) return undefined;
      continue;
    }
    if (metadataIndent === undefined) continue;
    if (metadataIndent === 'pending') metadataIndent = indent;
    if (indent < metadataIndent) return undefined;
    if (indent > metadataIndent) continue;
    const child = KEY.exec(line.slice(indent));
    if (child === null) return undefined;
    const [, name, rest] = child as unknown as [string, string, string];
    if (name === 'name') {
      if (doc.nameSeen === true) return undefined;
      doc.nameSeen = true;
      const value = simpleValue(rest);
      if (value === undefined) return undefined;
      if (value !== null) doc.name = value;
      valueAt = indent;
    } else if (!closedOnItsLine(rest)) return undefined;
  }
  if (doc === undefined && heads.length === 0) return undefined;
  finish();
  return heads;
}

/** Each document's head as the quick parser reads it (documents without content are left out, as the scan leaves them). */
export function parsedDocumentHeads(text: string): DocumentHead[] {
  const file = new ManifestParser({ quick: true }).parse(text);
  return file.documents.flatMap((d) => {
    const contents = d.doc.contents;
    if (contents === null || (isScalar(contents) && contents.value === null)) return [];
    const head: DocumentHead = { line: documentLine(file, d) };
    if (d.identity !== undefined) {
      head.kind = d.identity.kind;
      if (d.identity.name !== undefined) head.name = d.identity.name;
    }
    return [head];
  });
}

/** The scan when it is sure, the parser otherwise. */
export function documentHeads(text: string): DocumentHead[] {
  return scanDocumentHeads(text) ?? parsedDocumentHeads(text);
}

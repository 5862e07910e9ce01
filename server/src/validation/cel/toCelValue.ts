import { parse } from '@marcbachmann/cel-js';
import type { Node } from 'yaml';
import { isMap, isPair, isScalar, isSeq } from '../../manifests/yamlNodes';
import { plainNumberAsRead } from '../../manifests/kubectlRead';
import type { OpenApiSchema } from '../../schemas/openapi';
import type { SchemaView } from '../schemaView';
import { celFieldName } from './fieldNames';

/** How big a value is, for the cost bound: the longest list or map, and the text it holds. */
export interface ValueSize {
  maxCollection: number;
  textLength: number;
}

/**
 * A JSON value as the apiserver hands it to CEL: integers of `integer` (and int-or-string)
 * fields as int, `number` fields as double, nulls dropped as unset fields, and the schema's
 * defaults filled in where a field is absent (the apiserver defaults before it validates).
 */
export function toCelValue(value: unknown, schema: OpenApiSchema | undefined, view: SchemaView | undefined, size: ValueSize, depth = 0): unknown {
  if (value === null || value === undefined || depth > 128) return undefined;
  // Without a schema (a live object read for health), integers are ints and nothing is defaulted.
  const compiled = schema === undefined || view === undefined ? undefined : view.compiled(schema);
  if (typeof value === 'number') {
    const asDouble = compiled?.type === 'number';
    return !asDouble && Number.isSafeInteger(value) ? BigInt(value) : value;
  }
  if (typeof value === 'string') {
    size.textLength += value.length;
    return compiled?.format === undefined ? value : formatted(value, compiled.format);
  }
  if (typeof value === 'boolean' || typeof value === 'bigint') return value;
  if (Array.isArray(value)) {
    size.maxCollection = Math.max(size.maxCollection, value.length);
    const items = compiled?.items;
    const out: unknown[] = [];
    for (const v of value) {
      const c = toCelValue(v, items, view, size, depth + 1);
      if (c !== undefined) out.push(c);
    }
    return out;
  }
  if (typeof value === 'object') {
    const entries = Object.entries(value as Record<string, unknown>);
    size.maxCollection = Math.max(size.maxCollection, entries.length);
    const out: Record<string, unknown> = {};
    for (const [key, v] of entries) {
      const c = toCelValue(v, compiled?.properties?.get(key) ?? compiled?.additional, view, size, depth + 1);
      if (c !== undefined) out[key] = c;
    }
    withDefaults(out, compiled, view, size, depth);
    escapedNames(out, compiled);
    return out;
  }
  return undefined;
}

/** Thrown (preallocated, no stack) where a YAML tree needs yaml's own conversion: aliases, merge keys. */
const NOT_PLAIN = new Error('not a plain YAML tree');

/**
 * toCelValue of a YAML node's JSON, made straight from the node: the same value without building
 * the JSON first (half the cost of a rule's evaluation on a small object). Undefined when the tree
 * has aliases or merge keys, which only yaml's toJS resolves.
 */
/** The schema's defaults for the properties `out` lacks, as the apiserver defaults before it runs rules. */
function withDefaults(out: Record<string, unknown>, compiled: ReturnType<SchemaView['compiled']> | undefined, view: SchemaView | undefined, size: ValueSize, depth: number): void {
  if (compiled === undefined || view === undefined) return;
  const defaulted = defaultedProperties(compiled, view);
  for (let i = 0; i < defaulted.length; i++) {
    const entry = defaulted[i] as Defaulted;
    const key = entry[0];
    if (key in out) continue;
    const c = toCelValue(entry[2], entry[1], view, size, depth + 1);
    if (c !== undefined) out[key] = c;
  }
}

/** A property with a default: its name, its schema and the default. */
type Defaulted = readonly [string, OpenApiSchema, unknown];

/** Per compiled schema, the properties that have a default (most have none): found once, not on every object converted. */
const DEFAULTED = new WeakMap<object, readonly Defaulted[]>();

function defaultedProperties(compiled: ReturnType<SchemaView['compiled']>, view: SchemaView): readonly Defaulted[] {
  let list = DEFAULTED.get(compiled);
  if (list === undefined) {
    const found: Defaulted[] = [];
    for (const [key, propertySchema] of compiled.properties ?? []) {
      const fallback = view.flatten(propertySchema).default;
      if (fallback !== undefined) found.push([key, propertySchema, fallback]);
    }
    list = found;
    DEFAULTED.set(compiled, list);
  }
  return list;
}

/**
 * A property whose name CEL reaches only escaped (`namespace` as `__namespace__`, `foo-bar` as
 * `foo__dash__bar`) is given under that name too, as the apiserver's object adapter answers both.
 */
function escapedNames(out: Record<string, unknown>, compiled: ReturnType<SchemaView['compiled']> | undefined): void {
  const properties = compiled?.properties;
  if (properties === undefined) return;
  let renamed = ESCAPED.get(properties);
  if (renamed === undefined) {
    // Once per schema: most have no property to rename, and then objects cost nothing more.
    renamed = [];
    for (const key of properties.keys()) {
      const escaped = celFieldName(key);
      if (escaped !== undefined && escaped !== key) renamed.push([key, escaped]);
    }
    ESCAPED.set(properties, renamed);
  }
  for (let i = 0; i < renamed.length; i++) {
    const entry = renamed[i] as [string, string];
    if (entry[0] in out) out[entry[1]] = out[entry[0]];
  }
}

/** Per schema's properties: the ones CEL reaches by an escaped name, with that name. */
const ESCAPED = new WeakMap<ReadonlyMap<string, unknown>, [string, string][]>();

export function celValueOfNode(node: Node, schema: OpenApiSchema | undefined, view: SchemaView | undefined, size: ValueSize): unknown {
  try {
    return fromNode(node, schema, view, size, 0);
  } catch (error) {
    if (error === NOT_PLAIN) return NOT_CONVERTED;
    throw error;
  }
}

/** What celValueOfNode answers when the node needs yaml's conversion. */
export const NOT_CONVERTED: unique symbol = Symbol('not converted');

function fromNode(node: unknown, schema: OpenApiSchema | undefined, view: SchemaView | undefined, size: ValueSize, depth: number): unknown {
  if (node === null || node === undefined) return undefined;
  if (isScalar(node)) {
    // The number the apiserver receives for a plain `0775` or `1_000` (see plainNumberAsRead); any other scalar's value is its JSON already.
    const value = plainNumberAsRead(node);
    if (typeof value === 'object' && value !== null) throw NOT_PLAIN;
    return toCelValue(value, schema, view, size, depth);
  }
  if (depth > 128) return undefined;
  const compiled = schema === undefined || view === undefined ? undefined : view.compiled(schema);
  if (isSeq(node)) {
    size.maxCollection = Math.max(size.maxCollection, node.items.length);
    const items = compiled?.items;
    const out: unknown[] = [];
    const nodes = node.items;
    for (let i = 0; i < nodes.length; i++) {
      const c = fromNode(nodes[i], items, view, size, depth + 1);
      if (c !== undefined) out.push(c);
    }
    return out;
  }
  if (isMap(node)) {
    size.maxCollection = Math.max(size.maxCollection, node.items.length);
    const out: Record<string, unknown> = {};
    const pairs = node.items as unknown[];
    for (let i = 0; i < pairs.length; i++) {
      const pair = pairs[i];
      if (!isPair(pair) || !isScalar(pair.key)) throw NOT_PLAIN;
      const key = String(pair.key.value);
      if (key === '<<') throw NOT_PLAIN;
      const c = fromNode(pair.value, compiled?.properties?.get(key) ?? compiled?.additional, view, size, depth + 1);
      if (c !== undefined) out[key] = c;
      else delete out[key];
    }
    withDefaults(out, compiled, view, size, depth);
    escapedNames(out, compiled);
    return out;
  }
  throw NOT_PLAIN;
}

/**
 * Strings of some formats reach CEL as their own types, as the apiserver converts them:
 * `duration` as a duration, `date-time` and `date` as a timestamp, `byte` as bytes. A value
 * that does not parse stays a string (the format check reports it).
 */
let toDuration: ((context: Record<string, unknown>) => unknown) | undefined;

function formatted(value: string, format: string): unknown {
  try {
    switch (format) {
      case 'duration':
        toDuration ??= parse('duration(s)');
        return toDuration({ s: value });
      case 'date-time':
      case 'datetime':
      case 'date': {
        const date = new Date(format === 'date' ? `${value}T00:00:00Z` : value);
        return Number.isNaN(date.getTime()) ? value : date;
      }
      case 'byte':
        return Uint8Array.from(Buffer.from(value, 'base64'));
      default:
        return value;
    }
  } catch {
    return value;
  }
}

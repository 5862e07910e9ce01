import { parse } from '@marcbachmann/cel-js';
import type { OpenApiSchema } from '../../schemas/openapi';
import type { SchemaView } from '../schemaView';

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
    if (compiled?.properties !== undefined) {
      for (const [key, propertySchema] of compiled.properties) {
        if (key in out) continue;
        const fallback = view?.flatten(propertySchema).default;
        if (fallback !== undefined) {
          const c = toCelValue(fallback, propertySchema, view, size, depth + 1);
          if (c !== undefined) out[key] = c;
        }
      }
    }
    return out;
  }
  return undefined;
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

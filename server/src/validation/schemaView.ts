import type { SchemaBundle } from '../schemas/bundle';
import type { OpenApiSchema } from '../schemas/openapi';
import { CompiledSchema } from './compiledSchema';

/**
 * A schema with `$ref`s followed and `allOf` merged, which is how Kubernetes nests field
 * types (`allOf: [{$ref}]` next to the field's own description). Cached per schema object.
 */
export class SchemaView {
  private readonly flat = new WeakMap<OpenApiSchema, OpenApiSchema>();
  private readonly compiledSchemas = new WeakMap<OpenApiSchema, CompiledSchema>();

  private readonly flattenSchema = (schema: OpenApiSchema): OpenApiSchema => this.flatten(schema);
  private readonly compileSchema = (schema: OpenApiSchema): CompiledSchema => this.compiled(schema);

  constructor(readonly bundle: SchemaBundle) {}

  /** The flattened schema, compiled for validation; cached per schema object. */
  compiled(schema: OpenApiSchema): CompiledSchema {
    let compiled = this.compiledSchemas.get(schema);
    if (compiled === undefined) {
      compiled = new CompiledSchema(schema, this.flatten(schema), this.flattenSchema, this.compileSchema);
      this.compiledSchemas.set(schema, compiled);
    }
    return compiled;
  }

  flatten(schema: OpenApiSchema): OpenApiSchema {
    const cached = this.flat.get(schema);
    if (cached !== undefined) return cached;
    const result = this.merge(schema, 0);
    this.flat.set(schema, result);
    return result;
  }

  private merge(schema: OpenApiSchema, depth: number): OpenApiSchema {
    let base = schema;
    if (base.$ref !== undefined) {
      const { $ref: ref, ...rest } = base;
      base = { ...this.bundle.resolveRef(base), ...stripUndefined(rest) };
      delete base.$ref;
      // Kubernetes serves Quantity as "string or number" without a format; name it so values are checked.
      if (ref.endsWith('.api.resource.Quantity')) base.format = 'quantity';
    }
    if (base.allOf === undefined || depth > 8) return base;
    const { allOf, ...own } = base;
    let merged: OpenApiSchema = {};
    const conjuncts: OpenApiSchema[] = [];
    for (const part of allOf) merged = combine(merged, apart(this.merge(part, depth + 1), conjuncts));
    // The field's own keywords (its description above all) win over the referenced type's.
    const out = combine(merged, own);
    if (conjuncts.length > 0) out.allOf = conjuncts;
    return out;
  }
}

/**
 * A part of an allOf with its alternatives and negation taken out into `conjuncts`: merged, two
 * parts' anyOf (a CRD's `allOf: [{anyOf: …}, {anyOf: …}]`) would overwrite each other, and each
 * must hold on its own. What stays is merged as Kubernetes nests field types (`allOf: [{$ref}]`).
 * The flattened schema keeps the conjuncts as its `allOf`.
 */
function apart(part: OpenApiSchema, conjuncts: OpenApiSchema[]): OpenApiSchema {
  if (part.anyOf === undefined && part.oneOf === undefined && part.not === undefined && part.allOf === undefined) return part;
  const { anyOf, oneOf, not, allOf, ...rest } = part;
  const conjunct: OpenApiSchema = {};
  if (anyOf !== undefined) conjunct.anyOf = anyOf;
  if (oneOf !== undefined) conjunct.oneOf = oneOf;
  if (not !== undefined) conjunct.not = not;
  if (anyOf !== undefined || oneOf !== undefined || not !== undefined) conjuncts.push(conjunct);
  // A part that had conjuncts of its own (an allOf nested in an allOf) hands them on.
  if (allOf !== undefined) conjuncts.push(...allOf);
  return rest;
}

function stripUndefined<T extends object>(value: T): T {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as T;
}

function combine(a: OpenApiSchema, b: OpenApiSchema): OpenApiSchema {
  const out: OpenApiSchema = { ...a, ...b };
  if (a.properties !== undefined && b.properties !== undefined) out.properties = { ...a.properties, ...b.properties };
  if (a.required !== undefined && b.required !== undefined) out.required = [...new Set([...a.required, ...b.required])];
  return out;
}

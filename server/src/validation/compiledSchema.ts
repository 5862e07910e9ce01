import type { OpenApiSchema, ValidationRule } from '../schemas/openapi';

// `CompiledSchema.code`: the type check a node gets, as a small integer the walk switches on.
export const UNTYPED = 0;
export const OBJECT = 1;
export const ARRAY = 2;
export const STRING = 3;
export const INTEGER = 4;
export const NUMBER = 5;
export const BOOLEAN = 6;

const NONE: readonly (readonly [string, CompiledSchema])[] = [];

function typeCode(type: OpenApiSchema['type']): number {
  switch (type) {
    case 'object':
      return OBJECT;
    case 'array':
      return ARRAY;
    case 'string':
      return STRING;
    case 'integer':
      return INTEGER;
    case 'number':
      return NUMBER;
    case 'boolean':
      return BOOLEAN;
    default:
      return UNTYPED;
  }
}

/**
 * A flattened schema with what validation reads laid out in one fixed shape. Schemas parsed
 * from JSON come in hundreds of shapes, so each keyword read on them is a slow megamorphic
 * lookup; the walk reads these instead, once per node.
 */
export class CompiledSchema {
  /** `type`, or object when there are properties. */
  readonly type: OpenApiSchema['type'];
  /** `type` as the walk switches on it: OBJECT, ARRAY, STRING… */
  readonly code: number;
  /**
   * Nothing but the type check and its children's: no CEL rules, quantity, int-or-string,
   * anyOf, oneOf, allOf or not. Most schemas are; the walk takes a shorter way through them.
   */
  readonly plain: boolean;
  /** A Kubernetes quantity (500m, 1Gi, 2): a string or a number. */
  readonly quantity: boolean;
  /** x-kubernetes-int-or-string, however spelled. */
  readonly intOrString: boolean;
  readonly properties: Map<string, OpenApiSchema> | undefined;
  /** The schema of keys not in `properties`, when that is a schema. */
  readonly additional: OpenApiSchema | undefined;
  /** Unknown keys are allowed. */
  readonly open: boolean;
  /**
   * `additionalProperties: false` is written: unknown keys are refused even in an anyOf/oneOf
   * alternative, which otherwise only adds checks to the schema around it.
   */
  readonly closedExplicitly: boolean;
  readonly required: readonly string[] | undefined;
  readonly minProperties: number | undefined;
  readonly maxProperties: number | undefined;
  readonly items: OpenApiSchema | undefined;
  readonly minItems: number | undefined;
  readonly maxItems: number | undefined;
  /** The key that names list items (containers[web]), for lists of objects. */
  readonly mergeKey: string | undefined;
  /** x-kubernetes-list-type `map` or `set`: items must be unique (by `listMapKeys` for maps). */
  readonly listType: 'map' | 'set' | undefined;
  /** The keys that identify items of an `x-kubernetes-list-type: map` list: what makes them unique, and how old and new items correspond. */
  readonly listMapKeys: readonly string[] | undefined;
  /** A non-empty enum. */
  readonly enum: readonly unknown[] | undefined;
  readonly minLength: number | undefined;
  readonly maxLength: number | undefined;
  readonly pattern: string | undefined;
  readonly format: string | undefined;
  readonly minimum: number | undefined;
  readonly maximum: number | undefined;
  readonly exclusiveMinimum: boolean;
  readonly exclusiveMaximum: boolean;
  readonly anyOf: readonly OpenApiSchema[] | undefined;
  readonly oneOf: readonly OpenApiSchema[] | undefined;
  /** Value validations that must each hold (an allOf's alternatives and negations, which merging would lose). */
  readonly allOf: readonly OpenApiSchema[] | undefined;
  /** A schema the value must not match. */
  readonly not: OpenApiSchema | undefined;
  /** The value the apiserver sets where this field is absent (structural defaulting). */
  readonly default: unknown;
  readonly nullable: boolean;
  /**
   * Without a type, the keywords that judge a map or a list: an anyOf/oneOf/not branch states no
   * type (the schema around it does), and `required` there must still be checked.
   */
  readonly checksObjects: boolean;
  readonly checksLists: boolean;
  /** Any of enum, minLength, maxLength, pattern or format applies to strings. */
  readonly checksStrings: boolean;
  /** Any of enum, minimum or maximum applies to numbers. */
  readonly checksNumbers: boolean;
  /** x-kubernetes-validations: CEL rules evaluated with `self` bound to the node. */
  readonly celRules: readonly ValidationRule[] | undefined;

  /** The compiled schemas of `properties`, of `additional` and of `items`, made on first use. */
  private propertySchemas: Map<string, CompiledSchema> | undefined;
  private additionalSchema: CompiledSchema | undefined;
  private itemSchema: CompiledSchema | undefined;
  private defaultedSchemas: readonly (readonly [string, CompiledSchema])[] | undefined;

  /**
   * `flat` is the flattened `schema`; `flatten` flattens the item schema to tell lists of
   * objects; `compile` compiles the schemas below (cached by the caller).
   */
  constructor(
    /** The schema as written (before flattening): CEL type declarations and alternatives read it. */
    readonly schema: OpenApiSchema,
    flat: OpenApiSchema,
    flatten: (schema: OpenApiSchema) => OpenApiSchema,
    private readonly compile: (schema: OpenApiSchema) => CompiledSchema,
  ) {
    const additional = flat.additionalProperties;
    this.type = flat.type ?? (flat.properties !== undefined ? 'object' : undefined);
    this.code = typeCode(this.type);
    this.quantity = flat.format === 'quantity';
    this.intOrString = flat['x-kubernetes-int-or-string'] === true || flat.format === 'int-or-string';
    this.properties = flat.properties === undefined ? undefined : new Map(Object.entries(flat.properties));
    this.additional = typeof additional === 'object' && additional !== null ? additional : undefined;
    this.open = flat['x-kubernetes-preserve-unknown-fields'] === true || additional === true || (flat.properties === undefined && additional === undefined);
    this.closedExplicitly = additional === false;
    this.required = flat.required !== undefined && flat.required.length > 0 ? flat.required : undefined;
    this.minProperties = flat.minProperties;
    this.maxProperties = flat.maxProperties;
    this.items = flat.items;
    this.minItems = flat.minItems;
    this.maxItems = flat.maxItems;
    this.mergeKey = flat.items !== undefined && flatten(flat.items).type === 'object' ? (flat['x-kubernetes-patch-merge-key'] ?? flat['x-kubernetes-list-map-keys']?.[0]) : undefined;
    const listType = flat['x-kubernetes-list-type'];
    this.listType = listType === 'map' || listType === 'set' ? listType : undefined;
    this.listMapKeys = listType === 'map' ? flat['x-kubernetes-list-map-keys'] : undefined;
    this.enum = flat.enum !== undefined && flat.enum.length > 0 ? flat.enum : undefined;
    this.minLength = flat.minLength;
    this.maxLength = flat.maxLength;
    this.pattern = flat.pattern;
    this.format = flat.format;
    this.minimum = flat.minimum;
    this.maximum = flat.maximum;
    this.exclusiveMinimum = flat.exclusiveMinimum === true;
    this.exclusiveMaximum = flat.exclusiveMaximum === true;
    this.anyOf = flat.anyOf;
    this.oneOf = flat.oneOf;
    this.allOf = flat.allOf !== undefined && flat.allOf.length > 0 ? flat.allOf : undefined;
    this.not = flat.not;
    this.default = flat.default;
    this.nullable = flat.nullable === true;
    this.checksObjects = this.required !== undefined || this.minProperties !== undefined || this.maxProperties !== undefined;
    this.checksLists = this.items !== undefined || this.minItems !== undefined || this.maxItems !== undefined;
    const rules = flat['x-kubernetes-validations'];
    this.celRules = Array.isArray(rules) && rules.length > 0 ? rules : undefined;
    this.checksStrings = this.enum !== undefined || this.minLength !== undefined || this.maxLength !== undefined || this.pattern !== undefined || this.format !== undefined;
    this.checksNumbers = this.enum !== undefined || this.minimum !== undefined || this.maximum !== undefined;
    this.plain = this.celRules === undefined && !this.quantity && !this.intOrString && this.anyOf === undefined && this.oneOf === undefined && this.allOf === undefined && this.not === undefined;
  }

  /** The compiled schema of property `key`, or undefined when `properties` does not name it. */
  property(key: string): CompiledSchema | undefined {
    let compiled = this.propertySchemas;
    if (compiled === undefined) {
      compiled = new Map();
      // All at once, the first time an object of this schema is walked: one level, not the tree below.
      if (this.properties !== undefined) for (const [name, schema] of this.properties) compiled.set(name, this.compile(schema));
      this.propertySchemas = compiled;
    }
    return compiled.get(key);
  }

  /** The properties that have a default, with their compiled schemas: found once per schema (most have none). */
  defaulted(): readonly (readonly [string, CompiledSchema])[] {
    let found = this.defaultedSchemas;
    if (found === undefined) {
      const list: (readonly [string, CompiledSchema])[] = [];
      if (this.properties !== undefined) {
        for (const name of this.properties.keys()) {
          const child = this.property(name);
          if (child !== undefined && child.default !== undefined) list.push([name, child]);
        }
      }
      found = list.length === 0 ? NONE : list;
      this.defaultedSchemas = found;
    }
    return found;
  }

  /** The compiled schema of keys not in `properties`, when that is a schema. */
  additionalCompiled(): CompiledSchema | undefined {
    if (this.additionalSchema === undefined && this.additional !== undefined) this.additionalSchema = this.compile(this.additional);
    return this.additionalSchema;
  }

  /** The compiled schema of the items, for a list schema with one. */
  itemsCompiled(): CompiledSchema | undefined {
    if (this.itemSchema === undefined && this.items !== undefined) this.itemSchema = this.compile(this.items);
    return this.itemSchema;
  }

  /** Compiles another schema the way this one was (for anyOf/oneOf alternatives, and case-insensitive keys). */
  compiled(schema: OpenApiSchema): CompiledSchema {
    return this.compile(schema);
  }
}

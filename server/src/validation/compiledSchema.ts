import type { OpenApiSchema, ValidationRule } from '../schemas/openapi';

/**
 * A flattened schema with what validation reads laid out in one fixed shape. Schemas parsed
 * from JSON come in hundreds of shapes, so each keyword read on them is a slow megamorphic
 * lookup; the walk reads these instead, once per node.
 */
export class CompiledSchema {
  /** `type`, or object when there are properties. */
  readonly type: OpenApiSchema['type'];
  /** A Kubernetes quantity (500m, 1Gi, 2): a string or a number. */
  readonly quantity: boolean;
  /** x-kubernetes-int-or-string, however spelled. */
  readonly intOrString: boolean;
  readonly properties: Map<string, OpenApiSchema> | undefined;
  /** The schema of keys not in `properties`, when that is a schema. */
  readonly additional: OpenApiSchema | undefined;
  /** Unknown keys are allowed. */
  readonly open: boolean;
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
  /** Any of enum, minLength, maxLength, pattern or format applies to strings. */
  readonly checksStrings: boolean;
  /** x-kubernetes-validations: CEL rules evaluated with `self` bound to the node. */
  readonly celRules: readonly ValidationRule[] | undefined;

  /** `flat` is the flattened schema; `flatten` flattens the item schema to tell lists of objects. */
  constructor(flat: OpenApiSchema, flatten: (schema: OpenApiSchema) => OpenApiSchema) {
    const additional = flat.additionalProperties;
    this.type = flat.type ?? (flat.properties !== undefined ? 'object' : undefined);
    this.quantity = flat.format === 'quantity';
    this.intOrString = flat['x-kubernetes-int-or-string'] === true || flat.format === 'int-or-string';
    this.properties = flat.properties === undefined ? undefined : new Map(Object.entries(flat.properties));
    this.additional = typeof additional === 'object' && additional !== null ? additional : undefined;
    this.open = flat['x-kubernetes-preserve-unknown-fields'] === true || additional === true || (flat.properties === undefined && additional === undefined);
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
    const rules = flat['x-kubernetes-validations'];
    this.celRules = Array.isArray(rules) && rules.length > 0 ? rules : undefined;
    this.checksStrings = this.enum !== undefined || this.minLength !== undefined || this.maxLength !== undefined || this.pattern !== undefined || this.format !== undefined;
  }
}

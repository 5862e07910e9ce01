import type { OpenApiSchema } from '../schemas/openapi';
import type { SchemaView } from '../validation/schemaView';
import { ITEM, type PathStep } from './yamlPath';

/** The flattened schema found by following `path` from a kind's root schema, if the path exists in it. */
export function schemaAt(view: SchemaView, root: OpenApiSchema, path: readonly PathStep[]): OpenApiSchema | undefined {
  let current: OpenApiSchema | undefined = view.flatten(root);
  for (const step of path) {
    if (current === undefined) return undefined;
    if (step === ITEM) {
      current = current.items === undefined ? undefined : view.flatten(current.items);
      continue;
    }
    const next: OpenApiSchema | undefined = current.properties?.[step] ?? (typeof current.additionalProperties === 'object' ? current.additionalProperties : undefined);
    current = next === undefined ? undefined : view.flatten(next);
  }
  return current;
}

/** A short type name for details and hovers: `integer`, `[]Container`, `map[string]string`, `int-or-string`. */
export function typeName(view: SchemaView, schema: OpenApiSchema): string {
  const flat = view.flatten(schema);
  if (flat['x-kubernetes-int-or-string'] === true) return 'int-or-string';
  if (flat.type === 'array') return `[]${flat.items === undefined ? 'any' : typeName(view, flat.items)}`;
  if (flat.type === 'object' && flat.properties === undefined && typeof flat.additionalProperties === 'object') {
    return `map[string]${typeName(view, flat.additionalProperties)}`;
  }
  if (flat.format === 'quantity') return 'quantity';
  return flat.type ?? (flat.properties !== undefined ? 'object' : 'any');
}

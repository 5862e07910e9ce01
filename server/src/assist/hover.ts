import type { Position } from '../manifests/lineIndex';
import type { ManifestFile } from '../manifests/parse';
import type { SchemaResolver } from '../schemas/resolver';
import { hoveredKey } from './hoveredKey';
import { schemaAt, typeName } from './schemaAt';

/** Markdown for the field on the hovered line: its type, description and where the schema came from. */
export function hoverAt(file: ManifestFile, position: Position, schemas: SchemaResolver): string | undefined {
  const hovered = hoveredKey(file, position);
  const identity = hovered?.span.document.identity;
  if (hovered === undefined || identity === undefined) return undefined;
  const { key } = hovered;
  const resolved = schemas.resolve(identity);
  if (resolved === undefined) return undefined;
  const schema = schemaAt(resolved.view, resolved.schema, hovered.path);
  if (schema === undefined) return undefined;
  const parts = [`**${key}** \`${typeName(resolved.view, schema)}\``];
  if (schema.description !== undefined) parts.push(schema.description);
  if (schema.enum !== undefined) parts.push(`Allowed: ${schema.enum.map((v) => `\`${String(v)}\``).join(', ')}`);
  if (schema.default !== undefined) parts.push(`Default: \`${JSON.stringify(schema.default)}\``);
  parts.push(`_${identity.kind} (${identity.apiVersion}) · schema from ${resolved.source.label}_`);
  return parts.join('\n\n');
}

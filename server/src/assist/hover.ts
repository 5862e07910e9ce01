import type { Position } from '../manifests/lineIndex';
import type { ManifestFile } from '../manifests/parse';
import type { SchemaResolver } from '../schemas/resolver';
import { documentAt } from './documentAt';
import { schemaAt, typeName } from './schemaAt';
import { cursorContext } from './yamlPath';

const KEY_ON_LINE = /^(\s*)(?:-\s+)?("[^"]*"|'[^']*'|[^\s#'"][^:#]*?)\s*:(\s|$)/;

/** Markdown for the field on the hovered line: its type, description and where the schema came from. */
export function hoverAt(file: ManifestFile, position: Position, schemas: SchemaResolver): string | undefined {
  const span = documentAt(file, file.lines.offsetAt(position));
  if (span?.document.identity === undefined) return undefined;
  const lineInDoc = position.line - span.firstLine;
  const text = span.lines[lineInDoc] ?? '';
  const m = KEY_ON_LINE.exec(text);
  if (m === null) return undefined;
  const key = (m[2] ?? '').replace(/^["']|["']$/g, '');
  const keyStart = text.indexOf(m[2] ?? '', (m[1] ?? '').length);
  const resolved = schemas.resolve(span.document.identity);
  if (resolved === undefined) return undefined;
  const context = cursorContext(span.lines, lineInDoc, keyStart);
  const schema = schemaAt(resolved.view, resolved.schema, [...context.path, key]);
  if (schema === undefined) return undefined;
  const parts = [`**${key}** \`${typeName(resolved.view, schema)}\``];
  if (schema.description !== undefined) parts.push(schema.description);
  if (schema.enum !== undefined) parts.push(`Allowed: ${schema.enum.map((v) => `\`${String(v)}\``).join(', ')}`);
  if (schema.default !== undefined) parts.push(`Default: \`${JSON.stringify(schema.default)}\``);
  parts.push(`_${span.document.identity.kind} (${span.document.identity.apiVersion}) · schema from ${resolved.source.label}_`);
  return parts.join('\n\n');
}

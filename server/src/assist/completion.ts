import type { Position } from '../manifests/lineIndex';
import type { ManifestFile } from '../manifests/parse';
import type { OpenApiSchema } from '../schemas/openapi';
import type { ResolvedSchema, SchemaResolver } from '../schemas/resolver';
import type { SchemaView } from '../validation/schemaView';
import { documentAt } from './documentAt';
import { schemaAt, typeName } from './schemaAt';
import { cursorContext } from './yamlPath';

/** An engine-side completion, turned into an LSP CompletionItem by the adapter. */
export interface Suggestion {
  label: string;
  kind: 'property' | 'value' | 'kind' | 'snippet';
  detail?: string;
  documentation?: string;
  /** Snippet syntax ($1, ${1:name}); VS Code re-indents it to the cursor's line. */
  insertText: string;
  sortText?: string;
}

function keySuggestion(view: SchemaView, key: string, schema: OpenApiSchema, required: boolean): Suggestion {
  const flat = view.flatten(schema);
  const type = typeName(view, flat);
  let insertText = `${key}: $0`;
  if (flat.type === 'array') insertText = view.flatten(flat.items ?? {}).type === 'object' ? `${key}:\n  - $0` : `${key}:\n  - $0`;
  else if (flat.type === 'object' || flat.properties !== undefined) insertText = `${key}:\n  $0`;
  return {
    label: key,
    kind: 'property',
    detail: required ? `${type} (required)` : type,
    ...(flat.description !== undefined ? { documentation: flat.description } : {}),
    insertText,
    sortText: `${required ? '0' : '1'}${key}`,
  };
}

function apiVersionOf(group: string, version: string): string {
  return group === '' ? version : `${group}/${version}`;
}

/** A new resource: apiVersion, kind, metadata.name and the fields its schema requires. */
function resourceSnippet(resolved: ResolvedSchema, group: string, version: string, kind: string): string {
  const view = resolved.view;
  let stop = 2;
  const lines = [`apiVersion: ${apiVersionOf(group, version)}`, `kind: ${kind}`, 'metadata:', '  name: ${1:name}'];
  const walk = (schema: OpenApiSchema, indent: string, depth: number): void => {
    const flat = view.flatten(schema);
    for (const name of flat.required ?? []) {
      const child = flat.properties?.[name];
      if (child === undefined) continue;
      const childFlat = view.flatten(child);
      if (depth < 4 && childFlat.type === 'object' && (childFlat.required?.length ?? 0) > 0) {
        lines.push(`${indent}${name}:`);
        walk(childFlat, `${indent}  `, depth + 1);
      } else {
        lines.push(`${indent}${name}: $${stop++}`);
      }
    }
  };
  const root = view.flatten(resolved.schema);
  const spec = root.properties?.['spec'];
  if (spec !== undefined) {
    lines.push('spec:');
    const before = lines.length;
    walk(spec, '  ', 1);
    if (lines.length === before) lines.push(`  $${stop++}`);
  }
  walk({ ...root, required: (root.required ?? []).filter((r) => !['apiVersion', 'kind', 'metadata', 'spec'].includes(r)) }, '', 1);
  return `${lines.join('\n')}\n$0`;
}

/** Completions at a position: keys, enum values, apiVersion/kind pairs and snippets for new resources. */
export function completionsAt(file: ManifestFile, position: Position, schemas: SchemaResolver): Suggestion[] {
  const offset = file.lines.offsetAt(position);
  const span = documentAt(file, offset);
  const lines = span?.lines ?? [''];
  const lineInDoc = span === undefined ? 0 : position.line - span.firstLine;
  const context = cursorContext(lines, lineInDoc, position.character);
  const identity = span?.document.identity;

  if (context.path.length === 0 && context.position.kind === 'value') {
    // While `kind:` is still empty the document has no identity: read the typed apiVersion from its line.
    const typedApi = identity?.apiVersion ?? lines.map((l) => /^apiVersion:\s*(\S+)/.exec(l)?.[1]).find((v) => v !== undefined);
    if (context.position.key === 'kind' || context.position.key === 'apiVersion') {
      const seen = new Set<string>();
      const out: Suggestion[] = [];
      for (const key of schemas.allKindKeys()) {
        const [group = '', version = '', kind = ''] = key.split('/');
        const api = apiVersionOf(group, version);
        if (context.position.key === 'kind') {
          const label = kind;
          const id = `${label}|${typedApi === api ? '' : api}`;
          if (seen.has(id)) continue;
          seen.add(id);
          out.push({ label, kind: 'kind', detail: api, insertText: kind, sortText: `${typedApi === api ? '0' : '1'}${kind}` });
        } else if (!seen.has(api)) {
          seen.add(api);
          out.push({ label: api, kind: 'value', insertText: api });
        }
      }
      return out;
    }
  }

  if (identity === undefined) {
    // An empty document or one without a kind yet: offer whole resources.
    if (context.path.length !== 0 || context.position.kind !== 'key') return [];
    const out: Suggestion[] = [];
    for (const key of schemas.allKindKeys()) {
      const [group = '', version = '', kind = ''] = key.split('/');
      const resolved = schemas.resolve({ group, version, kind });
      if (resolved === undefined) continue;
      out.push({
        label: `${kind} (${apiVersionOf(group, version)})`,
        kind: 'snippet',
        detail: `new ${kind}`,
        insertText: resourceSnippet(resolved, group, version, kind),
        sortText: `2${kind}`,
      });
    }
    return out;
  }

  const resolved = schemas.resolve(identity);
  if (resolved === undefined) return [];
  const container = schemaAt(resolved.view, resolved.schema, context.path);
  if (container === undefined) return [];
  if (context.position.kind === 'value') {
    const field = schemaAt(resolved.view, resolved.schema, [...context.path, context.position.key]);
    if (field === undefined) return [];
    if (field.type === 'boolean') return ['true', 'false'].map((v) => ({ label: v, kind: 'value', insertText: v }));
    return (field.enum ?? []).map((v) => ({ label: String(v), kind: 'value', insertText: String(v) }));
  }
  const required = new Set(container.required ?? []);
  return Object.entries(container.properties ?? {})
    .filter(([key]) => !context.siblings.has(key))
    .map(([key, schema]) => keySuggestion(resolved.view, key, schema, required.has(key)));
}

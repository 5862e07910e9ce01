import schemaJson from '../../../schemas/plumbline-config.schema.json';
import type { Position } from '../manifests/lineIndex';
import type { ManifestFile } from '../manifests/parse';
import type { Suggestion } from './completion';
import { documentAt } from './documentAt';
import { hoveredKey } from './hoveredKey';
import { cursorContext, ITEM, type PathStep } from './yamlPath';

/** The part of JSON Schema draft-07 that `schemas/plumbline-config.schema.json` uses. */
export interface ConfigSchema {
  description?: string;
  type?: string | string[];
  enum?: unknown[];
  properties?: Record<string, ConfigSchema>;
  additionalProperties?: boolean;
  required?: string[];
  items?: ConfigSchema;
  oneOf?: ConfigSchema[];
  anyOf?: ConfigSchema[];
  $ref?: string;
  definitions?: Record<string, ConfigSchema>;
}

// The same file Red Hat YAML validates with (package.json yamlValidation): one schema for both editors.
const ROOT: ConfigSchema = schemaJson;


function deref(schema: ConfigSchema): ConfigSchema {
  if (schema.$ref === undefined) return schema;
  const name = /^#\/definitions\/(.+)$/.exec(schema.$ref)?.[1];
  return (name === undefined ? undefined : ROOT.definitions?.[name]) ?? {};
}

/** The schema itself first (it carries the description), then each oneOf/anyOf branch: what may stand there. */
function alternatives(schema: ConfigSchema): ConfigSchema[] {
  const s = deref(schema);
  return [s, ...[...(s.oneOf ?? []), ...(s.anyOf ?? [])].flatMap(alternatives)];
}

/** The schemas that may stand at a path of `.plumbline.yaml`; the first is the property's own. Empty where nothing may. */
export function configSchemasAt(path: readonly PathStep[]): ConfigSchema[] {
  let here = alternatives(ROOT);
  for (const step of path) {
    here = here.flatMap((s) => {
      // Own keys only: a key typed `constructor` or `__proto__` is not in the schema.
      const next = step === ITEM ? s.items : s.properties !== undefined && Object.hasOwn(s.properties, step) ? s.properties[step] : undefined;
      return next === undefined ? [] : alternatives(next);
    });
  }
  return here;
}

/** The keys a mapping at this path may have, in the schema's order. */
export function configKeysAt(path: readonly PathStep[]): string[] {
  return [...new Set(configSchemasAt(path).flatMap((s) => Object.keys(s.properties ?? {})))];
}

function types(alts: readonly ConfigSchema[]): string[] {
  return alts.flatMap((s) => (s.type === undefined ? [] : Array.isArray(s.type) ? s.type : [s.type]));
}

/** `string`, `string[]`, `string | object`, as hover and completion details show a type. */
function typeName(alts: readonly ConfigSchema[]): string {
  const names = alts.flatMap((s) => types([s]).map((t) => (t === 'array' && s.items !== undefined ? `${typeName(alternatives(s.items))}[]` : t)));
  return [...new Set(names)].join(' | ') || 'any';
}

function enumValues(alts: readonly ConfigSchema[]): string[] {
  return [...new Set(alts.flatMap((s) => (s.enum ?? []).map(String)))];
}

function keySuggestion(key: string, property: ConfigSchema, required: boolean, order: number): Suggestion {
  const alts = alternatives(property);
  const kinds = new Set(types(alts));
  // A key that also takes a scalar (`delivery: direct`, `values: file.yaml`) stays on one line.
  const scalar = ['string', 'boolean', 'number', 'integer'].some((t) => kinds.has(t));
  let insertText = `${key}: $0`;
  if (!scalar && kinds.has('array')) insertText = `${key}:\n  - $0`;
  else if (!scalar && kinds.has('object')) insertText = `${key}:\n  $0`;
  const type = typeName(alts);
  const description = alts[0]?.description;
  return {
    label: key,
    kind: 'property',
    detail: required ? `${type} (required)` : type,
    ...(description !== undefined ? { documentation: description } : {}),
    insertText,
    // The schema's order (name first, then where it goes, then how): more useful than the alphabet.
    sortText: `${required ? '0' : '1'}${String(order).padStart(3, '0')}`,
  };
}

/** Completion in `.plumbline.yaml`: the keys valid at the cursor and not yet there, or a value's allowed values. */
export function configCompletions(file: ManifestFile, position: Position): Suggestion[] {
  const span = documentAt(file, file.lines.offsetAt(position));
  const lines = span?.lines ?? [''];
  const lineInDoc = span === undefined ? 0 : position.line - span.firstLine;
  const context = cursorContext(lines, lineInDoc, position.character);
  if (context.position.kind === 'value') {
    const alts = configSchemasAt([...context.path, context.position.key]);
    const values = types(alts).includes('boolean') ? ['true', 'false'] : [];
    const out: Suggestion[] = values.map((v) => ({ label: v, kind: 'value', insertText: v }));
    for (const alt of alts) {
      for (const value of (alt.enum ?? []).map(String)) {
        if (out.some((s) => s.label === value)) continue;
        out.push({ label: value, kind: 'value', ...(alt.description !== undefined ? { documentation: alt.description } : {}), insertText: value });
      }
    }
    return out;
  }
  const out: Suggestion[] = [];
  for (const parent of configSchemasAt(context.path)) {
    Object.entries(parent.properties ?? {}).forEach(([key, property], order) => {
      if (context.siblings.has(key) || out.some((s) => s.label === key)) return;
      out.push(keySuggestion(key, property, parent.required?.includes(key) === true, order));
    });
  }
  return out;
}

/** Markdown for the `.plumbline.yaml` key on the hovered line: its type, description and allowed values. */
export function configHover(file: ManifestFile, position: Position): string | undefined {
  const hovered = hoveredKey(file, position);
  if (hovered === undefined) return undefined;
  const { key } = hovered;
  const alts = configSchemasAt(hovered.path);
  const own = alts[0];
  if (own === undefined) return undefined;
  const parts = [`**${key}** \`${typeName(alts)}\``];
  if (own.description !== undefined) parts.push(own.description);
  const allowed = enumValues(alts);
  if (allowed.length > 0) parts.push(`Allowed: ${allowed.map((v) => `\`${v}\``).join(', ')}`);
  parts.push('_.plumbline.yaml · schema from schemas/plumbline-config.schema.json_');
  return parts.join('\n\n');
}

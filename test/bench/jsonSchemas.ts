// Converts Plumbline's bundled OpenAPI v3 definitions (schemas/bundled.json) into the JSON
// schemas the anchors read, so that every tool validates against the same schemas:
//
// - kubeconform: one self-contained draft-07 file per kind, laid out like
//   yannh/kubernetes-json-schema (`<dir>/<version>-standalone[-strict]/<kind><suffix>.json`),
//   every referenced definition copied into `definitions` and `$ref`s rewritten to them;
// - yaml-language-server: one draft-07 schema holding every definition, whose `allOf` picks the
//   kind's definition with `if {apiVersion, kind} then $ref`, because it associates one schema
//   per file, not per document.
//
// The conversion reproduces Plumbline's semantics (server/src/validation) rather than the
// upstream kubernetes-json-schema quirks, so both sides agree on what is valid:
// - null is "unset" anywhere (Plumbline skips `field:` with no value): every `type` also allows null;
// - anyOf/oneOf pass when at least one alternative matches: oneOf becomes anyOf;
// - `resource.Quantity` values must look like quantities: its string branch gets Plumbline's pattern;
// - the only format both sides assert is date-time; int32/int64/byte/double/int-or-string are dropped;
// - strict (kubeconform `-strict`, and always in Plumbline): an object with `properties`, no
//   `additionalProperties` and no `x-kubernetes-preserve-unknown-fields` is closed
//   (`additionalProperties: false`), as the walker reports unknown fields there.

import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { SchemaBundleData } from '../../server/src/schemas/bundle';
import type { OpenApiSchema } from '../../server/src/schemas/openapi';

const REF_PREFIX = '#/components/schemas/';
const DRAFT_07 = 'http://json-schema.org/draft-07/schema#';

/**
 * Plumbline's quantity check (server/src/validation/formats.ts, QUANTITY), written as a JSON
 * schema pattern. The engine does not export it; keep the two in step (the agreement check
 * in the benchmark fails when they drift apart on its fixtures).
 */
export const QUANTITY_PATTERN = '^[+-]?(\\d+(\\.\\d*)?|\\.\\d+)(([KMGTPE]i)|[numkKMGTPE]|[eE][+-]?\\d+)?$';

/** A JSON schema as we emit it: plain JSON values. */
export type JsonSchema = { [key: string]: JsonValue };
type JsonValue = string | number | boolean | null | JsonValue[] | { [key: string]: JsonValue };

function isQuantityRef(name: string): boolean {
  return name.endsWith('.api.resource.Quantity');
}

function refName(ref: string): string {
  return ref.startsWith(REF_PREFIX) ? ref.slice(REF_PREFIX.length) : ref;
}

/** Keywords copied as they are: they mean the same in OpenAPI v3 and JSON schema draft-07. */
const PLAIN = ['required', 'pattern', 'minLength', 'maxLength', 'minItems', 'maxItems', 'minProperties', 'maxProperties'] as const;

class Converter {
  /** Definition names reached from the current root, to copy into its `definitions`. */
  readonly reached = new Set<string>();

  constructor(
    private readonly definitions: Record<string, OpenApiSchema>,
    private readonly strict: boolean,
  ) {}

  /** The JSON schema for a definition, by name (Quantity gets its pattern here). */
  definition(name: string): JsonSchema {
    const source = this.definitions[name];
    if (source === undefined) return {};
    const converted = this.schema(source);
    if (isQuantityRef(name)) return quantity(converted);
    return converted;
  }

  schema(s: OpenApiSchema): JsonSchema {
    const out: JsonSchema = {};
    if (s.$ref !== undefined) {
      const name = refName(s.$ref);
      this.reached.add(name);
      // Kubernetes never puts keywords next to a $ref (it wraps them in allOf), and draft-07 would ignore them.
      return { $ref: `#/definitions/${name}` };
    }
    const type = s.type ?? (s.properties !== undefined ? 'object' : undefined);
    if (type !== undefined) out['type'] = [type, 'null'];
    if (s.format === 'date-time') out['format'] = 'date-time';
    for (const key of PLAIN) {
      const value = s[key];
      if (value !== undefined) out[key] = value;
    }
    if (s.enum !== undefined) out['enum'] = [...(s.enum as JsonValue[]), null];
    if (s.minimum !== undefined) {
      if (s.exclusiveMinimum === true) out['exclusiveMinimum'] = s.minimum;
      else out['minimum'] = s.minimum;
    }
    if (s.maximum !== undefined) {
      if (s.exclusiveMaximum === true) out['exclusiveMaximum'] = s.maximum;
      else out['maximum'] = s.maximum;
    }
    if (s.properties !== undefined) {
      const props: JsonSchema = {};
      for (const [key, value] of Object.entries(s.properties)) props[key] = this.schema(value);
      out['properties'] = props;
    }
    const preserve = s['x-kubernetes-preserve-unknown-fields'] === true;
    if (typeof s.additionalProperties === 'object') out['additionalProperties'] = this.schema(s.additionalProperties);
    else if (s.additionalProperties === false) out['additionalProperties'] = false;
    else if (this.strict && s.additionalProperties === undefined && s.properties !== undefined && !preserve) out['additionalProperties'] = false;
    if (s.items !== undefined) out['items'] = this.schema(s.items);
    if (s.allOf !== undefined) out['allOf'] = s.allOf.map((part) => this.schema(part));
    const alternatives = [...(s.anyOf ?? []), ...(s.oneOf ?? [])];
    if (s.anyOf !== undefined && s.oneOf !== undefined) {
      // Both present: each must hold on its own (never the case in the bundle today).
      out['allOf'] = [...((out['allOf'] as JsonValue[] | undefined) ?? []), { anyOf: s.anyOf.map((a) => this.schema(a)) }, { anyOf: s.oneOf.map((a) => this.schema(a)) }];
    } else if (alternatives.length > 0) {
      out['anyOf'] = alternatives.map((a) => this.schema(a));
    }
    if (s.not !== undefined) out['not'] = this.schema(s.not);
    return out;
  }
}

/** Quantity: string (that looks like a quantity) or number. */
function quantity(converted: JsonSchema): JsonSchema {
  const anyOf = converted['anyOf'];
  if (!Array.isArray(anyOf)) return { anyOf: [{ type: ['string', 'null'], pattern: QUANTITY_PATTERN }, { type: ['number', 'null'] }] };
  return {
    ...converted,
    anyOf: anyOf.map((alt) => {
      if (typeof alt === 'object' && alt !== null && !Array.isArray(alt) && Array.isArray(alt['type']) && alt['type'][0] === 'string') {
        return { ...alt, pattern: QUANTITY_PATTERN };
      }
      return alt;
    }),
  };
}

/** Copies every definition transitively reached from the converter's roots. */
function closeDefinitions(converter: Converter): Record<string, JsonSchema> {
  const done = new Map<string, JsonSchema>();
  let progress = true;
  while (progress) {
    progress = false;
    for (const name of [...converter.reached]) {
      if (done.has(name)) continue;
      done.set(name, converter.definition(name));
      progress = true;
    }
  }
  return Object.fromEntries([...done].sort(([a], [b]) => a.localeCompare(b)));
}

/** The file name kubeconform derives for a kind (registry.schemaPath): `{{ .ResourceKind }}{{ .KindSuffix }}`. */
export function kubeconformFileName(apiVersion: string, kind: string): string {
  const groupParts = apiVersion.split('/');
  const first = (groupParts[0] ?? '').split('.')[0] ?? '';
  let suffix = `-${first.toLowerCase()}`;
  if (groupParts.length > 1) suffix += `-${(groupParts[1] ?? '').toLowerCase()}`;
  return `${kind.toLowerCase()}${suffix}.json`;
}

function apiVersionOf(kindKey: string): { apiVersion: string; kind: string } {
  const [group = '', version = '', kind = ''] = kindKey.split('/');
  return { apiVersion: group === '' ? version : `${group}/${version}`, kind };
}

export interface KubeconformSchemas {
  /** The `-schema-location` template to pass to kubeconform. */
  location: string;
  /** `-kubernetes-version` to pass so the template resolves to our folders. */
  kubernetesVersion: string;
  /** Number of kinds written (per variant). */
  kinds: number;
  bytes: { standalone: number; strict: number };
}

/**
 * Writes one schema per kind, in both kubeconform variants: `<root>/v<k8s>-standalone/` and
 * `<root>/v<k8s>-standalone-strict/` (the one `-strict` selects through {{ .StrictSuffix }}).
 */
export function writeKubeconformSchemas(bundle: SchemaBundleData, root: string): KubeconformSchemas {
  const version = bundle.kubernetesVersion.replace(/^v/, '');
  rmSync(root, { recursive: true, force: true });
  const bytes = { standalone: 0, strict: 0 };
  const seen = new Map<string, string>();
  for (const strict of [false, true]) {
    const dir = join(root, `v${version}-standalone${strict ? '-strict' : ''}`);
    mkdirSync(dir, { recursive: true });
    for (const [key, name] of Object.entries(bundle.kinds)) {
      const { apiVersion, kind } = apiVersionOf(key);
      const file = kubeconformFileName(apiVersion, kind);
      const clash = seen.get(`${String(strict)}/${file}`);
      if (clash !== undefined) throw new Error(`kinds ${clash} and ${key} map to the same kubeconform schema file ${file}; use a template with {{ .Group }}`);
      seen.set(`${String(strict)}/${file}`, key);
      const converter = new Converter(bundle.definitions, strict);
      const rootSchema = converter.definition(name);
      const schema: JsonSchema = { $schema: DRAFT_07, ...rootSchema, definitions: closeDefinitions(converter) };
      const text = JSON.stringify(schema);
      writeFileSync(join(dir, file), text);
      bytes[strict ? 'strict' : 'standalone'] += text.length;
    }
  }
  return {
    location: join(root, '{{ .NormalizedKubernetesVersion }}-standalone{{ .StrictSuffix }}', '{{ .ResourceKind }}{{ .KindSuffix }}.json'),
    kubernetesVersion: version,
    kinds: Object.keys(bundle.kinds).length,
    bytes,
  };
}

/**
 * One strict schema for a whole multi-kind file, for yaml-language-server: every kind of the
 * bundle selected by `if: {apiVersion, kind} then: $ref` (documents of unknown kinds pass).
 */
export function dispatcherSchema(bundle: SchemaBundleData): JsonSchema {
  const converter = new Converter(bundle.definitions, true);
  const branches: JsonValue[] = [];
  for (const [key, name] of Object.entries(bundle.kinds)) {
    const { apiVersion, kind } = apiVersionOf(key);
    converter.reached.add(name);
    branches.push({
      if: { properties: { apiVersion: { const: apiVersion }, kind: { const: kind } }, required: ['apiVersion', 'kind'] },
      then: { $ref: `#/definitions/${name}` },
    });
  }
  return { $schema: DRAFT_07, type: 'object', allOf: branches, definitions: closeDefinitions(converter) };
}

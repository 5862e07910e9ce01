import { readFileSync } from 'node:fs';
import { isDeepStrictEqual } from 'node:util';
import { parseAllDocuments } from 'yaml';
import { indexKinds, SchemaBundle, type SchemaBundleData } from '../../server/src/schemas/bundle';
import type { OpenApiSchema } from '../../server/src/schemas/openapi';
import { danglingRefs } from './assemble';

/** Kinds the editor must know out of the box: group/version/Kind. */
export const REQUIRED_KINDS = [
  'apps/v1/Deployment',
  '/v1/Service',
  '/v1/ConfigMap',
  'kustomize.toolkit.fluxcd.io/v1/Kustomization',
  'source.toolkit.fluxcd.io/v1/GitRepository',
  'source.toolkit.fluxcd.io/v1/OCIRepository',
  'source.toolkit.fluxcd.io/v1/HelmRepository',
  'helm.toolkit.fluxcd.io/v2/HelmRelease',
  'notification.toolkit.fluxcd.io/v1/Receiver',
  'notification.toolkit.fluxcd.io/v1beta3/Alert',
  'notification.toolkit.fluxcd.io/v1beta3/Provider',
  'image.toolkit.fluxcd.io/v1/ImageRepository',
  'image.toolkit.fluxcd.io/v1/ImagePolicy',
  'image.toolkit.fluxcd.io/v1/ImageUpdateAutomation',
  'argoproj.io/v1alpha1/Application',
  'argoproj.io/v1alpha1/ApplicationSet',
  'argoproj.io/v1alpha1/AppProject',
  'kustomize.config.k8s.io/v1beta1/Kustomization',
  'kustomize.config.k8s.io/v1alpha1/Component',
];

/**
 * Checks a bundle the way the language server will use it; returns the problems (none when
 * good) and prints one line per required kind.
 */
export function verifyBundle(
  data: SchemaBundleData,
  kustomizationFiles: readonly { path: string; kustomizeError: string; expect: 'accept' | 'reject' }[],
  log: (line: string) => void,
): string[] {
  const problems: string[] = [];
  const bundle = new SchemaBundle(data, { kind: 'bundled', label: 'verify', kubernetesVersion: data.kubernetesVersion });
  if (!isDeepStrictEqual(data.kinds, indexKinds(data.definitions))) problems.push('kinds is not what indexKinds(definitions) builds');
  for (const ref of danglingRefs(data.definitions)) problems.push(`dangling $ref: ${ref}`);

  for (const key of REQUIRED_KINDS) {
    const [group = '', version = '', kind = ''] = key.split('/');
    const found = bundle.kind(group, version, kind);
    if (found === undefined) {
      problems.push(`kind ${key} is not in the bundle`);
      continue;
    }
    const spec = found.schema.properties?.['spec'];
    const specProps = spec === undefined ? undefined : Object.keys(flatten(bundle, spec).properties ?? {}).length;
    log(`  ${key.padEnd(50)} → ${found.name} (${Object.keys(found.schema.properties ?? {}).length} fields${specProps === undefined ? '' : `, spec ${specProps}`})`);
  }

  // kustomize's own decoder is the reference: what it accepts must pass, what it rejects must not.
  for (const { path, kustomizeError, expect } of kustomizationFiles) {
    const { problems: found, caseFolded } = checkFile(bundle, path);
    const verdict = kustomizeError === '' ? 'kustomize accepts it' : `kustomize rejects it (${kustomizeError})`;
    if ((kustomizeError === '') !== (expect === 'accept')) {
      problems.push(`${path}: expected kustomize to ${expect} it, but ${verdict}`);
    } else if ((kustomizeError === '') !== (found.length === 0)) {
      problems.push(`${path}: ${verdict}, the schema check found ${found.length === 0 ? 'nothing' : found.join('; ')}`);
    } else {
      log(`  ${path}: ${verdict}; schema check agrees${found.length === 0 ? '' : ` (${found.join('; ')})`}`);
      if (caseFolded.length > 0) log(`    matched ignoring case, as kustomize does: ${caseFolded.join(', ')}`);
    }
  }
  return problems;
}

function checkFile(bundle: SchemaBundle, file: string): Findings {
  const findings: Findings = { problems: [], caseFolded: [] };
  for (const doc of parseAllDocuments(readFileSync(file, 'utf8'))) {
    if (doc.errors.length > 0) return { problems: [`YAML: ${doc.errors[0]?.message ?? 'error'}`], caseFolded: [] };
    const found = checkValue(bundle, doc.toJS());
    findings.problems.push(...found.problems);
    findings.caseFolded.push(...found.caseFolded);
  }
  return findings;
}

/** kustomize decodes with encoding/json, which matches field names case-insensitively (`fieldpath` for `fieldPath`). */
const CASE_INSENSITIVE_GROUPS = new Set(['kustomize.config.k8s.io']);

interface Findings {
  problems: string[];
  /** Fields accepted only because the decoder ignores case. */
  caseFolded: string[];
}

/** A deliberately small structural check: unknown fields and JSON types, following $ref and allOf. */
function checkValue(bundle: SchemaBundle, value: unknown): Findings {
  const findings: Findings = { problems: [], caseFolded: [] };
  if (typeof value !== 'object' || value === null) return { ...findings, problems: ['not an object'] };
  const { apiVersion, kind } = value as { apiVersion?: unknown; kind?: unknown };
  if (typeof apiVersion !== 'string' || typeof kind !== 'string') return { ...findings, problems: ['no apiVersion/kind'] };
  const [group = '', version = ''] = apiVersion.includes('/') ? apiVersion.split('/') : ['', apiVersion];
  const found = bundle.kind(group, version, kind);
  if (found === undefined) return { ...findings, problems: [`unknown kind ${apiVersion} ${kind}`] };
  walk(bundle, value, found.schema, '', findings, CASE_INSENSITIVE_GROUPS.has(group));
  return findings;
}

function walk(bundle: SchemaBundle, value: unknown, schemaIn: OpenApiSchema, path: string, findings: Findings, foldCase: boolean): void {
  if (value === null || value === undefined) return;
  const schema = flatten(bundle, schemaIn);
  const actual = Array.isArray(value) ? 'array' : typeof value === 'number' ? (Number.isInteger(value) ? 'integer' : 'number') : typeof value;
  const expected = schema.type;
  if (expected !== undefined && expected !== actual && !(expected === 'number' && actual === 'integer')) {
    findings.problems.push(`${path || '.'}: expected ${expected}, got ${actual}`);
    return;
  }
  if (Array.isArray(value)) {
    value.forEach((item, i) => walk(bundle, item, schema.items ?? {}, `${path}[${i}]`, findings, foldCase));
    return;
  }
  if (typeof value !== 'object') return;
  for (const [key, child] of Object.entries(value)) {
    let sub = schema.properties?.[key] ?? (typeof schema.additionalProperties === 'object' ? schema.additionalProperties : undefined);
    if (sub === undefined && foldCase) {
      const match = Object.keys(schema.properties ?? {}).find((name) => name.toLowerCase() === key.toLowerCase());
      if (match !== undefined) {
        sub = schema.properties?.[match];
        findings.caseFolded.push(`${path}.${key} (${match})`);
      }
    }
    if (sub !== undefined) walk(bundle, child, sub, `${path}.${key}`, findings, foldCase);
    else if (schema.properties !== undefined && schema.additionalProperties !== true && schema['x-kubernetes-preserve-unknown-fields'] !== true) {
      findings.problems.push(`${path}.${key}: unknown field`);
    }
  }
}

/** Follows $ref and merges allOf parts (how Kubernetes attaches a description to a shared type). */
function flatten(bundle: SchemaBundle, schema: OpenApiSchema): OpenApiSchema {
  let result: OpenApiSchema = schema.$ref !== undefined ? { ...bundle.resolveRef(schema), ...withoutRef(schema) } : schema;
  for (const part of result.allOf ?? []) result = { ...flatten(bundle, part), ...result, allOf: undefined };
  return result;
}

function withoutRef(schema: OpenApiSchema): OpenApiSchema {
  const { $ref: _ref, ...rest } = schema;
  return rest;
}

/** Where the schema shapes the validator has to understand live in the served documents. */
export const EXCERPTS: readonly { title: string; definition: string; path: readonly string[] }[] = [
  { title: 'Quantity', definition: 'io.k8s.apimachinery.pkg.api.resource.Quantity', path: [] },
  { title: 'IntOrString', definition: 'io.k8s.apimachinery.pkg.util.intstr.IntOrString', path: [] },
  { title: 'Time', definition: 'io.k8s.apimachinery.pkg.apis.meta.v1.Time', path: [] },
  { title: 'RawExtension', definition: 'io.k8s.apimachinery.pkg.runtime.RawExtension', path: [] },
  { title: 'Deployment spec', definition: 'io.k8s.api.apps.v1.Deployment', path: ['properties', 'spec'] },
  { title: 'DeploymentSpec.strategy', definition: 'io.k8s.api.apps.v1.DeploymentSpec', path: ['properties', 'strategy'] },
  { title: 'DeploymentStrategy', definition: 'io.k8s.api.apps.v1.DeploymentStrategy', path: [] },
  { title: 'DeploymentSpec.template', definition: 'io.k8s.api.apps.v1.DeploymentSpec', path: ['properties', 'template'] },
  { title: 'PodSpec.containers', definition: 'io.k8s.api.core.v1.PodSpec', path: ['properties', 'containers'] },
  { title: 'Container.ports', definition: 'io.k8s.api.core.v1.Container', path: ['properties', 'ports'] },
  { title: 'Container.resources', definition: 'io.k8s.api.core.v1.Container', path: ['properties', 'resources'] },
  { title: 'ServicePort.targetPort', definition: 'io.k8s.api.core.v1.ServicePort', path: ['properties', 'targetPort'] },
  { title: 'ServicePort.protocol', definition: 'io.k8s.api.core.v1.ServicePort', path: ['properties', 'protocol'] },
  { title: 'GitRepository spec.interval', definition: 'io.fluxcd.toolkit.source.v1.GitRepository', path: ['properties', 'spec', 'properties', 'interval'] },
  { title: 'GitRepository spec.ref', definition: 'io.fluxcd.toolkit.source.v1.GitRepository', path: ['properties', 'spec', 'properties', 'ref'] },
  { title: 'GitRepository metadata', definition: 'io.fluxcd.toolkit.source.v1.GitRepository', path: ['properties', 'metadata'] },
  { title: 'HelmRelease spec.values', definition: 'io.fluxcd.toolkit.helm.v2.HelmRelease', path: ['properties', 'spec', 'properties', 'values'] },
  { title: 'Kustomization (kustomize) patches', definition: 'io.k8s.sigs.kustomize.api.types.Kustomization', path: ['properties', 'patches'] },
];

/** Short JSON excerpts (long descriptions cut) of the schema shapes listed in EXCERPTS. */
export function excerpts(definitions: Record<string, OpenApiSchema>): string[] {
  return EXCERPTS.map(({ title, definition, path }) => {
    let node: unknown = definitions[definition];
    for (const segment of path) node = (node as Record<string, unknown> | undefined)?.[segment];
    const text = node === undefined ? '(absent)' : JSON.stringify(node, shorten);
    return `${title} — ${definition}${path.length > 0 ? ` ${path.join('.')}` : ''}:\n${text}`;
  });
}

function shorten(key: string, value: unknown): unknown {
  if (key === 'description' && typeof value === 'string' && value.length > 70) return `${value.slice(0, 70)}…`;
  if (key === 'properties' && typeof value === 'object' && value !== null) {
    const names = Object.keys(value);
    if (names.length > 6) return `{${names.length} properties: ${names.slice(0, 6).join(', ')}, …}`;
  }
  return value;
}

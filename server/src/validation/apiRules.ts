import * as yaml from 'yaml';
import type { Node, Scalar, YAMLMap, YAMLSeq } from 'yaml';
import type { Problem } from '../manifests/problem';
import { annotationsSizeError, extraNameErrors, invalidValue, isBuiltInGroup, isDns1123Label, isQualifiedName, isValidLabelValue, nameErrors, nameRuleOf } from './apiNames';
import type { CompiledSchema } from './compiledSchema';

const { isMap, isPair, isScalar } = yaml;

/** Flux postBuild substitutes `${VAR}` before the apiserver sees the value: it cannot be judged here. */
const PLACEHOLDER = /\$\{/;

function problem(node: Node, message: string, code: string, severity: Problem['severity'] = 'error'): Problem {
  const start = node.range?.[0] ?? 0;
  return { start, end: Math.max(node.range?.[1] ?? start, start), severity, code, message };
}

function stringScalar(node: unknown): (Scalar & { value: string }) | undefined {
  return isScalar(node) && typeof node.value === 'string' ? (node as Scalar & { value: string }) : undefined;
}

function pairsOf(map: YAMLMap): { key: Scalar & { value: string }; value: unknown }[] {
  const out: { key: Scalar & { value: string }; value: unknown }[] = [];
  for (const pair of map.items) {
    if (!isPair(pair)) continue;
    const key = stringScalar(pair.key);
    if (key !== undefined) out.push({ key, value: pair.value });
  }
  return out;
}

export interface MetadataContext {
  group: string;
  kind: string;
  /** Where this metadata sits, as the apiserver names it: `metadata`, `spec.template.metadata`. */
  field: string;
  /** Check name, generateName and namespace (the object's own metadata, outside patches). */
  names: boolean;
  /** A kustomize patch: `$patch`-style directives are not labels. */
  partial: boolean;
}

/** ValidateObjectMeta's checks on one metadata map: name, generateName, namespace, labels, annotations. */
export function metadataProblems(meta: YAMLMap, context: MetadataContext): Problem[] {
  const problems: Problem[] = [];
  const { field } = context;
  const rule = nameRuleOf(context.group, context.kind);
  for (const { key, value } of pairsOf(meta)) {
    const name = key.value;
    if (context.names && (name === 'name' || name === 'generateName') && rule !== undefined) {
      const text = stringScalar(value);
      if (text === undefined || PLACEHOLDER.test(text.value)) continue;
      const messages = nameErrors(rule, text.value, name === 'generateName');
      if (name === 'name') messages.push(...extraNameErrors(context.group, context.kind, text.value));
      for (const m of messages) problems.push(problem(text, invalidValue(`${field}.${name}`, text.value, m), 'api.name'));
    } else if (context.names && name === 'namespace') {
      const text = stringScalar(value);
      if (text === undefined || text.value === '' || PLACEHOLDER.test(text.value)) continue;
      for (const m of isDns1123Label(text.value)) problems.push(problem(text, invalidValue(`${field}.namespace`, text.value, m), 'api.namespace'));
    } else if (name === 'labels' && isMap(value)) {
      problems.push(...labelProblems(value, `${field}.labels`, context.partial));
    } else if (name === 'annotations' && isMap(value)) {
      problems.push(...annotationProblems(key, value, `${field}.annotations`, context.partial));
    }
  }
  return problems;
}

function labelProblems(labels: YAMLMap, field: string, partial: boolean): Problem[] {
  const problems: Problem[] = [];
  for (const { key, value } of pairsOf(labels)) {
    if ((partial && key.value.startsWith('$')) || PLACEHOLDER.test(key.value)) continue;
    for (const m of isQualifiedName(key.value)) problems.push(problem(key, invalidValue(field, key.value, m), 'api.label-key'));
    const text = stringScalar(value);
    if (text === undefined || PLACEHOLDER.test(text.value)) continue;
    for (const m of isValidLabelValue(text.value)) problems.push(problem(text, invalidValue(field, text.value, m), 'api.label-value'));
  }
  return problems;
}

function annotationProblems(at: Node, annotations: YAMLMap, field: string, partial: boolean): Problem[] {
  const problems: Problem[] = [];
  let size = 0;
  for (const { key, value } of pairsOf(annotations)) {
    if ((partial && key.value.startsWith('$')) || PLACEHOLDER.test(key.value)) continue;
    // The rule is a qualified name, but case does not matter (ValidateAnnotations lower-cases it).
    for (const m of isQualifiedName(key.value.toLowerCase())) problems.push(problem(key, invalidValue(field, key.value, m), 'api.annotation-key'));
    const text = stringScalar(value);
    size += Buffer.byteLength(key.value, 'utf8') + (text === undefined ? 0 : Buffer.byteLength(text.value, 'utf8'));
  }
  const tooLong = annotationsSizeError(size);
  if (tooLong !== undefined) problems.unshift(problem(at, `${field}: ${tooLong} (these annotations take ${size} bytes)`, 'api.annotations-size'));
  return problems;
}

/** A scalar item value as Go prints it in JSON, or undefined for what is not a plain value. */
function scalarValue(node: unknown): string | number | boolean | undefined {
  if (!isScalar(node)) return undefined;
  const v = node.value;
  return typeof v === 'string' || typeof v === 'number' || typeof v === 'boolean' ? v : undefined;
}

/** Pod spec lists whose item names the apiserver's own validation refuses to repeat (ValidatePodSpec). */
const UNIQUE_NAMES = new Set(['containers', 'initContainers', 'ephemeralContainers', 'volumes']);

/** `spec.template.metadata`, `spec.containers[1]`: a field path as the apiserver prints it. */
export function goField(path: readonly (string | number)[]): string {
  let out = '';
  for (const seg of path) out += typeof seg === 'number' ? `[${seg}]` : out === '' ? seg : `.${seg}`;
  return out;
}

function at(goPath: readonly (string | number)[], index: number, child?: string): string {
  return `${goField(goPath)}[${index}]${child === undefined ? '' : `.${child}`}`;
}

/**
 * Items repeated in an `x-kubernetes-list-type: map` or `set` list. Custom resources: the
 * apiserver's structural validation refuses them all ("Duplicate value"). Built-in kinds are
 * validated by hand-written code instead: repeated container and volume names are errors, a
 * repeated env var is the apiserver's warning, other lists are left alone.
 */
export function duplicateProblems(list: YAMLSeq, schema: CompiledSchema, goPath: readonly (string | number)[], group: string): Problem[] {
  const problems: Problem[] = [];
  const builtIn = isBuiltInGroup(group);
  const listName = goPath[goPath.length - 1];
  if (schema.listType === 'set') {
    if (builtIn) return problems;
    const seen = new Set<string>();
    list.items.forEach((item, index) => {
      const value = scalarValue(item);
      if (value === undefined || (typeof value === 'string' && PLACEHOLDER.test(value))) return;
      const id = JSON.stringify(value);
      if (seen.has(id)) problems.push(problem(item as Node, `${at(goPath, index)}: Duplicate value: ${id}`, 'api.duplicate'));
      seen.add(id);
    });
    return problems;
  }
  const keys = schema.listMapKeys;
  if (keys === undefined || keys.length === 0) return problems;
  if (builtIn && !(typeof listName === 'string' && (UNIQUE_NAMES.has(listName) || listName === 'env') && keys.length === 1 && keys[0] === 'name')) return problems;
  const seen = new Set<string>();
  list.items.forEach((item, index) => {
    if (!isMap(item)) return;
    const tuple: Record<string, string | number | boolean> = {};
    let first: Node | undefined;
    for (const k of [...keys].sort()) {
      const node = item.get(k, true) as Node | undefined;
      const value = scalarValue(node);
      // A missing key or a placeholder: what the apiserver compares is not known here.
      if (node === undefined || value === undefined || (typeof value === 'string' && PLACEHOLDER.test(value))) return;
      tuple[k] = value;
      if (k === keys[0]) first = node;
    }
    const id = JSON.stringify(tuple);
    if (seen.has(id) && first !== undefined) {
      const name = tuple['name'];
      if (!builtIn) problems.push(problem(first, `${at(goPath, index)}: Duplicate value: ${id}`, 'api.duplicate'));
      else if (listName === 'env') problems.push(problem(first, `${at(goPath, index)}: hides previous definition of ${JSON.stringify(name)}, which may be dropped when using apply`, 'api.duplicate', 'warning'));
      else problems.push(problem(first, `${at(goPath, index, 'name')}: Duplicate value: ${JSON.stringify(name)}`, 'api.duplicate'));
    }
    seen.add(id);
  });
  return problems;
}

import type { Node, Pair, Scalar, YAMLMap, YAMLSeq } from 'yaml';
import { isMap, isPair, isScalar } from '../manifests/yamlNodes';
import type { Problem } from '../manifests/problem';
import { ANNOTATIONS_SIZE_LIMIT, annotationsSizeError, extraNameErrors, invalidValue, isBuiltInGroup, isDns1123Label, isQualifiedName, isValidLabelValue, nameErrors, nameRuleOf } from './apiNames';
import type { CompiledSchema } from './compiledSchema';


/**
 * Flux postBuild substitutes `${VAR}` before the apiserver sees the value, and a `{{ }}` template
 * is rendered first: such a value cannot be judged here.
 */
const PLACEHOLDER = /\$\{|\{\{/;

function problem(node: Node, message: string, code: string, severity: Problem['severity'] = 'error'): Problem {
  const start = node.range?.[0] ?? 0;
  return { start, end: Math.max(node.range?.[1] ?? start, start), severity, code, message };
}

function stringScalar(node: unknown): (Scalar & { value: string }) | undefined {
  return isScalar(node) && typeof node.value === 'string' ? (node as Scalar & { value: string }) : undefined;
}

/**
 * The pair at `index` of a map when its key is a string scalar (the loops below run on every
 * object's metadata: by index, without a callback, as unoptimized code runs them fastest).
 */
function stringKeyed(items: readonly unknown[], index: number): Pair<Scalar & { value: string }, unknown> | undefined {
  const pair = items[index];
  return isPair(pair) && stringScalar(pair.key) !== undefined ? (pair as Pair<Scalar & { value: string }, unknown>) : undefined;
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
  /**
   * Under a kustomization, whose `namespace:` replaces every metadata.namespace and the name of
   * a Namespace object (`name: _` is a common stand-in): those are not judged.
   */
  kustomized: boolean;
}

/** ValidateObjectMeta's checks on one metadata map (name, generateName, namespace, labels, annotations), added to `problems`. */
export function metadataProblems(meta: YAMLMap, context: MetadataContext, problems: Problem[]): void {
  const { field } = context;
  const items = meta.items as unknown[];
  for (let i = 0; i < items.length; i++) {
    const pair = stringKeyed(items, i);
    if (pair === undefined) continue;
    const key = pair.key;
    const value = pair.value;
    const name = key.value;
    const rewritten = context.kustomized && (name === 'namespace' || (name === 'name' && context.group === '' && context.kind === 'Namespace'));
    if (rewritten) continue;
    const rule = context.names && (name === 'name' || name === 'generateName') ? nameRuleOf(context.group, context.kind) : undefined;
    if (rule !== undefined) {
      const text = stringScalar(value);
      if (text === undefined || PLACEHOLDER.test(text.value)) continue;
      const messages = name === 'name' ? [...nameErrors(rule, text.value, false), ...extraNameErrors(context.group, context.kind, text.value)] : nameErrors(rule, text.value, true);
      for (const m of messages) problems.push(problem(text, invalidValue(`${field}.${name}`, text.value, m), 'api.name'));
    } else if (context.names && name === 'namespace') {
      const text = stringScalar(value);
      if (text === undefined || text.value === '' || PLACEHOLDER.test(text.value)) continue;
      for (const m of isDns1123Label(text.value)) problems.push(problem(text, invalidValue(`${field}.namespace`, text.value, m), 'api.namespace'));
    } else if (name === 'labels' && isMap(value)) {
      labelProblems(value, `${field}.labels`, context.partial, problems);
    } else if (name === 'annotations' && isMap(value)) {
      annotationProblems(key, value, `${field}.annotations`, context.partial, problems);
    }
  }
}

function labelProblems(labels: YAMLMap, field: string, partial: boolean, problems: Problem[]): void {
  const items = labels.items as unknown[];
  for (let i = 0; i < items.length; i++) {
    const pair = stringKeyed(items, i);
    if (pair === undefined) continue;
    const key = pair.key;
    if ((partial && key.value.startsWith('$')) || PLACEHOLDER.test(key.value)) continue;
    const keyErrors = isQualifiedName(key.value);
    if (keyErrors.length > 0) for (const m of keyErrors) problems.push(problem(key, invalidValue(field, key.value, m), 'api.label-key'));
    const text = stringScalar(pair.value);
    if (text === undefined || PLACEHOLDER.test(text.value)) continue;
    const valueErrors = isValidLabelValue(text.value);
    if (valueErrors.length > 0) for (const m of valueErrors) problems.push(problem(text, invalidValue(field, text.value, m), 'api.label-value'));
  }
}

function annotationProblems(at: Node, annotations: YAMLMap, field: string, partial: boolean, problems: Problem[]): void {
  let size = 0;
  const first = problems.length;
  const items = annotations.items as unknown[];
  for (let i = 0; i < items.length; i++) {
    const pair = stringKeyed(items, i);
    if (pair === undefined) continue;
    const key = pair.key;
    if ((partial && key.value.startsWith('$')) || PLACEHOLDER.test(key.value)) continue;
    // The rule is a qualified name, but case does not matter (ValidateAnnotations lower-cases it).
    const keyErrors = isQualifiedName(key.value.toLowerCase());
    if (keyErrors.length > 0) for (const m of keyErrors) problems.push(problem(key, invalidValue(field, key.value, m), 'api.annotation-key'));
    const text = stringScalar(pair.value);
    // UTF-16 length is a floor of the UTF-8 one: bytes are counted only when it could matter.
    size += key.value.length + (text === undefined ? 0 : text.value.length);
  }
  if (size * 3 > ANNOTATIONS_SIZE_LIMIT) {
    size = 0;
    for (let i = 0; i < items.length; i++) {
      const pair = stringKeyed(items, i);
      if (pair === undefined) continue;
      const text = stringScalar(pair.value);
      size += Buffer.byteLength(pair.key.value, 'utf8') + (text === undefined ? 0 : Buffer.byteLength(text.value, 'utf8'));
    }
  }
  const tooLong = annotationsSizeError(size);
  // On the `annotations` key, before what is found on its keys.
  if (tooLong !== undefined) problems.splice(first, 0, problem(at, `${field}: ${tooLong} (these annotations take ${size} bytes)`, 'api.annotations-size'));
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
  const single = keys.length === 1 ? keys[0] : undefined;
  list.items.forEach((item, index) => {
    if (!isMap(item)) return;
    if (single !== undefined) {
      // One key (name, mostly): compared as its value, without building the tuple.
      const node = item.get(single, true) as Node | undefined;
      const value = scalarValue(node);
      if (node === undefined || value === undefined || (typeof value === 'string' && PLACEHOLDER.test(value))) return;
      const id = `${typeof value}:${String(value)}`;
      if (seen.has(id)) problems.push(duplicate(node, goPath, index, single, value, builtIn, listName));
      seen.add(id);
      return;
    }
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
    // Several keys happen on custom resources only (built-ins were left above).
    if (seen.has(id) && first !== undefined) problems.push(problem(first, `${at(goPath, index)}: Duplicate value: ${id}`, 'api.duplicate'));
    seen.add(id);
  });
  return problems;
}

function duplicate(node: Node, goPath: readonly (string | number)[], index: number, key: string, value: string | number | boolean, builtIn: boolean, listName: string | number | undefined): Problem {
  if (!builtIn) return problem(node, `${at(goPath, index)}: Duplicate value: ${JSON.stringify({ [key]: value })}`, 'api.duplicate');
  if (listName === 'env') return problem(node, `${at(goPath, index)}: hides previous definition of ${JSON.stringify(value)}, which may be dropped when using apply`, 'api.duplicate', 'warning');
  return problem(node, `${at(goPath, index, 'name')}: Duplicate value: ${JSON.stringify(value)}`, 'api.duplicate');
}

import { isMap, isSeq, parseDocument, YAMLSeq } from 'yaml';
import type { ResourceIdentity } from '../manifests/identity';
import type { FieldPath, FieldStep } from './fieldPath';

/** A field (or subtree) whose drift the user chose not to see, for matching resources. */
export interface IgnoreRule {
  kind?: string;
  name?: string;
  namespace?: string;
  /** JSON pointers; a list item is named by its index or by its key value (`/spec/containers/web/image`). */
  jsonPointers: string[];
  /** Changes made by these managers are not drift (Argo CD's managedFieldsManagers). */
  managers?: string[];
}

function unescape(segment: string): string {
  return segment.replace(/~1/g, '/').replace(/~0/g, '~');
}

function stepMatches(segment: string, step: FieldStep | undefined): boolean {
  if (step === undefined) return false;
  if (typeof step === 'string') return segment === step;
  if (typeof step === 'number') return segment === String(step);
  const values = Object.values(step.keys).map(String);
  return segment === values.join(',') || segment === Object.entries(step.keys).map(([k, v]) => `${k}=${String(v)}`).join(',');
}

/** True when the pointer names this path or one of its ancestors. */
export function pointerCovers(pointer: string, path: FieldPath): boolean {
  const segments = pointer.split('/').slice(1).map(unescape);
  return segments.length <= path.length && segments.every((s, i) => stepMatches(s, path[i]));
}

export function ruleApplies(rule: IgnoreRule, identity: ResourceIdentity, namespace: string | undefined): boolean {
  return (rule.kind === undefined || rule.kind === identity.kind) && (rule.name === undefined || rule.name === identity.name) && (rule.namespace === undefined || rule.namespace === namespace);
}

/** A pointer for a path, naming list items by their key values, as "Ignore this field" writes it. */
export function pointerOf(path: FieldPath): string {
  return path.map((s) => `/${(typeof s === 'object' ? Object.values(s.keys).map(String).join(',') : String(s)).replace(/~/g, '~0').replace(/\//g, '~1')}`).join('');
}

/** Reads `drift.ignore` from a `.plumbline.yaml` text; malformed entries are skipped. */
export function readIgnoreRules(text: string): IgnoreRule[] {
  const doc = parseDocument(text);
  if (doc.errors.length > 0) return [];
  const js = doc.toJS({ maxAliasCount: 50 }) as { drift?: { ignore?: unknown } } | null;
  const raw = js?.drift?.ignore;
  if (!Array.isArray(raw)) return [];
  return raw.flatMap((r: unknown) => {
    if (r === null || typeof r !== 'object') return [];
    const o = r as Record<string, unknown>;
    const pointers = Array.isArray(o['jsonPointers']) ? o['jsonPointers'].filter((p): p is string => typeof p === 'string' && p.startsWith('/')) : [];
    const managers = Array.isArray(o['managers']) ? o['managers'].filter((m): m is string => typeof m === 'string') : undefined;
    if (pointers.length === 0 && managers === undefined) return [];
    const rule: IgnoreRule = { jsonPointers: pointers };
    for (const key of ['kind', 'name', 'namespace'] as const) if (typeof o[key] === 'string') rule[key] = o[key];
    if (managers !== undefined) rule.managers = managers;
    return [rule];
  });
}

/** `.plumbline.yaml` text with one more ignore rule, keeping the user's comments and layout. */
export function addIgnoreRule(text: string, rule: IgnoreRule): string {
  const doc = parseDocument(text === '' ? '{}' : text);
  if (!isMap(doc.contents)) doc.contents = doc.createNode({}) as never;
  const existing = doc.getIn(['drift', 'ignore']);
  if (!isSeq(existing)) doc.setIn(['drift', 'ignore'], new YAMLSeq());
  (doc.getIn(['drift', 'ignore']) as YAMLSeq).add(doc.createNode(rule));
  const out = doc.toString();
  return out.startsWith('{}') ? out.slice(2).trimStart() : out;
}

/** Removes what ignore rules cover from a report's findings. */
export function applyIgnoreRules<T extends { path: FieldPath; manager?: string; writer?: { manager: string } | undefined }>(
  items: readonly T[],
  rules: readonly IgnoreRule[],
  identity: ResourceIdentity,
  namespace: string | undefined,
): T[] {
  const applicable = rules.filter((r) => ruleApplies(r, identity, namespace));
  if (applicable.length === 0) return [...items];
  return items.filter((item) => {
    const manager = item.manager ?? item.writer?.manager;
    return !applicable.some((r) => r.jsonPointers.some((p) => pointerCovers(p, item.path)) || (manager !== undefined && r.managers?.includes(manager) === true));
  });
}

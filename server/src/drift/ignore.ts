import { isMap, isSeq, parseDocument, YAMLSeq } from 'yaml';
import { YAML_LOG } from '../manifests/yamlLog';
import type { ResourceIdentity } from '../manifests/identity';
import { sameApplier, type Applier } from './appliers';
import { matchesKeys, valueAt, type FieldPath, type FieldStep } from '../manifests/fieldPath';

/** A field (or subtree) whose drift the user chose not to see, for matching resources. */
export interface IgnoreRule {
  /** API group (`""` for core); `*` or absent matches any. */
  group?: string;
  /** `*` or absent matches any. */
  kind?: string;
  name?: string;
  namespace?: string;
  /** Only for objects this applier manages (rules read from an Argo CD Application or a Flux HelmRelease). */
  scope?: Applier;
  /** Where the rule was written, e.g. "Argo CD Application argocd/shop (argocd/shop.yaml)". */
  origin?: string;
  /** JSON pointers; a list item is named by its index or by its key value (`/spec/containers/web/image`). */
  jsonPointers: string[];
  /** Changes made by these managers are not drift (Argo CD's managedFieldsManagers). */
  managers?: string[];
}

function unescape(segment: string): string {
  return segment.replace(/~1/g, '/').replace(/~0/g, '~');
}

/**
 * A pointer segment against one step of a drift path. Paths name list items by merge key; an
 * RFC 6901 pointer (what Argo CD and Flux users write) names them by index, which is resolved
 * in `list`, the list at that point of the live object.
 */
function stepMatches(segment: string, step: FieldStep | undefined, list: unknown): boolean {
  if (step === undefined) return false;
  if (typeof step === 'string') return segment === step;
  if (typeof step === 'number') return segment === String(step);
  const values = Object.values(step.keys).map(String);
  if (segment === values.join(',') || segment === Object.entries(step.keys).map(([k, v]) => `${k}=${String(v)}`).join(',')) return true;
  return /^\d+$/.test(segment) && Array.isArray(list) && matchesKeys(list[Number(segment)], step.keys);
}

/** True when the pointer names this path or one of its ancestors; `live` resolves list indexes. */
export function pointerCovers(pointer: string, path: FieldPath, live?: unknown): boolean {
  const segments = pointer.split('/').slice(1).map(unescape);
  return segments.length <= path.length && segments.every((s, i) => stepMatches(s, path[i], typeof path[i] === 'object' && live !== undefined ? valueAt(live, path.slice(0, i)) : undefined));
}

const matches = (pattern: string | undefined, value: string | undefined): boolean => pattern === undefined || pattern === '*' || pattern === value;

/** Whether a rule is about this resource; `owners` are the appliers that manage it (scoped rules need one of theirs). */
export function ruleApplies(rule: IgnoreRule, identity: ResourceIdentity, namespace: string | undefined, owners: readonly Applier[] = []): boolean {
  if (rule.scope !== undefined && !owners.some((o) => sameApplier(o, rule.scope!))) return false;
  return matches(rule.group, identity.group) && matches(rule.kind, identity.kind) && matches(rule.name, identity.name) && matches(rule.namespace, namespace);
}

/** A pointer for a path, naming list items by their key values, as "Ignore this field" writes it. */
export function pointerOf(path: FieldPath): string {
  return path.map((s) => `/${(typeof s === 'object' ? Object.values(s.keys).map(String).join(',') : String(s)).replace(/~/g, '~0').replace(/\//g, '~1')}`).join('');
}

/** Reads `drift.ignore` from a `.plumbline.yaml` text; malformed entries are skipped. */
export function readIgnoreRules(text: string): IgnoreRule[] {
  const doc = parseDocument(text, YAML_LOG);
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

/**
 * The repository's own "set by hand" field managers (`drift.manualManagers` in `.plumbline.yaml`):
 * added to the setting's, so a team's console or script counts as a person in every editor and in CI.
 */
export function readManualManagers(text: string): string[] {
  const doc = parseDocument(text, YAML_LOG);
  if (doc.errors.length > 0) return [];
  const js = doc.toJS({ maxAliasCount: 50 }) as { drift?: { manualManagers?: unknown } } | null;
  const raw = js?.drift?.manualManagers;
  return Array.isArray(raw) ? raw.filter((m): m is string => typeof m === 'string' && m !== '') : [];
}

/** `.plumbline.yaml` text with one more ignore rule, keeping the user's comments and layout. */
export function addIgnoreRule(text: string, rule: IgnoreRule): string {
  const doc = parseDocument(text === '' ? '{}' : text, YAML_LOG);
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
  owners: readonly Applier[] = [],
  live?: unknown,
): T[] {
  const applicable = rules.filter((r) => ruleApplies(r, identity, namespace, owners));
  if (applicable.length === 0) return [...items];
  return items.filter((item) => {
    const manager = item.manager ?? item.writer?.manager;
    return !applicable.some((r) => r.jsonPointers.some((p) => pointerCovers(p, item.path, live)) || (manager !== undefined && r.managers?.includes(manager) === true));
  });
}

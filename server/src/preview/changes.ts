import type { KubeObject } from '../cluster/http';
import { parseApiVersion } from '../manifests/identity';
import { stableYaml } from './stableYaml';

/** One resource that differs between the two sides of a preview. */
export interface ResourceChange {
  change: 'added' | 'removed' | 'changed';
  apiVersion: string;
  kind: string;
  name: string;
  namespace: string | undefined;
  /** YAML of the left side ('' when added). */
  before: string;
  /** YAML of the right side ('' when removed). */
  after: string;
}

export interface ChangeSet {
  changes: ResourceChange[];
  /** Resources present on both sides with the same text. */
  unchanged: number;
}

/** Identity for matching across the two sides: group/kind/namespace/name (a version bump is a change, not a swap). */
export function resourceKey(object: KubeObject): string {
  const { group } = parseApiVersion(object.apiVersion ?? '');
  return `${group}/${object.kind ?? ''}/${object.metadata?.namespace ?? ''}/${object.metadata?.name ?? ''}`;
}

// kustomize's configMapGenerator/secretGenerator append a 10-character content hash to the name.
const HASH_SUFFIX = /-[a-z0-9]{10}$/;

function hashless(key: string): string | undefined {
  return HASH_SUFFIX.test(key) ? key.replace(HASH_SUFFIX, '') : undefined;
}

function describe(object: KubeObject): Pick<ResourceChange, 'apiVersion' | 'kind' | 'name' | 'namespace'> {
  return { apiVersion: object.apiVersion ?? '', kind: object.kind ?? '', name: object.metadata?.name ?? '', namespace: object.metadata?.namespace };
}

const ORDER: Record<ResourceChange['change'], number> = { changed: 0, added: 1, removed: 2 };

/**
 * Matches the two sides by resource identity and says what was added, removed or changed. A
 * generated ConfigMap or Secret whose hash suffix changed with its content is one change, not a
 * removal and an addition.
 */
export function compareObjects(before: readonly KubeObject[], after: readonly KubeObject[], key: (o: KubeObject) => string = resourceKey): ChangeSet {
  const left = new Map(before.map((o) => [key(o), o]));
  const right = new Map(after.map((o) => [key(o), o]));
  const changes: ResourceChange[] = [];
  let unchanged = 0;
  for (const [k, a] of right) {
    const b = left.get(k);
    if (b === undefined) continue;
    left.delete(k);
    right.delete(k);
    const textBefore = stableYaml(b);
    const textAfter = stableYaml(a);
    if (textBefore === textAfter) unchanged++;
    else changes.push({ change: 'changed', ...describe(a), before: textBefore, after: textAfter });
  }
  // Pair what is left by name without the generator's hash, when that pairing is unambiguous.
  const leftByStem = new Map<string, string[]>();
  for (const k of left.keys()) {
    const stem = hashless(k);
    if (stem !== undefined) leftByStem.set(stem, [...(leftByStem.get(stem) ?? []), k]);
  }
  const rightStems = new Map<string, number>();
  for (const k of right.keys()) {
    const stem = hashless(k);
    if (stem !== undefined) rightStems.set(stem, (rightStems.get(stem) ?? 0) + 1);
  }
  for (const [k, a] of [...right]) {
    const stem = hashless(k);
    const candidates = stem === undefined ? undefined : leftByStem.get(stem);
    if (stem === undefined || candidates?.length !== 1 || rightStems.get(stem) !== 1) continue;
    const lk = candidates[0]!;
    const b = left.get(lk)!;
    left.delete(lk);
    right.delete(k);
    changes.push({ change: 'changed', ...describe(a), before: stableYaml(b), after: stableYaml(a) });
  }
  for (const a of right.values()) changes.push({ change: 'added', ...describe(a), before: '', after: stableYaml(a) });
  for (const b of left.values()) changes.push({ change: 'removed', ...describe(b), before: stableYaml(b), after: '' });
  changes.sort((x, y) => ORDER[x.change] - ORDER[y.change] || x.kind.localeCompare(y.kind) || x.name.localeCompare(y.name) || (x.namespace ?? '').localeCompare(y.namespace ?? ''));
  return { changes, unchanged };
}

import type { KubeObject } from '../cluster/http';
import type { FieldPath } from '../manifests/fieldPath';
import { appliersOf, describeApplier } from './appliers';
import { guessListKeys, isObject, type ListKeys } from './diff';

/** Who the next apply of an object is, and so how the prediction applies Git. */
export interface ApplyAs {
  /** The field manager the dry-run applies as: fields this manager applied and Git no longer declares are removed. */
  manager: string;
  /**
   * A three-way merge: Argo CD's default sync (kubectl's client-side apply, with the last-applied
   * annotation as the original) or Helm 3's upgrade (with the release's last deployed manifest).
   */
  threeWay: boolean;
  /** For Helm's three-way merge: the namespaces where Helm may keep the release record (the HelmRelease's first). */
  helmStorage?: string[];
  /** "kustomize-controller (Flux Kustomization flux-system/apps)", for messages. */
  who: string;
}

/** Flux kustomize-controller's and Argo CD's field managers, as they name themselves when they apply. */
export const KUSTOMIZE_CONTROLLER = 'kustomize-controller';
export const ARGOCD_CONTROLLER = 'argocd-controller';
export const HELM_CONTROLLER = 'helm-controller';
const OWN = 'plumbline';

function appliesAs(live: KubeObject, manager: string): boolean {
  return (live.metadata?.managedFields ?? []).some((e) => e.manager === manager && e.operation === 'Apply' && e.subresource === undefined);
}

/**
 * The applier of a live object, from its tracking labels and annotations and confirmed by its
 * managedFields: Flux kustomize-controller and Argo CD with ServerSideApply=true apply server-side
 * under their own names; Argo CD's default sync is a client-side apply; anything else (a direct
 * sync, an object no GitOps tool tracks) is predicted as Plumbline's own server-side apply.
 * Flux helm-controller upgrades as the Helm it embeds does: Helm 3 patches with a three-way merge
 * against the release's last deployed manifest; a Helm that applies server-side does so as `helm-controller`.
 */
export function applyAsFor(live: KubeObject): ApplyAs {
  for (const applier of appliersOf(live)) {
    if (applier.kind === 'flux') return { manager: KUSTOMIZE_CONTROLLER, threeWay: false, who: `${KUSTOMIZE_CONTROLLER} (${describeApplier(applier)})` };
    if (applier.kind === 'flux-helm') {
      if (appliesAs(live, HELM_CONTROLLER)) return { manager: HELM_CONTROLLER, threeWay: false, who: `${HELM_CONTROLLER} (${describeApplier(applier)}, server-side apply)` };
      return { manager: OWN, threeWay: true, helmStorage: [applier.namespace], who: `${HELM_CONTROLLER} (${describeApplier(applier)}, Helm's three-way merge)` };
    }
    if (applier.kind === 'argocd') {
      if (appliesAs(live, ARGOCD_CONTROLLER)) return { manager: ARGOCD_CONTROLLER, threeWay: false, who: `${ARGOCD_CONTROLLER} (${describeApplier(applier)}, server-side apply)` };
      if (live.metadata?.annotations?.[LAST_APPLIED] !== undefined) return { manager: OWN, threeWay: true, who: `Argo CD (${describeApplier(applier)}, client-side apply)` };
    }
  }
  if (appliesAs(live, KUSTOMIZE_CONTROLLER)) return { manager: KUSTOMIZE_CONTROLLER, threeWay: false, who: KUSTOMIZE_CONTROLLER };
  return OWN_APPLY;
}

/** Plumbline's own server-side apply: a direct sync's, and the prediction for objects no applier tracks. */
export const OWN_APPLY: ApplyAs = { manager: OWN, threeWay: false, who: 'a server-side apply as plumbline' };

export const LAST_APPLIED = 'kubectl.kubernetes.io/last-applied-configuration';


/** What the last client-side apply sent, from the live object's annotation. */
export function lastApplied(live: KubeObject): Record<string, unknown> | undefined {
  const text = live.metadata?.annotations?.[LAST_APPLIED];
  if (text === undefined) return undefined;
  try {
    const sent = JSON.parse(text) as unknown;
    return isObject(sent) ? sent : undefined;
  } catch {
    return undefined;
  }
}

/**
 * The fields a client-side apply deletes: sent last time (the annotation) and no longer in Git,
 * each at its topmost such field; list items are matched by their merge keys.
 */
export function droppedSinceLastApply(sent: unknown, desired: unknown, listKeys: ListKeys, path: FieldPath = []): FieldPath[] {
  if (isObject(sent) && isObject(desired)) {
    return Object.entries(sent).flatMap(([k, v]) => (k in desired ? droppedSinceLastApply(v, desired[k], listKeys, [...path, k]) : [[...path, k]]));
  }
  if (Array.isArray(sent) && Array.isArray(desired)) {
    const keys = listKeys(path) ?? guessListKeys(sent, desired);
    if (keys === undefined || keys.length === 0) return [];
    return sent.flatMap((item): FieldPath[] => {
      if (!isObject(item)) return [];
      const selector = Object.fromEntries(keys.filter((k) => item[k] !== undefined).map((k) => [k, item[k]]));
      if (Object.keys(selector).length === 0) return [];
      const match: unknown = (desired as unknown[]).find((d) => isObject(d) && Object.entries(selector).every(([k, v]) => d[k] === v));
      return match === undefined ? [[...path, { keys: selector }]] : droppedSinceLastApply(item, match, listKeys, [...path, { keys: selector }]);
    });
  }
  return [];
}

/** `object` without the field at `path` (a copy; list items found by their keys). */
export function withoutField<T>(object: T, path: FieldPath): T {
  const [step, ...rest] = path;
  if (step === undefined) return object;
  if (typeof step === 'string' && isObject(object)) {
    if (!(step in object)) return object;
    const copy: Record<string, unknown> = { ...object };
    if (rest.length === 0) delete copy[step];
    else copy[step] = withoutField(copy[step], rest);
    return copy as T;
  }
  if (typeof step === 'object' && Array.isArray(object)) {
    const items = object as unknown[];
    const matches = (item: unknown): boolean => isObject(item) && Object.entries(step.keys).every(([k, v]) => item[k] === v);
    return (rest.length === 0 ? items.filter((item) => !matches(item)) : items.map((item) => (matches(item) ? withoutField(item, rest) : item))) as T;
  }
  return object;
}

import type { KubeObject } from '../cluster/http';
import { parseApiVersion } from '../manifests/identity';

/** Marks what a direct sync applied (see delivery/converge.ts). */
export const ENVIRONMENT_MARK = 'plumbline.dev/environment';

export const FLUX_KUSTOMIZE_NAME = 'kustomize.toolkit.fluxcd.io/name';
export const FLUX_KUSTOMIZE_NAMESPACE = 'kustomize.toolkit.fluxcd.io/namespace';
export const FLUX_HELM_NAME = 'helm.toolkit.fluxcd.io/name';
export const FLUX_HELM_NAMESPACE = 'helm.toolkit.fluxcd.io/namespace';
export const ARGO_TRACKING_ID = 'argocd.argoproj.io/tracking-id';
export const ARGO_INSTANCE_LABEL = 'app.kubernetes.io/instance';

/** The labels and annotations appliers write onto every object they apply (none of them in Git). */
export const TRACKING_LABELS = [FLUX_KUSTOMIZE_NAME, FLUX_KUSTOMIZE_NAMESPACE, FLUX_HELM_NAME, FLUX_HELM_NAMESPACE, ARGO_INSTANCE_LABEL];
export const TRACKING_ANNOTATIONS = [ARGO_TRACKING_ID, ENVIRONMENT_MARK];

/** What put an object into the cluster and keeps it there. */
export type Applier =
  | { kind: 'flux'; name: string; namespace: string }
  | { kind: 'flux-helm'; name: string; namespace: string }
  /** namespace undefined: only the name is known (label tracking does not say the Application's namespace). */
  | { kind: 'argocd'; name: string; namespace: string | undefined }
  | { kind: 'direct'; environment: string };

/** "Flux Kustomization flux-system/shop", for messages. */
export function describeApplier(a: Applier): string {
  switch (a.kind) {
    case 'flux':
      return `Flux Kustomization ${a.namespace}/${a.name}`;
    case 'flux-helm':
      return `Flux HelmRelease ${a.namespace}/${a.name}`;
    case 'argocd':
      return `Argo CD Application ${a.namespace === undefined ? '' : `${a.namespace}/`}${a.name}`;
    case 'direct':
      return `Plumbline direct sync of ${a.environment}`;
  }
}

/** `ns_app` (Applications in any namespace) or `app`, as Argo CD writes it into tracking values. */
function argoApp(value: string): { name: string; namespace: string | undefined } {
  const at = value.indexOf('_');
  return at === -1 ? { name: value, namespace: undefined } : { namespace: value.slice(0, at), name: value.slice(at + 1) };
}

/**
 * The Argo CD Application an annotation tracking id names, when the id also names this very
 * object: Argo CD itself treats an id copied onto another object (by a copy-paste, or a
 * controller copying annotations) as not tracked.
 */
function argoFromTrackingId(object: KubeObject, id: string): Applier | undefined {
  const m = /^([^:]+):([^/]*)\/([^:]+):([^/]*)\/(.+)$/.exec(id);
  if (m === null) return undefined;
  const [, app = '', group = '', kind = '', namespace = '', name = ''] = m;
  const own = parseApiVersion(object.apiVersion ?? '');
  if (group !== own.group || kind !== object.kind || name !== object.metadata?.name) return undefined;
  if (namespace !== '' && object.metadata?.namespace !== undefined && namespace !== object.metadata.namespace) return undefined;
  return { kind: 'argocd', ...argoApp(app) };
}

/** Every applier a live object's labels and annotations name. */
export function appliersOf(object: KubeObject): Applier[] {
  const labels = object.metadata?.labels ?? {};
  const annotations = object.metadata?.annotations ?? {};
  const out: Applier[] = [];
  const fluxName = labels[FLUX_KUSTOMIZE_NAME];
  const fluxNamespace = labels[FLUX_KUSTOMIZE_NAMESPACE];
  if (fluxName !== undefined && fluxNamespace !== undefined) out.push({ kind: 'flux', name: fluxName, namespace: fluxNamespace });
  const helmName = labels[FLUX_HELM_NAME];
  const helmNamespace = labels[FLUX_HELM_NAMESPACE];
  if (helmName !== undefined && helmNamespace !== undefined) out.push({ kind: 'flux-helm', name: helmName, namespace: helmNamespace });
  const tracking = annotations[ARGO_TRACKING_ID];
  const fromAnnotation = tracking === undefined ? undefined : argoFromTrackingId(object, tracking);
  if (fromAnnotation !== undefined) out.push(fromAnnotation);
  else if (tracking === undefined && labels[ARGO_INSTANCE_LABEL] !== undefined) out.push({ kind: 'argocd', ...argoApp(labels[ARGO_INSTANCE_LABEL]) });
  const mark = annotations[ENVIRONMENT_MARK];
  if (mark !== undefined) out.push({ kind: 'direct', environment: mark });
  return out;
}

/** True when `a` (what an object says) is the applier `b` (what we look for); an unknown namespace matches any. */
export function sameApplier(a: Applier, b: Applier): boolean {
  if (a.kind === 'direct' || b.kind === 'direct') return a.kind === 'direct' && b.kind === 'direct' && a.environment === b.environment;
  if (a.kind !== b.kind || a.name !== b.name) return false;
  return a.namespace === undefined || b.namespace === undefined || a.namespace === b.namespace;
}

export function managedBy(object: KubeObject, applier: Applier): boolean {
  return appliersOf(object).some((a) => sameApplier(a, applier));
}

/**
 * The label selector that narrows a LIST to what the applier labels, when it labels at all:
 * Argo CD's default annotation tracking and our direct-sync mark are annotations, which a
 * selector cannot match, so those LISTs are filtered here instead.
 */
export function labelSelectorFor(applier: Applier): string | undefined {
  switch (applier.kind) {
    case 'flux':
      return `${FLUX_KUSTOMIZE_NAME}=${applier.name},${FLUX_KUSTOMIZE_NAMESPACE}=${applier.namespace}`;
    case 'flux-helm':
      return `${FLUX_HELM_NAME}=${applier.name},${FLUX_HELM_NAMESPACE}=${applier.namespace}`;
    default:
      return undefined;
  }
}

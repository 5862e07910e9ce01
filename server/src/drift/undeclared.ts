import { Discovery, type ResourceInfo } from '../cluster/discovery';
import type { ClusterClient, KubeObject } from '../cluster/http';
import { ok, type Result } from '../cluster/result';
import { parseApiVersion } from '../manifests/identity';
import { describeApplier, labelSelectorFor, managedBy, type Applier } from './appliers';

/** A live object an applier manages that Git does not declare. */
export interface UndeclaredObject {
  apiVersion: string;
  kind: string;
  namespace: string | undefined;
  name: string;
  /** API path of the object, for a confirmed prune. */
  path: string;
  /** Which applier manages it, e.g. "Flux Kustomization flux-system/shop". */
  managedBy: string;
  applier: Applier;
}

export interface UndeclaredResult {
  objects: UndeclaredObject[];
  /** Kinds that could not be listed (no permission, not ready), so the list may be incomplete. */
  skipped: string[];
}

/**
 * Kinds looked at besides those Git declares: an object whose whole kind Git dropped (the last
 * ConfigMap removed) is still the applier's. Unserved kinds are skipped.
 */
const COMMON_KINDS = [
  'v1/ConfigMap', 'v1/Secret', 'v1/Service', 'v1/ServiceAccount', 'v1/PersistentVolumeClaim',
  'apps/v1/Deployment', 'apps/v1/StatefulSet', 'apps/v1/DaemonSet', 'batch/v1/Job', 'batch/v1/CronJob',
  'networking.k8s.io/v1/Ingress', 'networking.k8s.io/v1/NetworkPolicy', 'autoscaling/v2/HorizontalPodAutoscaler', 'policy/v1/PodDisruptionBudget',
  'rbac.authorization.k8s.io/v1/Role', 'rbac.authorization.k8s.io/v1/RoleBinding',
  'helm.toolkit.fluxcd.io/v2/HelmRelease', 'kustomize.toolkit.fluxcd.io/v1/Kustomization',
];

/** Metadata is all that is needed: the server sends no Secret values nor specs. */
const METADATA_ONLY = 'application/json;as=PartialObjectMetadataList;g=meta.k8s.io;v=v1,application/json';

const identityKey = (group: string, kind: string, namespace: string | undefined, name: string): string => `${group}/${kind}/${namespace ?? ''}/${name}`;

export interface UndeclaredOptions {
  /** Where Git documents without a namespace land (the environment's or the context's namespace). */
  defaultNamespace?: string;
  discovery?: Discovery;
}

/**
 * Live objects that these appliers manage — by Flux's kustomize/helm labels, Argo CD's tracking
 * annotation or instance label, or a direct sync's mark — and that `declared` (what Git renders
 * to) does not contain. One LIST per kind, narrowed by a label selector where the applier labels
 * (Flux); annotation-tracked appliers are listed in the namespaces Git uses. Objects a
 * controller owns (ownerReferences, e.g. ReplicaSets carrying a pod template's labels) are not
 * the applier's. A HelmRelease Git dropped brings its release's objects along.
 */
export async function undeclaredLive(client: ClusterClient, appliers: readonly Applier[], declared: readonly KubeObject[], options: UndeclaredOptions = {}): Promise<Result<UndeclaredResult>> {
  const discovery = options.discovery ?? new Discovery(client);
  const defaultNamespace = options.defaultNamespace ?? client.namespace;
  const kinds = new Map<string, { group: string; version: string; kind: string }>();
  for (const object of declared) kinds.set(`${parseApiVersion(object.apiVersion ?? '').group}/${object.kind ?? ''}`, { ...parseApiVersion(object.apiVersion ?? ''), kind: object.kind ?? '' });
  for (const k of COMMON_KINDS) {
    const at = k.lastIndexOf('/');
    const { group, version } = parseApiVersion(k.slice(0, at));
    const kind = k.slice(at + 1);
    if (!kinds.has(`${group}/${kind}`)) kinds.set(`${group}/${kind}`, { group, version, kind });
  }
  const infos: ResourceInfo[] = [];
  for (const k of kinds.values()) {
    const info = await discovery.resource(k.group, k.version, k.kind);
    if (info.ok && info.value.verbs.includes('list')) infos.push(info.value);
    else if (!info.ok && info.error.kind !== 'not-found') return info;
  }
  const namespaces = [...new Set(declared.map((o) => o.metadata?.namespace ?? defaultNamespace))];
  const wanted = new Set<string>();
  for (const o of declared) {
    const group = parseApiVersion(o.apiVersion ?? '').group;
    const info = infos.find((i) => i.group === group && i.kind === o.kind);
    wanted.add(identityKey(group, o.kind ?? '', info?.namespaced === false ? undefined : (o.metadata?.namespace ?? defaultNamespace), o.metadata?.name ?? ''));
  }

  const out: UndeclaredObject[] = [];
  const skipped: string[] = [];
  const seen = new Set<string>();
  const pending = [...appliers];
  while (pending.length > 0) {
    const applier = pending.shift()!;
    const selector = labelSelectorFor(applier);
    for (const info of infos) {
      // Without a selector, only the namespaces Git uses: a cluster-wide LIST of every Secret is not worth it.
      const scopes = selector !== undefined || !info.namespaced ? [undefined] : namespaces;
      for (const namespace of scopes) {
        const listed = await client.request<{ items?: KubeObject[] }>(Discovery.path(info, namespace), { accept: METADATA_ONLY, query: { labelSelector: selector } });
        if (!listed.ok) {
          // One kind the cluster cannot list now (no permission, a CRD still initializing) leaves the others useful.
          if (listed.error.kind === 'forbidden' || listed.error.kind === 'server' || listed.error.kind === 'not-found') {
            skipped.push(`${info.kind}${namespace === undefined ? '' : ` in ${namespace}`}: ${listed.error.message}`);
            continue;
          }
          return listed;
        }
        const apiVersion = info.group === '' ? info.version : `${info.group}/${info.version}`;
        for (const item of listed.value.items ?? []) {
          const object: KubeObject = { ...item, apiVersion, kind: info.kind };
          if (Array.isArray(object.metadata?.['ownerReferences']) && (object.metadata['ownerReferences'] as unknown[]).length > 0) continue;
          if (!managedBy(object, applier)) continue;
          const name = object.metadata?.name ?? '';
          const ns = info.namespaced ? object.metadata?.namespace : undefined;
          const key = identityKey(info.group, info.kind, ns, name);
          if (wanted.has(key) || seen.has(key)) continue;
          seen.add(key);
          out.push({ apiVersion, kind: info.kind, namespace: ns, name, path: Discovery.path(info, ns, name), managedBy: describeApplier(applier), applier });
          if (info.group === 'helm.toolkit.fluxcd.io' && info.kind === 'HelmRelease' && ns !== undefined) pending.push({ kind: 'flux-helm', name, namespace: ns });
        }
      }
    }
  }
  out.sort((a, b) => a.kind.localeCompare(b.kind) || (a.namespace ?? '').localeCompare(b.namespace ?? '') || a.name.localeCompare(b.name));
  return ok({ objects: out, skipped });
}

import { Discovery } from '../cluster/discovery';
import type { ClusterClient, KubeObject } from '../cluster/http';
import { fail, ok, type Result } from '../cluster/result';
import { ENVIRONMENT_MARK } from '../drift/appliers';
import { undeclaredLive } from '../drift/undeclared';
import { parseApiVersion } from '../manifests/identity';
import type { Delivery } from '../environments/model';
import type { RenderedObject } from '../environments/render';

export const FIELD_MANAGER = 'plumbline';
/** Marks what a direct sync applied, so a later sync can offer to prune what Git dropped. */
export const ENVIRONMENT_ANNOTATION = ENVIRONMENT_MARK;
export const FLUX_REQUESTED_AT = 'reconcile.fluxcd.io/requestedAt';

export interface ConvergeOptions {
  progress: (message: string) => void;
  signal?: AbortSignal;
  timeoutMs: number;
  /** How often to read status while waiting; a controller's update is seen within this. */
  pollMs?: number;
}

const SOURCE_PLURALS: Record<string, string> = { GitRepository: 'gitrepositories', OCIRepository: 'ocirepositories', Bucket: 'buckets', HelmRepository: 'helmrepositories', HelmChart: 'helmcharts' };

/** The API path of what Flux reconciles for a delivery: a Kustomization, or a HelmRelease. */
export function fluxObjectPath(delivery: Extract<Delivery, { kind: 'flux' }>): string {
  return delivery.resource === 'HelmRelease'
    ? `/apis/helm.toolkit.fluxcd.io/v2/namespaces/${delivery.namespace}/helmreleases/${delivery.name}`
    : `/apis/kustomize.toolkit.fluxcd.io/v1/namespaces/${delivery.namespace}/kustomizations/${delivery.name}`;
}

interface Condition {
  type?: string;
  status?: string;
  reason?: string;
  message?: string;
}

/**
 * A 404 from a controller's object, in words that say what to do: the controller's API is not
 * served at all (it is not installed in that cluster), or it is and the object is not there.
 */
async function explainNotFound<T>(client: ClusterClient, failed: Result<T>, api: { group: string; version: string; kind: string; controller: 'Flux' | 'Argo CD'; namespace: string; name: string }): Promise<Result<T>> {
  if (failed.ok || failed.error.kind !== 'not-found') return failed;
  const served = await client.request(`/apis/${api.group}/${api.version}`);
  const where = client.context;
  if (!served.ok && served.error.kind === 'not-found') {
    const message = `${api.controller} is not installed in ${where}: its ${api.kind} CRD (${api.group}/${api.version}) is not served. Install ${api.controller} in that cluster, or deliver this environment directly (delivery: direct in .plumbline.yaml)`;
    return { ok: false, error: { kind: 'not-found', status: 404, message, remedy: 'install-controller' } };
  }
  return fail('not-found', `${api.controller} is installed in ${where}, but it has no ${api.kind} ${api.namespace}/${api.name}: bootstrap ${api.controller} from this repository, or check the ${api.kind}'s name and namespace`, 404);
}

async function waitFor<T>(options: ConvergeOptions, read: () => Promise<Result<T | undefined>>, what: string): Promise<Result<T>> {
  const deadline = Date.now() + options.timeoutMs;
  for (;;) {
    if (options.signal?.aborted === true) return fail('timeout', `cancelled while waiting for ${what}`);
    const r = await read();
    if (!r.ok) return r;
    if (r.value !== undefined) return ok(r.value);
    if (Date.now() > deadline) return fail('timeout', `${what} did not happen within ${Math.round(options.timeoutMs / 1000)} s`);
    await new Promise((resolve) => setTimeout(resolve, options.pollMs ?? 250));
  }
}

/** Flux: annotate the source and the Kustomization (or HelmRelease), then wait until Flux handled that request and is Ready. */
export async function reconcileFlux(client: ClusterClient, delivery: Extract<Delivery, { kind: 'flux' }>, options: ConvergeOptions): Promise<Result<string>> {
  const requestedAt = new Date().toISOString();
  const patch = { metadata: { annotations: { [FLUX_REQUESTED_AT]: requestedAt } } };
  if (delivery.source !== undefined) {
    const plural = SOURCE_PLURALS[delivery.source.kind] ?? `${delivery.source.kind.toLowerCase()}s`;
    options.progress(`asking Flux to fetch ${delivery.source.kind} ${delivery.source.namespace}/${delivery.source.name}`);
    const r = await client.request(`/apis/source.toolkit.fluxcd.io/v1/namespaces/${delivery.source.namespace}/${plural}/${delivery.source.name}`, { method: 'PATCH', body: patch, contentType: 'application/merge-patch+json' });
    if (!r.ok) return explainNotFound(client, r, { group: 'source.toolkit.fluxcd.io', version: 'v1', kind: delivery.source.kind, controller: 'Flux', namespace: delivery.source.namespace, name: delivery.source.name });
  }
  const path = fluxObjectPath(delivery);
  const object = delivery.resource ?? 'Kustomization';
  options.progress(`asking Flux to reconcile ${object} ${delivery.namespace}/${delivery.name}`);
  const annotated = await client.request(path, { method: 'PATCH', body: patch, contentType: 'application/merge-patch+json' });
  if (!annotated.ok) {
    const api = delivery.resource === 'HelmRelease' ? { group: 'helm.toolkit.fluxcd.io', version: 'v2' } : { group: 'kustomize.toolkit.fluxcd.io', version: 'v1' };
    return explainNotFound(client, annotated, { ...api, kind: object, controller: 'Flux', namespace: delivery.namespace, name: delivery.name });
  }
  options.progress('waiting for Flux');
  return waitFor(
    options,
    async () => {
      const r = await client.request<{ status?: { lastHandledReconcileAt?: string; lastAppliedRevision?: string; conditions?: Condition[] } }>(path);
      if (!r.ok) return r;
      const status = r.value.status;
      if (status?.lastHandledReconcileAt !== requestedAt) return ok(undefined);
      const ready = status.conditions?.find((c) => c.type === 'Ready');
      if (ready?.status === 'True') return ok(`Flux applied ${status.lastAppliedRevision ?? 'the new revision'}`);
      if (ready?.status === 'False') return fail('invalid', `Flux reconciled but is not Ready: ${ready.reason ?? ''} ${ready.message ?? ''}`.trim());
      return ok(undefined);
    },
    `Flux handling the reconcile request for ${delivery.namespace}/${delivery.name}`,
  );
}

const argoApi = (delivery: Extract<Delivery, { kind: 'argocd' }>): Parameters<typeof explainNotFound>[2] => ({ group: 'argoproj.io', version: 'v1alpha1', kind: 'Application', controller: 'Argo CD', namespace: delivery.namespace, name: delivery.name });

interface ArgoApplication {
  operation?: unknown;
  spec?: { source?: { targetRevision?: string } };
  status?: { sync?: { revision?: string }; operationState?: { phase?: string; startedAt?: string } };
}

/** Argo CD: start a sync operation at the pushed revision (unless one is running), then wait for its result. */
export async function syncArgo(client: ClusterClient, delivery: Extract<Delivery, { kind: 'argocd' }>, revision: string, options: ConvergeOptions, reason = 'Plumbline commit and sync'): Promise<Result<string>> {
  const path = `/apis/argoproj.io/v1alpha1/namespaces/${delivery.namespace}/applications/${delivery.name}`;
  const current = await client.request<ArgoApplication>(path);
  if (!current.ok) return explainNotFound(client, current, argoApi(delivery));
  // The result of an earlier sync at the same revision must not pass for this one's.
  const previousStart = current.value.status?.operationState?.startedAt;
  if (current.value.operation !== undefined || current.value.status?.operationState?.phase === 'Running') {
    return fail('conflict', `Argo CD Application ${delivery.namespace}/${delivery.name} already has an operation running; wait for it or terminate it first`);
  }
  options.progress(`asking Argo CD to sync ${delivery.namespace}/${delivery.name} to ${revision.slice(0, 7)}`);
  const started = await client.request(path, {
    method: 'PATCH',
    contentType: 'application/merge-patch+json',
    body: { operation: { initiatedBy: { username: 'plumbline' }, info: [{ name: 'Reason', value: reason }], sync: { revision } } },
  });
  if (!started.ok) return started;
  options.progress('waiting for Argo CD');
  return waitFor(
    options,
    async () => {
      const r = await client.request<{ status?: { operationState?: { phase?: string; message?: string; startedAt?: string; operation?: { sync?: { revision?: string } }; syncResult?: { revision?: string } } } }>(path);
      if (!r.ok) return r;
      const state = r.value.status?.operationState;
      if (state === undefined || (previousStart !== undefined && state.startedAt === previousStart)) return ok(undefined);
      // Argo CD resolves a branch or HEAD to a commit in syncResult; the operation keeps what was asked.
      if (state.operation?.sync?.revision !== revision && state.syncResult?.revision !== revision) return ok(undefined);
      if (state.phase === 'Succeeded') return ok(`Argo CD synced ${revision.slice(0, 7)}`);
      if (state.phase === 'Failed' || state.phase === 'Error') return fail('invalid', `Argo CD sync ${state.phase.toLowerCase()}: ${state.message ?? ''}`.trim());
      return ok(undefined);
    },
    `Argo CD finishing the sync of ${delivery.namespace}/${delivery.name}`,
  );
}

/**
 * Argo CD without a new commit: sync at the revision the Application targets now (the commit
 * Argo CD last resolved it to, else its targetRevision), so nothing moves but the cluster.
 */
export async function syncArgoAtTarget(client: ClusterClient, delivery: Extract<Delivery, { kind: 'argocd' }>, options: ConvergeOptions): Promise<Result<string>> {
  const path = `/apis/argoproj.io/v1alpha1/namespaces/${delivery.namespace}/applications/${delivery.name}`;
  const app = await client.request<ArgoApplication>(path);
  if (!app.ok) return explainNotFound(client, app, argoApi(delivery));
  const revision = app.value.status?.sync?.revision ?? app.value.spec?.source?.targetRevision ?? 'HEAD';
  return syncArgo(client, delivery, revision, options, 'Plumbline reconcile');
}

/** Direct: server-side apply of every rendered object with field manager plumbline, marked with the environment. */
export async function applyDirect(client: ClusterClient, environment: string, objects: readonly RenderedObject[], options: ConvergeOptions): Promise<Result<string>> {
  const discovery = new Discovery(client);
  let applied = 0;
  // Namespaces first, so the objects in them can be created.
  const ordered = [...objects].sort((a, b) => Number(b.object.kind === 'Namespace') - Number(a.object.kind === 'Namespace'));
  for (const { object } of ordered) {
    if (options.signal?.aborted === true) return fail('timeout', `cancelled after applying ${applied} of ${objects.length} objects`);
    const { group, version } = parseApiVersion(object.apiVersion ?? '');
    const info = await discovery.resource(group, version, object.kind ?? '');
    if (!info.ok) return info;
    const name = object.metadata?.name ?? '';
    const namespace = info.value.namespaced ? (object.metadata?.namespace ?? client.namespace) : undefined;
    const body: KubeObject = { ...object, metadata: { ...object.metadata, annotations: { ...object.metadata?.annotations, [ENVIRONMENT_ANNOTATION]: environment } } };
    const r = await client.request(Discovery.path(info.value, namespace, name), { method: 'PATCH', query: { fieldManager: FIELD_MANAGER, force: 'true' }, body: JSON.stringify(body), contentType: 'application/apply-patch+yaml' });
    if (!r.ok) return fail(r.error.kind, `applying ${object.kind}/${name}: ${r.error.message}`, r.error.status);
    applied++;
    options.progress(`applied ${applied}/${objects.length}: ${object.kind}/${name}`);
  }
  return ok(`applied ${applied} objects`);
}

export interface PruneCandidate {
  apiVersion: string;
  kind: string;
  namespace: string | undefined;
  name: string;
  path: string;
}

/**
 * Objects a direct sync applied earlier for this environment that Git no longer declares. Only
 * what carries our own mark: what Flux or Argo CD manage is theirs to prune.
 */
export async function pruneCandidates(client: ClusterClient, environment: string, objects: readonly RenderedObject[]): Promise<Result<PruneCandidate[]>> {
  const found = await undeclaredLive(client, [{ kind: 'direct', environment }], objects.map((o) => o.object));
  if (!found.ok) return found;
  return ok(found.value.objects.map(({ apiVersion, kind, namespace, name, path }) => ({ apiVersion, kind, namespace, name, path })));
}

/** Deletes exactly the confirmed candidates, and nothing else. */
export async function prune(client: ClusterClient, confirmed: readonly PruneCandidate[], options: ConvergeOptions): Promise<Result<string>> {
  for (const c of confirmed) {
    const r = await client.request(c.path, { method: 'DELETE' });
    if (!r.ok && r.error.kind !== 'not-found') return fail(r.error.kind, `deleting ${c.kind}/${c.name}: ${r.error.message}`, r.error.status);
    options.progress(`pruned ${c.kind}/${c.name}`);
  }
  return ok(`pruned ${confirmed.length} objects`);
}

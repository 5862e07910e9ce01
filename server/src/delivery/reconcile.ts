import { ClusterClient } from '../cluster/http';
import { applyDirect, reconcileFlux, syncArgoAtTarget, type ConvergeOptions } from './converge';
import type { Environment } from '../environments/model';
import { clusterOf } from '../environments/target';
import { renderEnvironment, type RenderOptions } from '../environments/render';
import { waitForUnitHealth } from './waitHealth';

export interface ReconcileRequest {
  root: string;
  env: Environment;
  cluster: { kubeconfigPath?: string; context?: string };
  render: RenderOptions;
  /** A direct apply changes the cluster with no controller in between: only once the user said yes. */
  confirmed: boolean;
  progress: (message: string) => void;
  signal?: AbortSignal;
  timeoutMs?: number;
  /** After convergence, wait this long for the environment's resources to be healthy; absent or 0: do not wait. */
  healthTimeoutMs?: number;
}

export type ReconcileOutcome =
  /** A direct environment, not yet confirmed: the objects an apply would send. */
  | { kind: 'confirm'; objects: string[] }
  /** `health`: how the wait for health ended, when the cluster converged and the request asked to wait. */
  | { kind: 'done'; ok: boolean; message: string; details: string[]; remedy?: 'install-controller'; health?: { ok: boolean; message: string } };

/**
 * Asks an environment's cluster to converge on what Git already holds, without committing or
 * pushing: Flux reconciles its Kustomization or HelmRelease (and source), Argo CD syncs at the
 * revision it targets, a direct environment gets a server-side apply of its rendered objects.
 */
export async function reconcileEnvironment(request: ReconcileRequest): Promise<ReconcileOutcome> {
  const { env } = request;
  const details: string[] = [];
  const done = (ok: boolean, message: string, remedy?: 'install-controller'): Extract<ReconcileOutcome, { kind: 'done' }> => ({ kind: 'done', ok, message, details: [...details, message], ...(remedy !== undefined ? { remedy } : {}) });
  let objects: Awaited<ReturnType<typeof renderEnvironment>> | undefined;
  if (env.delivery.kind === 'direct') {
    objects = await renderEnvironment(request.root, env, request.render);
    if (!objects.ok) return done(false, objects.message);
    if (!request.confirmed) return { kind: 'confirm', objects: objects.objects.map(({ object }) => `${object.kind ?? ''}/${object.metadata?.name ?? ''}${object.metadata?.namespace !== undefined ? ` in ${object.metadata.namespace}` : ''}`) };
  }
  // Objects without a namespace go to the environment's, as Commit and Sync applies them (and status compares them).
  const connected = await ClusterClient.connect({
    ...clusterOf(env, { kubeconfigPath: request.cluster.kubeconfigPath, context: request.cluster.context }),
    ...(env.target.namespace !== undefined ? { namespace: env.target.namespace } : {}),
  });
  if (!connected.ok) return done(false, connected.error.message);
  const client = connected.value;
  details.push(`cluster: context ${client.context}`);
  const options: ConvergeOptions = {
    progress: (message) => {
      details.push(message);
      request.progress(message);
    },
    timeoutMs: request.timeoutMs ?? 5 * 60_000,
    ...(request.signal !== undefined ? { signal: request.signal } : {}),
  };
  try {
    const delivery = env.delivery;
    const r =
      delivery.kind === 'flux'
        ? await reconcileFlux(client, delivery, options)
        : delivery.kind === 'argocd'
          ? await syncArgoAtTarget(client, delivery, options)
          : objects?.ok === true
            ? await applyDirect(client, env.name, objects.objects, options)
            : undefined;
    if (r === undefined) return done(false, 'nothing rendered to apply');
    if (!r.ok) return done(false, r.error.message, r.error.remedy);
    if ((request.healthTimeoutMs ?? 0) <= 0) return done(true, r.value);
    details.push(r.value);
    const waited = await waitForUnitHealth(client, env, objects?.ok === true ? objects.objects : { root: request.root, render: request.render }, {
      timeoutMs: request.healthTimeoutMs ?? 0,
      progress: request.progress,
      ...(request.signal !== undefined ? { signal: request.signal } : {}),
    });
    const health = { ok: waited.ok, message: waited.ok ? waited.value : waited.error.message };
    // One line for both: what converged, then whether it works.
    return { ...done(waited.ok, `${r.value} · ${health.message}`), health };
  } finally {
    client.dispose();
  }
}

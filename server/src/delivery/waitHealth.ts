import { Discovery, type ResourceInfo } from '../cluster/discovery';
import type { ClusterClient, KubeObject } from '../cluster/http';
import { LiveStore } from '../cluster/liveStore';
import type { Result } from '../result';
import type { Environment } from '../environments/model';
import { renderEnvironment, type RenderedObject, type RenderOptions } from '../environments/render';
import { healthOf, type ResourceHealth } from '../health/health';
import { argoHealthScripts, customHealthOf, type ArgoHealthScripts } from '../health/luaHealth';
import { parseApiVersion } from '../manifests/identity';

export interface HealthWaitOptions {
  /** How long to wait for every resource to be healthy; 0 does not wait at all. */
  timeoutMs: number;
  progress: (message: string) => void;
  signal?: AbortSignal;
  /**
   * How often to look again without a watch event: a kind the cluster does not serve yet (a CRD
   * the same unit creates) sends no events until it is served.
   */
  recheckMs?: number;
}

/** One resource that is not healthy, as the end message names it. */
export interface UnhealthyResource {
  kind: string;
  name: string;
  namespace: string | undefined;
  health: ResourceHealth;
}

/** How the wait ended: every resource healthy, or who was not and why. */
export interface HealthWaitReport {
  healthy: number;
  total: number;
  unhealthy: UnhealthyResource[];
}

/** Why the wait ended without every resource healthy; `message` says it with the resources named. */
export type HealthWaitFailure = HealthWaitReport & { reason: 'timeout' | 'failed' | 'cancelled' | 'forbidden'; message: string };

interface Target {
  object: KubeObject;
  kind: string;
  name: string;
  namespace: string | undefined;
  info?: ResourceInfo;
}

/** Healthy enough to stop waiting: Argo CD's Healthy, or suspended by the user's choice. */
const isHealthy = (h: ResourceHealth): boolean => h.argo === 'Healthy' || h.argo === 'Suspended';

const where = (u: { kind: string; name: string; namespace: string | undefined }): string => `${u.kind}/${u.name}${u.namespace !== undefined ? ` in ${u.namespace}` : ''}`;

/** "Deployment/web in shop: InProgress: Available: 1/2; …", the first few, then how many more. */
export function unhealthyList(unhealthy: readonly UnhealthyResource[], max = 5): string {
  const shown = unhealthy.slice(0, max).map((u) => `${where(u)}: ${u.health.word}: ${u.health.message}`);
  return `${shown.join('; ')}${unhealthy.length > max ? `; and ${unhealthy.length - max} more` : ''}`;
}

/**
 * Waits until every object a unit delivers is healthy in the cluster, as `flux reconcile --wait`
 * and Argo CD's sync do: the live objects come from a LIST and WATCH per kind and namespace, and
 * every change to one of them is judged again at once. Ends at the first resource whose health is
 * Failed (a progress deadline exceeded, a failed Job, a crash loop: waiting does not mend those),
 * at the deadline, or when cancelled, naming who is not healthy and why.
 */
export async function waitForHealth(client: ClusterClient, env: Environment, objects: readonly KubeObject[], options: HealthWaitOptions): Promise<Result<HealthWaitReport, HealthWaitFailure>> {
  const vocabulary = env.delivery.kind === 'argocd' ? 'argocd' : 'kstatus';
  const exprs = env.flux?.healthCheckExprs ?? [];
  const targets: Target[] = objects
    .filter((o) => (o.metadata?.name ?? '') !== '' && (o.kind ?? '') !== '')
    .map((object) => ({ object, kind: object.kind!, name: object.metadata!.name!, namespace: object.metadata?.namespace ?? env.target.namespace ?? client.namespace }));
  const discovery = new Discovery(client);
  const store = new LiveStore(client);
  let dirty = false;
  let wake: (() => void) | undefined;
  const off = store.onChange(() => {
    dirty = true;
    wake?.();
  });
  const deadline = Date.now() + options.timeoutMs;
  let said = '';
  const ended = (reason: HealthWaitFailure['reason'], message: string, report: HealthWaitReport): Result<HealthWaitReport, HealthWaitFailure> => ({ ok: false, error: { ...report, reason, message } });
  try {
    for (;;) {
      dirty = false;
      // An Argo CD unit's own health checks (the live argocd-cm's Lua scripts) decide for their
      // kinds, as Argo CD's sync waits on them and the sidebar shows them; read through the watched
      // store each round, so a changed argocd-cm is judged by at once.
      const scripts = env.delivery.kind === 'argocd' ? await argoHealthScripts(configMap, env.delivery.namespace) : undefined;
      const judged = await Promise.all(targets.map((t) => judge(t, scripts)));
      const forbidden = judged.find((j) => j.forbidden !== undefined)?.forbidden;
      const unhealthy = targets.flatMap((t, i) => (isHealthy(judged[i]!.health) ? [] : [{ kind: t.kind, name: t.name, namespace: t.info?.namespaced === false ? undefined : t.namespace, health: judged[i]!.health }]));
      const report: HealthWaitReport = { healthy: targets.length - unhealthy.length, total: targets.length, unhealthy };
      const count = `${report.healthy}/${report.total} healthy`;
      if (forbidden !== undefined) return ended('forbidden', `cannot read the resources' health (${count}): ${forbidden}`, report);
      if (unhealthy.length === 0) return { ok: true, value: report };
      const broken = unhealthy.filter((u) => u.health.status === 'Failed');
      if (broken.length > 0) return ended('failed', `not healthy (${count}): ${unhealthyList(broken)}`, report);
      if (options.signal?.aborted === true) return ended('cancelled', `stopped waiting for health (${count}): ${unhealthyList(unhealthy)}`, report);
      if (Date.now() >= deadline) return ended('timeout', `not healthy within ${Math.round(options.timeoutMs / 1000)} s (${count}): ${unhealthyList(unhealthy)}`, report);
      // Progress only when it changes: every watch event wakes this loop, most change nothing shown.
      const now = `waiting: ${count} · ${unhealthyList(unhealthy, 1)}`;
      if (now !== said) options.progress(now);
      said = now;
      if (!dirty) await nextChange(Math.min(deadline - Date.now(), options.recheckMs ?? 5_000));
    }
  } finally {
    off();
    store.dispose();
  }

  /** An `argocd-cm` in a namespace, from the watched store; undefined when it cannot be read (then the built-in rules decide). */
  async function configMap(namespace: string): Promise<KubeObject | undefined> {
    const info = await discovery.resource('', 'v1', 'ConfigMap');
    if (!info.ok) return undefined;
    const got = await store.get(info.value, namespace, 'argocd-cm');
    return got.ok ? got.value : undefined;
  }

  async function judge(t: Target, scripts: ArgoHealthScripts | undefined): Promise<{ health: ResourceHealth; forbidden?: string }> {
    if (t.info === undefined) {
      const { group, version } = parseApiVersion(t.object.apiVersion ?? '');
      const info = await discovery.resource(group, version, t.kind);
      if (!info.ok) return { health: { status: 'NotFound', word: vocabulary === 'argocd' ? 'Missing' : 'NotFound', argo: 'Missing', message: info.error.message } };
      t.info = info.value;
    }
    const live = await store.get(t.info, t.info.namespaced ? t.namespace : undefined, t.name);
    if (!live.ok) {
      // A cluster away for a moment may come back before the deadline; a refusal will not.
      const health: ResourceHealth = { status: 'Unknown', word: 'Unknown', argo: 'Unknown', message: live.error.message };
      return live.error.kind === 'forbidden' || live.error.kind === 'unauthorized' ? { health, forbidden: live.error.message } : { health };
    }
    const decided = scripts !== undefined && live.value !== undefined ? await customHealthOf(scripts, live.value) : undefined;
    return { health: decided ?? healthOf(live.value, vocabulary, exprs) };
  }

  /** Resolves at the next watch event, after `ms`, or when cancelled, whichever comes first. */
  function nextChange(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const done = (): void => {
        clearTimeout(timer);
        options.signal?.removeEventListener('abort', done);
        wake = undefined;
        resolve();
      };
      const timer = setTimeout(done, Math.max(0, ms));
      options.signal?.addEventListener('abort', done, { once: true });
      wake = done;
    });
  }
}

/**
 * The health step after convergence: the unit's objects (rendered now, unless a direct apply
 * rendered them already), waited on; "4/4 healthy", or why not.
 */
export async function waitForUnitHealth(
  client: ClusterClient,
  env: Environment,
  delivered: readonly RenderedObject[] | { root: string; render: RenderOptions },
  options: HealthWaitOptions,
): Promise<Result<string, { reason: HealthWaitFailure['reason'] | 'render'; message: string }>> {
  let objects: readonly RenderedObject[];
  if ('root' in delivered) {
    const rendered = await renderEnvironment(delivered.root, env, delivered.render);
    if (!rendered.ok) return { ok: false, error: { reason: 'render', message: `cannot tell which resources to wait for: ${rendered.message}` } };
    objects = rendered.objects;
  } else objects = delivered;
  const waited = await waitForHealth(client, env, objects.map((o) => o.object), options);
  if (!waited.ok) return { ok: false, error: { reason: waited.error.reason, message: waited.error.message } };
  return { ok: true, value: waited.value.total === 0 ? 'nothing to wait for' : `${waited.value.healthy}/${waited.value.total} healthy` };
}

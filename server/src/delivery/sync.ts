import { ClusterClient } from '../cluster/http';
import { commitEnvironment, pendingSummary } from '../git/commit';
import { pushEnvironment } from '../git/push';
import { applyDirect, prune, pruneCandidates, reconcileFlux, syncArgo, type ConvergeOptions, type PruneCandidate } from './converge';
import type { Environment } from '../environments/model';
import { clusterOf } from '../environments/target';
import { renderEnvironment, type RenderedObject, type RenderOptions } from '../environments/render';
import { waitForUnitHealth } from './waitHealth';

export interface SyncRequest {
  root: string;
  env: Environment;
  message: string;
  cluster: { kubeconfigPath?: string; context?: string };
  render: RenderOptions;
  /** Asked before deleting: gets what pruning would delete, returns what the user confirmed. */
  confirmPrune?: (candidates: PruneCandidate[]) => Promise<PruneCandidate[]>;
  progress: (message: string) => void;
  signal?: AbortSignal;
  timeoutMs?: number;
  /** After convergence, wait this long for the environment's resources to be healthy; absent or 0: do not wait. */
  healthTimeoutMs?: number;
}

/** Every step's outcome, for the summary the user sees; `ok` is false at the first failing step. */
export interface SyncReport {
  ok: boolean;
  steps: { step: 'commit' | 'push' | 'converge' | 'prune' | 'health'; ok: boolean; message: string }[];
  pullRequestUrl?: string;
}

/**
 * Commit and sync one environment: commit its files, push (never force; a branch and a pull
 * request for protected environments), then ask the cluster to converge the way the
 * environment is delivered. Stops at the first failure with nothing lost.
 */
export async function syncEnvironment(request: SyncRequest): Promise<SyncReport> {
  const { root, env, progress } = request;
  const report: SyncReport = { ok: false, steps: [] };
  if (env.unrendered !== undefined) {
    report.steps.push({ step: 'commit', ok: false, message: `${env.name} is not delivered from this workspace: ${env.unrendered}` });
    return report;
  }
  const pending = await pendingSummary(root, env);
  if (pending.ok && pending.value.files.length > 0) {
    progress(`committing ${pending.value.files.length} file(s) of ${env.name}`);
    const committed = await commitEnvironment({ repoRoot: root, env, message: request.message });
    if (!committed.ok) {
      report.steps.push({ step: 'commit', ok: false, message: committed.error.message });
      return report;
    }
    report.steps.push({ step: 'commit', ok: true, message: `committed ${committed.value.shortCommit} ${committed.value.subject}` });
    progress('pushing');
    const pushed = await pushEnvironment({ repoRoot: root, env, commit: committed.value.commit });
    if (!pushed.ok) {
      report.steps.push({ step: 'push', ok: false, message: pushed.error.message });
      return report;
    }
    report.steps.push({ step: 'push', ok: true, message: pushed.value.message });
    if (pushed.value.kind === 'pull-request') {
      // A protected environment converges when its pull request is merged, not now.
      if (pushed.value.url !== undefined) report.pullRequestUrl = pushed.value.url;
      report.ok = true;
      return report;
    }
    return converge(request, report, pushed.value.head);
  }
  if (!pending.ok && pending.error.kind !== 'nothing-to-commit') {
    report.steps.push({ step: 'commit', ok: false, message: pending.error.message });
    return report;
  }
  report.steps.push({ step: 'commit', ok: true, message: 'nothing to commit; syncing what is already pushed' });
  return converge(request, report, undefined);
}

async function converge(request: SyncRequest, report: SyncReport, revision: string | undefined): Promise<SyncReport> {
  const { env } = request;
  // Objects without a namespace (Helm charts leave it to the release) go to the environment's.
  const connected = await ClusterClient.connect({
    ...clusterOf(env, { kubeconfigPath: request.cluster.kubeconfigPath, context: request.cluster.context }),
    ...(env.target.namespace !== undefined ? { namespace: env.target.namespace } : {}),
  });
  if (!connected.ok) {
    report.steps.push({ step: 'converge', ok: false, message: connected.error.message });
    return report;
  }
  const client = connected.value;
  const options: ConvergeOptions = { progress: request.progress, timeoutMs: request.timeoutMs ?? 5 * 60_000, ...(request.signal !== undefined ? { signal: request.signal } : {}) };
  try {
    const delivery = env.delivery;
    if (delivery.kind === 'flux') {
      const r = await reconcileFlux(client, delivery, options);
      report.steps.push({ step: 'converge', ok: r.ok, message: r.ok ? r.value : r.error.message });
      return r.ok ? healthy(request, report, client, undefined) : report;
    }
    if (delivery.kind === 'argocd') {
      if (revision === undefined) {
        report.steps.push({ step: 'converge', ok: false, message: 'Argo CD syncs a pushed revision; nothing was pushed' });
        return report;
      }
      const r = await syncArgo(client, delivery, revision, options);
      report.steps.push({ step: 'converge', ok: r.ok, message: r.ok ? r.value : r.error.message });
      return r.ok ? healthy(request, report, client, undefined) : report;
    }
    const rendered = await renderEnvironment(request.root, env, request.render);
    if (!rendered.ok) {
      report.steps.push({ step: 'converge', ok: false, message: rendered.message });
      return report;
    }
    const applied = await applyDirect(client, env.name, rendered.objects, options);
    report.steps.push({ step: 'converge', ok: applied.ok, message: applied.ok ? applied.value : applied.error.message });
    if (!applied.ok) return report;
    if (request.confirmPrune !== undefined) {
      const candidates = await pruneCandidates(client, env.name, rendered.objects);
      if (!candidates.ok) {
        report.steps.push({ step: 'prune', ok: false, message: candidates.error.message });
        return report;
      }
      const confirmed = candidates.value.length === 0 ? [] : await request.confirmPrune(candidates.value);
      const pruned = await prune(client, confirmed, options);
      report.steps.push({ step: 'prune', ok: pruned.ok, message: pruned.ok ? pruned.value : pruned.error.message });
      if (!pruned.ok) return report;
    }
    return healthy(request, report, client, rendered.objects);
  } finally {
    client.dispose();
  }
}

/**
 * The last step, once the cluster converged: wait until what the environment delivers is healthy
 * (as `flux reconcile --wait` and Argo CD do), when the request asks for it. A controller's
 * environment is rendered here, since only a direct apply rendered it already.
 */
async function healthy(request: SyncRequest, report: SyncReport, client: ClusterClient, rendered: readonly RenderedObject[] | undefined): Promise<SyncReport> {
  const timeoutMs = request.healthTimeoutMs ?? 0;
  if (timeoutMs <= 0) {
    report.ok = true;
    return report;
  }
  const waited = await waitForUnitHealth(client, request.env, rendered ?? { root: request.root, render: request.render }, { timeoutMs, progress: request.progress, ...(request.signal !== undefined ? { signal: request.signal } : {}) });
  report.steps.push({ step: 'health', ok: waited.ok, message: waited.ok ? waited.value : waited.error.message });
  report.ok = waited.ok;
  return report;
}

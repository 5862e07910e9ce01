import type { CancellationToken, Connection } from 'vscode-languageserver/node';
import type { Environment } from '../environments/model';
import { reconcileEnvironment } from '../delivery/reconcile';
import { ReconcileProgressNotification, ReconcileRequest, type PlumblineSettings, type ReconcileParams, type ReconcileResult } from '../protocol';

/** `plumbline/reconcile`: converge an environment's cluster on Git as it is, with progress and cancel. */
export function registerReconcile(
  connection: Connection,
  find: (name: string) => Promise<{ folder: string; env: Environment } | string>,
  settings: () => PlumblineSettings,
  trusted: () => boolean,
): void {
  connection.onRequest(ReconcileRequest, async (params: ReconcileParams, token: CancellationToken): Promise<ReconcileResult> => {
    const found = await find(params.environment);
    if (typeof found === 'string') return { kind: 'done', ok: false, message: found, details: [] };
    if (!trusted()) return { kind: 'done', ok: false, message: 'untrusted workspace: Plumbline does not contact the cluster', details: [] };
    const abort = new AbortController();
    token.onCancellationRequested(() => abort.abort());
    const s = settings();
    const outcome = await reconcileEnvironment({
      root: found.folder,
      env: found.env,
      confirmed: params.confirmed === true,
      cluster: { ...(s.cluster.kubeconfig !== undefined ? { kubeconfigPath: s.cluster.kubeconfig } : {}), ...(s.cluster.context !== undefined ? { context: s.cluster.context } : {}) },
      render: { trusted: true, kustomize: s.kustomize.command, helm: s.helm.command },
      progress: (message) => void connection.sendNotification(ReconcileProgressNotification, { environment: params.environment, message }).catch(() => undefined),
      signal: abort.signal,
      healthTimeoutMs: s.sync.healthTimeout * 1000,
    });
    if (outcome.kind === 'done') {
      // The steps at info, the outcome once, at error when it failed; the client logs none of it again.
      for (const line of outcome.details.slice(0, -1)) connection.console.info(`reconcile ${params.environment}: ${line}`);
      if (outcome.ok) connection.console.info(`reconcile ${params.environment}: ${outcome.message}`);
      else connection.console.error(`reconcile ${params.environment} failed: ${outcome.message}`);
    }
    return outcome.kind === 'confirm' ? { kind: 'confirm', environment: found.env.name, objects: outcome.objects } : outcome;
  });
}

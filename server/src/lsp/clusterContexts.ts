import type { Connection } from 'vscode-languageserver/node';
import { kubeconfigContexts } from '../cluster/kubeconfigContexts';
import { ClusterContextsRequest, type ClusterContextsResult, type PlumblineSettings } from '../protocol';

/** `plumbline/clusterContexts`: what the context picker offers, read from the kubeconfig the server uses. */
export function registerClusterContexts(connection: Connection, settings: () => Promise<PlumblineSettings>, trusted: () => boolean): void {
  connection.onRequest(ClusterContextsRequest, async (): Promise<ClusterContextsResult> => {
    // An exec plugin in a kubeconfig runs only when a cluster is contacted, but an untrusted
    // workspace may point plumbline.cluster.kubeconfig anywhere: read nothing for it.
    if (!trusted()) return { ok: false, message: 'This workspace is not trusted, so Plumbline reads no kubeconfig: trust the workspace to pick a cluster context.' };
    const s = await settings();
    const found = await kubeconfigContexts(s.cluster.kubeconfig);
    if (!found.ok) return { ok: false, message: found.error.message };
    return { ok: true, kubeconfig: found.value.source, current: found.value.current, selected: s.cluster.context, contexts: found.value.contexts };
  });
}

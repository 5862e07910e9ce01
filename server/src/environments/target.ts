import type { ResourceIdentity } from '../manifests/identity';

/** Which cluster (kubeconfig + context) and namespace a document is compared with. */
export interface Target {
  kubeconfigPath: string | undefined;
  context: string | undefined;
  /** The document's own namespace; undefined means the context's default namespace (or cluster-scoped). */
  namespace: string | undefined;
}

export interface TargetSettings {
  kubeconfigPath: string | undefined;
  context: string | undefined;
}

/**
 * The one place that decides where a document lives. Until environments exist it is the
 * configured (or current) kubeconfig context and the document's namespace.
 */
export function targetFor(_path: string | undefined, identity: ResourceIdentity, settings: TargetSettings): Target {
  return { kubeconfigPath: settings.kubeconfigPath, context: settings.context, namespace: identity.namespace };
}

/** A stable key for a cluster target, for caches and status. */
export function clusterKey(target: Pick<Target, 'kubeconfigPath' | 'context'>): string {
  return `${target.kubeconfigPath ?? '(default kubeconfig)'}#${target.context ?? '(current context)'}`;
}

import type { Environment } from './model';

/** Which cluster (kubeconfig + context) and namespace a document is compared with. */
export interface Target {
  kubeconfigPath: string | undefined;
  context: string | undefined;
  /** The default namespace; undefined means the document's own, else the context's default. */
  namespace: string | undefined;
}

export interface TargetSettings {
  kubeconfigPath: string | undefined;
  context: string | undefined;
  /** Without a context: the cluster by its API server URL or its name (an Argo CD destination). */
  server?: string;
}

/**
 * Where a document is compared: each environment whose render uses the file (its objects as
 * that environment renders them, in its cluster and namespace), or — for a file no environment
 * renders — the document as written, in the configured (or current) kubeconfig context.
 */
export type DocumentTarget = { kind: 'environments'; uses: { environment: Environment; target: Target }[] } | { kind: 'file'; target: Target };

/**
 * The cluster an environment is compared with and delivered to: its own kubeconfig file and
 * context when `.plumbline.yaml` names them, else the settings' kubeconfig with the environment's
 * context (or the settings' one). An environment with its own kubeconfig but no context uses that
 * file's current context, never a context name meant for another file.
 */
export function clusterOf(environment: Environment | undefined, defaults: TargetSettings): TargetSettings {
  const own = environment?.target;
  if (own?.kubeconfig !== undefined) return { kubeconfigPath: own.kubeconfig, context: own.context, ...(own.context === undefined && own.server !== undefined ? { server: own.server } : {}) };
  // An Argo CD destination by server URL chooses among the kubeconfig's contexts, before the settings' context does.
  if (own?.context === undefined && own?.server !== undefined) return { kubeconfigPath: defaults.kubeconfigPath, context: undefined, server: own.server };
  return { kubeconfigPath: defaults.kubeconfigPath, context: own?.context ?? defaults.context };
}

/** The one place that decides where a document lives. */
export function targetFor(path: string | undefined, settings: TargetSettings, environmentsUsing: (path: string) => readonly Environment[]): DocumentTarget {
  const environments = path === undefined ? [] : environmentsUsing(path);
  if (environments.length === 0) return { kind: 'file', target: { kubeconfigPath: settings.kubeconfigPath, context: settings.context, namespace: undefined } };
  return {
    kind: 'environments',
    uses: environments.map((environment) => ({
      environment,
      target: { ...clusterOf(environment, settings), namespace: environment.target.namespace },
    })),
  };
}


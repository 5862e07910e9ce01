/** How an environment's manifests become objects. */
export type Renderer = { kind: 'plain' } | { kind: 'kustomize' } | { kind: 'helm'; valuesFiles: string[] };

/** How the cluster is asked to converge after a push. */
export type Delivery =
  | { kind: 'flux'; name: string; namespace: string; source?: { kind: string; name: string; namespace: string }; /** Kustomization when absent. */ object?: 'Kustomization' | 'HelmRelease' }
  | { kind: 'argocd'; name: string; namespace: string }
  | { kind: 'direct' };

/** A place the desired state goes: Git paths, how they render, which cluster, how it syncs. */
export interface Environment {
  name: string;
  /** Folders (repository-relative, `/`-separated) whose manifests make up the environment. */
  paths: string[];
  renderer: Renderer;
  target: { context: string | undefined; namespace: string | undefined };
  delivery: Delivery;
  /** Protected environments go through a branch and a pull request instead of a push to main. */
  protected: boolean;
  /** How it was found: "Flux Kustomization flux-system/shop in clusters/dev/shop.yaml", ".plumbline.yaml", … */
  foundBy: string[];
}

/** How an environment's manifests become objects. */
export type Renderer = { kind: 'plain' } | { kind: 'kustomize' } | HelmRenderer;

/** A chart rendered by `helm template`; every path is repository-relative and `/`-separated. */
export interface HelmRenderer {
  kind: 'helm';
  /** Values files, in the order `-f` takes them (later ones win). */
  valuesFiles: string[];
  /** The chart folder (the one with Chart.yaml); the environment's first path when absent. */
  chart?: string;
  /** Release name; the chart folder's name when absent. */
  release?: string;
  /** Inline values (Flux `spec.values`, Argo CD `helm.values`/`valuesObject`), applied after the files. */
  values?: Record<string, unknown>;
  /** `--set`/`--set-string` parameters (Argo CD `helm.parameters`), applied last. */
  parameters?: { name: string; value: string; forceString?: boolean }[];
}

/** How the cluster is asked to converge after a push. */
export type Delivery =
  | { kind: 'flux'; name: string; namespace: string; source?: { kind: string; name: string; namespace: string }; resource?: 'Kustomization' | 'HelmRelease' }
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

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

/**
 * What kustomize-controller applies on top of `kustomize build` of a Flux Kustomization's path,
 * in its order: patches, images, name prefix and suffix, target namespace, components (a
 * kustomization around the path), then common metadata and post-build substitution (on each object).
 */
export interface FluxBuild {
  /** `spec.patches`: a strategic-merge or JSON 6902 patch, and the objects it targets. */
  patches: { patch: string; target?: Record<string, unknown> }[];
  /** `spec.images`, as kustomize's `images:` takes them. */
  images: Record<string, unknown>[];
  namePrefix?: string;
  nameSuffix?: string;
  targetNamespace?: string;
  /** Repository-relative folders of `spec.components` (Flux resolves them against the path). */
  components: string[];
  commonMetadata?: { labels: Record<string, string>; annotations: Record<string, string> };
  /** The Flux Kustomization's file and document: where its patches, images and prefix are written. */
  origin?: { file: string; document: number };
  /**
   * `spec.postBuild`: the values found (inline ones win over ConfigMaps and Secrets), the sources
   * Git does not hold, and where each value of a ConfigMap or Secret was found (a variable not in
   * `from` is the Kustomization's own `postBuild.substitute`).
   */
  substitute?: { vars: Record<string, string>; notInGit: string[]; from?: Record<string, SubstituteValueSource> };
  /** `spec.healthCheckExprs`: CEL expressions that say when objects of a kind are current, in progress or failed. */
  healthCheckExprs?: HealthCheckExpr[];
}

/** The ConfigMap or Secret in Git a post-build variable's value was read from (`file` absolute). */
export interface SubstituteValueSource {
  kind: 'ConfigMap' | 'Secret';
  namespace: string;
  name: string;
  file: string;
}

/** A Flux `healthCheckExprs` entry: for objects of this apiVersion and kind, CEL over the object's top-level fields. */
export interface HealthCheckExpr {
  apiVersion: string;
  kind: string;
  current: string;
  inProgress?: string;
  failed?: string;
}

/** How the cluster is asked to converge after a push. */
export type Delivery =
  | { kind: 'flux'; name: string; namespace: string; source?: { kind: string; name: string; namespace: string }; resource?: 'Kustomization' | 'HelmRelease' }
  | { kind: 'argocd'; name: string; namespace: string; /** Argo CD applies client-side unless the Application's sync options say `ServerSideApply=true`. */ serverSideApply?: boolean }
  | { kind: 'direct' };

/** A place the desired state goes: Git paths, how they render, which cluster, how it syncs. */
export interface Environment {
  name: string;
  /** Folders (repository-relative, `/`-separated) whose manifests make up the environment. */
  paths: string[];
  renderer: Renderer;
  /**
   * The cluster this delivery unit belongs to, when a Flux `clusters/<name>/` folder (or a
   * Kustomization inside what one of its Kustomizations applies) delivers it: units of one cluster
   * are one environment in the tree, each named `<cluster> (<unit>)` when there are several.
   */
  cluster?: string;
  /** The units this one waits for (Flux `spec.dependsOn`), by name. */
  dependsOn?: string[];
  /** Why the environment is not rendered from this workspace (its source is another repository or an artifact); it has no paths then. */
  unrendered?: string;
  /** An Argo CD directory source's options: Argo CD reads only the folder's own files unless `recurse`, filtered by globs. */
  directory?: { recurse: boolean; include?: string; exclude?: string };
  /** Set for an environment a Flux Kustomization delivers: the steps the controller adds to the build. */
  flux?: FluxBuild;
  /** Its cluster: a kubeconfig context (in its own kubeconfig file when `kubeconfig` is set), and the default namespace. */
  target: { context: string | undefined; namespace: string | undefined; kubeconfig?: string; /** An Argo CD destination: its API server URL (the kubeconfig context whose cluster has it) or its cluster name (the context, or the context's cluster, of that name). */ server?: string };
  delivery: Delivery;
  /** Protected environments go through a branch and a pull request instead of a push to main. */
  protected: boolean;
  /** How it was found: "Flux Kustomization flux-system/shop in clusters/dev/shop.yaml", ".plumbline.yaml", … */
  foundBy: string[];
}

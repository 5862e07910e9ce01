/**
 * Everything the client and the server say to each other beyond standard LSP: settings and
 * custom messages, each a typed RequestType/NotificationType so neither side hand-types a result or
 * a payload. The client imports this file; it must stay free of server-only imports.
 */
import { NotificationType, RequestType, RequestType0 } from 'vscode-languageserver-protocol';

export { DEFAULT_SETTINGS, sanitizeSettings, type PlumblineSettings } from './workspace/settings';
export { PLUMBLINE_CONFIG_FILE } from './files/names';

/** Name of the diagnostic source shown in the Problems panel. */
export const DIAGNOSTIC_SOURCE = 'plumbline';

/** What the client shows about the target cluster (status bar), one status per cluster. */
export interface ClusterStatus {
  context: string | undefined;
  state: 'disabled' | 'connecting' | 'connected' | 'offline-cache' | 'unreachable';
  message: string;
  kubernetesVersion?: string;
}

export const ClusterStatusNotification = new NotificationType<ClusterStatus>('plumbline/clusterStatus');

/** Options the client passes at start-up. */
export interface InitializationOptions {
  /** A folder the extension may write caches to (VS Code's global storage). */
  cacheDir?: string;
  /** False in an untrusted workspace: no cluster is contacted and no binary runs. */
  trusted?: boolean;
  /**
   * True when the redhat.vscode-yaml extension is installed and enabled: it validates, completes
   * and hovers YAML against JSON schemas (modelines, and whatever its settings associate), so
   * Plumbline leaves Helm values and modeline schemas to it rather than report everything twice.
   */
  yamlExtension?: boolean;
}

/** `plumbline/yamlExtension` (client → server): redhat.vscode-yaml was installed, enabled, disabled or removed since start. */
export const YamlExtensionNotification = new NotificationType<YamlExtensionParams>('plumbline/yamlExtension');
export interface YamlExtensionParams {
  present: boolean;
}

/** `plumbline/clusterDiff`: the live and predicted objects of the resource at a position, masked, as YAML. */
export const ClusterDiffRequest = new RequestType<ClusterDiffParams, ClusterDiffResult, void>('plumbline/clusterDiff');

export interface ClusterDiffParams {
  uri: string;
  /** Zero-based line of any position inside the resource's document. */
  line: number;
  /** For a file several environments render: whose object (the CodeLens names it; else the drifted one). */
  environment?: string;
}

export type ClusterDiffResult =
  | { ok: true; title: string; live: string; predicted: string }
  /** `pending`: the document's comparison has not finished yet (it was just opened); asking again soon answers. */
  | { ok: false; message: string; pending?: boolean };

/** Command ids the server puts on code lenses and code actions; the client registers them. */
export const Commands = {
  showClusterDiff: 'plumbline.showClusterDiff',
  showTerraformPlan: 'plumbline.showTerraformPlan',
  /** Runs after the Approve plan edit: saves the file and starts Commit and Sync for it. */
  commitApprovedPlan: 'plumbline.commitApprovedPlan',
} as const;

/**
 * `plumbline/terraformPlan`: the readable plan tofu-controller stored for the Terraform object at
 * a position (ConfigMap for `storeReadablePlan: human`, Secret for `json`), as text; values
 * Terraform marks sensitive are masked.
 */
export const TerraformPlanRequest = new RequestType<TerraformPlanParams, TerraformPlanResult, void>('plumbline/terraformPlan');
export interface TerraformPlanParams {
  uri: string;
  /** Zero-based line of any position inside the Terraform document. */
  line: number;
}
export type TerraformPlanResult = { ok: true; title: string; text: string; planId: string | undefined } | { ok: false; message: string };

/** `plumbline/environments`: every environment of the workspace with its status and resources. */
export const EnvironmentsRequest = new RequestType0<EnvironmentsResult, void>('plumbline/environments');

export interface EnvironmentNode {
  name: string;
  /** The cluster (the environment) this delivery unit is one of several of; the tree shows them under it. */
  cluster?: string;
  /** The unit's own name within its cluster (the Flux Kustomization's), when `cluster` is set. */
  unit?: string;
  /** Units this one waits for (Flux `dependsOn`). */
  dependsOn?: string[];
  /** Where its manifests come from: "GitRepository flux-system/flux-system", "ExternalArtifact flux-system/apps". */
  source?: string;
  paths: string[];
  renderer: string;
  context: string | undefined;
  namespace: string | undefined;
  delivery: string;
  protected: boolean;
  foundBy: string[];
  state: 'in-sync' | 'drifted' | 'missing' | 'unreachable' | 'render-error' | 'not-rendered' | 'not-checked';
  message: string;
  resources: {
    kind: string;
    name: string;
    namespace: string | undefined;
    state: 'in-sync' | 'drifted' | 'missing' | 'rejected' | 'unknown';
    drifted: number;
    /** file URI and zero-based line of the document that declares it */
    source: { uri: string; line: number } | undefined;
    /** Whether it works: the word shown (Argo CD's for its units, kstatus's otherwise), Argo CD's word for the icon, and why. */
    health?: { word: string; argo: string; message: string };
    /**
     * Drift its controller found outside the cluster and may not correct, in the controller's words
     * (Crossplane's `Synced=False`, `ReconcileForbidden`: the condition's message); counted in `drifted`.
     */
    external?: string;
  }[];
  /** Its resources' health at a glance ("3/5 healthy, 1 progressing") and the worst, once the cluster was read. */
  health?: { worst: string; summary: string };
  /** The Git branch as it concerns this environment; absent when the workspace is not a Git repository. */
  git?: EnvironmentGitState;
  /** Why there is no `git` although the workspace may be a repository ("Git status needs a trusted workspace"); shown where the branch would be. */
  gitUnavailable?: string;
  /** Live objects the environment's applier (Flux, Argo CD, direct sync) manages that Git no longer declares. */
  undeclared?: { apiVersion: string; kind: string; name: string; namespace: string | undefined; managedBy: string }[];
}

export interface EnvironmentGitState {
  /** undefined when HEAD is detached. */
  branch: string | undefined;
  /** `origin/main`; undefined when the branch tracks nothing. */
  upstream: string | undefined;
  /** Commits not yet pushed / upstream commits not yet here, as of the last fetch. */
  ahead: number;
  behind: number;
  /** Uncommitted files of this environment (what Commit and Sync would stage), repository-relative. */
  uncommitted: { path: string; change: string }[];
  /** Uncommitted files elsewhere in the repository, which Commit and Sync leaves alone. */
  uncommittedElsewhere: number;
  operation?: 'merge' | 'rebase' | 'cherry-pick' | 'revert';
}

/** `plumbline/environmentsChanged` (server → client): what the tree shows changed (Git, the cluster, settings); the client asks again. */
export const EnvironmentsChangedNotification = new NotificationType<EnvironmentsChangedParams>('plumbline/environmentsChanged');
export interface EnvironmentsChangedParams {
  /** `files`: a manifest changed on disk outside the editor (checkout, restore, another tool). */
  reason: 'git' | 'cluster' | 'settings' | 'files';
  /** The environments concerned, when known. */
  environments?: string[];
}

/**
 * `plumbline/reconcile`: ask the environment's cluster to converge on what is already in Git,
 * without committing or pushing. A direct environment first answers `confirm` with what it
 * would apply; the client asks the user and sends the request again with `confirmed: true`.
 */
export const ReconcileRequest = new RequestType<ReconcileParams, ReconcileResult, void>('plumbline/reconcile');
export interface ReconcileParams {
  environment: string;
  confirmed?: boolean;
}
export type ReconcileResult =
  | { kind: 'confirm'; environment: string; objects: string[] }
  /** `remedy: install-controller`: Flux or Argo CD is not installed in the cluster (the client offers .plumbline.yaml). */
  /** `health`: how the wait for health ended (plumbline.sync.healthTimeout), when the cluster converged and the setting is not 0. */
  | { kind: 'done'; ok: boolean; message: string; details: string[]; remedy?: 'install-controller'; health?: { ok: boolean; message: string } };
/** Progress of a long operation on one environment (reconcile, sync). */
export interface ProgressParams {
  environment: string;
  message: string;
}

export const ReconcileProgressNotification = new NotificationType<ProgressParams>('plumbline/reconcileProgress');

export interface EnvironmentsResult {
  environments: EnvironmentNode[];
  problems: string[];
}

/** `plumbline/syncPlan`: what Commit and Sync would do for an environment, before asking the user. */
export const SyncPlanRequest = new RequestType<SyncPlanParams, SyncPlan | SyncPlanError, void>('plumbline/syncPlan');
export interface SyncPlanParams {
  environment: string;
}
export interface SyncPlan {
  environment: string;
  files: { path: string; change: string }[];
  message: string;
  validationErrors: string[];
  protected: boolean;
  delivery: string;
  /** Where the commit goes: the repository's folder, its branch, and the upstream it is pushed to. */
  repository: { top: string; branch: string; remote?: string; remoteUrl?: string; remoteBranch?: string };
}
/** Why there is no plan; `not-a-repository` when the workspace is not in a Git repository (the client offers to initialise one). */
export interface SyncPlanError {
  error: string;
  reason?: 'not-a-repository';
}

/** `plumbline/sync`: commit, push and converge; progress arrives as `plumbline/syncProgress`. */
export const SyncRequest = new RequestType<SyncParams, SyncResult, void>('plumbline/sync');
export interface SyncParams {
  environment: string;
  message: string;
}
export interface SyncResult {
  ok: boolean;
  /** commit, push, converge, prune, then `health` (the wait for health, when plumbline.sync.healthTimeout is not 0). */
  steps: { step: string; ok: boolean; message: string }[];
  pullRequestUrl?: string;
}
export const SyncProgressNotification = new NotificationType<ProgressParams>('plumbline/syncProgress');

/**
 * `plumbline/preview`: a preview of pending diffs. `git`: what the uncommitted changes do to each
 * environment's rendered manifests (HEAD ↔ working tree); `cluster`: what a sync of one
 * environment would change in its cluster (live ↔ after sync, prune candidates included);
 * `promotion`: `against`'s rendered manifests ↔ `environment`'s. Secret values are masked.
 */
export const PreviewRequest = new RequestType<PreviewParams, PreviewResponse, void>('plumbline/preview');
export type PreviewParams = { kind: 'git'; environment?: string } | { kind: 'cluster'; environment: string } | { kind: 'promotion'; environment: string; against: string };

export interface PreviewChange {
  change: 'added' | 'removed' | 'changed';
  apiVersion: string;
  kind: string;
  name: string;
  namespace: string | undefined;
  /** YAML of the left side, '' when added. */
  before: string;
  /** YAML of the right side, '' when removed. */
  after: string;
}

export interface PreviewEnvironment {
  environment: string;
  state: 'ok' | 'error';
  message: string;
  unchanged: number;
  changes: PreviewChange[];
  /** Nothing it reads changed (Git preview), so it was not rendered: `unchanged` counts no resources. */
  inputsUnchanged?: true;
}

export type PreviewResponse =
  | { ok: true; title: string; left: string; right: string; environments: PreviewEnvironment[]; notes: string[] }
  | { ok: false; kind: string; message: string };

/**
 * `plumbline/clusterContexts`: the contexts of the kubeconfig the server reads (the setting, else
 * $KUBECONFIG, else ~/.kube/config), for the context picker. The client never reads kubeconfigs.
 */
export const ClusterContextsRequest = new RequestType0<ClusterContextsResult, void>('plumbline/clusterContexts');
export interface ClusterContext {
  name: string;
  cluster: string;
  /** The API server's URL, when the kubeconfig names one. */
  server: string | undefined;
  namespace: string | undefined;
}
export type ClusterContextsResult =
  | {
      ok: true;
      /** The file the contexts come from (or the $KUBECONFIG list). */
      kubeconfig: string;
      /** The kubeconfig's current-context. */
      current: string | undefined;
      /** plumbline.cluster.context, when set. */
      selected: string | undefined;
      contexts: ClusterContext[];
    }
  | { ok: false; message: string };

/**
 * The `plumbline.*` settings: one table of defaults with the keys of package.json, read by the
 * language server (from the client) and by the CLI (defaults, then flags). No imports: the
 * client bundles this file through protocol.ts.
 */

/** The `plumbline.*` settings the engine reads, after sanitizing. */
export interface PlumblineSettings {
  /** Files larger than this many megabytes are skipped with an information diagnostic. */
  maxFileSizeMB: number;
  /**
   * The Kubernetes version apiVersions are judged against (removed or deprecated) when no
   * cluster says its own; undefined: the bundled schemas' version.
   */
  kubernetesVersion: string | undefined;
  /** How a kind without any schema is reported. */
  unknownKinds: 'error' | 'warning' | 'information' | 'hint' | 'ignore';
  /** The cluster documents are compared with; off in untrusted workspaces. */
  cluster: { enabled: boolean; kubeconfig: string | undefined; context: string | undefined };
  drift: {
    enabled: boolean;
    severity: 'error' | 'warning' | 'information' | 'hint';
    /** Field managers whose changes count as "set by hand" (a trailing * matches a prefix). */
    manualManagers: string[];
  };
  /** The command that builds kustomize overlays (the overlay folder is appended). */
  kustomize: { command: string[] };
  /** The helm binary (with leading arguments, if any) that renders charts with `helm template`. */
  helm: { command: string[] };
  /** Seconds Commit and Sync and Reconcile wait for the resources to be healthy after the cluster converged; 0 does not wait. */
  sync: { healthTimeout: number };
}

export const DEFAULT_SETTINGS: PlumblineSettings = {
  maxFileSizeMB: 20,
  kubernetesVersion: undefined,
  unknownKinds: 'information',
  cluster: { enabled: true, kubeconfig: undefined, context: undefined },
  drift: { enabled: true, severity: 'warning', manualManagers: ['kubectl*', 'k9s', 'Lens', 'OpenLens', 'kubernetes-dashboard', 'Mozilla', 'curl'] },
  kustomize: { command: ['kubectl', 'kustomize'] },
  helm: { command: ['helm'] },
  // Flux's own default for `flux reconcile --timeout`.
  sync: { healthTimeout: 300 },
};

/** A command setting: a string split at spaces, or a list of words; anything else is the default. */
function commandSetting(value: unknown, fallback: string[]): string[] {
  const words = typeof value === 'string' ? value.trim().split(/\s+/).filter((w) => w !== '') : Array.isArray(value) && value.every((w) => typeof w === 'string' && w !== '') ? (value as string[]) : [];
  return words.length > 0 ? words : fallback;
}

/** A number of seconds, 0 included (off); anything else, negative or not a number, is the default. */
function secondsSetting(value: unknown, fallback: number): number {
  return typeof value === 'number' && Number.isFinite(value) && value >= 0 ? value : fallback;
}

const DRIFT_SEVERITIES: readonly PlumblineSettings['drift']['severity'][] = ['error', 'warning', 'information', 'hint'];

const UNKNOWN_KINDS: readonly PlumblineSettings['unknownKinds'][] = ['error', 'warning', 'information', 'hint', 'ignore'];

/** `1.29`, `v1.29`, `v1.29.3`: normalised to `v1.29` or `v1.29.3`; anything else (blank included) is unset. */
export function kubernetesVersionSetting(value: unknown): string | undefined {
  if (typeof value !== 'string') return undefined;
  const m = /^v?(\d+\.\d+(?:\.\d+)?)$/.exec(value.trim());
  return m === null ? undefined : `v${m[1]}`;
}

/** Turns whatever the configuration holds into valid settings; bad values fall back to defaults. */
export function sanitizeSettings(raw: unknown): PlumblineSettings {
  const source = typeof raw === 'object' && raw !== null ? (raw as Record<string, unknown>) : {};
  const size = source['maxFileSize'];
  const section = (name: string): Record<string, unknown> =>
    typeof source[name] === 'object' && source[name] !== null ? (source[name] as Record<string, unknown>) : {};
  const validation = section('validation');
  const cluster = section('cluster');
  const drift = section('drift');
  const managers = drift['manualManagers'];
  const text = (v: unknown): string | undefined => (typeof v === 'string' && v.trim() !== '' ? v.trim() : undefined);
  const unknownKinds = UNKNOWN_KINDS.find((v) => v === validation['unknownKinds']);
  return {
    maxFileSizeMB: typeof size === 'number' && Number.isFinite(size) && size > 0 ? size : DEFAULT_SETTINGS.maxFileSizeMB,
    kubernetesVersion: kubernetesVersionSetting(source['kubernetesVersion']),
    unknownKinds: unknownKinds ?? DEFAULT_SETTINGS.unknownKinds,
    cluster: { enabled: cluster['enabled'] !== false, kubeconfig: text(cluster['kubeconfig']), context: text(cluster['context']) },
    drift: {
      enabled: drift['enabled'] !== false,
      severity: DRIFT_SEVERITIES.find((v) => v === drift['severity']) ?? DEFAULT_SETTINGS.drift.severity,
      manualManagers: Array.isArray(managers) && managers.every((m) => typeof m === 'string') ? (managers) : DEFAULT_SETTINGS.drift.manualManagers,
    },
    kustomize: { command: commandSetting(section('kustomize')['command'], DEFAULT_SETTINGS.kustomize.command) },
    helm: { command: commandSetting(section('helm')['command'], DEFAULT_SETTINGS.helm.command) },
    sync: { healthTimeout: secondsSetting(section('sync')['healthTimeout'], DEFAULT_SETTINGS.sync.healthTimeout) },
  };
}

/** How environments are rendered under these settings; binaries run only in a trusted workspace. */
export function renderOptionsOf(settings: PlumblineSettings, trusted: boolean): { trusted: boolean; kustomize: string[]; helm: string[] } {
  return { trusted, kustomize: settings.kustomize.command, helm: settings.helm.command };
}

import type { Connection } from 'vscode-languageserver/node';
import { fileURLToPath } from 'node:url';
import type { ClusterSession } from '../cluster/session';
import type { ClusterError } from '../cluster/result';
import type { DriftEngine } from '../drift/engine';
import type { IgnoreRule } from '../drift/ignore';
import type { ResourceIdentity } from '../manifests/identity';
import type { ManifestFile } from '../manifests/parse';
import type { Finding } from '../manifests/problem';
import type { PlumblineSettings } from '../protocol';
import type { ClusterRegistry } from '../workspace/clusters';
import type { EnvironmentRenders } from '../workspace/environmentRenders';
import { fileDrift, type DriftEntry } from '../workspace/fileDrift';
import type { TargetSettings } from '../environments/target';
import { ValidationQueue } from './validationQueue';

export type { DriftData, DriftEntry } from '../workspace/fileDrift';

interface UriDrift {
  version: number;
  findings: Finding[];
  entries: DriftEntry[];
}

/**
 * Drift for open documents: computed after validation (never delaying it), refreshed when the
 * cluster's watch reports a change to a resource a document declares.
 */
export interface DriftStateDeps {
  connection: Connection;
  file: (uri: string) => { file: ManifestFile; version: number; eligible: boolean } | undefined;
  settings: () => PlumblineSettings;
  /** The workspace's cluster session (undefined: cluster access is off or untrusted). */
  session: () => ClusterSession | undefined;
  /** Every cluster's session and drift engine, shared with the tree and previews. */
  clusters: ClusterRegistry;
  publish: (uri: string) => void;
  /** Validates a document again: the live objects its CEL transition rules compare with have changed. */
  revalidate?: (uri: string) => void;
  ignoreRules: () => Promise<IgnoreRule[]>;
  /** Told after each run whether the cluster answered, so the status follows outages. */
  reachability: (error: ClusterError | undefined) => void;
  /** The workspace's environments; files they render get drift per environment. */
  environments: EnvironmentRenders | undefined;
  /** Whether Git does not track the file yet (false when git may not run or cannot say). */
  untracked: (path: string) => Promise<boolean>;
}

/**
 * Drift for open documents: computed after validation (never delaying it), refreshed when the
 * cluster's watch reports a change to a resource a document declares.
 */
export class DriftState {
  private readonly results = new Map<string, UriDrift>();
  /** Per document: the live objects' resourceVersions last seen, and a number that changes with them. */
  private readonly liveVersions = new Map<string, { signature: string; generation: number }>();
  private readonly queue: ValidationQueue;
  private readonly unsubscribe: () => void;

  constructor(private readonly deps: DriftStateDeps) {
    this.queue = new ValidationQueue((uri) => this.compute(uri), (uri, e) => deps.connection.console.error(`drift of ${uri} failed: ${String(e)}`));
    // A change in the cluster re-checks the open documents that declare that object.
    this.unsubscribe = deps.clusters.onLiveChange((_session, info, object) => {
      for (const [uri, drift] of this.results) {
        if (drift.entries.some((e) => e.identity.kind === info.kind && e.identity.group === info.group && e.identity.name === object.metadata?.name)) this.queue.request(uri);
      }
    });
  }

  request(uri: string): void {
    if (!this.deps.settings().drift.enabled) return;
    this.queue.request(uri);
  }

  forget(uri: string): void {
    this.results.delete(uri);
    this.liveVersions.delete(uri);
    this.queue.cancel(uri);
  }

  /** Findings for a document version, or none when drift was computed for another version. */
  findings(uri: string, version: number): Finding[] {
    const r = this.results.get(uri);
    return r !== undefined && r.version === version ? r.findings : [];
  }

  /** Drift findings that start on a line, for hovers. */
  findingsOnLine(uri: string, line: number): Finding[] {
    return (this.results.get(uri)?.findings ?? []).filter((f) => f.range.start.line === line);
  }

  /**
   * The object the cluster holds for a document's resource, as drift last read it: what CEL
   * transition rules compare with. Never a Secret's, whose values must not reach a message.
   */
  liveObject(uri: string, identity: ResourceIdentity): unknown {
    if (identity.kind === 'Secret' && identity.group === '') return undefined;
    const entry = this.results.get(uri)?.entries.find(
      (e) => e.environment === undefined && e.identity.kind === identity.kind && e.identity.group === identity.group && e.identity.name === identity.name && (identity.namespace === undefined || e.identity.namespace === undefined || e.identity.namespace === identity.namespace),
    );
    const report = entry?.report;
    return report !== undefined && (report.state === 'in-sync' || report.state === 'drifted' || report.state === 'rejected') ? report.live : undefined;
  }

  /** Changes whenever liveObject's answers for the document may have. */
  liveGeneration(uri: string): number {
    return this.liveVersions.get(uri)?.generation ?? 0;
  }

  entries(uri: string): DriftEntry[] {
    return this.results.get(uri)?.entries ?? [];
  }

  /** Forgets every result, e.g. when cluster settings change (the registry closes the engines). */
  reset(): void {
    this.results.clear();
  }

  dispose(): void {
    this.unsubscribe();
    this.results.clear();
  }

  /** Open documents with drift results, to re-check when renders change. */
  get uris(): string[] {
    return [...this.results.keys()];
  }

  /** Validation reads live objects for transition rules: when they changed, the document is validated again. */
  private noteLiveVersions(uri: string, entries: readonly DriftEntry[]): void {
    const signature = entries
      .map((e) => (e.report.state === 'in-sync' || e.report.state === 'drifted' || e.report.state === 'rejected' ? `${e.identity.kind}/${e.identity.name ?? ''}@${e.report.live?.metadata?.resourceVersion ?? ''}` : ''))
      .join(',');
    const known = this.liveVersions.get(uri);
    if (known?.signature === signature) return;
    this.liveVersions.set(uri, { signature, generation: (known?.generation ?? 0) + 1 });
    // Validation asks for drift again, which finds the same versions: no loop.
    if (known !== undefined || signature.replace(/,/g, '') !== '') this.deps.revalidate?.(uri);
  }

  /** The engine of a cluster: the workspace's own when it is the same kubeconfig and names the same context. */
  private async engineFor(cluster: TargetSettings): Promise<DriftEngine | undefined> {
    const session = this.deps.session();
    if (session === undefined) return undefined;
    const { kubeconfigPath, context, server } = cluster;
    const same = kubeconfigPath === session.target.kubeconfigPath && server === undefined && (context === undefined || context === session.target.context || context === session.contextName);
    const engine = await this.deps.clusters.engine(same ? session.target : { ...(kubeconfigPath !== undefined ? { kubeconfigPath } : {}), ...(context !== undefined ? { context } : {}), ...(server !== undefined ? { server } : {}) });
    return engine.ok ? engine.value : undefined;
  }

  private async compute(uri: string): Promise<void> {
    const current = this.deps.file(uri);
    const s = this.deps.settings();
    const drift =
      current === undefined
        ? undefined
        : await fileDrift({
            path: uri.startsWith('file:') ? fileURLToPath(uri) : undefined,
            file: current.file,
            eligible: current.eligible,
            engineFor: (cluster) => this.engineFor(cluster),
            cluster: { kubeconfigPath: s.cluster.kubeconfig, context: s.cluster.context },
            renders: this.deps.environments,
            rules: this.deps.ignoreRules,
            severity: s.drift.severity,
            untracked: this.deps.untracked,
          });
    if (drift === undefined) {
      if (this.results.delete(uri)) this.deps.publish(uri);
      return;
    }
    // A newer version arrived meanwhile: its own run publishes.
    const latest = this.deps.file(uri);
    if (current === undefined || latest === undefined || latest.version !== current.version) return;
    if (drift.entries.length > 0) this.deps.reachability(drift.down);
    this.results.set(uri, { version: current.version, findings: drift.findings, entries: drift.entries });
    this.noteLiveVersions(uri, drift.entries);
    this.deps.publish(uri);
    this.deps.connection.sendRequest('workspace/codeLens/refresh').catch(() => undefined);
  }
}

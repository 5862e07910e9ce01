import type { Connection } from 'vscode-languageserver/node';
import { fileURLToPath } from 'node:url';
import type { ClusterSession } from '../cluster/session';
import type { ClusterRegistry } from '../workspace/clusters';
import { clusterTargetOf } from '../workspace/settings';
import { targetFor } from '../environments/target';
import { environmentDrift } from './environmentDrift';
import type { EnvironmentRenders } from './environmentRenders';
import type { Finding } from '../manifests/problem';
import { withoutIgnored, type DriftEngine, type DriftReport } from '../drift/engine';
import type { IgnoreRule } from '../drift/ignore';
import type { ClusterError } from '../cluster/result';
import { driftProblems, driftSummary } from '../drift/findings';
import type { ResourceIdentity } from '../manifests/identity';
import type { Range } from '../manifests/lineIndex';
import type { ManifestFile } from '../manifests/parse';
import type { PlumblineSettings } from '../protocol';
import { ValidationQueue } from './validationQueue';

/** What a drift quick fix needs, carried in the diagnostic's `data`. */
export interface DriftData {
  kind: string;
  name: string;
  namespace: string | undefined;
  path: unknown[];
  exact: boolean;
  liveValue?: unknown;
}

export interface DriftEntry {
  /** Zero-based line range of the resource's document, for lenses and the diff command. */
  range: Range;
  identity: ResourceIdentity;
  report: DriftReport;
  summary: string;
  /** The environment whose rendered object this is; undefined for a file no environment renders. */
  environment?: string;
}

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

  /** The engine for an environment's context: the workspace's own when it names the same context. */
  private async engineFor(context: string | undefined): Promise<DriftEngine | undefined> {
    const session = this.deps.session();
    if (session === undefined) return undefined;
    const same = context === undefined || context === session.target.context || context === session.contextName;
    const engine = await this.deps.clusters.engine(same ? session.target : clusterTargetOf(this.deps.settings().cluster, context));
    return engine.ok ? engine.value : undefined;
  }

  private async compute(uri: string): Promise<void> {
    const engine = await this.engineFor(undefined);
    // Without a cluster there is nothing to compare, except environments' renders (validated as rendered).
    const current = engine === undefined && this.deps.environments === undefined ? undefined : this.deps.file(uri);
    if (current === undefined) {
      if (this.results.delete(uri)) this.deps.publish(uri);
      return;
    }
    const { file, version } = current;
    const severity = this.deps.settings().drift.severity;
    const path = uri.startsWith('file:') ? fileURLToPath(uri) : undefined;
    await this.deps.environments?.ready();
    const s = this.deps.settings();
    const target = targetFor(path, { kubeconfigPath: s.cluster.kubeconfig, context: s.cluster.context }, (p) => this.deps.environments?.using(p) ?? []);
    if (target.kind === 'file' && (engine === undefined || !current.eligible)) {
      if (this.results.delete(uri)) this.deps.publish(uri);
      return;
    }
    const rules = engine === undefined ? [] : await this.deps.ignoreRules();
    const untracked = engine !== undefined && path !== undefined && (await this.deps.untracked(path));
    if (target.kind === 'environments' && path !== undefined && this.deps.environments !== undefined) {
      // Patches and kustomizations too: what they declare is drift of the objects they shape.
      const environments = this.deps.environments;
      const perEnvironment = await Promise.all(
        target.uses.map(async ({ environment }) => {
          const other = engine === undefined ? undefined : await this.engineFor(environment.target.context);
          const render = await environments.render(environment);
          return environmentDrift({ path, file, environment, render, engine: other, validate: (o) => environments.validate(o), rules, severity, untracked });
        }),
      );
      const latest = this.deps.file(uri);
      if (latest === undefined || latest.version !== version) return;
      this.finish(uri, version, perEnvironment.flat());
      return;
    }
    if (engine === undefined) return;
    const documents = file.documents.filter((d) => d.identity?.name !== undefined && d.syntax.every((p) => p.severity !== 'error'));
    const computed = await Promise.all(
      documents.map(async (d) => {
        const identity = d.identity!;
        let desired: Record<string, unknown>;
        try {
          desired = d.doc.toJS({ maxAliasCount: 100 }) as Record<string, unknown>;
        } catch {
          return undefined;
        }
        const report = withoutIgnored(await engine.compare(identity, desired), rules, identity);
        const [start = 0, , end = start] = d.doc.range;
        const range = file.lines.rangeOf(d.base + start, d.base + end);
        // A draft Git does not track yet is expected to be missing from the cluster.
        const draft = untracked && report.state === 'not-in-cluster';
        const findings: Finding[] = driftProblems(report, d.doc, identity, draft ? 'hint' : severity).map((p) => ({
          range: file.lines.rangeOf(d.base + p.start, d.base + p.end),
          severity: p.severity,
          code: p.code,
          message: draft ? `${p.message} (a new file Git does not track yet)` : p.message,
          data: {
            kind: identity.kind,
            name: identity.name ?? '',
            namespace: report.state === 'drifted' || report.state === 'in-sync' || report.state === 'not-in-cluster' ? report.namespace : identity.namespace,
            path: p.path,
            exact: p.exact,
            ...(p.liveValue !== undefined ? { liveValue: p.liveValue } : {}),
          } satisfies DriftData,
        }));
        return { entry: { range, identity, report, summary: driftSummary(report) }, findings };
      }),
    );
    const latest = this.deps.file(uri);
    if (latest === undefined || latest.version !== version) return;
    this.finish(uri, version, computed.filter((c) => c !== undefined));
  }

  private finish(uri: string, version: number, done: { entry?: DriftEntry; findings: Finding[] }[]): void {
    const entries = done.flatMap((c) => (c.entry === undefined ? [] : [c.entry]));
    const down = entries.map((e) => e.report).find((r) => r.state === 'unavailable' && (r.error.kind === 'unreachable' || r.error.kind === 'timeout' || r.error.kind === 'unauthorized'));
    if (entries.length > 0) this.deps.reachability(down?.state === 'unavailable' ? down.error : undefined);
    this.results.set(uri, { version, findings: done.flatMap((c) => c.findings), entries });
    this.deps.publish(uri);
    this.deps.connection.sendRequest('workspace/codeLens/refresh').catch(() => undefined);
  }
}

import type { Connection } from 'vscode-languageserver/node';
import { fileURLToPath } from 'node:url';
import { ClusterSession } from '../cluster/session';
import { targetFor } from '../environments/target';
import { environmentDrift } from './environmentDrift';
import type { EnvironmentRenders } from './environmentRenders';
import type { Finding } from '../manifests/problem';
import { DriftEngine, withoutIgnored, type DriftReport } from '../drift/engine';
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
export class DriftState {
  private engine: Promise<DriftEngine | undefined> | undefined;
  /** Engines for environments whose context is not the workspace's. */
  private readonly contextEngines = new Map<string, { session: ClusterSession; engine: Promise<DriftEngine | undefined> }>();
  private engineSession: ClusterSession | undefined;
  private readonly results = new Map<string, UriDrift>();
  private readonly queue: ValidationQueue;

  constructor(
    private readonly connection: Connection,
    private readonly file: (uri: string) => { file: ManifestFile; version: number; eligible: boolean } | undefined,
    private readonly settings: () => PlumblineSettings,
    private readonly session: () => ClusterSession | undefined,
    private readonly publish: (uri: string) => void,
    private readonly ignoreRules: () => Promise<IgnoreRule[]>,
    /** Told after each run whether the cluster answered, so the status follows outages. */
    private readonly reachability: (error: ClusterError | undefined) => void = () => undefined,
    /** The workspace's environments; files they render get drift per environment. */
    private readonly environments: EnvironmentRenders | undefined = undefined,
    private readonly cacheDir: string | undefined = undefined,
  ) {
    this.queue = new ValidationQueue((uri) => this.compute(uri), (uri, e) => connection.console.error(`drift of ${uri} failed: ${String(e)}`));
  }

  request(uri: string): void {
    if (!this.settings().drift.enabled) return;
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

  /** Drops the engine, e.g. when cluster settings change. */
  reset(): void {
    void this.engine?.then((e) => e?.dispose());
    this.engine = undefined;
    this.engineSession = undefined;
    for (const other of this.contextEngines.values()) {
      void other.engine.then((e) => e?.dispose());
      other.session.dispose();
    }
    this.contextEngines.clear();
    this.results.clear();
  }

  /** Open documents with drift results, to re-check when renders change. */
  get uris(): string[] {
    return [...this.results.keys()];
  }

  /** A change in the cluster re-checks the open documents that declare that object. */
  private watch(engine: DriftEngine): void {
    engine.live?.onChange((info, object) => {
      for (const [uri, drift] of this.results) {
        if (drift.entries.some((e) => e.identity.kind === info.kind && e.identity.group === info.group && e.identity.name === object.metadata?.name)) this.queue.request(uri);
      }
    });
  }

  /** The engine for an environment's context: the workspace's own when it is the same context. */
  private async engineFor(context: string | undefined): Promise<DriftEngine | undefined> {
    const session = this.session();
    if (session === undefined) return undefined;
    if (context === undefined || context === session.target.context || context === session.contextName) return this.currentEngine();
    let other = this.contextEngines.get(context);
    if (other === undefined) {
      const s = this.settings();
      const created = new ClusterSession({ ...(s.cluster.kubeconfig !== undefined ? { kubeconfigPath: s.cluster.kubeconfig } : {}), context }, this.cacheDir);
      const engine = DriftEngine.forSession(created, { manualManagers: s.drift.manualManagers }).then((r) => {
        if (!r.ok) {
          this.contextEngines.delete(context);
          return undefined;
        }
        this.watch(r.value);
        return r.value;
      });
      other = { session: created, engine };
      this.contextEngines.set(context, other);
    }
    return other.engine;
  }

  private async currentEngine(): Promise<DriftEngine | undefined> {
    const session = this.session();
    if (session !== this.engineSession) {
      void this.engine?.then((e) => e?.dispose());
      this.engine = undefined;
      this.engineSession = session;
    }
    if (session === undefined) return undefined;
    this.engine ??= DriftEngine.forSession(session, { manualManagers: this.settings().drift.manualManagers }).then((r) => {
      if (!r.ok) {
        this.engine = undefined;
        return undefined;
      }
      this.watch(r.value);
      return r.value;
    });
    return this.engine;
  }

  private async compute(uri: string): Promise<void> {
    const engine = this.session() === undefined ? undefined : await this.currentEngine();
    // Without a cluster there is nothing to compare, except environments' renders (validated as rendered).
    const current = engine === undefined && this.environments === undefined ? undefined : this.file(uri);
    if (current === undefined) {
      if (this.results.delete(uri)) this.publish(uri);
      return;
    }
    const { file, version } = current;
    const severity = this.settings().drift.severity;
    const path = uri.startsWith('file:') ? fileURLToPath(uri) : undefined;
    await this.environments?.ready();
    const s = this.settings();
    const target = targetFor(path, { kubeconfigPath: s.cluster.kubeconfig, context: s.cluster.context }, (p) => this.environments?.using(p) ?? []);
    if (target.kind === 'file' && (engine === undefined || !current.eligible)) {
      if (this.results.delete(uri)) this.publish(uri);
      return;
    }
    const rules = engine === undefined ? [] : await this.ignoreRules();
    if (target.kind === 'environments' && path !== undefined && this.environments !== undefined) {
      // Patches and kustomizations too: what they declare is drift of the objects they shape.
      const environments = this.environments;
      const perEnvironment = await Promise.all(
        target.uses.map(async ({ environment }) => {
          const other = engine === undefined ? undefined : await this.engineFor(environment.target.context);
          const render = await environments.render(environment);
          return environmentDrift({ path, file, environment, render, engine: other, validate: (o) => environments.validate(o), rules, severity });
        }),
      );
      const latest = this.file(uri);
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
        const findings: Finding[] = driftProblems(report, d.doc, identity, severity).map((p) => ({
          range: file.lines.rangeOf(d.base + p.start, d.base + p.end),
          severity: p.severity,
          code: p.code,
          message: p.message,
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
    const latest = this.file(uri);
    if (latest === undefined || latest.version !== version) return;
    this.finish(uri, version, computed.filter((c) => c !== undefined));
  }

  private finish(uri: string, version: number, done: { entry?: DriftEntry; findings: Finding[] }[]): void {
    const entries = done.flatMap((c) => (c.entry === undefined ? [] : [c.entry]));
    const down = entries.map((e) => e.report).find((r) => r.state === 'unavailable' && (r.error.kind === 'unreachable' || r.error.kind === 'timeout' || r.error.kind === 'unauthorized'));
    if (entries.length > 0) this.reachability(down?.state === 'unavailable' ? down.error : undefined);
    this.results.set(uri, { version, findings: done.flatMap((c) => c.findings), entries });
    this.publish(uri);
    this.connection.sendRequest('workspace/codeLens/refresh').catch(() => undefined);
  }
}

import type { ClusterError } from '../cluster/result';
import { withoutIgnored, type DriftEngine } from '../drift/engine';
import { anchorOf, driftProblems, driftSummary, reportHealth } from '../drift/findings';
import type { ResourceHealth } from '../health/health';
import type { IgnoreRule } from '../drift/ignore';
import { clusterOf, targetFor, type TargetSettings } from '../environments/target';
import { documentSpan, type ManifestFile } from '../manifests/parse';
import { kubectlValue } from '../manifests/kubectlRead';
import type { Finding, Severity } from '../manifests/problem';
import type { Range } from '../manifests/lineIndex';
import type { DriftData, DriftEntry } from './driftEntry';
import { environmentDrift } from './environmentDrift';
import { terraformFindings } from './terraformFindings';
import { isTerraform } from '../health/terraform';
import type { EnvironmentRenders } from './environmentRenders';

export type { DriftData, DriftEntry } from './driftEntry';

export interface FileDriftInput {
  /** Absolute path of the file; undefined for a document never saved (compared as written). */
  path: string | undefined;
  file: ManifestFile;
  /** Whether the file holds whole objects (not a patch or a kustomization) when no environment renders it. */
  eligible: boolean;
  /** The drift engine of a cluster (kubeconfig + context); undefined when there is no cluster. */
  engineFor: (cluster: TargetSettings) => Promise<DriftEngine | undefined>;
  /** The configured cluster, for a file no environment renders. */
  cluster: TargetSettings;
  /** The workspace's environments; files they render are compared per environment. */
  renders: EnvironmentRenders | undefined;
  rules: () => Promise<IgnoreRule[]>;
  severity: Severity;
  /** Whether Git does not track the file yet. */
  untracked: (path: string) => Promise<boolean>;
  /** Only these environments' renders of the file (a base diffed for one overlay); all when undefined. */
  environments?: ReadonlySet<string>;
}

export interface FileDrift {
  entries: DriftEntry[];
  findings: Finding[];
  /** The error of a cluster that did not answer (unreachable, timeout, credentials refused), if one did not. */
  down: ClusterError | undefined;
}

/**
 * Drift of one file, as the editor, the tree and `plumbline diff` all compute it: per
 * environment for a file environments render (patches and kustomizations too: what they
 * declare shapes the objects), else each document as written in the configured cluster.
 * Undefined when there is nothing to compare.
 */
export async function fileDrift(input: FileDriftInput): Promise<FileDrift | undefined> {
  const { path, file, renders } = input;
  const engine = await input.engineFor(input.cluster);
  // Without a cluster there is nothing to compare, except environments' renders (validated as rendered).
  if (engine === undefined && renders === undefined) return undefined;
  await renders?.ready();
  const target = targetFor(path, input.cluster, (p) => renders?.using(p) ?? []);
  if (target.kind === 'file' && (engine === undefined || !input.eligible)) return undefined;
  const rules = await input.rules();
  // Asked once, and only when something is missing: it runs git.
  let asked: Promise<boolean> | undefined;
  const untracked = (): Promise<boolean> => (asked ??= path === undefined ? Promise.resolve(false) : input.untracked(path));
  let done: { entry?: DriftEntry; findings: Finding[] }[];
  if (target.kind === 'environments' && path !== undefined && renders !== undefined) {
    const perEnvironment = await Promise.all(
      target.uses.filter(({ environment }) => input.environments?.has(environment.name) ?? true).map(async ({ environment }) => {
        // Each environment's own cluster, reachable or not whatever the workspace's default cluster is.
        const other = await input.engineFor(clusterOf(environment, input.cluster));
        const render = await renders.render(environment);
        return environmentDrift({
          path,
          file,
          environment,
          render,
          engine: other,
          validate: (o) => renders.validate(o),
          rules,
          severity: input.severity,
          untracked,
        });
      }),
    );
    done = perEnvironment.flat();
  } else {
    if (engine === undefined) return undefined;
    done = await documentsDrift(file, engine, rules, input.severity, untracked);
  }
  const entries = done.flatMap((c) => (c.entry === undefined ? [] : [c.entry]));
  const down = entries.map((e) => e.report).find((r) => r.state === 'unavailable' && (r.error.kind === 'unreachable' || r.error.kind === 'timeout' || r.error.kind === 'unauthorized'));
  return {
    entries,
    findings: done.flatMap((c) => c.findings),
    down: down?.state === 'unavailable' ? down.error : undefined,
  };
}

/** Each whole document of a file no environment renders, compared as written. */
async function documentsDrift(file: ManifestFile, engine: DriftEngine, rules: readonly IgnoreRule[], severity: Severity, isUntracked: () => Promise<boolean>): Promise<{ entry?: DriftEntry; findings: Finding[] }[]> {
  const documents = file.documents.filter((d) => d.identity?.name !== undefined && d.syntax.every((p) => p.severity !== 'error'));
  const compared = await Promise.all(
    documents.map(async (d) => {
      try {
        // Read as kubectl reads it (YAML 1.1 scalars); a data parse's document gives its data without a tree, as most have nothing YAML 1.1 reads otherwise.
        const desired = kubectlValue(file, d, 100) as Record<string, unknown>;
        return withoutIgnored(await engine.compare(d.identity!, desired), rules, d.identity!);
      } catch {
        return undefined;
      }
    }),
  );
  const untracked = compared.some((r) => r?.state === 'not-in-cluster') && (await isUntracked());
  // tofu-controller's word on a Terraform object, on its name as drift's whole-resource findings are.
  const terraform = await Promise.all(
    documents.map((d, i) => {
      const report = compared[i];
      // Only a Terraform object has tofu-controller's word to place: the others' trees are not walked for a name.
      if (report === undefined || !isTerraform(d.identity!.apiVersion, d.identity!.kind)) return Promise.resolve([]);
      const anchor = anchorOf(d.doc);
      return terraformFindings(report, d.identity!, engine, file.lines.rangeOf(d.base + (anchor?.range?.[0] ?? 0), d.base + (anchor?.range?.[1] ?? 0)));
    }),
  );
  const computed = documents.map((d, i) => {
    const identity = d.identity!;
    const report = compared[i];
    if (report === undefined) return undefined;
    // A draft Git does not track yet is expected to be missing from the cluster.
    const draft = untracked && report.state === 'not-in-cluster';
    const findings: Finding[] = driftProblems(report, () => d.doc, identity, draft ? 'hint' : severity).map((p) => ({
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
        ...(report.state === 'drifted' ? { appliedAs: report.appliedAs.who } : {}),
      } satisfies DriftData,
    }));
    return { entry: lazyEntry(lazyRange(file, d), identity, report), findings: [...findings, ...(terraform[i] ?? [])] };
  });
  return computed.filter((c) => c !== undefined);
}

/**
 * The document's line range, found when first read: `plumbline diff` never reads it, and the
 * file's line table it needs (built for each file only here when nothing drifted) was 3 MB of a
 * 2,000-file diff that outlived a collection. The editor's lenses read it as before.
 */
function lazyRange(file: ManifestFile, d: ManifestFile['documents'][number]): Range {
  const [start, end] = documentSpan(d);
  const from = d.base + start;
  const to = d.base + end;
  // Once found, the file (its text and parse) is no longer held for it.
  let source: ManifestFile | undefined = file;
  let range: Range | undefined;
  const at = (): Range => {
    if (range === undefined) {
      range = source!.lines.rangeOf(from, to);
      source = undefined;
    }
    return range;
  };
  return {
    get start() {
      return at().start;
    },
    get end() {
      return at().end;
    },
  };
}

/**
 * The entry of a document compared as written, with its lens words and health worked out when
 * first read: the editor's lenses and hover read them, `plumbline diff` never does, and for a
 * 2,000-object diff they were a lens title and a health verdict (in a WeakMap) per object.
 */
function lazyEntry(range: Range, identity: DriftEntry['identity'], report: DriftEntry['report']): DriftEntry {
  let summary: string | undefined;
  return {
    range,
    identity,
    report,
    get summary() {
      return (summary ??= driftSummary(report));
    },
    get health(): ResourceHealth | undefined {
      return reportHealth(report);
    },
  };
}

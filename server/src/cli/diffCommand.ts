import { OWN_APPLY } from '../drift/applyAs';
import { readFile } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { fileRole } from '../check/fileRole';
import { crossplaneDrift } from '../health/crossplane';
import type { Finding } from '../manifests/problem';
import type { DriftEngine, DriftReport } from '../drift/engine';
import { isUntracked } from '../git/tracked';
import { readGitOpsIgnore } from '../drift/gitopsIgnore';
import { readIgnoreRules, readManualManagers } from '../drift/ignore';
import { PatchIndex, isKustomizationFile } from '../kustomize/patchIndex';
import { ManifestParser } from '../manifests/parse';
import { collectYamlFiles, readTextIfSane, UsageError, YAML_FILE } from '../files/files';
import { identityHints } from '../manifests/identityHints';
import { asTheProcessAnswer } from '../files/stamped';
import type { FileResult } from './formats';
import { undeclaredForPaths, type UndeclaredEntry } from './undeclaredSection';
import { ClusterRegistry } from '../workspace/clusters';
import { EnvironmentRenders } from '../workspace/environmentRenders';
import { fileDrift, type DriftEntry } from '../workspace/fileDrift';
import { DEFAULT_SETTINGS, renderOptionsOf } from '../workspace/settings';
import type { RenderOptions } from '../environments/render';
import type { TargetSettings } from '../environments/target';

export interface DiffSummary {
  resources: number;
  inSync: number;
  drifted: number;
  missing: number;
  rejected: number;
  unavailable: number;
  errors: string[];
  /** Live objects an environment's applier manages that Git no longer declares. */
  undeclared: number;
  /** Things the run could not honour, e.g. Argo CD jqPathExpressions. */
  notes: string[];
}

/**
 * Compares every resource in the given files with its cluster, as the editor does: a file that
 * environments render (a base, a patch, a kustomization) per environment, as each renders it, in
 * its own context; any other file as written, in `target`'s context.
 */
export function diffPaths(paths: readonly string[], target: { context?: string; kubeconfigPath?: string }, configFile: string | undefined, render: RenderOptions = renderOptionsOf(DEFAULT_SETTINGS, true)): Promise<{ results: FileResult[]; summary: DiffSummary; undeclared: UndeclaredEntry[] }> {
  // One answer, the process's (a command-line run answers once): the diff, environment discovery
  // and ignore rules walk, stat and read each file once.
  return asTheProcessAnswer(() => diffInAnswer(paths, target, configFile, render));
}

/** What the summary counts of one compared resource. */
interface Counted {
  state: DriftReport['state'];
  /** Whose apply the prediction assumed, for an object in the cluster. */
  appliedBy: string | undefined;
  /** Why it could not be compared. */
  error: string | undefined;
  kind: string;
  name: string | undefined;
  environment: string | undefined;
  path: string;
}

function countedOf({ report, identity, environment }: DriftEntry, path: string): Counted {
  const appliedBy = report.state === 'in-sync' || report.state === 'drifted' ? report.appliedAs.who : undefined;
  // Crossplane's forbidden update is drift the cluster object alone does not show.
  const state = report.state === 'in-sync' && crossplaneDrift(report.live) !== undefined ? 'drifted' : report.state;
  return { state, appliedBy, error: report.state === 'unavailable' ? report.error.message : undefined, kind: identity.kind, name: identity.name, environment, path };
}

/** Files whose comparisons start before the next batch is read and parsed, so LISTs and dry-runs overlap the parsing. */
const BATCH = 32;
const AHEAD = 128;

async function diffInAnswer(paths: readonly string[], target: { context?: string; kubeconfigPath?: string }, configFile: string | undefined, render: RenderOptions): Promise<{ results: FileResult[]; summary: DiffSummary; undeclared: UndeclaredEntry[] }> {
  const files = await collectYamlFiles(paths);
  const patches = new PatchIndex();
  for (const path of files.filter(isKustomizationFile)) patches.update(resolve(path), await readFile(path, 'utf8'));
  // The same registry the language server uses: one session and engine per kubeconfig + context.
  const configText = configFile === undefined ? '' : await readFile(configFile, 'utf8').catch(() => '');
  // The setting's default managers and the repository's own, as the editor counts them.
  // One answer from one LIST per collection: no watches.
  const clusters = new ClusterRegistry(() => ({ manualManagers: [...DEFAULT_SETTINGS.drift.manualManagers, ...readManualManagers(configText)], watch: false }));
  const root = configFile === undefined ? process.cwd() : dirname(resolve(configFile));
  const renders = new EnvironmentRenders(() => root, () => render, (m) => process.stderr.write(`plumbline: ${m}\n`));
  const created = await clusters.engine(target);
  if (!created.ok) throw new UsageError(created.error.message, false);
  const engine = created.value;
  const engineFor = async (cluster: TargetSettings): Promise<DriftEngine | undefined> => {
    const r = await clusters.engine(cluster);
    return r.ok ? r.value : undefined;
  };
  // The LISTs first: each file's top lines name its kinds and namespaces, so the cluster answers
  // them while the files are parsed. Files an environment renders are compared as rendered (in
  // another namespace, perhaps another cluster): no guess for those.
  await renders.ready();
  // A kustomization given (an overlay's folder) stands for what it builds: the drift of its objects
  // sits on the lines of the bases and patches it reads, which are diffed too, else an overlay
  // outside its bases reported "drifted: 3" and not one line.
  // Only those environments' renders of them: a base diffed for the staging overlay is not production's.
  const asked = new Set(files.map((path) => resolve(path)));
  const readFor = new Map<string, Set<string>>();
  for (const path of files.filter(isKustomizationFile)) {
    for (const environment of renders.using(path)) {
      for (const read of renders.filesOf(environment)) {
        if (asked.has(read) || !YAML_FILE.test(read)) continue;
        let environments = readFor.get(read);
        if (environments === undefined) {
          readFor.set(read, (environments = new Set()));
          files.push(relative(process.cwd(), read));
          if (isKustomizationFile(read)) patches.update(read, await readFile(read, 'utf8'));
        }
        environments.add(environment.name);
      }
    }
  }
  const hinted = new Set<string>();
  for (const path of files) {
    if (renders.using(path).length > 0) continue;
    for (const hint of identityHints((await readTextIfSane(path)) ?? '')) {
      const key = `${hint.group}/${hint.version}/${hint.kind}/${hint.namespace ?? ''}`;
      if (hinted.has(key)) continue;
      hinted.add(key);
      engine.prefetch(hint.group, hint.version, hint.kind, hint.namespace);
    }
  }
  // Argo CD Applications and Flux HelmReleases among the diffed files, or anywhere in the repository of .plumbline.yaml.
  // The whole repository's, as the editor reads them (an Application outside the diffed paths still
  // owns what it delivers) — when the folder is one: never a walk of whatever folder diff ran in.
  const repository = configFile !== undefined || existsSync(join(root, '.git'));
  const gitops = await readGitOpsIgnore(repository ? [...paths, root] : paths, root);
  const rules = [...readIgnoreRules(configText), ...gitops.rules];
  const summary: DiffSummary = { resources: 0, inSync: 0, drifted: 0, missing: 0, rejected: 0, unavailable: 0, undeclared: 0, errors: [], notes: [...gitops.problems] };
  // What the summary counts of each resource, not its report: a report holds the dry-run's answer
  // (and the Git object's data), which need not outlive the comparison.
  const compared = new Map<string, Counted>();
  try {
    const diffFile = async (path: string): Promise<FileResult> => {
      // Resolved once: the reads are remembered by absolute path, and resolving is not free for 2,000 files.
      const absolute = resolve(path);
      // Undefined for a file that is no manifest text (binary, not UTF-8, too large).
      const text = await readTextIfSane(absolute);
      if (text === undefined) return { path, findings: [] };
      // Parsed to data (the full parser where a file needs it): a document's tree, whose nodes'
      // ranges place findings, is built only for one that has a finding.
      const file = new ManifestParser({ data: true }).parse(text);
      const drift = await fileDrift({
        path: absolute,
        file,
        eligible: fileRole(absolute, patches.useOf(absolute)).kind === 'manifests',
        engineFor,
        cluster: { kubeconfigPath: target.kubeconfigPath, context: target.context },
        renders,
        rules: () => Promise.resolve(rules),
        severity: 'warning',
        untracked: isUntracked,
        environments: readFor.get(absolute),
      });
      if (drift === undefined) return { path, findings: [] };
      // A resource several files shape (a base, its patches, the kustomization) is one resource.
      for (const entry of drift.entries) {
        const { report, identity, environment } = entry;
        const namespace = report.state === 'drifted' || report.state === 'in-sync' || report.state === 'not-in-cluster' ? report.namespace : identity.namespace;
        const key = `${environment ?? ''}\u0000${identity.group}/${identity.kind}\u0000${namespace ?? ''}\u0000${identity.name ?? ''}`;
        if (!compared.has(key)) compared.set(key, countedOf(entry, path));
      }
      const findings: Finding[] = drift.findings.map(({ range, severity, code, message }) => ({ range, severity, code, message }));
      findings.sort((a, b) => a.range.start.line - b.range.start.line || a.range.start.character - b.range.start.character || a.message.localeCompare(b.message));
      return { path, findings };
    };
    const pending: Promise<FileResult>[] = [];
    // Parsed files waiting for their LIST hold their trees: at most AHEAD of them, so the trees
    // die young (a parse of everything before the first LIST answered made half the CPU garbage collection).
    let unfinished = 0;
    let finished: () => void = () => undefined;
    for (const [i, path] of files.entries()) {
      unfinished++;
      pending.push(
        diffFile(path).finally(() => {
          unfinished--;
          finished();
        }),
      );
      // A turn of the event loop now and then: the batch's comparisons send their LISTs and
      // dry-runs, and answers that arrived are taken in, while the next files are parsed.
      if (i % BATCH === BATCH - 1) await new Promise<void>((resolve) => setImmediate(resolve));
      while (unfinished > AHEAD) await new Promise<void>((resolve) => (finished = resolve));
    }
    const results = await Promise.all(pending);
    const appliers = new Map<string, number>();
    for (const { state, appliedBy, error, kind, name, environment, path } of compared.values()) {
      summary.resources++;
      if (appliedBy !== undefined) appliers.set(appliedBy, (appliers.get(appliedBy) ?? 0) + 1);
      if (state === 'in-sync') summary.inSync++;
      else if (state === 'drifted') summary.drifted++;
      else if (state === 'not-in-cluster') summary.missing++;
      else if (state === 'rejected') summary.rejected++;
      else {
        summary.unavailable++;
        summary.errors.push(`${path}: ${environment === undefined ? '' : `${environment}: `}${kind}/${name ?? ''}: ${error ?? ''}`);
      }
    }
    // Which apply each prediction assumed: what the next reconcile removes depends on it.
    if ([...appliers.keys()].some((who) => who !== OWN_APPLY.who)) {
      summary.notes.push(`predicted as their appliers apply: ${[...appliers].map(([who, n]) => `${n} by ${who}`).join('; ')}`);
    }
    const undeclared = await undeclaredForPaths(paths, configFile, engine, render);
    summary.undeclared = undeclared.entries.length;
    summary.notes.push(...undeclared.notes);
    return { results, summary, undeclared: undeclared.entries };
  } finally {
    renders.dispose();
    clusters.dispose();
  }
}

import { readFile } from 'node:fs/promises';
import { dirname, resolve } from 'node:path';
import { fileRole } from '../check/fileRole';
import type { Finding } from '../manifests/problem';
import { ClusterSession } from '../cluster/session';
import { DriftEngine, withoutIgnored, type DriftReport } from '../drift/engine';
import { driftProblems } from '../drift/findings';
import { readGitOpsIgnore } from '../drift/gitopsIgnore';
import { readIgnoreRules } from '../drift/ignore';
import { PatchIndex, isKustomizationFile } from '../kustomize/patchIndex';
import { ManifestParser } from '../manifests/parse';
import { decodeManifest } from '../files/decode';
import { collectYamlFiles, readBoundedFile, UsageError } from '../files/files';
import { DEFAULT_MAX_FILE_BYTES } from '../files/limits';
import type { FileResult } from './formats';
import { undeclaredForPaths, type UndeclaredEntry } from './undeclaredSection';
import { DEFAULT_SETTINGS } from '../workspace/settings';

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

/** Compares every resource in the given files with the cluster of `context`. */
export async function diffPaths(paths: readonly string[], target: { context?: string; kubeconfigPath?: string }, configFile: string | undefined): Promise<{ results: FileResult[]; summary: DiffSummary; undeclared: UndeclaredEntry[] }> {
  const files = await collectYamlFiles(paths);
  const patches = new PatchIndex();
  for (const path of files.filter(isKustomizationFile)) patches.update(resolve(path), await readFile(path, 'utf8'));
  const session = new ClusterSession(target);
  const created = await DriftEngine.forSession(session, { manualManagers: DEFAULT_SETTINGS.drift.manualManagers });
  if (!created.ok) throw new UsageError(created.error.message, false);
  const engine = created.value;
  // Argo CD Applications and Flux HelmReleases among the diffed files, or anywhere in the repository of .plumbline.yaml.
  const gitops = await readGitOpsIgnore(configFile === undefined ? paths : [...paths, dirname(resolve(configFile))], configFile === undefined ? process.cwd() : dirname(resolve(configFile)));
  const rules = [...(configFile === undefined ? [] : readIgnoreRules(await readFile(configFile, 'utf8').catch(() => ''))), ...gitops.rules];
  const summary: DiffSummary = { resources: 0, inSync: 0, drifted: 0, missing: 0, rejected: 0, unavailable: 0, undeclared: 0, errors: [], notes: [...gitops.problems] };
  try {
    const results = await Promise.all(
      files.map(async (path): Promise<FileResult> => {
        const read = await readBoundedFile(path, DEFAULT_MAX_FILE_BYTES);
        if (!read.ok) return { path, findings: [] };
        const decoded = decodeManifest(read.bytes);
        if ('finding' in decoded) return { path, findings: [] };
        if (fileRole(resolve(path), patches.useOf(resolve(path))).kind !== 'manifests') return { path, findings: [] };
        const file = new ManifestParser().parse(decoded.text);
        const findings: Finding[] = [];
        await Promise.all(
          file.documents.map(async (d) => {
            if (d.identity?.name === undefined || d.syntax.some((p) => p.severity === 'error')) return;
            summary.resources++;
            const report: DriftReport = withoutIgnored(await engine.compare(d.identity, d.doc.toJS({ maxAliasCount: 100 }) as Record<string, unknown>), rules, d.identity);
            if (report.state === 'in-sync') summary.inSync++;
            else if (report.state === 'drifted') summary.drifted++;
            else if (report.state === 'not-in-cluster') summary.missing++;
            else if (report.state === 'rejected') summary.rejected++;
            else {
              summary.unavailable++;
              summary.errors.push(`${path}: ${d.identity.kind}/${d.identity.name}: ${report.error.message}`);
            }
            for (const p of driftProblems(report, d.doc, d.identity, 'warning')) {
              findings.push({ range: file.lines.rangeOf(d.base + p.start, d.base + p.end), severity: p.severity, code: p.code, message: p.message });
            }
          }),
        );
        findings.sort((a, b) => a.range.start.line - b.range.start.line || a.range.start.character - b.range.start.character);
        return { path, findings };
      }),
    );
    const undeclared = await undeclaredForPaths(paths, configFile, engine);
    summary.undeclared = undeclared.entries.length;
    summary.notes.push(...undeclared.notes);
    return { results, summary, undeclared: undeclared.entries };
  } finally {
    engine.dispose();
    session.dispose();
  }
}

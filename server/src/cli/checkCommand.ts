import { resolve } from 'node:path';
import { displayPath } from '../files/files';
import { totals, type FileReport } from '../check/checkPaths';
import { escapeControls } from './formats';
import { asNotApplied } from '../environments/notAppliedGate';

/** What `check` did with the files Flux never applies, for the note and the JSON output. */
export interface NotAppliedSummary {
  files: string[];
  /** Errors in them reported as warnings. */
  downgraded: number;
}

/**
 * Files in the folders of Flux objects no cluster applies (a retired app in `.archive/`) are checked
 * as plain files — no unit renders them, so no post-build values reach them — and every finding
 * stays, but an error there is a warning: Flux never applies the file, so it breaks no
 * deployment (an archived HelmRelease still at v2beta2 is not a failing CI run), while `--strict`
 * and the text still show it for whoever revives the app.
 */
export function downgradeNotApplied(reports: FileReport[], notApplied: ReadonlySet<string>): NotAppliedSummary | undefined {
  const files = reports.filter((r) => notApplied.has(resolve(r.path)));
  if (files.length === 0) return undefined;
  let downgraded = 0;
  for (const r of files) {
    downgraded += r.findings.filter((f) => f.severity === 'error').length;
    r.findings = r.findings.map(asNotApplied);
  }
  return { files: files.map((r) => displayPath(r.path)), downgraded };
}

/** The note that says how those files were treated. */
export function notAppliedNote(summary: NotAppliedSummary): string {
  // The outermost folders: an archived app's, not each of its subfolders.
  const all = [...new Set(summary.files.map((f) => f.split('/').slice(0, -1).join('/')))].sort();
  const folders = all.filter((d) => !all.some((o) => o !== d && d.startsWith(`${o}/`)));
  const shown = folders.slice(0, 3).join(', ') + (folders.length > 3 ? `, and ${folders.length - 3} more folders` : '');
  return `note: ${summary.files.length} checked file(s) are in folders of Flux objects no cluster of this repository applies (${shown}): checked as plain files (no unit renders them, no postBuild values), ${summary.downgraded} error(s) in them reported as warnings`;
}

/** The files that were not checked, and why: in JSON output, so a pipeline can see what it missed. */
export function skippedFiles(reports: readonly FileReport[]): { path: string; reason: string }[] {
  return reports.filter((r) => r.skipped !== undefined).map((r) => ({ path: displayPath(r.path), reason: r.skipped ?? '' }));
}

/** `path:line:col severity message [code]`, one line per finding, with 1-based line and column. */
export function formatText(reports: readonly FileReport[], notApplied?: NotAppliedSummary): string {
  const lines: string[] = [];
  let transitionSkipped = 0;
  const remoteSchemaFiles: string[] = [];
  for (const report of reports) {
    for (const f of report.findings) {
      // One line for the run, not one per object: it is the same statement each time.
      if (f.code === 'schema.cel-transition') {
        transitionSkipped++;
        continue;
      }
      // Repositories put a schema URL at the top of every file (home-ops: 461 files); one line says it for all.
      if (f.code === 'schema.remote') {
        if (remoteSchemaFiles[remoteSchemaFiles.length - 1] !== report.path) remoteSchemaFiles.push(report.path);
        continue;
      }
      const { line, character } = f.range.start;
      lines.push(`${escapeControls(displayPath(report.path))}:${line + 1}:${character + 1} ${f.severity} ${escapeControls(f.message)} [${f.code}]`);
    }
  }
  if (transitionSkipped > 0) {
    lines.push(`note: CEL transition rules (oldSelf) of ${transitionSkipped} object(s) were not checked: they compare with the object in the cluster, so they are judged as on a create`);
  }
  if (remoteSchemaFiles.length > 0) {
    const [first = ''] = remoteSchemaFiles;
    const which = remoteSchemaFiles.length === 1 ? `${escapeControls(displayPath(first))} names` : `${remoteSchemaFiles.length} files (${escapeControls(displayPath(first))}, …) name`;
    const their = remoteSchemaFiles.length === 1 ? 'its' : 'their';
    lines.push(`note: ${which} a schema by URL in a yaml-language-server modeline, which Plumbline does not fetch (it reads no network); ${their} Kubernetes objects are still validated by kind, and -o json lists each modeline`);
  }
  if (notApplied !== undefined) lines.push(notAppliedNote(notApplied));
  const t = totals(reports);
  lines.push(`Summary: ${t.resources} resources found in ${t.files} files - errors: ${t.errors}, warnings: ${t.warnings}, skipped files: ${t.skipped}`);
  return lines.join('\n') + '\n';
}

import { displayPath } from '../files/files';
import { totals, type FileReport } from '../check/checkPaths';
import { escapeControls } from './formats';

/** The files that were not checked, and why: in JSON output, so a pipeline can see what it missed. */
export function skippedFiles(reports: readonly FileReport[]): { path: string; reason: string }[] {
  return reports.filter((r) => r.skipped !== undefined).map((r) => ({ path: displayPath(r.path), reason: r.skipped ?? '' }));
}

/** `path:line:col severity message [code]`, one line per finding, with 1-based line and column. */
export function formatText(reports: readonly FileReport[]): string {
  const lines: string[] = [];
  let transitionSkipped = 0;
  for (const report of reports) {
    for (const f of report.findings) {
      // One line for the run, not one per object: it is the same statement each time.
      if (f.code === 'schema.cel-transition') {
        transitionSkipped++;
        continue;
      }
      const { line, character } = f.range.start;
      lines.push(`${escapeControls(displayPath(report.path))}:${line + 1}:${character + 1} ${f.severity} ${escapeControls(f.message)} [${f.code}]`);
    }
  }
  if (transitionSkipped > 0) {
    lines.push(`note: CEL transition rules (oldSelf) of ${transitionSkipped} object(s) were not checked: they compare with the object in the cluster, so they are judged as on a create`);
  }
  const t = totals(reports);
  lines.push(`Summary: ${t.resources} resources found in ${t.files} files - errors: ${t.errors}, warnings: ${t.warnings}, skipped files: ${t.skipped}`);
  return lines.join('\n') + '\n';
}

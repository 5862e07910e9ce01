import { displayPath } from '../workspace/files';
import { totals, type FileReport } from '../check/checkPaths';

/** `path:line:col severity message [code]`, one line per finding, with 1-based line and column. */
export function formatText(reports: readonly FileReport[]): string {
  const lines: string[] = [];
  for (const report of reports) {
    for (const f of report.findings) {
      const { line, character } = f.range.start;
      lines.push(`${displayPath(report.path)}:${line + 1}:${character + 1} ${f.severity} ${f.message} [${f.code}]`);
    }
  }
  const t = totals(reports);
  lines.push(`Summary: ${t.resources} resources found in ${t.files} files - errors: ${t.errors}, warnings: ${t.warnings}, skipped files: ${t.skipped}`);
  return lines.join('\n') + '\n';
}

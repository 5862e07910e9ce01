import { readFile } from 'node:fs/promises';
import { checkFile, sizeFinding } from '../check/checkFile';
import type { Finding } from '../check/problem';
import { ManifestParser } from '../manifests/parse';
import { decodeManifest } from '../workspace/decode';
import { collectYamlFiles, displayPath } from '../workspace/files';

export interface FileReport {
  path: string;
  documents: number;
  findings: Finding[];
}

/** Checks every YAML file below the given paths; expected failures become findings, not throws. */
export async function checkPaths(paths: readonly string[]): Promise<FileReport[]> {
  const files = await collectYamlFiles(paths);
  const reports: FileReport[] = [];
  for (const path of files) {
    const bytes = await readFile(path);
    const tooLarge = sizeFinding(bytes.byteLength);
    if (tooLarge !== undefined) {
      reports.push({ path, documents: 0, findings: [tooLarge] });
      continue;
    }
    const decoded = decodeManifest(bytes);
    if ('finding' in decoded) {
      reports.push({ path, documents: 0, findings: [decoded.finding] });
      continue;
    }
    const file = new ManifestParser().parse(decoded.text);
    reports.push({ path, documents: file.documents.length, findings: checkFile(file) });
  }
  return reports;
}

/** `path:line:col severity message [code]`, one line per finding, with 1-based line and column. */
export function formatText(reports: readonly FileReport[]): string {
  const lines: string[] = [];
  let errors = 0;
  let warnings = 0;
  let documents = 0;
  for (const report of reports) {
    documents += report.documents;
    for (const f of report.findings) {
      if (f.severity === 'error') errors++;
      if (f.severity === 'warning') warnings++;
      const { line, character } = f.range.start;
      lines.push(`${displayPath(report.path)}:${line + 1}:${character + 1} ${f.severity} ${f.message} [${f.code}]`);
    }
  }
  lines.push(`Summary: ${documents} documents in ${reports.length} files - errors: ${errors}, warnings: ${warnings}`);
  return lines.join('\n') + '\n';
}

export function hasErrors(reports: readonly FileReport[]): boolean {
  return reports.some((r) => r.findings.some((f) => f.severity === 'error'));
}

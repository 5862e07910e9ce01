import { relative } from 'node:path';
import { PLUMBLINE_VERSION } from '../version';
import type { Finding, Severity } from '../check/problem';
import { displayPath } from '../workspace/files';

/** Findings of one file, as every output format sees them. */
export interface FileResult {
  path: string;
  findings: Finding[];
}

export interface JsonFinding {
  path: string;
  line: number;
  column: number;
  endLine: number;
  endColumn: number;
  severity: Severity;
  code: string;
  message: string;
}

/** Flat, 1-based findings: the JSON output and the source of the other formats. */
export function flatten(results: readonly FileResult[]): JsonFinding[] {
  return results.flatMap((r) =>
    r.findings.map((f) => ({
      path: displayPath(r.path),
      line: f.range.start.line + 1,
      column: f.range.start.character + 1,
      endLine: f.range.end.line + 1,
      endColumn: f.range.end.character + 1,
      severity: f.severity,
      code: f.code,
      message: f.message,
    })),
  );
}

const SARIF_LEVEL: Record<Severity, 'error' | 'warning' | 'note'> = { error: 'error', warning: 'warning', information: 'note', hint: 'note' };

/** SARIF 2.1.0 as GitHub code scanning accepts it: one rule per finding code, paths relative to the checkout. */
export function toSarif(results: readonly FileResult[], toolName: string, cwd: string = process.cwd()): unknown {
  const findings = results.flatMap((r) => r.findings.map((f) => ({ path: r.path, f })));
  const rules = [...new Set(findings.map(({ f }) => f.code))].sort();
  return {
    $schema: 'https://json.schemastore.org/sarif-2.1.0.json',
    version: '2.1.0',
    runs: [
      {
        tool: {
          driver: {
            name: toolName,
            version: PLUMBLINE_VERSION,
            informationUri: 'https://github.com/plumbline/plumbline',
            rules: rules.map((id) => ({ id, shortDescription: { text: id } })),
          },
        },
        results: findings.map(({ path, f }) => ({
          ruleId: f.code,
          ruleIndex: rules.indexOf(f.code),
          level: SARIF_LEVEL[f.severity],
          message: { text: f.message },
          locations: [
            {
              physicalLocation: {
                artifactLocation: { uri: relative(cwd, path).split('\\').join('/'), uriBaseId: '%SRCROOT%' },
                region: {
                  startLine: f.range.start.line + 1,
                  startColumn: f.range.start.character + 1,
                  endLine: f.range.end.line + 1,
                  endColumn: Math.max(f.range.end.character + 1, f.range.start.line === f.range.end.line ? f.range.start.character + 2 : 1),
                },
              },
            },
          ],
        })),
      },
    ],
  };
}

import { isAbsolute, relative, sep } from 'node:path';
import { pathToFileURL } from 'node:url';
import { PLUMBLINE_VERSION } from '../version';
import type { Finding, Severity } from '../manifests/problem';
import { displayPath } from '../files/files';

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

/**
 * Text for a terminal: control characters from file names and messages (a newline, an ESC that
 * starts a terminal sequence) are shown escaped, so one finding stays one line and cannot repaint
 * the screen.
 */
export function escapeControls(text: string): string {
  // eslint-disable-next-line no-control-regex -- matching control characters is the point
  return text.replace(/[\u0000-\u001f\u007f-\u009f]/g, (c) => {
    if (c === '\n') return '\\n';
    if (c === '\r') return '\\r';
    if (c === '\t') return '\\t';
    return `\\x${c.charCodeAt(0).toString(16).padStart(2, '0')}`;
  });
}

/**
 * A file as a SARIF artifact location: a relative URI reference under %SRCROOT% (each segment
 * percent-encoded, so spaces, `#`, `%` and non-ASCII survive, and a backslash in a POSIX name stays
 * part of the name), or a file: URI for a path outside the working directory.
 */
export function sarifLocation(path: string, cwd: string): { uri: string; uriBaseId?: string } {
  const rel = relative(cwd, path);
  if (rel === '' || rel === '..' || rel.startsWith(`..${sep}`) || isAbsolute(rel)) return { uri: pathToFileURL(path).href };
  return { uri: rel.split(sep).map(encodeURIComponent).join('/'), uriBaseId: '%SRCROOT%' };
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
        // LSP and JavaScript count columns in UTF-16 code units; SARIF's default is Unicode code points.
        columnKind: 'utf16CodeUnits',
        results: findings.map(({ path, f }) => ({
          ruleId: f.code,
          ruleIndex: rules.indexOf(f.code),
          level: SARIF_LEVEL[f.severity],
          message: { text: f.message },
          locations: [
            {
              physicalLocation: {
                artifactLocation: sarifLocation(path, cwd),
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

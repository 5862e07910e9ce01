import { DiagnosticSeverity, type Diagnostic } from 'vscode-languageserver';
import type { Finding, Severity } from '../manifests/problem';
import { DIAGNOSTIC_SOURCE } from '../protocol';

const SEVERITY: Record<Severity, DiagnosticSeverity> = {
  error: DiagnosticSeverity.Error,
  warning: DiagnosticSeverity.Warning,
  information: DiagnosticSeverity.Information,
  hint: DiagnosticSeverity.Hint,
};

/**
 * Each finding's diagnostic, made once: after an edit of a large file most findings are the
 * previous version's objects, so converting all of them again would be wasted work.
 */
const converted = new WeakMap<Finding, Diagnostic>();

export function toDiagnostic(finding: Finding): Diagnostic {
  let diagnostic = converted.get(finding);
  if (diagnostic === undefined) {
    diagnostic = convert(finding);
    converted.set(finding, diagnostic);
  }
  return diagnostic;
}

function convert(finding: Finding): Diagnostic {
  return {
    range: finding.range,
    severity: SEVERITY[finding.severity],
    code: finding.code,
    source: DIAGNOSTIC_SOURCE,
    message: finding.message,
    ...(finding.data !== undefined ? { data: finding.data } : {}),
  };
}

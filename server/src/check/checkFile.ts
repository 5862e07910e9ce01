import type { ManifestFile } from '../manifests/parse';
import { DEFAULT_LIMITS, type CheckLimits } from './limits';
import type { Finding, Problem } from './problem';

function place(file: ManifestFile, base: number, problem: Problem): Finding {
  return {
    range: file.lines.rangeOf(base + problem.start, base + problem.end),
    severity: problem.severity,
    code: problem.code,
    message: problem.message,
  };
}

/** Everything Plumbline reports for one parsed file, in document order. */
export function checkFile(file: ManifestFile): Finding[] {
  const findings: Finding[] = [];
  for (const document of file.documents) {
    for (const problem of document.syntax) findings.push(place(file, document.base, problem));
  }
  return findings;
}

/** A finding for a file that is not checked because of its size, or undefined when it may be. */
export function sizeFinding(byteLength: number, limits: CheckLimits = DEFAULT_LIMITS): Finding | undefined {
  if (byteLength <= limits.maxFileBytes) return undefined;
  const mb = (n: number): string => `${(n / (1024 * 1024)).toFixed(1)} MB`;
  return {
    range: { start: { line: 0, character: 0 }, end: { line: 0, character: 0 } },
    severity: 'information',
    code: 'file.too-large',
    message: `skipped: too large (${mb(byteLength)}; the limit is ${mb(limits.maxFileBytes)}, see plumbline.maxFileSize)`,
  };
}

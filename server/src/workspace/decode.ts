import type { Finding } from '../check/problem';

const ORIGIN = { start: { line: 0, character: 0 }, end: { line: 0, character: 0 } };

/** Decodes a file's bytes as UTF-8 text, or explains why it cannot be checked. */
export function decodeManifest(bytes: Uint8Array): { text: string } | { finding: Finding } {
  if (bytes.includes(0)) {
    return { finding: { range: ORIGIN, severity: 'information', code: 'file.binary', message: 'skipped: binary file (contains NUL bytes)' } };
  }
  try {
    return { text: new TextDecoder('utf-8', { fatal: true, ignoreBOM: false }).decode(bytes) };
  } catch {
    return { finding: { range: ORIGIN, severity: 'error', code: 'file.encoding', message: 'file is not valid UTF-8; Kubernetes manifests must be UTF-8' } };
  }
}

import { Buffer, isUtf8 } from 'node:buffer';
import { FILE_START, type Finding } from '../manifests/problem';

/** UTF-32 text (no decoder in the platform) as a string; undefined when a code point is invalid. */
function decodeUtf32(bytes: Uint8Array, littleEndian: boolean): string | undefined {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  if (bytes.byteLength % 4 !== 0) return undefined;
  const parts: string[] = [];
  const chunk: number[] = [];
  for (let i = 0; i < bytes.byteLength; i += 4) {
    const cp = view.getUint32(i, littleEndian);
    if (cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff)) return undefined;
    chunk.push(cp);
    if (chunk.length === 8192) parts.push(String.fromCodePoint(...chunk.splice(0)));
  }
  parts.push(String.fromCodePoint(...chunk));
  return parts.join('');
}

/** The encoding a byte order mark announces, with the mark's length; YAML 1.2 allows these five. */
function byteOrderMark(b: Uint8Array): { encoding: 'utf-8' | 'utf-16le' | 'utf-16be' | 'utf-32le' | 'utf-32be'; length: number } | undefined {
  // UTF-32 first: its little-endian mark begins with UTF-16's.
  if (b[0] === 0xff && b[1] === 0xfe && b[2] === 0x00 && b[3] === 0x00) return { encoding: 'utf-32le', length: 4 };
  if (b[0] === 0x00 && b[1] === 0x00 && b[2] === 0xfe && b[3] === 0xff) return { encoding: 'utf-32be', length: 4 };
  if (b[0] === 0xff && b[1] === 0xfe) return { encoding: 'utf-16le', length: 2 };
  if (b[0] === 0xfe && b[1] === 0xff) return { encoding: 'utf-16be', length: 2 };
  if (b[0] === 0xef && b[1] === 0xbb && b[2] === 0xbf) return { encoding: 'utf-8', length: 3 };
  return undefined;
}

const ENCODING_NAME = { 'utf-8': 'UTF-8', 'utf-16le': 'UTF-16LE', 'utf-16be': 'UTF-16BE', 'utf-32le': 'UTF-32LE', 'utf-32be': 'UTF-32BE' } as const;

/**
 * Decodes a file's bytes as YAML 1.2 reads them: UTF-8, or UTF-16/UTF-32 announced by a byte
 * order mark (the mark itself is dropped), or explains why it cannot be checked. Line and column
 * numbers of the text are the same whatever the encoding was.
 */
export function decodeManifest(bytes: Uint8Array): { text: string } | { finding: Finding } {
  const decoded = decodeBytes(bytes);
  return 'text' in decoded ? { ...decoded, text: withLineFeeds(decoded.text) } : decoded;
}

const LONE_CR = /\r(?!\n)/g;

/**
 * YAML 1.2 (and LSP) take a lone CR as a line break; the parser here does not. A LF in its place
 * keeps every offset, and makes the lines the ones the user sees.
 */
function withLineFeeds(text: string): string {
  return text.includes('\r') ? text.replace(LONE_CR, '\n') : text;
}

function decodeBytes(bytes: Uint8Array): { text: string } | { finding: Finding } {
  const bom = byteOrderMark(bytes);
  if (bom !== undefined && bom.encoding !== 'utf-8') {
    const body = bytes.subarray(bom.length);
    let text: string | undefined;
    if (bom.encoding === 'utf-32le' || bom.encoding === 'utf-32be') {
      text = decodeUtf32(body, bom.encoding === 'utf-32le');
    } else {
      try {
        text = new TextDecoder(bom.encoding, { fatal: true, ignoreBOM: true }).decode(body);
      } catch {
        text = undefined;
      }
    }
    if (text === undefined) {
      return { finding: { range: FILE_START, severity: 'error', code: 'file.encoding', message: `file starts with a ${ENCODING_NAME[bom.encoding]} byte order mark but is not valid ${ENCODING_NAME[bom.encoding]}` } };
    }
    return { text };
  }
  if (bytes.includes(0)) {
    return { finding: { range: FILE_START, severity: 'information', code: 'file.binary', message: 'skipped: binary file (contains NUL bytes)' } };
  }
  // isUtf8 and Buffer's decoder rather than a fatal TextDecoder: several times faster on a large file.
  if (!isUtf8(bytes)) {
    return { finding: { range: FILE_START, severity: 'error', code: 'file.encoding', message: 'file is not valid UTF-8; Kubernetes manifests must be UTF-8, or UTF-16/UTF-32 with a byte order mark' } };
  }
  const text = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('utf8');
  // The UTF-8 byte order mark is no part of the text.
  return { text: bom === undefined ? text : text.slice(1) };
}

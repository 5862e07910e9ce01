import { inflateRawSync } from 'node:zlib';

/** One file of a zip archive; `read()` inflates it on demand. */
export interface ZipEntry {
  name: string;
  size: number;
  read(): Buffer;
}

const EOCD_SIGNATURE = 0x06054b50;
const CENTRAL_SIGNATURE = 0x02014b50;
const LOCAL_SIGNATURE = 0x04034b50;

/**
 * Lists the files of a zip archive held in memory: enough of the format for Go module zips
 * (stored or deflated entries, no zip64, no encryption), which is all this script reads.
 */
export function readZip(zip: Buffer): ZipEntry[] {
  const eocd = findEndOfCentralDirectory(zip);
  const count = zip.readUInt16LE(eocd + 10);
  const offset = zip.readUInt32LE(eocd + 16);
  if (count === 0xffff || offset === 0xffffffff) throw new Error('zip64 archives are not supported');
  const entries: ZipEntry[] = [];
  let p = offset;
  for (let i = 0; i < count; i++) {
    if (zip.readUInt32LE(p) !== CENTRAL_SIGNATURE) throw new Error(`corrupt zip: bad central directory entry ${i}`);
    const flags = zip.readUInt16LE(p + 8);
    const method = zip.readUInt16LE(p + 10);
    const compressedSize = zip.readUInt32LE(p + 20);
    const size = zip.readUInt32LE(p + 24);
    const nameLength = zip.readUInt16LE(p + 28);
    const extraLength = zip.readUInt16LE(p + 30);
    const commentLength = zip.readUInt16LE(p + 32);
    const localOffset = zip.readUInt32LE(p + 42);
    const name = zip.toString('utf8', p + 46, p + 46 + nameLength);
    p += 46 + nameLength + extraLength + commentLength;
    if (name.endsWith('/')) continue;
    if ((flags & 1) !== 0) throw new Error(`zip entry ${name} is encrypted`);
    if (method !== 0 && method !== 8) throw new Error(`zip entry ${name} uses unsupported compression method ${method}`);
    entries.push({
      name,
      size,
      read(): Buffer {
        if (zip.readUInt32LE(localOffset) !== LOCAL_SIGNATURE) throw new Error(`corrupt zip: bad local header for ${name}`);
        const start = localOffset + 30 + zip.readUInt16LE(localOffset + 26) + zip.readUInt16LE(localOffset + 28);
        const raw = zip.subarray(start, start + compressedSize);
        const data = method === 0 ? Buffer.from(raw) : inflateRawSync(raw);
        if (data.length !== size) throw new Error(`corrupt zip: ${name} inflated to ${data.length} bytes, expected ${size}`);
        return data;
      },
    });
  }
  return entries;
}

function findEndOfCentralDirectory(zip: Buffer): number {
  const earliest = Math.max(0, zip.length - 22 - 0xffff);
  for (let p = zip.length - 22; p >= earliest; p--) {
    if (zip.readUInt32LE(p) === EOCD_SIGNATURE) return p;
  }
  throw new Error('not a zip archive (no end of central directory)');
}

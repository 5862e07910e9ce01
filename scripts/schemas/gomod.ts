import { createHash } from 'node:crypto';
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { run } from './exec';
import { readZip, type ZipEntry } from './zip';

/** What `go mod download -json` reports for one module version. */
export interface ModuleDownload {
  path: string;
  version: string;
  /** The module zip in the Go module cache. */
  zip: string;
  /** The go.sum hash ("h1:…") of the zip's contents, checked by the go command against the checksum database. */
  sum: string;
}

interface GoModDownloadJson {
  Path?: string;
  Version?: string;
  Zip?: string;
  Sum?: string;
  Error?: string;
}

/** Environment for go commands: never a go.work from a parent directory. */
export const GO_ENV = { GOWORK: 'off' };

/** The user's GOFLAGS plus ours. */
export function goFlags(...flags: string[]): string {
  return [process.env['GOFLAGS'] ?? '', ...flags].join(' ').trim();
}

/**
 * Downloads a module version through the Go module proxy into the module cache.
 *
 * We read the module from its zip rather than from the extracted directory: the go command
 * refuses to extract a module whose go.mod asks for a newer Go than the local toolchain
 * ("requires go >= 1.27"), yet the zip, verified against go.sum's checksum database, is there.
 */
export async function downloadModule(path: string, version: string): Promise<ModuleDownload> {
  const result = await run('go', ['mod', 'download', '-json', `${path}@${version}`], { cwd: tmpdir(), env: GO_ENV, allowFailure: true });
  let info: GoModDownloadJson;
  try {
    info = JSON.parse(result.stdout.toString('utf8')) as GoModDownloadJson;
  } catch {
    throw new Error(`go mod download ${path}@${version} failed:\n${result.stderr.trim()}`);
  }
  if (info.Zip === undefined || info.Sum === undefined) {
    throw new Error(`go mod download ${path}@${version}: ${info.Error ?? result.stderr.trim()}`);
  }
  return { path, version, zip: info.Zip, sum: info.Sum };
}

/** A module's files by path relative to the module root, after checking the zip against its go.sum hash. */
export function moduleFiles(mod: ModuleDownload, wanted: (relativePath: string) => boolean): Map<string, Buffer> {
  const entries = readZip(readFileSync(mod.zip));
  const actual = hash1(entries);
  if (actual !== mod.sum) throw new Error(`${mod.path}@${mod.version}: zip hash ${actual} does not match go.sum hash ${mod.sum}`);
  const prefix = `${mod.path}@${mod.version}/`;
  const files = new Map<string, Buffer>();
  for (const entry of entries) {
    if (!entry.name.startsWith(prefix)) throw new Error(`${mod.zip}: unexpected entry ${entry.name}`);
    const relative = entry.name.slice(prefix.length);
    if (wanted(relative)) files.set(relative, entry.read());
  }
  return files;
}

/** Writes a whole module (verified) into `dir`, replacing what was there. */
export function extractModule(mod: ModuleDownload, dir: string): void {
  rmSync(dir, { recursive: true, force: true });
  for (const [relative, content] of moduleFiles(mod, () => true)) {
    const target = join(dir, relative);
    mkdirSync(dirname(target), { recursive: true });
    writeFileSync(target, content);
  }
}

/**
 * The go.sum "h1:" hash of a module zip: SHA-256 over lines "<sha256 hex>  <name>\n" for every
 * file, sorted by name (golang.org/x/mod/sumdb/dirhash Hash1).
 */
export function hash1(entries: readonly ZipEntry[]): string {
  const lines = entries
    .map((entry) => ({ name: entry.name, digest: createHash('sha256').update(entry.read()).digest('hex') }))
    .sort((a, b) => Buffer.compare(Buffer.from(a.name), Buffer.from(b.name)))
    .map(({ name, digest }) => `${digest}  ${name}\n`)
    .join('');
  return `h1:${createHash('sha256').update(lines).digest('base64')}`;
}

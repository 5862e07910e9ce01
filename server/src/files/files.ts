import { constants, closeSync, fstatSync, openSync, readFileSync, readSync, type Stats } from 'node:fs';
import { open, readdir, realpath, stat } from 'node:fs/promises';
import { isAbsolute, join, normalize, relative, resolve, sep } from 'node:path';
import { decodeManifest } from './decode';
import { DEFAULT_MAX_FILE_BYTES, tooLargeReason } from './limits';
import { perAnswer } from './stamped';

export const YAML_FILE = /\.ya?ml$/i;
/** Folders that never hold a user's manifests and can be huge. */
export const SKIPPED_DIRS: ReadonlySet<string> = new Set(['.git', 'node_modules', '.cache', '.terraform', 'vendor']);

/**
 * A failure the user can fix (bad flags, a malformed kubeconfig): one line, exit 2, no trace.
 * Named, because the CLI's two bundles each hold their own copy of this class.
 */
export class UsageError extends Error {
  override name = 'UsageError';
  constructor(
    message: string,
    /** Whether pointing at --help helps (not for a broken kubeconfig). */
    readonly showUsage = true,
  ) {
    super(message);
  }
}

/** A path that was found but will not be read, and why; `error` when the user must act on it. */
export interface SkippedPath {
  path: string;
  severity: 'error' | 'warning' | 'information';
  code: 'file.unreadable' | 'file.special' | 'file.symlink-loop' | 'file.symlink-outside' | 'file.too-large';
  reason: string;
}

export interface CollectedFiles {
  /** YAML files to read, sorted for stable output. */
  files: string[];
  /** Paths found and left alone, with the reason: devices, FIFOs, unreadable folders, symlink loops. */
  skipped: SkippedPath[];
}

/** What a non-regular file is, in words a user knows. */
function specialKind(info: Stats): string {
  if (info.isFIFO()) return 'a FIFO (named pipe)';
  if (info.isSocket()) return 'a socket';
  if (info.isCharacterDevice()) return 'a character device';
  if (info.isBlockDevice()) return 'a block device';
  return 'not a regular file';
}

function errorText(error: unknown): string {
  const e = error as NodeJS.ErrnoException;
  if (e.code === 'EACCES' || e.code === 'EPERM') return `permission denied (${e.code})`;
  if (e.code === 'ELOOP') return 'too many levels of symbolic links (ELOOP)';
  return e.code !== undefined ? `${e.code}` : String(error);
}

export interface CollectOptions {
  /**
   * Follow symlinked files and folders found in a folder, once, while they stay inside that folder
   * (after links); a link that leads out of it is skipped with a reason. Off, links found in a folder
   * are not read, as the engine reads a workspace: a repository's link must not take it elsewhere.
   */
  followLinks?: boolean;
}

/** Whether `path` is `root` or below it (both with links resolved). */
function within(root: string, path: string): boolean {
  const rel = relative(root, path);
  return rel === '' || (!rel.startsWith('..') && !isAbsolute(rel));
}

/**
 * Expands the given files and folders into the YAML files below them. With `followLinks`,
 * symlinked files and folders inside the given folder are followed once (a folder reached again
 * through a link is a loop, reported, not walked twice); FIFOs, sockets and devices are skipped
 * with a reason instead of hanging a read; a folder that cannot be listed is one problem and the
 * walk goes on.
 */
export async function collectYamlPaths(paths: readonly string[], options: CollectOptions = {}): Promise<CollectedFiles> {
  const found = new Set<string>();
  const reals = new Set<string>();
  const skipped: SkippedPath[] = [];
  const walked = new Set<string>();
  // `real` is the file's path with every link resolved: one file reached through two names is read once.
  const addFile = (full: string, real: string): void => {
    if (reals.has(real)) return;
    reals.add(real);
    found.add(full);
  };
  // `realDir` is `dir` with every link resolved, so files below need no realpath of their own.
  async function walk(dir: string, realDir: string, root: string): Promise<void> {
    if (walked.has(realDir)) {
      skipped.push({ path: dir, severity: 'information', code: 'file.symlink-loop', reason: `skipped: a symlink to ${realDir}, which is already read (a loop or a second name)` });
      return;
    }
    walked.add(realDir);
    let entries;
    try {
      entries = await readdir(dir, { withFileTypes: true });
    } catch (error) {
      skipped.push({ path: dir, severity: 'error', code: 'file.unreadable', reason: `cannot read this folder: ${errorText(error)}` });
      return;
    }
    const inDir = joinerOf(dir);
    const inRealDir = joinerOf(realDir);
    for (const entry of entries) {
      const full = inDir(entry.name);
      if (entry.isDirectory()) {
        if (!SKIPPED_DIRS.has(entry.name)) await walk(full, inRealDir(entry.name), root);
      } else if (entry.isFile()) {
        if (YAML_FILE.test(entry.name)) addFile(full, inRealDir(entry.name));
      } else if (entry.isSymbolicLink()) {
        if (options.followLinks === true) await followLink(full, entry.name, root);
      } else if (YAML_FILE.test(entry.name) || entry.name === 'Kustomization') {
        const info = await stat(full).catch(() => undefined);
        skipped.push({ path: full, severity: 'information', code: 'file.special', reason: `skipped: ${info === undefined ? 'not a regular file' : specialKind(info)}, which is not read` });
      }
    }
  }
  async function followLink(full: string, name: string, root: string): Promise<void> {
    const resolved = await statReal(full);
    if ('error' in resolved) {
      // A dangling link is nothing to read; a loop of links is worth a word.
      if (resolved.error.code === 'ELOOP') skipped.push({ path: full, severity: 'information', code: 'file.symlink-loop', reason: 'skipped: a symlink loop (ELOOP)' });
      return;
    }
    const { info: target, real } = resolved;
    if (!within(root, real)) {
      if (target.isDirectory() || YAML_FILE.test(name)) skipped.push({ path: full, severity: 'information', code: 'file.symlink-outside', reason: `skipped: a symlink to ${real}, outside ${root}; it is not followed` });
      return;
    }
    if (target.isDirectory()) {
      if (!SKIPPED_DIRS.has(name)) await walk(full, real, root);
    } else if (YAML_FILE.test(name)) {
      if (target.isFile()) addFile(full, real);
      else skipped.push({ path: full, severity: 'information', code: 'file.special', reason: `skipped: a symlink to ${specialKind(target)}, which is not read` });
    }
  }
  for (const path of paths) {
    const resolved = await statReal(path);
    if ('error' in resolved) {
      const code = resolved.error.code;
      if (code === 'ENOENT' || code === 'ENOTDIR') throw new UsageError(`no such file or directory: ${path}`);
      skipped.push({ path, severity: 'error', code: 'file.unreadable', reason: `cannot read: ${errorText(resolved.error)}` });
      continue;
    }
    const { info, real } = resolved;
    if (info.isDirectory()) await walk(path, real, real);
    else if (info.isFile()) addFile(path, real);
    else skipped.push({ path, severity: 'information', code: 'file.special', reason: `skipped: ${specialKind(info)}, which is not read` });
  }
  return { files: [...found].sort(), skipped };
}

/** What a path is (following links) and where it really is; the error when either cannot be read. */
async function statReal(path: string): Promise<{ info: Stats; real: string } | { error: NodeJS.ErrnoException }> {
  try {
    return { info: await stat(path), real: await realpath(path) };
  } catch (error) {
    return { error: error as NodeJS.ErrnoException };
  }
}

/**
 * join(dir, name) for the names of one folder: to a folder already normalized a name needs only
 * a separator, where join normalizes the whole path again for each of thousands of files.
 */
function joinerOf(dir: string): (name: string) => string {
  if (dir === '.' || normalize(dir) !== dir) return (name) => join(dir, name);
  const prefix = dir.endsWith(sep) ? dir : dir + sep;
  return (name) => prefix + name;
}

/** The YAML files below the given files and folders, sorted; what cannot be read is left out. */
export async function collectYamlFiles(paths: readonly string[]): Promise<string[]> {
  // One walk per answer: `plumbline diff` walks the same folders for the diff, discovery and ignore rules.
  const files = await perAnswer(`yaml-files\0${JSON.stringify(paths)}`, async () => (await collectYamlPaths(paths)).files);
  return [...files];
}

/** A file's bytes, or why they were not read. */
export type FileRead = { ok: true; bytes: Buffer } | { ok: false; skipped: SkippedPath };

/** Refuses what is not a regular file, or is larger than `maxBytes`, from its stat: before any byte is read. */
function refusal(path: string, info: Stats, maxBytes: number, limitName: string): SkippedPath | undefined {
  if (!info.isFile()) return { path, severity: 'information', code: 'file.special', reason: `skipped: ${specialKind(info)}, which is not read` };
  if (info.size > maxBytes) return { path, severity: 'warning', code: 'file.too-large', reason: tooLargeReason(info.size, maxBytes, limitName) };
  return undefined;
}

function unreadable(path: string, error: unknown): { ok: false; skipped: SkippedPath } {
  return { ok: false, skipped: { path, severity: 'error', code: 'file.unreadable', reason: `cannot read: ${errorText(error)}` } };
}

// Opened without blocking so that a FIFO put where a file was does not hang the open itself.
const OPEN_FLAGS = constants.O_RDONLY | constants.O_NONBLOCK;

/**
 * Reads a file that the size limit allows, checked on the open file before reading, so a huge file,
 * a FIFO or /dev/zero is refused without reading it. Expected failures are values.
 */
export async function readBoundedFile(path: string, maxBytes: number, limitName = 'plumbline.maxFileSize'): Promise<FileRead> {
  let handle;
  try {
    handle = await open(path, OPEN_FLAGS);
  } catch (error) {
    return unreadable(path, error);
  }
  try {
    const refused = refusal(path, await handle.stat(), maxBytes, limitName);
    if (refused !== undefined) return { ok: false, skipped: refused };
    return { ok: true, bytes: await handle.readFile() };
  } catch (error) {
    return unreadable(path, error);
  } finally {
    await handle.close().catch(() => undefined);
  }
}

/** readBoundedFile, synchronously: for a command-line run with nothing else to serve meanwhile. */
export function readBoundedFileSync(path: string, maxBytes: number, limitName = 'plumbline.maxFileSize'): FileRead {
  let fd: number;
  try {
    fd = openSync(path, OPEN_FLAGS);
  } catch (error) {
    return unreadable(path, error);
  }
  try {
    const info = fstatSync(fd);
    const refused = refusal(path, info, maxBytes, limitName);
    if (refused !== undefined) return { ok: false, skipped: refused };
    return { ok: true, bytes: readOpenFile(fd, info.size) };
  } catch (error) {
    return unreadable(path, error);
  } finally {
    closeSync(fd);
  }
}

/**
 * The `size` bytes of an open regular file, as readFileSync(fd) reads them but without its own
 * fstat: a drift answer reads thousands of files, and each system call is dear on a busy machine.
 */
function readOpenFile(fd: number, size: number): Buffer {
  // A size of 0 may be a file that does not know its size (procfs): read to its end.
  if (size === 0) return readFileSync(fd);
  const bytes = Buffer.allocUnsafe(size);
  let at = 0;
  while (at < size) {
    const got = readSync(fd, bytes, at, size - at, null);
    if (got === 0) break;
    at += got;
  }
  return at < size ? bytes.subarray(0, at) : bytes;
}

// The first read of readListedFileWith goes here: most manifests are a few KB.
const SCRATCH_BYTES = 64 * 1024;
let scratch: Buffer | undefined;

/**
 * readBoundedFileSync of a path a folder listing (collectYamlPaths) found to be a regular file,
 * with the bytes handed to `take` at once: a small file is read without a stat. A check reads
 * thousands of small files, and the stat before each (two with readFileSync's own) was a
 * quarter of the reading. A file that fills the first read's SCRATCH_BYTES is stat'ed then, and
 * refused as readBoundedFileSync refuses it (too large, or no longer a regular file) before
 * anything more is read. A small file's bytes are a view of the scratch buffer, which the next
 * read overwrites: `take` must not keep them (check decodes them there, instead of copying each
 * file out first).
 */
export function readListedFileWith<T>(path: string, maxBytes: number, limitName: string, take: (bytes: Buffer) => T): { ok: true; value: T } | { ok: false; skipped: SkippedPath } {
  let fd: number;
  try {
    fd = openSync(path, OPEN_FLAGS);
  } catch (error) {
    return unreadable(path, error);
  }
  try {
    scratch ??= Buffer.allocUnsafeSlow(SCRATCH_BYTES);
    let length = 0;
    for (let read = -1; read !== 0 && length < scratch.length; length += read) read = readSync(fd, scratch, length, scratch.length - length, null);
    if (length < scratch.length) {
      if (length > maxBytes) return { ok: false, skipped: { path, severity: 'warning', code: 'file.too-large', reason: tooLargeReason(length, maxBytes, limitName) } };
      return { ok: true, value: take(scratch.subarray(0, length)) };
    }
    // A large file: judged by its stat, as readBoundedFileSync does, then read to its size.
    const info = fstatSync(fd);
    const refused = refusal(path, info, maxBytes, limitName);
    if (refused !== undefined) return { ok: false, skipped: refused };
    const bytes = Buffer.allocUnsafe(Math.max(info.size, length));
    scratch.copy(bytes, 0, 0, length);
    for (let read = -1; read !== 0 && length < bytes.length; length += read) read = readSync(fd, bytes, length, bytes.length - length, null);
    return { ok: true, value: take(length < bytes.length ? bytes.subarray(0, length) : bytes) };
  } catch (error) {
    return unreadable(path, error);
  } finally {
    closeSync(fd);
  }
}

/** A path as the user should see it: relative to the working directory when inside it. */
export function displayPath(path: string, cwd: string = process.cwd()): string {
  const rel = relative(cwd, path);
  return rel === '' || rel.startsWith('..') || rel.includes(`..${sep}`) ? path : rel;
}

/**
 * A workspace file's text as a manifest reads it (decodeManifest: UTF-8, or UTF-16/UTF-32 after a
 * byte order mark, the mark dropped, a lone CR a line feed) when it is a regular file within the
 * size limit; undefined for one that is not, or is binary, or not in any of those encodings. The one
 * text read for everyone, so that no reader takes as plain text a file another reads otherwise.
 * Read synchronously: these are manifests and kustomizations of a few KB, read by the hundred per
 * tree answer, and each promise-based read is five thread-pool round trips (open, stat, read, read,
 * close) — on a busy two-core machine most of an answer's time was those hand-offs, not the reading.
 */
export function readTextIfSane(path: string, maxBytes = DEFAULT_MAX_FILE_BYTES): Promise<string | undefined> {
  // Decoded once per answer too: `plumbline diff` asks for each file's text for the LISTs' hints,
  // for discovery and for the diff. Only the text is kept: the bytes die young, where kept for the
  // answer beside the text they doubled what a diff holds of every file (outside V8's heap, in
  // Buffer's shared slabs). A reader that needs the bytes (readBoundedOnce) reads them itself.
  return perAnswer(`text\0${maxBytes}\0${absolute(path)}`, () => {
    const got = readBoundedFileSync(path, maxBytes);
    if (!got.ok) return Promise.resolve(undefined);
    const decoded = decodeManifest(got.bytes);
    return Promise.resolve('text' in decoded ? decoded.text : undefined);
  });
}

/** A path as a memo key: an absolute one as it is (resolve() normalizes it again, for every file of an answer). */
export function absolute(path: string): string {
  return isAbsolute(path) ? path : resolve(path);
}

/**
 * readBoundedFileSync, once per answer (see perAnswer): `plumbline diff` reads every file for the
 * diff, for environment discovery and for ignore rules, and the tree's discovery and renders read
 * the same kustomizations; within one answer the files are taken as unchanged.
 */
export function readBoundedOnce(path: string, maxBytes: number, limitName = 'plumbline.maxFileSize'): Promise<FileRead> {
  // By the absolute path: discovery names files by theirs, the diff by the paths it was given.
  return perAnswer(`read\0${maxBytes}\0${limitName}\0${absolute(path)}`, () => Promise.resolve(readBoundedFileSync(path, maxBytes, limitName)));
}

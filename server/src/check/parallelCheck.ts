import { existsSync, readdirSync, statSync } from 'node:fs';
import { availableParallelism, loadavg } from 'node:os';
import { join } from 'node:path';
import { SKIPPED_DIRS, YAML_FILE } from '../files/files';
import { Worker } from 'node:worker_threads';
import { LineIndex, lineBreaksIn, type Lines, type Range } from '../manifests/lineIndex';
import { nextChunkStart } from '../manifests/split';
import type { SchemaResolver } from '../schemas/resolver';
import type { CheckOptions } from './checkFile';
import { checkPiece } from './checkPiece';
import type { ChunkDeclaration } from './duplicates';
import type { UnitPath } from './duplicateScopes';
import type { FileRole } from './fileRole';
import type { PieceRequest, PieceResult, WorkerMessage } from './pieces';
import type { CrdFileSnapshot } from '../schemas/workspaceCrds';
import type { Finding } from '../manifests/problem';

/** One file's results, as checkFile and declarations would give them for the whole text. */
export interface TextResult {
  /** The file's line index, built on first use (for the ranges of declarations). */
  lines: () => Lines;
  documents: number;
  resources: number;
  findings: Finding[];
  /** Offsets in the file. */
  declarations: ChunkDeclaration[];
  unitPaths: UnitPath[];
}

// Pieces of about this much text for workers: small enough to spread a single large file over
// the workers and to balance a noisy machine, large enough that messages cost little next to the
// parsing.
const PIECE_CHARS = 64 * 1024;
// Checked in this thread, a document or two at a time: a piece's parse trees live until its last
// document is checked, and pieces of 64 KB (40 documents) outlived the young generation the CLI
// keeps small then (heap.ts): a third of what a check of the 7 MB bench file allocated was
// promoted to the old generation (75 MB, 15 MB with these pieces) and peak RSS went up, not down.
const INLINE_PIECE_CHARS = 2 * 1024;
const BATCH_CHARS = 256 * 1024;
// Below this much text in all, starting workers costs more than it saves.
const MIN_PARALLEL_CHARS = 512 * 1024;
const WORKER_FILE = join(__dirname, 'checkWorker.js');

/**
 * How many workers to check with beside the main thread, which checks too once it has read the
 * files: PLUMBLINE_CHECK_WORKERS when set (0 checks in this thread only), else one per idle core
 * but one, up to 3; 0 when the worker bundle is not there (running from sources).
 * Idle, because a worker costs a second heap and a second load of the schemas (a third more CPU
 * and 50 MB on the bench file): on cores other work keeps busy it only made the check slower.
 */
export function checkWorkerCount(): number {
  if (!existsSync(WORKER_FILE)) return 0;
  const asked = Number(process.env['PLUMBLINE_CHECK_WORKERS']);
  if (process.env['PLUMBLINE_CHECK_WORKERS'] !== undefined && Number.isInteger(asked) && asked >= 0) return asked;
  const cores = availableParallelism();
  const idle = Math.round(cores - Math.min(cores, loadavg()[0] ?? 0));
  return Math.max(0, Math.min(idle - 1, 3));
}

// This many files are worth workers whatever their size: starting them before reading the first
// lets them load while the files are read.
const MIN_PARALLEL_FILES = 64;

/** Whether checking this much text, or this many files, is worth starting workers for. */
export function worthParallel(totalChars: number, workers: number, files = 0): boolean {
  return workers > 0 && (totalChars >= MIN_PARALLEL_CHARS || files >= MIN_PARALLEL_FILES);
}

// Folder entries the quick look below reads at most: a large tree is taken as worth it.
const LOOK_ENTRIES = 4096;

/**
 * A quick look at the paths to check, before anything is read: whether they will be worth
 * workers (worthParallel on the named files' sizes, or on the YAML files the folders hold, counted
 * up to MIN_PARALLEL_FILES). Then the workers can start first and load while this thread loads
 * its own schemas and lists the files; a wrong guess costs a worker that is stopped unused.
 */
export function looksWorthParallel(paths: readonly string[]): boolean {
  let bytes = 0;
  let files = 0;
  let entries = 0;
  const folders: string[] = [];
  const count = (path: string): boolean => {
    const info = statSync(path, { throwIfNoEntry: false });
    if (info?.isFile() === true) {
      bytes += info.size;
      files++;
    } else if (info?.isDirectory() === true) folders.push(path);
    return bytes >= MIN_PARALLEL_CHARS || files >= MIN_PARALLEL_FILES;
  };
  try {
    for (const path of paths) if (count(path)) return true;
    for (let folder = folders.pop(); folder !== undefined; folder = folders.pop()) {
      for (const entry of readdirSync(folder, { withFileTypes: true })) {
        if (++entries > LOOK_ENTRIES) return true;
        if (entry.isDirectory()) {
          if (!SKIPPED_DIRS.has(entry.name)) folders.push(join(folder, entry.name));
        } else if (entry.isFile() && YAML_FILE.test(entry.name) && count(join(folder, entry.name))) return true;
      }
    }
  } catch {
    // Unreadable: the check itself reports it; no workers ahead of it.
  }
  return false;
}

/** Worker threads, started early so that they load while the files are being read. */
export class CheckWorkers {
  readonly threads: Worker[];
  /** The first failure of a worker, should one fail before it is given work. */
  failure: Error | undefined;

  constructor(count: number) {
    this.threads = Array.from({ length: count }, () => {
      const worker = new Worker(WORKER_FILE, { resourceLimits: { maxYoungGenerationSizeMb: 64 } });
      worker.on('error', (error) => (this.failure ??= error));
      return worker;
    });
  }

  async close(): Promise<void> {
    await Promise.all(this.threads.map((w) => w.terminate()));
  }
}

/**
 * A file's line index, built from `text()` on first use. A closure of its own: one made where the
 * text is in scope would keep the text of a file checked inline alive to the end of the check.
 */
function lineIndexOf(text: () => string | undefined): () => Lines {
  let lines: LineIndex | undefined;
  return () => (lines ??= new LineIndex(text() ?? ''));
}

/** Cuts a file's text at document boundaries into pieces of about `size` characters; returns where each starts. */
function pieceStarts(text: string, size: number): number[] {
  if (text.length <= size) return [0];
  const starts = [0];
  // The first chunk start at least `size` after the last piece's: the text is not split whole for it.
  for (let next = nextChunkStart(text, size); next !== -1; next = nextChunkStart(text, next + size)) starts.push(next);
  return starts;
}

/**
 * Checks files' texts with the bundled schemas in worker threads as they are added: pieces of a
 * large file are spread over the workers, and a batch goes out as soon as it is full, so the
 * workers check while the rest is still being read. `finish` puts the results back in file
 * order with file-relative ranges.
 *
 * Without workers, given the schemas (`inline`), each file is checked in this thread as it is
 * added and its text is let go: the 4,250 files of the bench corpus (7 MB) were all held until
 * the end. What needs a file's text after that (the range of a duplicate) reads it again.
 */
export class ParallelCheck {
  private readonly requests: PieceRequest[] = [];
  private readonly owner: number[] = [];
  /** Where each request's piece starts in its file. */
  private readonly offsets: number[] = [];
  /** Each file's text, until its results are placed (at once when checking inline). */
  private readonly texts: (string | undefined)[] = [];
  private readonly readAgain: ((() => string | undefined) | undefined)[] = [];
  private readonly queue: number[][] = [];
  private current: number[] = [];
  private currentChars = 0;
  private readonly results: (PieceResult | undefined)[] = [];
  private readonly idle: Worker[];
  /** The batches each worker holds, oldest first: two each, so none waits while this thread checks one. */
  private readonly inFlight = new Map<Worker, number[][]>();
  private held = 0;
  private failure: Error | undefined;
  private settle: (() => void) | undefined;
  /** Bumped whenever the workers are sent the workspace's CRDs; each request remembers the one it was checked with. */
  private crdGeneration = 0;
  private readonly checkedWith: number[] = [];
  /** Results in file order with file-relative ranges, filled as files are placed. */
  private readonly placed: TextResult[] = [];
  /** Line breaks counted so far in the file being placed, for the ranges of its later pieces. */
  private readonly counted = { file: -1, offset: 0, line: 0 };

  constructor(
    private readonly pool: CheckWorkers,
    private readonly unknownKind: CheckOptions['unknownKind'],
    /** The schemas to check with in this thread as files are added, when there are no workers. */
    private readonly inline?: SchemaResolver,
  ) {
    this.idle = [...pool.threads, ...pool.threads];
    for (const worker of pool.threads) {
      this.inFlight.set(worker, []);
      worker.on('message', (answers: PieceResult[]) => {
        this.inFlight.get(worker)?.shift()?.forEach((i, k) => (this.results[i] = answers[k]));
        this.held--;
        this.idle.push(worker);
        this.pump();
      });
      worker.once('error', (error) => this.fail(error));
      worker.once('exit', (code) => {
        // A stopped worker gets no more batches: this thread checks what is left.
        for (let k = this.idle.indexOf(worker); k !== -1; k = this.idle.indexOf(worker)) this.idle.splice(k, 1);
        if ((this.inFlight.get(worker)?.length ?? 0) > 0) this.fail(new Error(`check worker stopped (exit code ${code})`));
      });
    }
  }

  /** Whether files are checked in this thread as they are added. */
  get checksInline(): boolean {
    return this.inline !== undefined && this.pool.threads.length === 0;
  }

  /** Sends the workspace's CRDs to every worker: the batches sent after this are checked with them. */
  setCrds(crds: CrdFileSnapshot[]): void {
    this.crdGeneration++;
    for (const worker of this.pool.threads) worker.postMessage({ crds } satisfies WorkerMessage);
  }

  /** The files (by index in `add` order) checked, in part, before the last CRDs were sent. */
  checkedBeforeLastCrds(): Set<number> {
    const files = new Set<number>();
    this.requests.forEach((_, i) => {
      if ((this.checkedWith[i] ?? 0) < this.crdGeneration) files.add(this.owner[i] ?? 0);
    });
    return files;
  }

  /**
   * Queues a file's text; its result comes back at the same index from `finish`. `again` reads
   * the text once more, for a file checked inline whose text is needed later.
   */
  add(text: string, role: FileRole, again?: () => string | undefined): void {
    const file = this.texts.length;
    this.texts.push(text);
    this.readAgain.push(again);
    const starts = pieceStarts(text, this.checksInline ? INLINE_PIECE_CHARS : PIECE_CHARS);
    starts.forEach((start, k) => {
      const piece = starts.length === 1 ? text : text.slice(start, starts[k + 1] ?? text.length);
      this.current.push(this.requests.length);
      this.requests.push({ text: piece, role, unknownKind: this.unknownKind });
      this.owner.push(file);
      this.offsets.push(start);
      this.currentChars += piece.length;
      if (this.currentChars >= BATCH_CHARS && !this.checksInline) this.flush();
    });
    if (this.checksInline && this.inline !== undefined) {
      for (const i of this.current) {
        const request = this.requests[i];
        this.checkedWith[i] = this.crdGeneration;
        if (request !== undefined) this.results[i] = checkPiece(request, this.inline);
      }
      this.current = [];
      this.currentChars = 0;
      this.placeFile(file);
    }
  }

  private flush(): void {
    if (this.current.length === 0) return;
    this.queue.push(this.current);
    this.current = [];
    this.currentChars = 0;
    this.pump();
  }

  private pump(): void {
    if (this.failure !== undefined) return;
    for (;;) {
      const worker = this.idle.length > 0 ? this.idle[this.idle.length - 1] : undefined;
      const batch = this.queue[0];
      if (worker === undefined || batch === undefined) break;
      this.idle.pop();
      this.queue.shift();
      this.inFlight.get(worker)?.push(batch);
      this.held++;
      for (const i of batch) this.checkedWith[i] = this.crdGeneration;
      worker.postMessage(batch.flatMap((i) => this.requests[i] ?? []) satisfies WorkerMessage);
    }
    if (this.held === 0 && this.queue.length === 0) this.settle?.();
  }

  private fail(error: Error): void {
    this.failure ??= error;
    this.settle?.();
  }

  /**
   * Waits for every batch, checking the ones no worker has taken in this thread meanwhile with
   * `schemas` (the bundled ones and the workspace's CRDs, as the workers use).
   */
  async finish(schemas: SchemaResolver): Promise<TextResult[]> {
    if (this.checksInline) return this.placed;
    this.flush();
    if (this.pool.failure !== undefined) throw this.pool.failure;
    for (let batch = this.queue.shift(); batch !== undefined && this.failure === undefined; batch = this.queue.shift()) {
      for (const i of batch) {
        const request = this.requests[i];
        this.checkedWith[i] = this.crdGeneration;
        if (request !== undefined) this.results[i] = checkPiece(request, schemas);
      }
      // Let answers in, so workers get their next batch before this thread takes another.
      await new Promise<void>((resolve) => setImmediate(resolve));
    }
    // A failure settles nothing once it has happened: only wait when none has.
    if (this.held > 0 && this.failure === undefined) {
      await new Promise<void>((resolve) => {
        this.settle = resolve;
        this.pump();
      });
    }
    if (this.failure !== undefined) throw this.failure;
    for (let file = this.placed.length; file < this.texts.length; file++) this.placeFile(file);
    return this.placed;
  }

  /**
   * Puts the results of a file's pieces together with file-relative ranges. Checked inline, the
   * file's text and pieces are let go here: its line index, should a duplicate need one, comes
   * from reading the file again.
   */
  private placeFile(file: number): void {
    const text = this.texts[file] ?? '';
    const again = this.readAgain[file];
    const into: TextResult = { documents: 0, resources: 0, findings: [], declarations: [], unitPaths: [], lines: lineIndexOf(this.checksInline && again !== undefined ? again : () => text) };
    this.placed[file] = into;
    let templated = false;
    // Lines before each piece with findings, counted on from the file's previous such piece
    // (pieces come in file order): a line index of the whole file was a twentieth of a check.
    const counted = this.counted;
    const lineOf = (offset: number): number => {
      if (counted.file !== file) Object.assign(counted, { file, offset: 0, line: 0 });
      counted.line += lineBreaksIn(text, counted.offset, offset);
      counted.offset = offset;
      return counted.line;
    };
    for (let i = this.firstRequestOf(file); i < this.requests.length && this.owner[i] === file; i++) {
      const r = this.results[i];
      if (r === undefined) throw new Error('a check worker did not answer');
      const offset = this.offsets[i] ?? 0;
      // Ranges of a later piece count lines from its start: shift them by the lines before it.
      const shift = offset === 0 || r.findings.length === 0 ? 0 : lineOf(offset);
      const move = (range: Range): Range => (shift === 0 ? range : { start: { line: range.start.line + shift, character: range.start.character }, end: { line: range.end.line + shift, character: range.end.character } });
      into.documents += r.documents;
      into.resources += r.resources;
      if (r.templated) templated = true;
      for (const finding of r.findings) into.findings.push(shift === 0 ? finding : { ...finding, range: move(finding.range) });
      for (const d of r.declarations) into.declarations.push(offset === 0 ? d : { ...d, start: d.start + offset, end: d.end + offset });
      into.unitPaths.push(...r.unitPaths);
      if (this.checksInline) {
        this.results[i] = undefined;
        const request = this.requests[i];
        if (request !== undefined) request.text = '';
      }
    }
    // checkFile answers nothing for a file with a templated document; so do its pieces together.
    if (templated) into.findings = [];
    if (this.checksInline) this.texts[file] = undefined;
  }

  /** The first request of a file: requests are added file by file. */
  private firstRequestOf(file: number): number {
    let i = this.nextRequest;
    while (i < this.requests.length && (this.owner[i] ?? 0) < file) i++;
    this.nextRequest = i;
    return i;
  }

  private nextRequest = 0;
}

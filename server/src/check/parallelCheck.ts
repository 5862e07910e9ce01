import { existsSync } from 'node:fs';
import { availableParallelism, loadavg } from 'node:os';
import { join } from 'node:path';
import { Worker } from 'node:worker_threads';
import { LineIndex, lineBreaksIn, type Lines, type Range } from '../manifests/lineIndex';
import { splitDocuments } from '../manifests/split';
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

// Pieces of about this much text: small enough to spread a single large file over the workers
// and to balance a noisy machine, large enough that messages cost little next to the parsing.
const PIECE_CHARS = 64 * 1024;
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

/** Cuts a file's text at document boundaries into pieces of about PIECE_CHARS; returns where each starts. */
function pieceStarts(text: string): number[] {
  if (text.length <= PIECE_CHARS) return [0];
  const starts = [0];
  let start = 0;
  for (const chunk of splitDocuments(text)) {
    if (chunk.start - start >= PIECE_CHARS) {
      starts.push(chunk.start);
      start = chunk.start;
    }
  }
  return starts;
}

/**
 * Checks files' texts with the bundled schemas in worker threads as they are added: pieces of a
 * large file are spread over the workers, and a batch goes out as soon as it is full, so the
 * workers check while the rest is still being read. `finish` puts the results back in file
 * order with file-relative ranges.
 */
export class ParallelCheck {
  private readonly requests: PieceRequest[] = [];
  private readonly owner: number[] = [];
  /** Where each request's piece starts in its file. */
  private readonly offsets: number[] = [];
  private readonly texts: string[] = [];
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

  constructor(
    private readonly pool: CheckWorkers,
    private readonly unknownKind: CheckOptions['unknownKind'],
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

  /** Queues a file's text; its result comes back at the same index from `finish`. */
  add(text: string, role: FileRole): void {
    const file = this.texts.length;
    this.texts.push(text);
    const starts = pieceStarts(text);
    starts.forEach((start, k) => {
      const piece = starts.length === 1 ? text : text.slice(start, starts[k + 1] ?? text.length);
      this.current.push(this.requests.length);
      this.requests.push({ text: piece, role, unknownKind: this.unknownKind });
      this.owner.push(file);
      this.offsets.push(start);
      this.currentChars += piece.length;
      if (this.currentChars >= BATCH_CHARS) this.flush();
    });
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
    return this.assemble();
  }

  private assemble(): TextResult[] {
    const out: TextResult[] = this.texts.map((text) => {
      let lines: LineIndex | undefined;
      return { documents: 0, resources: 0, findings: [], declarations: [], unitPaths: [], lines: () => (lines ??= new LineIndex(text)) };
    });
    const templated = out.map(() => false);
    // Lines before each piece with findings, counted on from the file's previous such piece
    // (pieces come in file order): a line index of the whole file was a twentieth of a check.
    const counted = { file: -1, offset: 0, line: 0 };
    const lineOf = (file: number, offset: number): number => {
      if (counted.file !== file) Object.assign(counted, { file, offset: 0, line: 0 });
      counted.line += lineBreaksIn(this.texts[file] ?? '', counted.offset, offset);
      counted.offset = offset;
      return counted.line;
    };
    this.requests.forEach((_, i) => {
      const r = this.results[i];
      const file = this.owner[i] ?? 0;
      const into = out[file];
      if (r === undefined || into === undefined) throw new Error('a check worker did not answer');
      const offset = this.offsets[i] ?? 0;
      // Ranges of a later piece count lines from its start: shift them by the lines before it.
      const shift = offset === 0 || r.findings.length === 0 ? 0 : lineOf(file, offset);
      const move = (range: Range): Range => (shift === 0 ? range : { start: { line: range.start.line + shift, character: range.start.character }, end: { line: range.end.line + shift, character: range.end.character } });
      into.documents += r.documents;
      into.resources += r.resources;
      if (r.templated) templated[file] = true;
      for (const finding of r.findings) into.findings.push(shift === 0 ? finding : { ...finding, range: move(finding.range) });
      for (const d of r.declarations) into.declarations.push(offset === 0 ? d : { ...d, start: d.start + offset, end: d.end + offset });
      into.unitPaths.push(...r.unitPaths);
    });
    // checkFile answers nothing for a file with a templated document; so do its pieces together.
    templated.forEach((t, f) => {
      const into = out[f];
      if (t && into !== undefined) into.findings = [];
    });
    return out;
  }
}

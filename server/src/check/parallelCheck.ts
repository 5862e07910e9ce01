import { existsSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { join } from 'node:path';
import { Worker } from 'node:worker_threads';
import type { Range } from '../manifests/lineIndex';
import { splitDocuments } from '../manifests/split';
import type { CheckOptions } from './checkFile';
import type { FileRole } from './fileRole';
import type { PieceRequest, PieceResult } from './pieces';
import type { Finding } from './problem';

/** One file's results, as checkFile and declarations would give them for the whole text. */
export interface TextResult {
  documents: number;
  resources: number;
  findings: Finding[];
  declarations: { key: string; label: string; range: Range }[];
}

// Pieces of about this much text: small enough to spread a single large file over the workers
// and to balance a noisy machine, large enough that messages cost little next to the parsing.
const PIECE_CHARS = 64 * 1024;
const BATCH_CHARS = 256 * 1024;
// Below this much text in all, starting workers costs more than it saves.
const MIN_PARALLEL_CHARS = 512 * 1024;
const WORKER_FILE = join(__dirname, 'checkWorker.js');

/**
 * How many workers to check with: PLUMBLINE_CHECK_WORKERS when set (0 checks in this thread),
 * else one per core up to 4; 0 when the worker bundle is not there (running from sources).
 */
export function checkWorkerCount(): number {
  if (!existsSync(WORKER_FILE)) return 0;
  const asked = Number(process.env['PLUMBLINE_CHECK_WORKERS']);
  if (process.env['PLUMBLINE_CHECK_WORKERS'] !== undefined && Number.isInteger(asked) && asked >= 0) return asked;
  const cores = availableParallelism();
  return cores < 2 ? 0 : Math.min(cores, 4);
}

/** Whether checking this much text is worth starting workers for. */
export function worthParallel(totalChars: number, workers: number): boolean {
  return workers > 0 && totalChars >= MIN_PARALLEL_CHARS;
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

/** Cuts a file's text at document boundaries into pieces of about PIECE_CHARS. */
function piecesOf(text: string): string[] {
  if (text.length <= PIECE_CHARS) return [text];
  const pieces: string[] = [];
  let start = 0;
  for (const chunk of splitDocuments(text)) {
    if (chunk.start - start >= PIECE_CHARS) {
      pieces.push(text.slice(start, chunk.start));
      start = chunk.start;
    }
  }
  pieces.push(text.slice(start));
  return pieces;
}

/**
 * Checks files' texts with the bundled schemas in worker threads, pieces of a large file
 * spread over them, and puts the results back in file order with file-relative ranges.
 */
export async function checkTextsInParallel(pool: CheckWorkers, files: readonly { text: string; role: FileRole }[], unknownKind: CheckOptions['unknownKind']): Promise<TextResult[]> {
  const requests: PieceRequest[] = [];
  const owner: number[] = [];
  files.forEach((file, i) => {
    for (const text of piecesOf(file.text)) {
      requests.push({ text, role: file.role, unknownKind });
      owner.push(i);
    }
  });
  const batches: number[][] = [];
  let current: number[] = [];
  let chars = 0;
  requests.forEach((r, i) => {
    current.push(i);
    chars += r.text.length;
    if (chars >= BATCH_CHARS) {
      batches.push(current);
      current = [];
      chars = 0;
    }
  });
  if (current.length > 0) batches.push(current);

  if (pool.failure !== undefined) throw pool.failure;
  const results = new Array<PieceResult | undefined>(requests.length);
  let next = 0;
  await Promise.all(
      pool.threads.map(
        (worker) =>
          new Promise<void>((resolve, reject) => {
            let batch: number[] | undefined;
            const send = (): void => {
              batch = batches[next++];
              if (batch === undefined) resolve();
              else worker.postMessage(batch.map((i) => requests[i]));
            };
            worker.on('message', (answers: PieceResult[]) => {
              batch?.forEach((i, k) => (results[i] = answers[k]));
              send();
            });
            worker.once('error', reject);
            worker.once('exit', (code) => {
              if (batch !== undefined) reject(new Error(`check worker stopped (exit code ${code})`));
            });
            send();
          }),
      ),
  );

  const out: TextResult[] = files.map(() => ({ documents: 0, resources: 0, findings: [], declarations: [] }));
  const templated = files.map(() => false);
  const lineOf = files.map(() => 0);
  results.forEach((r, i) => {
    const f = owner[i] ?? 0;
    const into = out[f];
    if (r === undefined || into === undefined) throw new Error('a check worker did not answer');
    const shift = lineOf[f] ?? 0;
    const move = (range: Range): Range => (shift === 0 ? range : { start: { line: range.start.line + shift, character: range.start.character }, end: { line: range.end.line + shift, character: range.end.character } });
    into.documents += r.documents;
    into.resources += r.resources;
    if (r.templated) templated[f] = true;
    for (const finding of r.findings) into.findings.push({ ...finding, range: move(finding.range) });
    for (const d of r.declarations) into.declarations.push({ ...d, range: move(d.range) });
    lineOf[f] = shift + r.newlines;
  });
  // checkFile answers nothing for a file with a templated document; so do its pieces together.
  templated.forEach((t, f) => {
    const into = out[f];
    if (t && into !== undefined) into.findings = [];
  });
  return out;
}

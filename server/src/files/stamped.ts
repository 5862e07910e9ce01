import { AsyncLocalStorage } from 'node:async_hooks';
import { stat } from 'node:fs/promises';

// One answer reads each file's stamp up to five times (discovery, ignore rules, the render cache,
// kustomization trees, source lines): within one answer the first stat stands for all of them.
const oneAnswer = new AsyncLocalStorage<Map<string, Promise<string>>>();

/** Runs `work` as one answer: each file is stat'ed at most once in it, whichever cache asks. */
export function asOneAnswer<T>(work: () => Promise<T>): Promise<T> {
  return oneAnswer.run(new Map(), work);
}

async function statStamp(path: string): Promise<string> {
  const s = await stat(path).catch(() => undefined);
  return s === undefined ? '-' : `${s.size} ${s.mtimeMs}`;
}

/** `size mtime` of a file, or `-` when it is gone: what a save, a checkout or another tool changes. */
export function fileStamp(path: string): Promise<string> {
  const seen = oneAnswer.getStore();
  if (seen === undefined) return statStamp(path);
  let stamp = seen.get(path);
  if (stamp === undefined) {
    stamp = statStamp(path);
    seen.set(path, stamp);
  }
  return stamp;
}

/**
 * What was computed from files, kept while a file's stamp stays the same: the tree, discovery
 * and ignore rules read the whole workspace on every answer, and most files did not change.
 * The oldest entries go first past `limit` (files renamed or deleted leave theirs behind).
 */
export class StampedCache<T> {
  private readonly entries = new Map<string, { stamp: string; value: Promise<T> }>();

  constructor(private readonly limit: number) {}

  get(path: string, stamp: string, compute: () => Promise<T>): Promise<T> {
    const known = this.entries.get(path);
    if (known !== undefined && known.stamp === stamp) return known.value;
    const value = compute();
    this.entries.delete(path);
    this.entries.set(path, { stamp, value });
    if (this.entries.size > this.limit) this.entries.delete(this.entries.keys().next().value!);
    return value;
  }

  clear(): void {
    this.entries.clear();
  }
}

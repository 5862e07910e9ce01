import { stat } from 'node:fs/promises';

/** `size mtime` of a file, or `-` when it is gone: what a save, a checkout or another tool changes. */
export async function fileStamp(path: string): Promise<string> {
  const s = await stat(path).catch(() => undefined);
  return s === undefined ? '-' : `${s.size} ${s.mtimeMs}`;
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

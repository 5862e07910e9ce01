import { AsyncLocalStorage } from 'node:async_hooks';
import { statSync } from 'node:fs';
import { isAbsolute, resolve } from 'node:path';

// One answer reads each file's stamp up to five times (discovery, ignore rules, the render cache,
// kustomization trees, source lines): within one answer the first stat stands for all of them.
// The same holds for anything computed only from files (a kustomization tree): see `perAnswer`.
// An answer can start work that outlives it (a cluster watch whose events recompute drift much
// later): that work inherits the store, so the store is closed when the answer ends.
const oneAnswer = new AsyncLocalStorage<AnswerStore>();

interface AnswerStore {
  memo: Map<string, Promise<unknown>>;
  open: boolean;
}

/**
 * The answer of a process that runs only one (a `plumbline diff`): its store is the process's,
 * which costs nothing, where AsyncLocalStorage, once run, has Node track the context of every
 * promise the process makes (a hook per promise: a twentieth of a 2,000-object diff's CPU).
 */
let processAnswer: AnswerStore | undefined;

/** Runs `work` as one answer: each file is stat'ed at most once in it, whichever cache asks. */
export async function asOneAnswer<T>(work: () => Promise<T>): Promise<T> {
  const store: AnswerStore = { memo: new Map<string, Promise<unknown>>(), open: true };
  try {
    return await oneAnswer.run(store, work);
  } finally {
    store.open = false;
    store.memo.clear();
  }
}

/**
 * asOneAnswer for a process that answers once and then exits (a command-line run): all the
 * process's work while `work` runs is the answer's, and nothing it started is afterwards. A
 * second answer while one runs is asOneAnswer's.
 */
export async function asTheProcessAnswer<T>(work: () => Promise<T>): Promise<T> {
  if (processAnswer !== undefined) return asOneAnswer(work);
  const store: AnswerStore = { memo: new Map<string, Promise<unknown>>(), open: true };
  processAnswer = store;
  try {
    return await work();
  } finally {
    store.open = false;
    store.memo.clear();
    processAnswer = undefined;
  }
}

/**
 * `compute()` once per answer for `key` (outside an answer, or after it ended: every time). Only
 * for what files alone decide, since the files are taken as unchanged for the length of one answer.
 */
export function perAnswer<T>(key: string, compute: () => Promise<T>): Promise<T> {
  const store = processAnswer ?? oneAnswer.getStore();
  if (store === undefined || !store.open) return compute();
  let value = store.memo.get(key) as Promise<T> | undefined;
  if (value === undefined) {
    value = compute();
    store.memo.set(key, value);
  }
  return value;
}

/** What the answer's readers ask of a stat: the stamp and the kind, not the whole Stats (with its four Dates). */
interface StatFacts {
  stamp: string;
  kind: 'dir' | 'file' | 'other';
}

/**
 * One stat per path per answer, whether its stamp or its kind is asked for. Synchronous: a tree
 * answer stats every file of the repository, and a stat is microseconds where a promise-based
 * one is a thread-pool round trip. Only the facts are kept for the rest of the answer: a
 * `plumbline diff` holds one per file for its whole run, and Node's Stats with its Dates was
 * most of that, promoted to the old generation with everything else alive at a collection.
 */
function statOf(path: string): Promise<StatFacts | undefined> {
  // By the absolute path: discovery names files by theirs, ignore rules by the paths diff was given.
  return perAnswer(`stat\0${isAbsolute(path) ? path : resolve(path)}`, () => {
    try {
      const s = statSync(path, { throwIfNoEntry: false });
      return Promise.resolve(s === undefined ? undefined : { stamp: `${s.size} ${s.mtimeMs}`, kind: s.isDirectory() ? 'dir' : s.isFile() ? 'file' : 'other' });
    } catch {
      return Promise.resolve(undefined);
    }
  });
}

/** `size mtime` of a file, or `-` when it is gone: what a save, a checkout or another tool changes. */
export async function fileStamp(path: string): Promise<string> {
  return (await statOf(path))?.stamp ?? '-';
}

/** Whether a path is a folder, a regular file, something else (a FIFO) or nothing, read once per answer. */
export async function pathKind(path: string): Promise<'dir' | 'file' | 'other' | undefined> {
  return (await statOf(path))?.kind;
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

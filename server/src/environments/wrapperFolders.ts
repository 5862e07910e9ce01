import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

// Folders for the wrapper kustomizations renders write. Making and removing one per build was a
// tenth of the server's CPU on an 80-unit first answer (and a synchronous rmdir on a busy disk
// costs more still), so a few folders are made once and reused, their one file overwritten, and
// removed when the process exits. Builds beyond that many wait for a folder: kustomize builds a
// few at a time anyway (one process per core), so eight in flight keep it busy.
const MAX_FOLDERS = 8;
const idle: string[] = [];
const made = new Set<string>();
const waiting: ((folder: string) => void)[] = [];

function removeAll(): void {
  for (const folder of made) rmSync(folder, { recursive: true, force: true });
  made.clear();
}

function acquire(): Promise<string> {
  const folder = idle.pop();
  if (folder !== undefined) return Promise.resolve(folder);
  if (made.size < MAX_FOLDERS) {
    if (made.size === 0) process.once('exit', removeAll);
    const fresh = mkdtempSync(join(tmpdir(), 'plumbline-render-'));
    made.add(fresh);
    return Promise.resolve(fresh);
  }
  return new Promise((resolve) => waiting.push(resolve));
}

function release(folder: string): void {
  const next = waiting.shift();
  if (next !== undefined) next(folder);
  else idle.push(folder);
}

/** Runs `work` with a temporary folder of its own (holding only what earlier work wrote there), returned for reuse after. */
export async function withWrapperFolder<T>(work: (folder: string) => Promise<T>): Promise<T> {
  const folder = await acquire();
  try {
    return await work(folder);
  } finally {
    release(folder);
  }
}

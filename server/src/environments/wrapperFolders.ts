import { mkdtempSync, rmSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

// Folders for the wrapper kustomizations renders write. Making and removing one per build was a
// tenth of the server's CPU on an 80-unit first answer (and a synchronous rmdir on a busy disk
// costs more still), so within a burst of builds a few folders are made and reused, their one
// file written anew, and removed once no build needs them: nothing is left in the temporary
// folder between answers, even when the process is then killed. Builds beyond that many wait for
// a folder: kustomize builds a few at a time anyway (one process per core), so eight in flight
// keep it busy.
const MAX_FOLDERS = 8;
const idle: string[] = [];
const made = new Set<string>();
const waiting: ((folder: string) => void)[] = [];
let inUse = 0;

function removeAllNow(): void {
  for (const folder of made) rmSync(folder, { recursive: true, force: true });
  made.clear();
}

function acquire(): Promise<string> {
  inUse++;
  const folder = idle.pop();
  if (folder !== undefined) return Promise.resolve(folder);
  if (made.size < MAX_FOLDERS) {
    if (made.size === 0) process.once('exit', removeAllNow);
    const fresh = mkdtempSync(join(tmpdir(), 'plumbline-render-'));
    made.add(fresh);
    return Promise.resolve(fresh);
  }
  return new Promise((resolve) => waiting.push(resolve));
}

function release(folder: string): void {
  const next = waiting.shift();
  if (next !== undefined) {
    next(folder);
    return;
  }
  inUse--;
  idle.push(folder);
  if (inUse > 0) return;
  // The burst is over: its folders go (taken out of the pool first, so a build that starts
  // meanwhile makes a fresh one).
  for (const done of idle.splice(0)) {
    made.delete(done);
    rm(done, { recursive: true, force: true }).catch(() => undefined);
  }
  if (made.size === 0) process.removeListener('exit', removeAllNow);
}

/** Runs `work` with a temporary folder of its own (holding only what earlier work of the same burst wrote there), returned for reuse after. */
export async function withWrapperFolder<T>(work: (folder: string) => Promise<T>): Promise<T> {
  const folder = await acquire();
  try {
    return await work(folder);
  } finally {
    release(folder);
  }
}

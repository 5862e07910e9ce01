import { PerformanceObserver } from 'node:perf_hooks';
import { getHeapSpaceStatistics, setFlagsFromString } from 'node:v8';

/**
 * Keeps V8's young generation at its starting size (1 MB semi-spaces) for the rest of the
 * process. A check allocates hundreds of MB of short-lived parse trees, and V8 answers by
 * doubling the young generation up to 2 x 16 MB, which stays resident: a quarter of the peak RSS
 * of `plumbline check` on the bench corpus. Checked a file (or a document or two) at a time, as
 * check does without workers, little outlives a small young generation, so this costs no CPU.
 * `--max-semi-space-size` is read only when the heap is set up, before any of our code runs; the
 * growth factor is read at each growth, so setting it here takes effect. Node keeps V8's flags
 * writable after start for v8.setFlagsFromString; a V8 that ignored it would only use more memory.
 * The old generation may then grow to 1.6 times what a full GC left alive, not up to 4 times as
 * V8 allows a small heap: most of the old generation at the peak was garbage waiting for that GC
 * (9 MB alive of 27 MB at the end of a check of 4,250 files; peak 93 -> 88 MB, CPU within noise).
 */
export function keepYoungGenerationSmall(): void {
  setFlagsFromString('--semi-space-growth-factor=1');
  setFlagsFromString('--heap-growing-percent=60');
}

/**
 * Has V8 favour memory over speed from here on (`--optimize-for-size`, read at each collection):
 * its young generation shrinks back to 2 x 1 MB, and the old generation grows in steps of 2 MB
 * rather than 8 MB. For a check that reads a file of megabytes (heap.ts's callers: checkPaths's
 * beforeLargeFile): the bench's 7.2 MB file peaked at 79.6 MB instead of 85.3 (7 interleaved
 * pairs, CPU within noise: its pieces leave little alive at each scavenge). Not for every check:
 * on 4,250 small files, whose reports and declarations survive scavenges, the doubled number of
 * scavenges cost 19% more CPU for 4 MB less.
 */
export function optimizeHeapForSize(): void {
  setFlagsFromString('--optimize-for-size');
}

/** V8's growth factor of the young generation, which the rest of a diff run leaves as it is. */
const DEFAULT_SEMI_SPACE_GROWTH_FACTOR = 2;
let youngGenerationCapped = false;

/**
 * Lets V8's young generation grow from its 0.5 MB semi-spaces up to `semiSpaceBytes` each, and
 * no further, as `--max-semi-space-size` would (which V8 reads only when the heap is set up).
 * `plumbline diff` keeps much of what it allocates for the whole run (each file's text, the live
 * objects), and a young generation grown to V8's 16 MB copied it all at each scavenge and touched
 * 32 MB of fresh pages; at 4 MB (`--max-semi-space-size=4` as a node flag) the diff of the drift
 * bench took 7% less CPU, at 1 MB (keepYoungGenerationSmall) 3% more. The growth factor is read
 * at each growth, so it is set to 1 after the collection that reached the size, by an observer of
 * collections: it runs between turns of the event loop, which a diff takes file by file (a long
 * synchronous stretch could grow it a step further before). The flag is put
 * back at exit, before the code cache of the commands is written: V8's check of that cache
 * includes its flags, and the next run loads it with the flags as they are at start.
 */
export function capYoungGeneration(semiSpaceBytes: number): void {
  if (youngGenerationCapped) return;
  youngGenerationCapped = true;
  const observer = new PerformanceObserver(() => {
    // new_space is both semi-spaces.
    const size = getHeapSpaceStatistics().find((space) => space.space_name === 'new_space')?.space_size ?? Number.POSITIVE_INFINITY;
    if (size < 2 * semiSpaceBytes) return;
    setFlagsFromString('--semi-space-growth-factor=1');
    observer.disconnect();
  });
  observer.observe({ entryTypes: ['gc'] });
  process.once('exit', () => setFlagsFromString(`--semi-space-growth-factor=${DEFAULT_SEMI_SPACE_GROWTH_FACTOR}`));
}

/**
 * Scavenges on the main thread alone. V8 splits each scavenge among helper threads, which on two
 * cores shared with the apiserver waited for each other more than they helped: with the young
 * generation capped (capYoungGeneration) the drift bench's diff took 5% less CPU and no more wall
 * time (medians of 8 interleaved pair ratios 0.93, 0.99 and 0.95 at loads 6.4, 4.9 and 4.3), the
 * CPU of the process's other threads halved. V8 reads the flag at each scavenge. Set
 * before the commands are loaded, and left so: their code cache is checked against V8's flags.
 * (Turning concurrent marking off this way, after start, crashes V8 11's C++ heap: left alone.)
 */
export function scavengeOnMainThread(): void {
  setFlagsFromString('--no-parallel-scavenge');
}

import { setFlagsFromString } from 'node:v8';

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

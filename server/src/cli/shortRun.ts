import { setFlagsFromString } from 'node:v8';
import { capYoungGeneration, scavengeOnMainThread } from './heap';

/** V8's default is 66 KB of bytecode run before a function is considered for optimization. */
const INTERRUPT_BUDGET = 500_000;

/** See capYoungGeneration: 4 MB and 8 MB took the same CPU, 2 MB and 16 MB (V8's) more. */
const YOUNG_SEMI_SPACE_BYTES = 4 * 1024 * 1024;

/**
 * For a command that lives seconds and runs the same code over thousands of objects (`plumbline
 * diff`): V8 hands a function to its optimizing compiler after a little use, so some 220
 * functions of a diff of the 2,000-object bench were compiled on V8's threads, a fifth of the
 * command's CPU, for code that then ran for milliseconds. A budget seven times larger leaves the
 * compiler the really hot code (the parser, the proof's walk): 58 functions, and the diff's CPU
 * 3.05 → 2.54 s (median of 5 interleaved runs on two busy cores). Functions created before the
 * call keep the budget they have until their next tier-up check.
 */
export function tuneForShortRun(): void {
  setFlagsFromString(`--interrupt-budget=${INTERRUPT_BUDGET}`);
  capYoungGeneration(YOUNG_SEMI_SPACE_BYTES);
  scavengeOnMainThread();
}

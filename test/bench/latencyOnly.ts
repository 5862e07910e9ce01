// Just the editor-latency part of bench:validate (quick iteration on the server's edit path):
// `npx tsx test/bench/latencyOnly.ts` after `node esbuild.mjs`. Knobs: BENCH_EDITS, BENCH_EDIT_PAUSE_MS,
// BENCH_SERVER_NODE_ARGS (as in bench:validate).
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { writeCorpus } from './corpus';
import { measureEditorLatency, planMiddleEdit } from './lspLatency';
import { BENCH_DATA, envInt, REPO } from './util';

async function main(): Promise<void> {
  const corpus = writeCorpus(join(BENCH_DATA, 'latency-corpus'));
  const text = readFileSync(corpus.singleFile, 'utf8');
  const plan = planMiddleEdit(text, corpus.documents);
  const r = await measureEditorLatency(join(REPO, 'dist', 'server.js'), corpus.singleFile, text, corpus.documents.length, plan, envInt('BENCH_EDITS', 50), envInt('BENCH_EDIT_PAUSE_MS', 100, 0));
  const mb = (n: number | undefined): string => (n === undefined ? 'n/a' : n.toFixed(1));
  console.log(
    `${corpus.documents.length} documents, ${(r.fileBytes / 1e6).toFixed(2)} MB: edit p50 ${r.editMedianMs.toFixed(1)} ms, p95 ${r.editP95Ms.toFixed(1)} ms, max ${r.editMaxMs.toFixed(1)} ms, ` +
      `server CPU/edit ${mb(r.serverCpuPerEditMs)} ms, open ${r.openToFirstDiagnosticsMs.toFixed(0)} ms; heap after open ${mb(r.afterOpen?.heapUsedMB)} MB, after edits ${mb(r.afterEdits?.heapUsedMB)} MB, peak RSS ${mb(r.peakRssMB)} MB`,
  );
  console.log(`each edit (ms): ${r.editMs.map((ms) => ms.toFixed(0)).join(' ')}`);
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});

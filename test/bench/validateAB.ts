// A/B of `plumbline check` builds on the corpus of `npm run bench:validate` (test/bench/corpus.ts:
// 4,250 documents as one 7.2 MB file and as 4,250 files): CPU time (user+sys, all threads), wall
// time and peak RSS of each build (GNU time), run in interleaved pairs whose order alternates, so
// the machine's load falls on both alike. Every run's output must be byte-identical to the first
// build's; text, JSON and SARIF are compared once before the pairs. A build is a folder holding
// cli.js and its bundles (a copy of dist/), optionally with node flags after `::`.
//
//   cp -r dist /tmp/build-a   # … change, node esbuild.mjs …
//   npx tsx test/bench/validateAB.ts /tmp/build-a dist
//
// Knobs: BENCH_AB_PAIRS (7), BENCH_AB_LAYOUTS (single,many), PLUMBLINE_CHECK_WORKERS (0 unless
// set: the worker count otherwise follows the machine's load, which the pairs themselves raise).

import { existsSync } from 'node:fs';
import { loadavg } from 'node:os';
import { join, resolve } from 'node:path';
import { writeCorpus, type Corpus } from './corpus';
import { BENCH_DATA, envInt, median, runProcess } from './util';

const PAIRS = envInt('BENCH_AB_PAIRS', 7);
const LAYOUTS = (process.env['BENCH_AB_LAYOUTS'] ?? 'single,many').split(',').filter((l): l is 'single' | 'many' => l === 'single' || l === 'many');
const ENV = { ...process.env, PLUMBLINE_CHECK_WORKERS: process.env['PLUMBLINE_CHECK_WORKERS'] ?? '0' };

interface Build {
  folder: string;
  flags: string[];
}

interface Run {
  cpuS: number;
  ms: number;
  rssMB: number;
}

function log(message: string): void {
  process.stderr.write(`[bench:validate-ab] ${message}\n`);
}

async function runCheck(build: Build, target: string, output: string): Promise<{ run: Run; stdout: string; code: number | null }> {
  const r = await runProcess(process.execPath, [...build.flags, join(build.folder, 'cli.js'), 'check', '--strict', '-o', output, target], { env: ENV, peakRss: true, timeoutMs: 600_000 });
  if (r.code !== 0 && r.code !== 1) throw new Error(`${build.folder} exited with ${String(r.code ?? r.signal)}: ${r.stderr.slice(-2000)}`);
  return { run: { cpuS: (r.cpuMs ?? Number.NaN) / 1000, ms: r.ms, rssMB: (r.maxRssKb ?? Number.NaN) / 1024 }, stdout: r.stdout, code: r.code };
}

async function compareLayout(builds: readonly Build[], target: string, label: string): Promise<boolean> {
  let same = true;
  for (const output of ['json', 'sarif', 'text']) {
    const outputs = await Promise.all(builds.map(async (b) => (await runCheck(b, target, output)).stdout));
    for (const [b, out] of outputs.entries()) {
      if (out === outputs[0]) continue;
      same = false;
      log(`WRONG: ${label}: build ${b}'s ${output} output differs from build 0's`);
    }
  }
  const runs: Run[][] = builds.map(() => []);
  const loads: number[] = [];
  let reference: string | undefined;
  for (let pair = 0; pair < PAIRS; pair++) {
    const order = builds.map((_, b) => b);
    if (pair % 2 === 1) order.reverse();
    loads.push(loadavg()[0] ?? 0);
    for (const b of order) {
      const { run, stdout } = await runCheck(builds[b] as Build, target, 'text');
      reference ??= stdout;
      if (stdout !== reference) {
        same = false;
        log(`WRONG: ${label}: build ${b}'s output differs in pair ${pair + 1}`);
      }
      runs[b]?.push(run);
    }
    log(`${label} pair ${pair + 1}: ${runs.map((r, b) => `build ${b} CPU ${(r[pair]?.cpuS ?? 0).toFixed(2)} s, ${((r[pair]?.ms ?? 0) / 1000).toFixed(2)} s, ${(r[pair]?.rssMB ?? 0).toFixed(1)} MB`).join('; ')}; load ${(loads[pair] ?? 0).toFixed(1)}`);
  }
  const base = runs[0] as Run[];
  const ratio = (r: Run[], key: keyof Run): number => median(r.map((x, i) => x[key] / (base[i]?.[key] ?? Number.NaN)));
  for (const [b, r] of runs.entries()) {
    const build = builds[b] as Build;
    process.stdout.write(
      `${label} build ${b} ${build.folder} ${build.flags.join(' ')}: CPU median ${median(r.map((x) => x.cpuS)).toFixed(3)} s, wall median ${(median(r.map((x) => x.ms)) / 1000).toFixed(3)} s, peak RSS median ${median(r.map((x) => x.rssMB)).toFixed(1)} MB (max ${Math.max(...r.map((x) => x.rssMB)).toFixed(1)}); median pair ratios to build 0: CPU ${ratio(r, 'cpuS').toFixed(3)}, wall ${ratio(r, 'ms').toFixed(3)}, RSS ${ratio(r, 'rssMB').toFixed(3)}\n`,
    );
  }
  process.stdout.write(`${label}: load average (1 min) during the pairs: median ${median(loads).toFixed(1)}, ${Math.min(...loads).toFixed(1)}–${Math.max(...loads).toFixed(1)} (2 cores)\n`);
  return same;
}

async function main(): Promise<number> {
  const builds: Build[] = process.argv.slice(2).map((b) => ({ folder: resolve(b.split('::')[0] ?? b), flags: (b.split('::')[1] ?? '').split(' ').filter((f) => f !== '') }));
  if (builds.length < 2) throw new Error('usage: validateAB.ts <build folder> <build folder> [...] (folders holding cli.js)');
  for (const b of builds) if (!existsSync(join(b.folder, 'cli.js'))) throw new Error(`no cli.js in ${b.folder}`);
  const corpus: Corpus = writeCorpus(join(BENCH_DATA, 'corpus'));
  let same = true;
  for (const layout of LAYOUTS) same = (await compareLayout(builds, layout === 'single' ? corpus.singleFile : corpus.manyDir, layout === 'single' ? '1 file' : `${corpus.files} files`)) && same;
  return same ? 0 : 1;
}

main().then(
  (code) => {
    process.exitCode = code;
  },
  (error: unknown) => {
    process.stderr.write(`[bench:validate-ab] failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
    process.exitCode = 1;
  },
);

// A/B of `plumbline diff` builds on one bench cluster: the CPU (user+sys, all threads) and wall
// time of each build's diff of the drift corpus (test/bench/drift.ts's, 2,000 objects, 5% drifted
// by hand), run in interleaved pairs whose order alternates, so the machine's load falls on both
// alike. Every run's output must be byte-identical to the first build's and find exactly the
// drifted objects. A build is a folder holding cli.js and its bundles (a copy of dist/).
//
//   cp -r dist /tmp/build-a   # … change, node esbuild.mjs …
//   npx tsx test/bench/driftAB.ts /tmp/build-a dist [more builds…]
//
// A build may carry node flags after `::` (`dist::--single-threaded-gc`), to weigh a flag against
// the same build without it.
//
// Setting the cluster up takes a minute; to weigh several changes on one cluster:
//   BENCH_DRIFT_AB_HOLD=1 npx tsx test/bench/driftAB.ts     # sets up, prints the kubeconfig, runs until Ctrl-C
//   BENCH_DRIFT_AB_KUBECONFIG=<printed path> npx tsx test/bench/driftAB.ts a b   # uses that cluster as it is
//
// Knobs: BENCH_DRIFT_AB_PAIRS (7), BENCH_DRIFT_RESOURCES (2000), BENCH_DRIFT_DIR (.cache/bench/drift-ab),
// BENCH_DRIFT_AB_NODE_ARGS (e.g. `--cpu-prof --cpu-prof-dir=/tmp/prof` or `--trace-gc`: one more run of
// each build with these, after the pairs; its stderr goes to <dir>/extra-<build>.stderr).

import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { loadavg } from 'node:os';
import { join, resolve } from 'node:path';
import { startCluster } from '../cluster/harness';
import { apiPath, generateCorpus, NAMESPACES, planDrift, writeCorpus } from './driftCorpus';
import { DriftKube, forEachLimit } from './driftKube';
import { runMeasured } from './driftProcess';
import { BENCH_CACHE, envInt, median } from './util';

const TOTAL = envInt('BENCH_DRIFT_RESOURCES', 2000);
const PAIRS = envInt('BENCH_DRIFT_AB_PAIRS', 7);
const DIR = process.env['BENCH_DRIFT_DIR'] !== undefined && process.env['BENCH_DRIFT_DIR'] !== '' ? process.env['BENCH_DRIFT_DIR'] : join(BENCH_CACHE, 'drift-ab');
const MANIFESTS = join(DIR, 'manifests');

function log(message: string): void {
  process.stderr.write(`[bench:drift-ab] ${message}\n`);
}

interface Run {
  cpuS: number;
  ms: number;
}

async function main(): Promise<number> {
  const builds = process.argv.slice(2).map((b) => ({
    folder: resolve(b.split('::')[0] ?? b),
    flags: (b.split('::')[1] ?? '').split(' ').filter((f) => f !== ''),
  }));
  const hold = process.env['BENCH_DRIFT_AB_HOLD'] === '1';
  const given = process.env['BENCH_DRIFT_AB_KUBECONFIG'];
  if (builds.length < 2 && !hold) throw new Error('usage: driftAB.ts <build folder> <build folder> [...] (folders holding cli.js)');
  const resources = generateCorpus(TOTAL);
  const changes = planDrift(resources, 0.05);
  const expected = changes.length;
  if (given !== undefined && given !== '') return compare(builds, given, expected);
  rmSync(MANIFESTS, { recursive: true, force: true });
  writeCorpus(MANIFESTS, resources);
  const cluster = await startCluster({
    apiserverArgs: ['--service-cluster-ip-range=10.0.0.0/16'],
  });
  const kube = await DriftKube.connect(cluster.kubeconfigPath);
  try {
    for (const ns of NAMESPACES) await kube.apply(`/api/v1/namespaces/${ns}`, { apiVersion: 'v1', kind: 'Namespace', metadata: { name: ns } }, 'kustomize-controller');
    await forEachLimit(resources, 16, (r) => kube.apply(apiPath(r), r.object, 'kustomize-controller').then(() => undefined));
    await forEachLimit(changes, 16, (c) => kube.must(c.method, c.path, { body: c.body, contentType: c.contentType }).then(() => undefined));
    log(`${resources.length} objects applied, ${expected} drifted by hand`);
    if (!hold) return await compare(builds, cluster.kubeconfigPath, expected);
    process.stdout.write(`BENCH_DRIFT_AB_KUBECONFIG=${cluster.kubeconfigPath}\n`);
    // The cluster harness keeps no event loop alive of its own.
    const alive = setInterval(() => undefined, 1 << 30);
    await new Promise<void>((resolve) => process.once('SIGINT', () => resolve()));
    clearInterval(alive);
    return 0;
  } finally {
    kube.dispose();
    await cluster.stop();
  }
}

/** The pairs of runs of `builds` against the cluster of `kubeconfig`, with the corpus applied and drifted. */
async function compare(builds: readonly { folder: string; flags: string[] }[], kubeconfig: string, expected: number): Promise<number> {
  let failures = 0;
  let reference: string | undefined;
  const runOf = async (build: number, nodeArgs: readonly string[] = []): Promise<Run> => {
    // A cache folder per build: each build's V8 code cache would otherwise replace the other's.
    const cacheDir = join(DIR, `cache-${build}`);
    mkdirSync(cacheDir, { recursive: true });
    const { folder, flags } = builds[build] ?? { folder: '', flags: [] };
    const r = await runMeasured(process.execPath, [...flags, ...nodeArgs, join(folder, 'cli.js'), 'diff', '--kubeconfig', kubeconfig, '-o', 'json', MANIFESTS], {
      cwd: DIR,
      env: { ...process.env, PLUMBLINE_CACHE_DIR: cacheDir },
      timeoutMs: 600_000,
    });
    if (nodeArgs.length > 0) writeFileSync(join(DIR, `extra-${build}.stderr`), r.stderr);
    const drifted = (JSON.parse(r.stdout) as { summary: { drifted: number } }).summary.drifted;
    reference ??= r.stdout;
    if (r.code !== 1 || drifted !== expected || r.stdout !== reference) {
      failures++;
      log(`WRONG: build ${build} exit ${String(r.code)}, ${drifted} drifted, output ${r.stdout === reference ? 'identical' : 'DIFFERS'}`);
    }
    return { cpuS: (r.userS ?? Number.NaN) + (r.sysS ?? Number.NaN), ms: r.ms };
  };
  // One run of each first, not counted: writes each build's code cache.
  for (let b = 0; b < builds.length; b++) await runOf(b);
  const runs: Run[][] = builds.map(() => []);
  const loads: number[] = [];
  for (let pair = 0; pair < PAIRS; pair++) {
    const order = builds.map((_, b) => b);
    if (pair % 2 === 1) order.reverse();
    loads.push(loadavg()[0] ?? 0);
    for (const b of order) runs[b]?.push(await runOf(b));
    log(`pair ${pair + 1}: ${runs.map((r, b) => `build ${b} CPU ${(r[pair]?.cpuS ?? 0).toFixed(2)} s, ${((r[pair]?.ms ?? 0) / 1000).toFixed(2)} s`).join('; ')}; load ${(loads[pair] ?? 0).toFixed(1)}`);
  }
  const base = runs[0] as Run[];
  for (const [b, r] of runs.entries()) {
    const cpu = median(r.map((x) => x.cpuS));
    const ms = median(r.map((x) => x.ms));
    const perPair = r.map((x, i) => x.cpuS / (base[i]?.cpuS ?? Number.NaN));
    process.stdout.write(
      `build ${b} ${builds[b]?.folder ?? ''} ${builds[b]?.flags.join(' ') ?? ''}: CPU median ${cpu.toFixed(3)} s (${((cpu * 1000) / TOTAL).toFixed(3)} ms/object), wall median ${(ms / 1000).toFixed(2)} s; CPU ÷ build 0: ${(cpu / median(base.map((x) => x.cpuS))).toFixed(3)} (median of pair ratios ${median(perPair).toFixed(3)})\n`,
    );
  }
  const extra = (process.env['BENCH_DRIFT_AB_NODE_ARGS'] ?? '').split(' ').filter((a) => a !== '');
  if (extra.length > 0) for (let b = 0; b < builds.length; b++) await runOf(b, extra);
  process.stdout.write(`load average (1 min) during the pairs: median ${median(loads).toFixed(1)}, ${Math.min(...loads).toFixed(1)}–${Math.max(...loads).toFixed(1)} (2 cores)\n`);
  return failures === 0 ? 0 : 1;
}

main().then(
  (code) => {
    process.exitCode = code;
  },
  (error: unknown) => {
    process.stderr.write(`[bench:drift-ab] failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
    process.exitCode = 1;
  },
);

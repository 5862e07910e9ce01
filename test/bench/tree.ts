// `npm run bench:tree`: how the environments tree holds up with 5,000 resources (5 environments
// of 1,000, 10 documents a file; env-0 a kustomize overlay, the others plain folders). A benchmark,
// not a test: it prints figures, writes test-results/bench/tree.json, and exits 1 only when an
// answer is wrong.
//
//  1. Source lines (in-process): mapping every object of the 1,000-object kustomize build back to
//     the line that declares it — the former way (read and parse the file again per object) against
//     one parse per file (delivery/status.ts SourceLines).
//  2. The LSP server (dist/server.js, cluster off): the `plumbline/environments` request, cold
//     (first) and warm, and the latency of outline requests sent while it computes.
//  3. A single-cluster Flux repository (issue 13): 80 Kustomizations (dependsOn chains, a patch
//     and postBuild variables each) delivering 5,000 resources. The first tree answer (median of
//     three new servers), the answer after an edit to one unit's file (only that unit is rendered
//     again), and — the anchor — kustomize's own time for the same 80 builds (`kubectl kustomize`, one after another), and the
//     bundled kustomize's (tools/kustomize, which the server uses; all 80 asked at once).
//
// Knobs: BENCH_TREE_RUNS (5), BENCH_TREE_SKIP_BUILD=1 (use dist/ as it is),
// BENCH_TREE_FLUX_UNITS (80), BENCH_TREE_FLUX_RESOURCES (5000).
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { pathToFileURL } from 'node:url';
import { discoverEnvironments } from '../../server/src/environments/discover';
import { renderEnvironment } from '../../server/src/environments/render';
import { SourceLines } from '../../server/src/delivery/status';
import { documentLine } from '../../server/src/manifests/documentLine';
import { ManifestParser } from '../../server/src/manifests/parse';
import { EnvironmentsRequest } from '../../server/src/protocol';
import { writeBigWorkspace } from '../support/bigWorkspace';
import { writeFluxBenchFleet } from '../support/fluxBenchFleet';
import { LspHarness } from '../support/lspClient';
import { buildWithServer, findBundledKustomize, stopKustomizeServers } from '../../server/src/environments/kustomizeServer';
import { envInt, log, median, mustRun, percentile, REPO, RESULTS_DIR } from './util';

/** The way status.ts found a line before: the whole file read and parsed again for each object. */
async function lineOfReparsing(path: string, kind: string, name: string): Promise<number> {
  const file = new ManifestParser().parse(await readFile(path, 'utf8').catch(() => ''));
  const d = file.documents.find((doc) => doc.identity?.kind === kind && doc.identity.name === name) ?? file.documents[0];
  return d === undefined ? 0 : documentLine(file, d);
}

async function main(): Promise<void> {
  const runs = envInt('BENCH_TREE_RUNS', 5);
  if (process.env['BENCH_TREE_SKIP_BUILD'] !== '1') await mustRun(process.execPath, [join(REPO, 'esbuild.mjs')], { cwd: REPO });
  const root = mkdtempSync(join(tmpdir(), 'plumbline-bench-tree-'));
  const ws = writeBigWorkspace(root);
  log(`workspace: ${ws.resources} resources in ${ws.environments.length} environments (${root}); load ${loadavg().map((l) => l.toFixed(1)).join(' ')}`);
  let wrong = false;
  try {
    const { environments } = await discoverEnvironments(root);
    const overlay = environments.find((e) => e.name === 'env-0')!;
    const rendered = await renderEnvironment(root, overlay);
    if (!rendered.ok) throw new Error(rendered.message);
    const traced = rendered.objects.filter((o) => o.source !== undefined);
    const before: number[] = [];
    const after: number[] = [];
    for (let i = 0; i < runs; i++) {
      let t = performance.now();
      const old = await Promise.all(traced.map((o) => lineOfReparsing(o.source!, o.object.kind ?? '', o.object.metadata?.name ?? '')));
      before.push(performance.now() - t);
      SourceLines.forget();
      t = performance.now();
      const lines = new SourceLines();
      const now = await Promise.all(traced.map((o) => lines.lineOf(o.source!, o.object.kind ?? '', o.object.metadata?.name ?? '')));
      after.push(performance.now() - t);
      if (old.join() !== now.join()) {
        wrong = true;
        log('WRONG: the two ways disagree on a line');
      }
    }
    log(`source lines for ${traced.length} kustomize objects: re-parse per object ${median(before).toFixed(0)} ms, one parse per file ${median(after).toFixed(0)} ms (${(median(before) / median(after)).toFixed(1)}× faster)`);

    const lsp = await LspHarness.start({ cluster: { enabled: false } }, { workspaceFolders: [root] });
    const uri = pathToFileURL(ws.sample).href;
    await lsp.open(uri, readFileSync(ws.sample, 'utf8'));
    const requestMs: number[] = [];
    const outlineMs: number[] = [];
    try {
      for (let i = 0; i < runs; i++) {
        let done = false;
        const t = performance.now();
        const tree = lsp.connection.sendRequest(EnvironmentsRequest).then((r) => {
          done = true;
          return r;
        });
        // An outline request every 20 ms (as a user moving about would), for as long as the tree is computed.
        const probe = (async (): Promise<void> => {
          while (!done) {
            const s = performance.now();
            await lsp.documentSymbols(uri);
            outlineMs.push(performance.now() - s);
            await new Promise((resolve) => setTimeout(resolve, 20));
          }
        })();
        const result = await tree;
        requestMs.push(performance.now() - t);
        await probe;
        const total = result.environments.reduce((n, e) => n + e.resources.length, 0);
        if (total !== ws.resources) {
          wrong = true;
          log(`WRONG: ${total} resources in the answer, expected ${ws.resources}`);
        }
      }
    } finally {
      await lsp.stop();
    }
    const [cold = 0, ...warm] = requestMs;
    log(`environments request: cold ${cold.toFixed(0)} ms, warm median ${median(warm.length > 0 ? warm : [cold]).toFixed(0)} ms (${runs} runs; env-0's kustomize build is most of it)`);
    log(`outline requests meanwhile: ${outlineMs.length} answered, p50 ${percentile(outlineMs, 50).toFixed(1)} ms, p95 ${percentile(outlineMs, 95).toFixed(1)} ms, max ${Math.max(...outlineMs).toFixed(1)} ms`);
    const flux = await fluxFleet(runs);
    if (flux.wrong) wrong = true;
    mkdirSync(RESULTS_DIR, { recursive: true });
    writeFileSync(
      join(RESULTS_DIR, 'tree.json'),
      JSON.stringify({ resources: ws.resources, sourceLines: { reparseMs: median(before), onceMs: median(after) }, request: { coldMs: cold, warmMedianMs: median(warm.length > 0 ? warm : [cold]) }, outline: { count: outlineMs.length, p50: percentile(outlineMs, 50), p95: percentile(outlineMs, 95), max: Math.max(...outlineMs) }, flux: flux.figures, load: loadavg() }, null, 2),
    );
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
  process.exit(wrong ? 1 : 0);
}

/** Part 3: the Flux fleet through the language server, against kustomize's own time for the same builds. */
async function fluxFleet(runs: number): Promise<{ wrong: boolean; figures: Record<string, number | number[]> }> {
  const root = mkdtempSync(join(tmpdir(), 'plumbline-bench-flux-'));
  const fleet = writeFluxBenchFleet(root, envInt('BENCH_TREE_FLUX_UNITS', 80), envInt('BENCH_TREE_FLUX_RESOURCES', 5000));
  let wrong = false;
  try {
    const { environments } = await discoverEnvironments(root);
    const units = environments.filter((e) => e.cluster === 'main' && e.paths[0]?.startsWith('apps/') === true);
    if (units.length !== fleet.units.length) {
      wrong = true;
      log(`WRONG: ${units.length} units found, expected ${fleet.units.length}`);
    }
    // The anchor: kustomize alone, the same builds one after another.
    const kustomizeMs: number[] = [];
    for (let i = 0; i < Math.min(runs, 3); i++) {
      const t = performance.now();
      for (const app of fleet.units) await mustRun('kubectl', ['kustomize', join(root, 'apps', app)]);
      kustomizeMs.push(performance.now() - t);
    }
    // The bundled kustomize alone, the same builds, as the server asks for them (all at once).
    const bundledMs: number[] = [];
    const bundledKustomize = findBundledKustomize();
    if (bundledKustomize === undefined) throw new Error('plumbline-kustomize is not installed: run `bash scripts/install-kustomize.sh`');
    for (let i = 0; i < Math.min(runs, 3); i++) {
      const t = performance.now();
      const answers = await Promise.all(fleet.units.map((app) => buildWithServer(bundledKustomize, join(root, 'apps', app))));
      if (answers.some((a) => !a.ok)) throw new Error('the bundled kustomize failed on the fleet');
      bundledMs.push(performance.now() - t);
    }
    stopKustomizeServers();
    const first: number[] = [];
    const edited: number[] = [];
    // Each first answer from a new server (its own kustomize processes): the median of a few, since
    // one cold start on a shared machine says more about the machine than about Plumbline.
    const servers = Math.min(runs, 3);
    for (let s = 0; s < servers; s++) {
      const lsp = await LspHarness.start({ cluster: { enabled: false } }, { workspaceFolders: [root] });
      try {
        const ask = async (): Promise<number> => {
          const t = performance.now();
          const result = await lsp.connection.sendRequest(EnvironmentsRequest);
          const ms = performance.now() - t;
          const total = result.environments.filter((e) => e.cluster === 'main' && e.paths[0]?.startsWith('apps/') === true).reduce((n, e) => n + e.resources.length, 0);
          if (total !== fleet.resources) {
            wrong = true;
            log(`WRONG: ${total} resources in the units' answer, expected ${fleet.resources}`);
          }
          return ms;
        };
        first.push(await ask());
        // The edits on the last server: an edit to one unit's file, as a save does; the next answer renders that unit again.
        for (let i = 0; s === servers - 1 && i < runs; i++) {
          writeFileSync(fleet.editable, readFileSync(fleet.editable, 'utf8').replace(/replicas: \d+/, `replicas: ${i + 3}`));
          edited.push(await ask());
        }
      } finally {
        await lsp.stop();
      }
    }
    const figures = { units: fleet.units.length, resources: fleet.resources, firstMs: median(first), firstRunsMs: first, afterEditMedianMs: median(edited), kustomizeMedianMs: median(kustomizeMs), bundledKustomizeMedianMs: median(bundledMs) };
    log(
      `flux fleet (${fleet.units.length} Kustomizations, ${fleet.resources} resources): first tree answer median ${figures.firstMs.toFixed(0)} ms of ${first.length} new servers (${first.map((ms) => ms.toFixed(0)).join(', ')}; target ≤ 2000), after an edit to one unit median ${figures.afterEditMedianMs.toFixed(0)} ms (target ≤ 300); \`kubectl kustomize\` alone for the same ${fleet.units.length} builds ${figures.kustomizeMedianMs.toFixed(0)} ms (first answer / kubectl kustomize ${(figures.firstMs / figures.kustomizeMedianMs).toFixed(2)}×); the bundled kustomize alone ${figures.bundledKustomizeMedianMs.toFixed(0)} ms`,
    );
    return { wrong, figures };
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});

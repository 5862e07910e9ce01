// `npm run bench:validate`: Plumbline's validation speed and memory against anchors, in one run
// on the same inputs and the same schemas:
//   - `plumbline check` vs kubeconform (built from its Go module) on one big multi-document file
//     and on one file per resource, with schemas/bundled.json converted to kubeconform's layout;
//   - the language server's edit-to-diagnostics latency and heap on the big file, next to
//     yaml-language-server's doValidation time and memory on the same file and schemas.
// A benchmark, not a test: it prints a table and writes test-results/bench/validate.json. It
// fails (exit 1) only when the tools disagree on what is invalid, or something cannot run.
//
// Knobs (environment): BENCH_REPS (timed runs per tool and layout, default 5),
// BENCH_EDITS (editor edits, default 50), BENCH_EDIT_PAUSE_MS (between an edit's diagnostics
// and the next edit, default 100: fast typing), BENCH_YAMLLS_RUNS (doValidation calls, the
// first one cold, default 4), BENCH_SKIP_YAMLLS=1 (skip the slowest part),
// BENCH_SERVER_NODE_ARGS (extra Node options for the language server, e.g. --cpu-prof).

import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { cpus, loadavg } from 'node:os';
import { join, resolve } from 'node:path';
import type { SchemaBundleData } from '../../server/src/schemas/bundle';
import {
  documentAtLine,
  documentKey,
  judgeFixtures,
  kubeconformInvalidFiles,
  plumblineInvalidFiles,
  writeFixtures,
  type FixtureReport,
  type PlumblineJson,
} from './agreement';
import { writeCorpus, type Corpus, type CorpusDocument } from './corpus';
import { dispatcherSchema, writeKubeconformSchemas, type KubeconformSchemas } from './jsonSchemas';
import { ensureKubeconform, KUBECONFORM_VERSION, parseKubeconformJson, parseKubeconformSummary } from './kubeconform';
import { celAgreement, celTimings, type CelSetup, type CelTiming } from './celBench';
import { CEL_KIND, writeCelCorpus } from './celCorpus';
import { ensureKubectlValidate, KUBECTL_VALIDATE_SCHEMAS, kubectlValidateArgs, parseKubectlValidateJson, writeKubectlValidateSchemas } from './kubectlValidate';
import { measureEditorLatency, planCelEdit, planMiddleEdit, type EditorLatency } from './lspLatency';
import { BENCH_CACHE, BENCH_DATA, canMeasurePeakRss, envInt, log, median, mustRun, REPO, RESULTS_DIR, runProcess, type ProcessResult } from './util';
import type { YamlLsConfig, YamlLsResult } from './yamlLsWorker';

const CLI = join(REPO, 'dist', 'cli.js');
const SERVER = join(REPO, 'dist', 'server.js');
// Issue 15's targets, with CEL rules evaluated: twice kubeconform's throughput on the built-in
// corpus, five times kubectl-validate's on the CEL corpus, at most 1.5 times kubeconform's peak RSS.
const TARGETS = { throughputRatio: 2, celThroughputRatio: 5, peakRssRatio: 1.5, editP95Ms: 20, heapMB: 400 } as const;

type Layout = 'single' | 'many';
type Tool = 'plumbline' | 'kubeconform' | 'kubeconform -n 2' | 'kubectl-validate';
const TOOLS: readonly Tool[] = ['plumbline', 'kubeconform', 'kubeconform -n 2', 'kubectl-validate'];

/** The anchors' binaries and the schemas each reads. */
interface Anchors {
  schemas: KubeconformSchemas;
  kubeconform: string;
  kubectlValidate: string;
  kubectlValidateSchemas: string;
}
const LAYOUTS: readonly Layout[] = ['single', 'many'];

interface Timing {
  layout: Layout;
  tool: Tool;
  command: string;
  samplesMs: number[];
  medianMs: number;
  /** User + system CPU time of each run (GNU time); kubeconform's spreads over goroutines. */
  cpuSamplesMs: number[];
  cpuMedianMs: number;
  minMs: number;
  resourcesPerSecond: number;
  peakRssMB: number | undefined;
  invalidReported: number;
}

function layoutPath(corpus: Corpus, layout: Layout): string {
  return layout === 'single' ? corpus.singleFile : corpus.manyDir;
}

function commandFor(tool: Tool, target: string, anchors: Anchors, json: boolean): [string, string[]] {
  const { schemas } = anchors;
  if (tool === 'plumbline') return [process.execPath, [CLI, 'check', '--strict', ...(json ? ['-o', 'json'] : []), target]];
  if (tool === 'kubectl-validate') return [anchors.kubectlValidate, kubectlValidateArgs(anchors.kubectlValidateSchemas, [], [target])];
  const args = ['-summary', '-strict', '-kubernetes-version', schemas.kubernetesVersion, '-schema-location', schemas.location];
  if (tool === 'kubeconform -n 2') args.unshift('-n', '2');
  if (json) args.unshift('-output', 'json');
  return [anchors.kubeconform, [...args, target]];
}

/** The number of invalid resources a run reports, from its summary; throws when the run failed. */
function invalidFromSummary(tool: Tool, result: ProcessResult, expectResources: number): number {
  if (result.code !== 0 && result.code !== 1) throw new Error(`${tool} exited with ${String(result.code ?? result.signal)}: ${result.stderr.slice(-2000)}`);
  if (tool === 'kubectl-validate') {
    // Its JSON has a verdict per document (a leading `---` may add an empty one): count the failures.
    let invalid = 0;
    for (const verdicts of parseKubectlValidateJson(result.stdout).values()) invalid += verdicts.filter((v) => v !== undefined).length;
    return invalid;
  }
  if (tool === 'plumbline') {
    const m = /Summary: (\d+) resources found in \d+ files - errors: (\d+)/.exec(result.stdout);
    if (m === null) throw new Error(`no Plumbline summary in its output: ${result.stdout.slice(-1000)}${result.stderr.slice(-1000)}`);
    if (Number(m[1]) !== expectResources) throw new Error(`plumbline found ${m[1]} resources, expected ${expectResources}`);
    return Number(m[2]);
  }
  const s = parseKubeconformSummary(result.stdout);
  if (s.resources !== expectResources) throw new Error(`kubeconform found ${s.resources} resources, expected ${expectResources}`);
  return s.invalid + s.errors;
}

/** Checks that Plumbline and kubeconform flag exactly the documents the generator broke, in both layouts. */
async function corpusAgreement(corpus: Corpus, anchors: Anchors): Promise<Record<Layout, { plumbline: number; kubeconform: number; expected: number }>> {
  const expected = new Set(corpus.documents.filter((d) => d.error !== undefined).map(documentKey));
  const byFile = new Map(corpus.documents.map((d) => [resolve(corpus.manyDir, d.file), d]));
  const byKey = new Map(corpus.documents.map((d) => [documentKey(d), d]));
  const out = {} as Record<Layout, { plumbline: number; kubeconform: number; expected: number }>;
  for (const layout of LAYOUTS) {
    const target = layoutPath(corpus, layout);
    const [plCmd, plArgs] = commandFor('plumbline', target, anchors, true);
    const [kcCmd, kcArgs] = commandFor('kubeconform', target, anchors, true);
    const pl = JSON.parse((await runProcess(plCmd, plArgs)).stdout) as PlumblineJson;
    const kc = parseKubeconformJson((await runProcess(kcCmd, kcArgs)).stdout).resources;
    const plumbline = new Set<string>();
    const kubeconform = new Set<string>();
    const unknown: string[] = [];
    const note = (set: Set<string>, d: CorpusDocument | undefined, what: string): void => {
      if (d === undefined) unknown.push(what);
      else set.add(documentKey(d));
    };
    if (layout === 'many') {
      for (const path of plumblineInvalidFiles(pl).keys()) note(plumbline, byFile.get(path), path);
      for (const path of kubeconformInvalidFiles(kc).keys()) note(kubeconform, byFile.get(path), path);
    } else {
      for (const f of pl.findings) if (f.severity === 'error') note(plumbline, documentAtLine(corpus.documents, f.line), `${f.path}:${f.line}`);
      for (const r of kc) if (r.status === 'statusInvalid' || r.status === 'statusError') note(kubeconform, byKey.get(`${r.kind}/${r.name}`), `${r.kind}/${r.name}`);
    }
    const diff = (a: Set<string>, b: Set<string>): string[] => [...a].filter((x) => !b.has(x));
    const problems = [
      ...unknown.map((u) => `a finding outside any corpus document: ${u}`),
      ...diff(expected, plumbline).map((k) => `Plumbline missed ${k}`),
      ...diff(plumbline, expected).map((k) => `Plumbline flags valid ${k}`),
      ...diff(expected, kubeconform).map((k) => `kubeconform missed ${k}`),
      ...diff(kubeconform, expected).map((k) => `kubeconform flags valid ${k}`),
    ];
    if (problems.length > 0) throw new Error(`the tools disagree on the ${layout}-file corpus:\n  ${problems.slice(0, 30).join('\n  ')}`);
    out[layout] = { plumbline: plumbline.size, kubeconform: kubeconform.size, expected: expected.size };
  }
  return out;
}

async function timeChecks(corpus: Corpus, anchors: Anchors, reps: number): Promise<Timing[]> {
  const timings: Timing[] = [];
  for (const layout of LAYOUTS) for (const tool of TOOLS) {
    const [cmd, args] = commandFor(tool, layoutPath(corpus, layout), anchors, false);
    timings.push({ layout, tool, command: [cmd === process.execPath ? 'node' : cmd, ...args].join(' '), samplesMs: [], medianMs: 0, cpuSamplesMs: [], cpuMedianMs: Number.NaN, minMs: 0, resourcesPerSecond: 0, peakRssMB: undefined, invalidReported: -1 });
  }
  // One untimed round warms the page cache and the binaries; then the tools take turns, so the
  // machine's noise spreads over all of them rather than landing on one.
  for (let round = 0; round <= reps; round++) {
    for (const t of timings) {
      const [cmd, args] = commandFor(t.tool, layoutPath(corpus, t.layout), anchors, false);
      const result = await runProcess(cmd, args, { peakRss: true });
      const invalid = invalidFromSummary(t.tool, result, corpus.documents.length);
      if (round === 0) continue;
      t.samplesMs.push(result.ms);
      if (result.cpuMs !== undefined) t.cpuSamplesMs.push(result.cpuMs);
      t.invalidReported = invalid;
      if (result.maxRssKb !== undefined) t.peakRssMB = Math.max(t.peakRssMB ?? 0, Math.round((result.maxRssKb / 1024) * 10) / 10);
    }
    log(round === 0 ? 'warm-up round done' : `timed round ${round}/${reps} done`);
  }
  for (const t of timings) {
    t.medianMs = median(t.samplesMs);
    t.cpuMedianMs = median(t.cpuSamplesMs);
    t.minMs = Math.min(...t.samplesMs);
    t.resourcesPerSecond = Math.round(corpus.documents.length / (t.medianMs / 1000));
  }
  return timings;
}

async function runYamlLs(corpus: Corpus, bundle: SchemaBundleData, plan: ReturnType<typeof planMiddleEdit>, runs: number): Promise<{ result: YamlLsResult; schemaFile: string; schemaUri: string; documentUri: string }> {
  const schemaFile = join(BENCH_CACHE, 'schemas', 'yamlls-kinds.schema.json');
  writeFileSync(schemaFile, JSON.stringify(dispatcherSchema(bundle)));
  const config: YamlLsConfig = {
    file: corpus.singleFile,
    schemaFile,
    schemaUri: 'file:///plumbline-bench/schemas/kinds.schema.json',
    documentUri: 'file:///plumbline-bench/corpus/all.yaml',
    runs,
    plan,
    documentLines: corpus.documents.map((d) => d.line),
  };
  const configFile = join(BENCH_CACHE, 'yamlls-config.json');
  writeFileSync(configFile, JSON.stringify(config));
  const result = await runProcess(process.execPath, ['--expose-gc', '--import', 'tsx', join(__dirname, 'yamlLsWorker.ts'), configFile], { cwd: REPO });
  if (result.code !== 0) throw new Error(`yaml-language-server worker failed (${String(result.code ?? result.signal)}): ${result.stderr.slice(-3000)}`);
  const line = result.stdout.trim().split('\n').pop() ?? '';
  return { result: JSON.parse(line) as YamlLsResult, schemaFile, schemaUri: config.schemaUri, documentUri: config.documentUri };
}

interface Row {
  measure: string;
  plumbline: string;
  anchor: string;
  anchorName: string;
  ratio: string;
  target: string;
  status: 'met' | 'NOT met' | '';
}

const fmt = (n: number, digits = 0): string => (Number.isFinite(n) ? n.toFixed(digits) : 'n/a');

function printTable(rows: readonly Row[]): string {
  const headers: Row = { measure: 'measure', plumbline: 'plumbline', anchor: 'anchor', anchorName: 'anchor is', ratio: 'ratio pl/anchor', target: 'target', status: '' };
  const keys = Object.keys(headers) as (keyof Row)[];
  const widths = keys.map((k) => Math.max(headers[k].length, ...rows.map((r) => r[k].length)));
  const line = (r: Row): string => keys.map((k, i) => r[k].padEnd(widths[i] ?? 0)).join(' | ').trimEnd();
  return [line(headers), widths.map((w) => '-'.repeat(w)).join('-|-'), ...rows.map(line)].join('\n');
}

async function main(): Promise<void> {
  const started = Date.now();
  const reps = envInt('BENCH_REPS', 5);
  const edits = envInt('BENCH_EDITS', 50);
  const editPauseMs = envInt('BENCH_EDIT_PAUSE_MS', 100, 0);
  const yamlLsRuns = Math.max(2, envInt('BENCH_YAMLLS_RUNS', 4));
  const skipYamlLs = process.env['BENCH_SKIP_YAMLLS'] === '1';
  const loadStart = loadavg();
  const phases: Record<string, number> = {};
  const phase = async <T>(name: string, work: () => Promise<T> | T): Promise<T> => {
    const t0 = Date.now();
    log(`${name}…`);
    const value = await work();
    phases[name] = Date.now() - t0;
    return value;
  };

  await phase('build', () => mustRun(process.execPath, [join(REPO, 'esbuild.mjs')]));
  const kubeconform = await phase('kubeconform', ensureKubeconform);
  const goVersion = (await runProcess(process.env['GO'] ?? 'go', ['env', 'GOVERSION'])).stdout.trim();
  const bundle = JSON.parse(readFileSync(join(REPO, 'schemas', 'bundled.json'), 'utf8')) as SchemaBundleData;
  const schemas = await phase('schemas', () => writeKubeconformSchemas(bundle, join(BENCH_CACHE, 'schemas', 'kubeconform')));
  const kubectlValidate = await phase('kubectl-validate', ensureKubectlValidate);
  // kubectl-validate asks the kubeconfig's cluster for schemas before its own: every tool here must read the same files.
  process.env['KUBECONFIG'] = join(BENCH_CACHE, 'no-kubeconfig');
  const kvSchemas = await phase('kubectl-validate schemas', () => writeKubectlValidateSchemas(bundle, KUBECTL_VALIDATE_SCHEMAS));
  const anchors: Anchors = { schemas, kubeconform: kubeconform.binary, kubectlValidate: kubectlValidate.binary, kubectlValidateSchemas: kvSchemas.dir };

  const fixtures = await phase('agreement on fixtures', async (): Promise<FixtureReport[]> => {
    const dir = join(BENCH_DATA, 'agreement');
    const paths = writeFixtures(dir);
    const [plCmd, plArgs] = commandFor('plumbline', dir, anchors, true);
    const [kcCmd, kcArgs] = commandFor('kubeconform', dir, anchors, true);
    const pl = JSON.parse((await runProcess(plCmd, plArgs)).stdout) as PlumblineJson;
    const kc = parseKubeconformJson((await runProcess(kcCmd, kcArgs)).stdout).resources;
    const reports = judgeFixtures(paths, plumblineInvalidFiles(pl), kubeconformInvalidFiles(kc));
    const wrong = reports.filter((r) => r.plumbline !== r.expected || r.kubeconform !== r.expected);
    if (wrong.length > 0) {
      throw new Error(
        `Plumbline and kubeconform disagree on fixtures, nothing is timed:\n${wrong
          .map((r) => `  ${r.name} (expected ${r.expected}): plumbline ${r.plumbline} ${r.plumblineSays ?? ''}; kubeconform ${r.kubeconform} ${r.kubeconformSays ?? ''}`)
          .join('\n')}`,
      );
    }
    return reports;
  });

  const corpus = await phase('corpus', () => writeCorpus(join(BENCH_DATA, 'corpus')));
  log(`corpus: ${corpus.documents.length} documents, ${(corpus.bytes / 1e6).toFixed(2)} MB, ${corpus.errors} with a deliberate error`);
  const agreement = await phase('agreement on the corpus', () => corpusAgreement(corpus, anchors));
  const timings = await phase('check timings', () => timeChecks(corpus, anchors, reps));

  const cel = await phase('CEL corpus', () => writeCelCorpus(join(BENCH_DATA, 'cel-corpus')));
  log(`CEL corpus: ${cel.documents.length} ${CEL_KIND} resources (${(cel.bytes / 1e6).toFixed(2)} MB), ${cel.invalid} breaking one CEL rule`);
  const celSetup: CelSetup = { corpus: cel, cli: CLI, kubectlValidate: kubectlValidate.binary, schemasDir: kvSchemas.dir };
  const celAgreed = await phase('agreement on the CEL corpus', () => celAgreement(celSetup));
  const celTimed = await phase('CEL check timings', () => celTimings(celSetup, reps));
  const celText = readFileSync(cel.singleFile, 'utf8');
  const celPlan = planCelEdit(celText, cel.documents);
  const celEditor = await phase('editor latency, CEL corpus', () =>
    measureEditorLatency(SERVER, cel.singleFile, celText, cel.documents.length, celPlan, edits, editPauseMs, { folder: join(BENCH_DATA, 'cel-corpus'), firstErrors: cel.invalid }),
  );

  const text = readFileSync(corpus.singleFile, 'utf8');
  const plan = planMiddleEdit(text, corpus.documents);
  const editor: EditorLatency = await phase('editor latency', () => measureEditorLatency(SERVER, corpus.singleFile, text, corpus.documents.length, plan, edits, editPauseMs));
  const yamlLs = skipYamlLs ? undefined : await phase('yaml-language-server', () => runYamlLs(corpus, bundle, plan, yamlLsRuns));

  // ---- the table
  const timing = (layout: Layout, tool: Tool): Timing => {
    const t = timings.find((x) => x.layout === layout && x.tool === tool);
    if (t === undefined) throw new Error(`no timing for ${tool} on ${layout}`);
    return t;
  };
  const rows: Row[] = [];
  for (const layout of LAYOUTS) {
    const pl = timing(layout, 'plumbline');
    for (const anchorTool of ['kubeconform', 'kubeconform -n 2', 'kubectl-validate'] as const) {
      const kc = timing(layout, anchorTool);
      const ratio = pl.resourcesPerSecond / kc.resourcesPerSecond;
      const label = layout === 'single' ? `1 file, ${corpus.documents.length} docs` : `${corpus.files} files`;
      rows.push({
        measure: `check throughput, ${label} (resources/s, median of ${reps})`,
        plumbline: `${pl.resourcesPerSecond} (${fmt(pl.medianMs / 1000, 2)} s)`,
        anchor: `${kc.resourcesPerSecond} (${fmt(kc.medianMs / 1000, 2)} s)`,
        anchorName: anchorTool === 'kubeconform' ? `kubeconform ${KUBECONFORM_VERSION} (default -n 4)` : anchorTool === 'kubectl-validate' ? `kubectl-validate ${kubectlValidate.version}` : `kubeconform ${KUBECONFORM_VERSION} -n 2`,
        ratio: fmt(ratio, 2),
        target: anchorTool === 'kubeconform' ? `>= ${TARGETS.throughputRatio.toFixed(2)}` : '',
        status: anchorTool === 'kubeconform' ? (ratio >= TARGETS.throughputRatio ? 'met' : 'NOT met') : '',
      });
    }
    const kc = timing(layout, 'kubeconform');
    if (Number.isFinite(pl.cpuMedianMs) && Number.isFinite(kc.cpuMedianMs)) {
      rows.push({ measure: `check CPU time user+sys, ${layout === 'single' ? '1 file' : 'many files'} (s, median)`, plumbline: fmt(pl.cpuMedianMs / 1000, 2), anchor: fmt(kc.cpuMedianMs / 1000, 2), anchorName: 'kubeconform (default -n 4)', ratio: fmt(pl.cpuMedianMs / kc.cpuMedianMs, 2), target: '', status: '' });
    }
    if (pl.peakRssMB !== undefined && kc.peakRssMB !== undefined) {
      const ratio = pl.peakRssMB / kc.peakRssMB;
      rows.push({ measure: `check peak RSS, ${layout === 'single' ? '1 file' : 'many files'} (MB)`, plumbline: fmt(pl.peakRssMB), anchor: fmt(kc.peakRssMB), anchorName: 'kubeconform (default -n 4)', ratio: fmt(ratio, 2), target: `<= ${TARGETS.peakRssRatio}`, status: ratio <= TARGETS.peakRssRatio ? 'met' : 'NOT met' });
      const kv = timing(layout, 'kubectl-validate').peakRssMB;
      if (kv !== undefined) rows.push({ measure: `check peak RSS, ${layout === 'single' ? '1 file' : 'many files'} (MB)`, plumbline: fmt(pl.peakRssMB), anchor: fmt(kv), anchorName: `kubectl-validate ${kubectlValidate.version}`, ratio: fmt(pl.peakRssMB / kv, 2), target: '', status: '' });
    }
    rows.push({ measure: `invalid resources found, ${layout === 'single' ? '1 file' : 'many files'}`, plumbline: String(pl.invalidReported), anchor: String(kc.invalidReported), anchorName: `kubeconform (generator injected ${corpus.errors})`, ratio: '', target: `= ${corpus.errors}`, status: pl.invalidReported === corpus.errors && kc.invalidReported === corpus.errors ? 'met' : 'NOT met' });
    const kvInvalid = timing(layout, 'kubectl-validate').invalidReported;
    rows.push({ measure: `invalid resources found, ${layout === 'single' ? '1 file' : 'many files'}`, plumbline: String(pl.invalidReported), anchor: String(kvInvalid), anchorName: `kubectl-validate (generator injected ${corpus.errors})`, ratio: '', target: '', status: '' });
  }
  const celTiming = (layout: CelTiming['layout'], tool: CelTiming['tool']): CelTiming => {
    const t = celTimed.find((x) => x.layout === layout && x.tool === tool);
    if (t === undefined) throw new Error(`no CEL timing for ${tool} on ${layout}`);
    return t;
  };
  for (const layout of ['single', 'many'] as const) {
    const pl = celTiming(layout, 'plumbline');
    const kv = celTiming(layout, 'kubectl-validate');
    const ratio = pl.resourcesPerSecond / kv.resourcesPerSecond;
    const label = layout === 'single' ? `CRD + 1 file of ${cel.documents.length} ${CEL_KIND}s` : `CRD + ${cel.documents.length} files`;
    rows.push({ measure: `CEL check throughput, ${label} (resources/s, median of ${reps})`, plumbline: `${pl.resourcesPerSecond} (${fmt(pl.medianMs / 1000, 2)} s)`, anchor: `${kv.resourcesPerSecond} (${fmt(kv.medianMs / 1000, 2)} s)`, anchorName: `kubectl-validate ${kubectlValidate.version}`, ratio: fmt(ratio, 2), target: `>= ${TARGETS.celThroughputRatio.toFixed(2)}`, status: ratio >= TARGETS.celThroughputRatio ? 'met' : 'NOT met' });
    rows.push({ measure: `CEL check CPU time user+sys, ${layout === 'single' ? '1 file' : 'many files'} (s, median)`, plumbline: fmt(pl.cpuMedianMs / 1000, 2), anchor: fmt(kv.cpuMedianMs / 1000, 2), anchorName: `kubectl-validate ${kubectlValidate.version}`, ratio: fmt(pl.cpuMedianMs / kv.cpuMedianMs, 2), target: '', status: '' });
    if (pl.peakRssMB !== undefined && kv.peakRssMB !== undefined) rows.push({ measure: `CEL check peak RSS, ${layout === 'single' ? '1 file' : 'many files'} (MB)`, plumbline: fmt(pl.peakRssMB), anchor: fmt(kv.peakRssMB), anchorName: `kubectl-validate ${kubectlValidate.version}`, ratio: fmt(pl.peakRssMB / kv.peakRssMB, 2), target: '', status: '' });
    rows.push({ measure: `CEL: invalid resources found, ${layout === 'single' ? '1 file' : 'many files'}`, plumbline: String(celAgreed[layout].plumbline), anchor: String(celAgreed[layout]['kubectl-validate']), anchorName: `kubectl-validate (generator broke ${cel.invalid}; the same resources)`, ratio: '', target: `= ${cel.invalid}`, status: celAgreed[layout].plumbline === cel.invalid && celAgreed[layout]['kubectl-validate'] === cel.invalid ? 'met' : 'NOT met' });
  }
  rows.push({ measure: `editor, CEL corpus: edit -> diagnostics p50 / p95 (ms, ${edits} edits)`, plumbline: `${fmt(celEditor.editMedianMs, 1)} / ${fmt(celEditor.editP95Ms, 1)}`, anchor: '', anchorName: '', ratio: '', target: `p95 <= ${TARGETS.editP95Ms}`, status: celEditor.editP95Ms <= TARGETS.editP95Ms ? 'met' : 'NOT met' });
  const y = yamlLs?.result;
  const yWarm = y === undefined ? Number.NaN : median(y.validationMs.slice(1));
  const yCold = y?.validationMs[0] ?? Number.NaN;
  const yName = y === undefined ? 'yaml-language-server (skipped)' : `yaml-language-server ${y.version} doValidation`;
  rows.push({ measure: `editor: open ${(editor.fileBytes / 1e6).toFixed(1)} MB file -> first diagnostics (ms)`, plumbline: fmt(editor.openToFirstDiagnosticsMs), anchor: fmt(yCold), anchorName: `${yName}, first call`, ratio: fmt(editor.openToFirstDiagnosticsMs / yCold, 3), target: '', status: '' });
  rows.push({ measure: `editor: edit -> diagnostics p50 (ms, ${edits} edits ${editPauseMs} ms apart)`, plumbline: fmt(editor.editMedianMs, 1), anchor: fmt(yWarm), anchorName: `${yName}, median of later calls`, ratio: fmt(editor.editMedianMs / yWarm, 4), target: '', status: '' });
  rows.push({ measure: `editor: edit -> diagnostics p95 (ms, ${edits} edits ${editPauseMs} ms apart)`, plumbline: fmt(editor.editP95Ms, 1), anchor: fmt(yWarm), anchorName: `${yName}, median of later calls`, ratio: fmt(editor.editP95Ms / yWarm, 4), target: `<= ${TARGETS.editP95Ms}`, status: editor.editP95Ms <= TARGETS.editP95Ms ? 'met' : 'NOT met' });
  const yCpuWarm = y === undefined ? Number.NaN : median(y.validationCpuMs.slice(1));
  const yCpuCold = y?.validationCpuMs[0] ?? Number.NaN;
  rows.push({ measure: 'editor: server CPU for the open (ms, user+sys)', plumbline: fmt(editor.serverCpuOpenMs ?? Number.NaN), anchor: fmt(yCpuCold), anchorName: `${yName}, first call (process CPU)`, ratio: fmt((editor.serverCpuOpenMs ?? Number.NaN) / yCpuCold, 3), target: '', status: '' });
  rows.push({ measure: 'editor: server CPU per edit (ms, mean, incl. work after the publish)', plumbline: fmt(editor.serverCpuPerEditMs ?? Number.NaN, 1), anchor: fmt(yCpuWarm), anchorName: `${yName}, median of later calls (process CPU)`, ratio: fmt((editor.serverCpuPerEditMs ?? Number.NaN) / yCpuWarm, 4), target: '', status: '' });
  const heap = editor.afterEdits?.heapUsedMB ?? editor.afterOpen?.heapUsedMB ?? Number.NaN;
  rows.push({ measure: 'editor: server heap with the file open, after GC (MB)', plumbline: fmt(heap), anchor: fmt(y?.heapUsedMB ?? Number.NaN), anchorName: `${yName}, after GC`, ratio: fmt(heap / (y?.heapUsedMB ?? Number.NaN), 2), target: `<= ${TARGETS.heapMB}`, status: heap <= TARGETS.heapMB ? 'met' : 'NOT met' });
  const rss = editor.afterEdits?.rssMB ?? Number.NaN;
  rows.push({ measure: 'editor: server RSS with the file open (MB)', plumbline: `${fmt(rss)} (peak ${fmt(editor.peakRssMB ?? Number.NaN)})`, anchor: `${fmt(y?.rssMB ?? Number.NaN)} (peak ${fmt(y?.peakRssMB ?? Number.NaN)})`, anchorName: yName, ratio: fmt(rss / (y?.rssMB ?? Number.NaN), 2), target: '', status: '' });
  if (y !== undefined) {
    const serverDocs = new Set(editor.firstErrorLines.map((l) => documentAtLine(corpus.documents, l)?.index));
    rows.push({ measure: 'editor: documents with problems in the file', plumbline: String(serverDocs.size), anchor: String(y.documentsWithProblems), anchorName: yName, ratio: '', target: `= ${corpus.errors}`, status: y.documentsWithProblems === corpus.errors && serverDocs.size === corpus.errors ? 'met' : 'NOT met' });
  }

  const seconds = (Date.now() - started) / 1000;
  const table = printTable(rows);
  const cpu = cpus();
  const results = {
    benchmark: 'validate',
    date: new Date().toISOString(),
    durationSeconds: Math.round(seconds),
    phasesMs: phases,
    environment: {
      node: process.version,
      go: goVersion,
      cpus: cpu.length,
      cpuModel: cpu[0]?.model,
      loadAverageStart: loadStart,
      loadAverageEnd: loadavg(),
      processStatsFrom: canMeasurePeakRss ? 'GNU time: %M (peak RSS), %U + %S (CPU)' : 'not measured (no /usr/bin/time)',
    },
    settings: { reps, edits, editPauseMs, yamlLsRuns },
    targets: TARGETS,
    kubectlValidate: { version: kubectlValidate.version, binary: kubectlValidate.binary, schemas: kvSchemas },
    celCorpus: { documents: cel.documents.length, bytes: cel.bytes, invalid: cel.invalid, crd: cel.crdFile },
    celAgreement: celAgreed,
    celCheck: celTimed,
    celEditor: { ...celEditor, edit: celPlan },
    kubeconform: { version: kubeconform.version, binary: kubeconform.binary, builtThisRun: kubeconform.built, schemaLocation: schemas.location, kubernetesVersion: schemas.kubernetesVersion, kinds: schemas.kinds, schemaBytes: schemas.bytes },
    corpus: { seed: corpus.seed, generatorVersion: corpus.generatorVersion, documents: corpus.documents.length, bytes: corpus.bytes, files: corpus.files, byKind: corpus.byKind, errors: corpus.documents.filter((d) => d.error !== undefined).map((d) => ({ kind: d.kind, name: d.name, line: d.line, error: d.error })) },
    agreement: { fixtures, corpus: agreement },
    check: timings,
    editor: { ...editor, edit: plan },
    yamlLanguageServer:
      yamlLs === undefined
        ? { skipped: true }
        : {
            ...yamlLs.result,
            coldMs: yCold,
            warmMedianMs: yWarm,
            coldCpuMs: yCpuCold,
            warmMedianCpuMs: yCpuWarm,
            configured: {
              schemas: [{ uri: yamlLs.schemaUri, fileMatch: ['*.yaml', '*.yml'], schema: `contents of ${yamlLs.schemaFile}` }],
              documentUri: yamlLs.documentUri,
              isKubernetes: true,
              yamlVersion: '1.1',
            },
          },
    table: rows,
  };
  mkdirSync(RESULTS_DIR, { recursive: true });
  const out = join(RESULTS_DIR, 'validate.json');
  writeFileSync(out, `${JSON.stringify(results, null, 2)}\n`);
  process.stdout.write(`\nPlumbline validation benchmark — ${corpus.documents.length} documents, ${(corpus.bytes / 1e6).toFixed(2)} MB (${corpus.errors} invalid), Node ${process.version}, ${go(goVersion)}, ${cpu.length} CPUs\n\n${table}\n\n`);
  process.stdout.write('Ratio: the Plumbline figure divided by the anchor figure of the same row (throughput: higher is better; times and memory: lower is better).\n');
  process.stdout.write(`Agreement: ${fixtures.length} fixtures and every corpus document judged alike by Plumbline and kubeconform (converted schemas, -strict).\n`);
  process.stdout.write(`Load average at start ${loadStart.map((l) => l.toFixed(2)).join(' ')}, at end ${loadavg().map((l) => l.toFixed(2)).join(' ')}. Heap/RSS: ${editor.measured}.\n`);
  process.stdout.write(`Results: ${out} (took ${seconds.toFixed(0)} s)\n`);
}

function go(version: string): string {
  return version === '' ? 'Go unknown' : version;
}

main().catch((error: unknown) => {
  process.stderr.write(`bench:validate failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
  process.exitCode = 1;
});

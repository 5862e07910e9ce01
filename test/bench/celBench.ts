// The CEL part of `npm run bench:validate`: Plumbline and kubectl-validate on the CEL corpus
// (celCorpus.ts), one file and one file per resource. First both must flag exactly the resources
// the generator broke (the benchmark fails otherwise); then they take turns being timed.

import { resolve } from 'node:path';
import type { PlumblineJson } from './agreement';
import type { CelCorpus, CelDocument } from './celCorpus';
import { kubectlValidateArgs, parseKubectlValidateJson } from './kubectlValidate';
import { log, median, REPO, runProcess, type ProcessResult } from './util';

export type CelLayout = 'single' | 'many';
export type CelTool = 'plumbline' | 'kubectl-validate';
export const CEL_LAYOUTS: readonly CelLayout[] = ['single', 'many'];
const CEL_TOOLS: readonly CelTool[] = ['plumbline', 'kubectl-validate'];

export interface CelSetup {
  corpus: CelCorpus;
  cli: string;
  kubectlValidate: string;
  schemasDir: string;
}

export interface CelTiming {
  layout: CelLayout;
  tool: CelTool;
  command: string;
  samplesMs: number[];
  medianMs: number;
  cpuMedianMs: number;
  peakRssMB: number | undefined;
  resourcesPerSecond: number;
  invalidFound: number;
}

function target(corpus: CelCorpus, layout: CelLayout): string {
  return layout === 'single' ? corpus.singleFile : corpus.manyDir;
}

function commandFor(setup: CelSetup, tool: CelTool, layout: CelLayout): [string, string[]] {
  const { corpus } = setup;
  // Both read the CRD from its folder and check it too (kubectl-validate as the apiserver checks a CRD).
  if (tool === 'plumbline') return [process.execPath, [setup.cli, 'check', '--strict', '-o', 'json', corpus.crdDir, target(corpus, layout)]];
  return [setup.kubectlValidate, kubectlValidateArgs(setup.schemasDir, [corpus.crdDir], [corpus.crdDir, target(corpus, layout)])];
}

/** The names of the resources a run found invalid; throws on a finding outside any resource or on the CRD. */
function invalidNames(setup: CelSetup, tool: CelTool, layout: CelLayout, result: ProcessResult): Set<string> {
  const { corpus } = setup;
  if (result.code !== 0 && result.code !== 1) throw new Error(`${tool} exited with ${String(result.code ?? result.signal)} on the CEL corpus (${layout}): ${result.stderr.slice(-2000)}${result.stdout.slice(-1000)}`);
  const byFile = new Map(corpus.documents.map((d) => [resolve(corpus.manyDir, d.file), d]));
  const found = new Set<string>();
  const stray: string[] = [];
  if (tool === 'plumbline') {
    const out = JSON.parse(result.stdout) as PlumblineJson;
    for (const f of out.findings) {
      if (f.severity !== 'error') continue;
      const path = resolve(REPO, f.path);
      const d = layout === 'many' ? byFile.get(path) : path === corpus.singleFile ? documentAtLine(corpus.documents, f.line) : undefined;
      if (d === undefined) stray.push(`${f.path}:${f.line} ${f.message}`);
      else found.add(d.name);
    }
  } else {
    for (const [file, verdicts] of parseKubectlValidateJson(result.stdout)) {
      const path = resolve(REPO, file);
      const failed = verdicts.map((v, i) => [v, i] as const).filter(([v]) => v !== undefined);
      if (failed.length === 0) continue;
      if (layout === 'many') {
        const d = byFile.get(path);
        if (d === undefined) stray.push(`${file}: ${String(failed[0]?.[0])}`);
        else found.add(d.name);
        continue;
      }
      if (path !== corpus.singleFile) {
        stray.push(`${file}: ${String(failed[0]?.[0])}`);
        continue;
      }
      // A leading `---` may count as an empty first document.
      const skip = verdicts.length - corpus.documents.length;
      if (skip !== 0 && skip !== 1) throw new Error(`kubectl-validate judged ${verdicts.length} documents in ${file}, the corpus has ${corpus.documents.length}`);
      for (const [v, i] of failed) {
        const d = corpus.documents[i - skip];
        if (d === undefined) stray.push(`document ${i}: ${String(v)}`);
        else found.add(d.name);
      }
    }
  }
  if (stray.length > 0) throw new Error(`${tool} reports errors outside the corpus's resources (${layout}):\n  ${stray.slice(0, 10).join('\n  ')}`);
  return found;
}

function documentAtLine(documents: readonly CelDocument[], line: number): CelDocument | undefined {
  let found: CelDocument | undefined;
  for (const d of documents) {
    if (d.line > line) break;
    found = d;
  }
  return found;
}

/** Checks that both tools flag exactly the broken resources, in both layouts; returns how many each found. */
export async function celAgreement(setup: CelSetup): Promise<Record<CelLayout, Record<CelTool, number>>> {
  const expected = new Set(setup.corpus.documents.filter((d) => d.broken !== undefined).map((d) => d.name));
  const out = {} as Record<CelLayout, Record<CelTool, number>>;
  for (const layout of CEL_LAYOUTS) {
    const counts = {} as Record<CelTool, number>;
    const problems: string[] = [];
    for (const tool of CEL_TOOLS) {
      const [cmd, args] = commandFor(setup, tool, layout);
      const found = invalidNames(setup, tool, layout, await runProcess(cmd, args));
      for (const name of expected) if (!found.has(name)) problems.push(`${tool} missed ${name}`);
      for (const name of found) if (!expected.has(name)) problems.push(`${tool} flags valid ${name}`);
      counts[tool] = found.size;
    }
    if (problems.length > 0) throw new Error(`Plumbline and kubectl-validate disagree on the CEL corpus (${layout}):\n  ${problems.slice(0, 30).join('\n  ')}`);
    out[layout] = counts;
  }
  return out;
}

/** Times both tools on both layouts, taking turns, after one untimed round. */
export async function celTimings(setup: CelSetup, reps: number): Promise<CelTiming[]> {
  const resources = setup.corpus.documents.length + 1;
  const timings: CelTiming[] = [];
  for (const layout of CEL_LAYOUTS) {
    for (const tool of CEL_TOOLS) {
      const [cmd, args] = commandFor(setup, tool, layout);
      timings.push({ layout, tool, command: [cmd === process.execPath ? 'node' : cmd, ...args].join(' '), samplesMs: [], medianMs: 0, cpuMedianMs: 0, peakRssMB: undefined, resourcesPerSecond: 0, invalidFound: -1 });
    }
  }
  const cpu = new Map<CelTiming, number[]>();
  for (let round = 0; round <= reps; round++) {
    for (const t of timings) {
      const [cmd, args] = commandFor(setup, t.tool, t.layout);
      const result = await runProcess(cmd, args, { peakRss: true });
      const found = invalidNames(setup, t.tool, t.layout, result);
      if (round === 0) continue;
      t.samplesMs.push(result.ms);
      if (result.cpuMs !== undefined) cpu.set(t, [...(cpu.get(t) ?? []), result.cpuMs]);
      t.invalidFound = found.size;
      if (result.maxRssKb !== undefined) t.peakRssMB = Math.max(t.peakRssMB ?? 0, Math.round((result.maxRssKb / 1024) * 10) / 10);
    }
    log(round === 0 ? 'CEL corpus: warm-up round done' : `CEL corpus: timed round ${round}/${reps} done`);
  }
  for (const t of timings) {
    t.medianMs = median(t.samplesMs);
    t.cpuMedianMs = median(cpu.get(t) ?? []);
    t.resourcesPerSecond = Math.round(resources / (t.medianMs / 1000));
  }
  return timings;
}

// Child process of the validation benchmark (own process, so its memory is its own):
// yaml-language-server's language service in-process, validating the single corpus file with
// the converted strict schemas, the same toggle edit as the editor benchmark between runs.
// Started as `node --expose-gc --import tsx yamlLsWorker.ts <config.json>`; prints one JSON line.

import { readFileSync } from 'node:fs';
import { performance } from 'node:perf_hooks';
import { getLanguageService, TextDocument, type Diagnostic } from 'yaml-language-server';
import type { EditPlan } from './lspLatency';

export interface YamlLsConfig {
  file: string;
  schemaFile: string;
  schemaUri: string;
  /**
   * The URI the text is validated under. Not the real path: yaml-language-server matches
   * `fileMatch` globs with picomatch without `dot`, so nothing under `.cache/` would match.
   */
  documentUri: string;
  runs: number;
  plan: EditPlan;
  /** 1-based first line of each document, to count documents with errors. */
  documentLines: number[];
}

export interface YamlLsResult {
  version: string;
  runs: number;
  /** Wall time of each doValidation call; the first includes resolving the schema. */
  validationMs: number[];
  /** CPU time (user + sys) of the process during each doValidation call. */
  validationCpuMs: number[];
  diagnostics: number;
  /** Documents with at least one error or warning in the first run. */
  documentsWithProblems: number;
  heapUsedMB: number;
  heapTotalMB: number;
  rssMB: number;
  peakRssMB: number;
  firstMessages: string[];
}

function documentIndex(lines: readonly number[], line1: number): number {
  let low = 0;
  let high = lines.length - 1;
  let found = -1;
  while (low <= high) {
    const mid = (low + high) >> 1;
    if ((lines[mid] ?? Infinity) <= line1) {
      found = mid;
      low = mid + 1;
    } else {
      high = mid - 1;
    }
  }
  return found;
}

function toggle(text: string, plan: EditPlan, edited: boolean): string {
  let offset = 0;
  for (let line = 0; line < plan.line; line++) offset = text.indexOf('\n', offset) + 1;
  offset += plan.character;
  const [from, to] = edited ? [plan.original, plan.replacement] : [plan.replacement, plan.original];
  return text.slice(0, offset) + to + text.slice(offset + from.length);
}

function procStatus(field: string): number {
  const status = readFileSync('/proc/self/status', 'utf8');
  const kb = Number.parseInt(new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(status)?.[1] ?? 'NaN', 10);
  return Math.round((kb / 1024) * 10) / 10;
}

async function main(): Promise<void> {
  const configPath = process.argv[2];
  if (configPath === undefined) throw new Error('usage: yamlLsWorker.ts <config.json>');
  const config = JSON.parse(readFileSync(configPath, 'utf8')) as YamlLsConfig;
  const original = readFileSync(config.file, 'utf8');
  const edited = toggle(original, config.plan, true);
  // A JSON schema as yaml-language-server's settings take it.
  const schema = JSON.parse(readFileSync(config.schemaFile, 'utf8')) as Record<string, unknown>;
  const service = getLanguageService({
    // No network here: a schema the settings do not carry cannot be fetched.
    schemaRequestService: (uri: string) => Promise.reject(new Error(`no network in the benchmark: ${uri}`)),
    workspaceContext: { resolveRelativePath: (relative: string, resource: string) => new URL(relative, resource).toString() },
  });
  service.configure({
    validate: true,
    hover: false,
    completion: false,
    format: false,
    isKubernetes: true,
    // Kubernetes (sigs.k8s.io/yaml) and kubeconform read YAML 1.1: `yes` is a boolean there.
    yamlVersion: '1.1',
    customTags: [],
    schemas: [{ uri: config.schemaUri, fileMatch: ['*.yaml', '*.yml'], schema }],
  });
  const uri = config.documentUri;
  const validationMs: number[] = [];
  const validationCpuMs: number[] = [];
  let first: Diagnostic[] = [];
  for (let run = 0; run < config.runs; run++) {
    // A new version each run (yaml-language-server caches the parse per URI and version), alternating the edit.
    const document = TextDocument.create(uri, 'yaml', run + 1, run % 2 === 0 ? original : edited);
    const cpu = process.cpuUsage();
    const started = performance.now();
    const diagnostics = await service.doValidation(document, true);
    validationMs.push(performance.now() - started);
    const used = process.cpuUsage(cpu);
    validationCpuMs.push((used.user + used.system) / 1000);
    if (run === 0) first = diagnostics;
  }
  const withProblems = new Set<number>();
  for (const d of first) if (d.severity === 1 || d.severity === 2) withProblems.add(documentIndex(config.documentLines, d.range.start.line + 1));
  const gc = (globalThis as { gc?: () => void }).gc;
  if (gc !== undefined) gc();
  const usage = process.memoryUsage();
  const mb = (n: number): number => Math.round((n / (1024 * 1024)) * 10) / 10;
  const version = (JSON.parse(readFileSync(require.resolve('yaml-language-server/package.json'), 'utf8')) as { version: string }).version;
  const result: YamlLsResult = {
    version,
    runs: config.runs,
    validationMs,
    validationCpuMs,
    diagnostics: first.length,
    documentsWithProblems: withProblems.size,
    heapUsedMB: mb(usage.heapUsed),
    heapTotalMB: mb(usage.heapTotal),
    rssMB: procStatus('VmRSS'),
    peakRssMB: procStatus('VmHWM'),
    firstMessages: first.slice(0, 5).map((d) => `${d.range.start.line + 1}: ${d.message}`),
  };
  process.stdout.write(`${JSON.stringify(result)}\n`);
}

main().catch((error: unknown) => {
  process.stderr.write(`${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
  process.exitCode = 1;
});

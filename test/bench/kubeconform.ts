// kubeconform, the anchor for `plumbline check`: built from its Go module into
// .cache/bench/bin and reused while the binary records the pinned module version.

import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { BENCH_CACHE, log, mustRun, runProcess } from './util';

export const KUBECONFORM_MODULE = 'github.com/yannh/kubeconform';
/** The newest release on the Go module proxy when the benchmark was written (`go list -m -versions`). */
export const KUBECONFORM_VERSION = 'v0.8.0';

const BIN_DIR = join(BENCH_CACHE, 'bin');
export const KUBECONFORM_BIN = join(BIN_DIR, 'kubeconform');

function goCommand(): string {
  return process.env['GO'] ?? 'go';
}

/** The module version a Go binary was built from (`go version -m`), or undefined. */
async function builtVersion(binary: string): Promise<string | undefined> {
  if (!existsSync(binary)) return undefined;
  const result = await runProcess(goCommand(), ['version', '-m', binary]);
  if (result.code !== 0) return undefined;
  const line = result.stdout.split('\n').find((l) => /^\s*mod\s/.test(l));
  const [, path, version] = line?.trim().split(/\s+/) ?? [];
  return path === KUBECONFORM_MODULE ? version : undefined;
}

/** Builds kubeconform at the pinned version unless the cached binary already is that version. */
export async function ensureKubeconform(): Promise<{ binary: string; version: string; built: boolean; ms: number }> {
  const started = Date.now();
  const go = await runProcess(goCommand(), ['version']).catch((error: unknown) => error as Error);
  if (go instanceof Error || go.code !== 0) {
    throw new Error(`the Go toolchain is needed to build kubeconform (\`${goCommand()} version\` failed: ${go instanceof Error ? go.message : go.stderr.trim()}); install Go 1.26 or set GO=/path/to/go`);
  }
  const have = await builtVersion(KUBECONFORM_BIN);
  if (have === KUBECONFORM_VERSION) return { binary: KUBECONFORM_BIN, version: have, built: false, ms: Date.now() - started };
  log(`building kubeconform ${KUBECONFORM_VERSION} from its Go module (${have === undefined ? 'not built yet' : `cached binary is ${have}`})`);
  await mustRun(goCommand(), ['install', `${KUBECONFORM_MODULE}/cmd/kubeconform@${KUBECONFORM_VERSION}`], {
    env: { ...process.env, GOBIN: BIN_DIR },
  });
  const now = await builtVersion(KUBECONFORM_BIN);
  if (now !== KUBECONFORM_VERSION) throw new Error(`go install did not produce kubeconform ${KUBECONFORM_VERSION} at ${KUBECONFORM_BIN} (found ${String(now)})`);
  return { binary: KUBECONFORM_BIN, version: now, built: true, ms: Date.now() - started };
}

export interface KubeconformSummary {
  resources: number;
  files: number;
  valid: number;
  invalid: number;
  errors: number;
  skipped: number;
}

/** Parses `Summary: 5 resources found in 2 files - Valid: 4, Invalid: 1, Errors: 0, Skipped: 0`. */
export function parseKubeconformSummary(stdout: string): KubeconformSummary {
  const m = /Summary: (\d+) resources? found in (\d+) files? - Valid: (\d+), Invalid: (\d+), Errors: (\d+), Skipped: (\d+)/.exec(stdout);
  if (m === null) throw new Error(`no kubeconform summary in its output:\n${stdout.slice(-2000)}`);
  const n = (i: number): number => Number(m[i]);
  return { resources: n(1), files: n(2), valid: n(3), invalid: n(4), errors: n(5), skipped: n(6) };
}

/** One resource in `kubeconform -output json` (only non-valid ones are listed without -verbose). */
export interface KubeconformResource {
  filename: string;
  kind: string;
  name: string;
  version: string;
  status: 'statusValid' | 'statusInvalid' | 'statusError' | 'statusSkipped' | 'statusEmpty';
  msg: string;
}

export function parseKubeconformJson(stdout: string): { resources: KubeconformResource[]; summary: Record<string, number> } {
  const parsed = JSON.parse(stdout) as { resources?: KubeconformResource[]; summary?: Record<string, number> };
  return { resources: parsed.resources ?? [], summary: parsed.summary ?? {} };
}

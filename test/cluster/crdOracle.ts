// The apiserver as the oracle of a differential test: a fresh cluster with one CRD installed,
// and its verdict on a stream of custom resources sent as dry-run writes.
import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before } from 'node:test';
import { REPO } from '../support/paths';
import { startCluster, waitForOpenApiKind, type Cluster } from './harness';

export interface CrdNames {
  group: string;
  kind: string;
  plural: string;
}

/** What a describe's tests read once the hooks have run: the cluster, a scratch folder, kubectl against it. */
export interface CrdCluster {
  readonly cluster: Cluster;
  readonly work: string;
  readonly kubectl: (args: string[], input?: string) => string;
}

/**
 * Registers before/after hooks in the calling describe: a fresh apiserver with `crd` installed
 * and established, and published in /openapi/v3 (where `plumbline check --context` reads it).
 */
export function clusterWithCrd(crd: string, names: CrdNames, scratchPrefix: string): CrdCluster {
  let cluster: Cluster | undefined;
  let work: string | undefined;
  const env: CrdCluster = {
    get cluster(): Cluster {
      if (cluster === undefined) throw new Error('the cluster is not started (read it inside a test)');
      return cluster;
    },
    get work(): string {
      if (work === undefined) throw new Error('no scratch folder yet (read it inside a test)');
      return work;
    },
    kubectl: (args, input) => execFileSync('kubectl', ['--kubeconfig', env.cluster.kubeconfigPath, ...args], { encoding: 'utf8', ...(input !== undefined ? { input } : {}) }),
  };
  before(async () => {
    work = mkdtempSync(join(tmpdir(), scratchPrefix));
    cluster = await startCluster();
    env.kubectl(['apply', '-f', '-'], crd);
    env.kubectl(['wait', '--for=condition=established', '--timeout=60s', `crd/${names.plural}.${names.group}`]);
    await waitForOpenApiKind(cluster, `${names.group}/v1`, names.kind);
  });
  after(async () => {
    await cluster?.stop();
    if (work !== undefined) rmSync(work, { recursive: true, force: true });
  });
  return env;
}

/** The apiserver's verdict on each object of a multi-document stream, by name: its error text, or '' when accepted. */
export function dryRunVerdicts(cluster: Cluster, verb: string[], stream: string, names: CrdNames): Map<string, string> {
  const run = spawnSync('kubectl', ['--kubeconfig', cluster.kubeconfigPath, ...verb, '--dry-run=server', '-o', 'name', '-f', '-'], { input: stream, encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 });
  const verdicts = new Map<string, string>();
  const accepted = `${names.kind.toLowerCase()}.${names.group}/`;
  for (const line of run.stdout.split('\n')) {
    const trimmed = line.trim();
    if (trimmed.startsWith(accepted)) verdicts.set(trimmed.slice(accepted.length), '');
  }
  // `The Probe "p001" is invalid: [spec.x: Invalid value: ..., ...]`, one object per error line.
  const refused = `${names.kind}.${names.group} "`;
  for (const line of run.stderr.split('\n')) {
    const at = line.indexOf(refused);
    if (at < 0) continue;
    const m = /^([^"]+)" is invalid: (.*)$/.exec(line.slice(at + refused.length));
    if (m?.[1] !== undefined) verdicts.set(m[1], m[2] ?? 'invalid');
  }
  return verdicts;
}

/** One finding of `plumbline check -o json`. */
export interface JsonFinding {
  path: string;
  line: number;
  severity: string;
  code: string;
  message: string;
}

/**
 * Our side: `plumbline check -o json` (the built CLI) with `args`, its findings grouped by the
 * object each file holds (`<name>.yaml`), every name present even without findings.
 */
export function plumblineFindings(args: string[], names: readonly string[]): Map<string, JsonFinding[]> {
  const cli = spawnSync(process.execPath, [join(REPO, 'dist', 'cli.js'), 'check', '-o', 'json', ...args], { encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 });
  assert.ok(cli.status === 0 || cli.status === 1, `plumbline check ran: ${cli.stderr}`);
  const report = JSON.parse(cli.stdout) as { findings: JsonFinding[] };
  const ours = new Map<string, JsonFinding[]>(names.map((name) => [name, []]));
  for (const f of report.findings) ours.get(/([^/\\]+)\.yaml$/.exec(f.path)?.[1] ?? '')?.push(f);
  return ours;
}

import { readFile } from 'node:fs/promises';
import { dirname, join, relative, resolve, sep } from 'node:path';
import { RepositoryRoot } from '../files/insideRoot';
import { refusedLoads, type Loads } from '../kustomize/loadCheck';
import type { Environment } from './model';

/**
 * What an environment's render reads, repository-relative and `/`-separated: files read one by
 * one, folders read whole (every file below them), and folders whose own files matter (a
 * kustomization's: the one kustomize picks, a generator input added beside it). Two trees that
 * agree on all of these, for an environment discovered the same in both, render it the same.
 */
export interface RenderInputs {
  files: Set<string>;
  trees: Set<string>;
  folders: Set<string>;
}

/** A chart's local dependencies (`repository: file://../lib`): helm reads them too. */
async function localDependencies(chartDir: string): Promise<string[]> {
  const text = await readFile(join(chartDir, 'Chart.yaml'), 'utf8').catch(() => '');
  return [...text.matchAll(/repository:\s*["']?file:\/\/([^"'\s]+)/g)].map((m) => resolve(chartDir, m[1]!));
}

/**
 * The inputs of an environment's render in the tree at `root`, over-approximated where a guess
 * would be needed (a folder read whole rather than the files kustomize happens to open): a render
 * skipped wrongly would hide a change, one made needlessly only costs time.
 */
export async function renderInputs(root: string, env: Environment): Promise<RenderInputs> {
  const repo = new RepositoryRoot(root);
  const rel = (p: string): string => relative(root, p).split(sep).join('/') || '.';
  const loads: Loads = { kustomizations: new Set(), files: new Set(), folders: new Set() };
  const dirs = [...env.paths, ...(env.flux?.components ?? [])].map((p) => resolve(root, p));
  if (env.renderer.kind === 'kustomize' || env.flux !== undefined) {
    // The same walk that checks what kustomize may load; a folder without a kustomization (Flux generates one) is read whole.
    await refusedLoads(repo, dirs, loads);
  } else {
    for (const d of dirs) loads.folders.add(d);
  }
  if (env.renderer.kind === 'helm') {
    const chart = resolve(root, env.renderer.chart ?? env.paths[0] ?? '.');
    loads.folders.add(chart);
    for (const d of await localDependencies(chart)) loads.folders.add(d);
    for (const f of env.renderer.valuesFiles) loads.files.add(resolve(root, f));
  }
  const files = new Set([...loads.files].map(rel));
  // Where the Flux steps are written, and where post-build values were read: their values are in the environment as discovered too.
  if (env.flux?.origin !== undefined) files.add(rel(env.flux.origin.file));
  for (const source of Object.values(env.flux?.substitute?.from ?? {})) files.add(rel(source.file));
  return { files, trees: new Set([...loads.folders].map(rel)), folders: new Set([...loads.kustomizations].map((k) => rel(dirname(k)))) };
}

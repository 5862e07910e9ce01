import { createHash } from 'node:crypto';
import { type Dirent, readdirSync } from 'node:fs';
import { fileStamp } from '../files/stamped';
import { join } from 'node:path';
import { collectYamlFiles } from '../files/files';
import { filesOfTree, foldersOfTree, readKustomizationTree } from '../kustomize/tree';
import type { Environment } from './model';
import { renderEnvironment, type RenderOptions, type RenderResult } from './render';

const MAX_ENTRIES = 1000;

/** `path size mtime` of a file, or `path -` when it is gone: what a save or a checkout changes. */
async function stamp(path: string): Promise<string> {
  return `${path} ${await fileStamp(path)}`;
}

/** The files directly in a folder (generator inputs, a kustomization added later). */
async function folderStamps(folder: string): Promise<string[]> {
  // Synchronous: one small folder per unit, where a promise readdir's thread-pool hand-offs cost more than the call.
  let entries: Dirent[];
  try {
    entries = readdirSync(folder, { withFileTypes: true });
  } catch {
    return [];
  }
  return Promise.all(entries.filter((e) => e.isFile()).map((e) => stamp(join(folder, e.name))));
}

/**
 * What an environment's render reads, as one hash of file stamps: its kustomization trees
 * (every file they load and the files of their folders), its plain folders, its chart folder and
 * values files, Flux components. A change to any of them changes the hash.
 */
async function inputsHash(root: string, env: Environment): Promise<string> {
  const lines: string[] = [];
  const folders = [...env.paths, ...(env.flux?.components ?? [])].map((p) => join(root, p));
  for (const folder of folders) {
    const tree = await readKustomizationTree(folder);
    if (tree !== undefined) {
      lines.push(...(await Promise.all([...filesOfTree(tree)].map(stamp))));
      for (const dir of foldersOfTree(tree)) lines.push(...(await folderStamps(dir)));
    } else {
      lines.push(...(await Promise.all((await collectYamlFiles([folder]).catch(() => [])).map(stamp))));
      if (env.renderer.kind === 'helm') lines.push(...(await folderStamps(folder)));
    }
  }
  if (env.renderer.kind === 'helm') {
    if (env.renderer.chart !== undefined) lines.push(...(await Promise.all((await collectYamlFiles([join(root, env.renderer.chart)]).catch(() => [])).map(stamp))), ...(await folderStamps(join(root, env.renderer.chart))));
    lines.push(...(await Promise.all(env.renderer.valuesFiles.map((f) => stamp(join(root, f))))));
  }
  return createHash('sha256').update(lines.sort().join('\n')).digest('hex');
}

function idOf(root: string, env: Environment, options: RenderOptions): string {
  return JSON.stringify([root, env.name, env.paths, env.renderer, env.flux, env.directory, env.unrendered, env.target.namespace, options]);
}

/**
 * Rendered data made immutable: the tree reads every object of every environment on each answer,
 * and copying them each time (so a caller could not spoil the cache) was most of an unchanged
 * answer's time. A caller that wants to change an object copies it; one that forgets throws (strict mode).
 */
function frozen<T>(value: T): T {
  if (value === null || typeof value !== 'object' || Object.isFrozen(value)) return value;
  for (const v of Object.values(value)) frozen(v);
  return Object.freeze(value);
}

function freezeResult(result: RenderResult): RenderResult {
  if (result.ok) for (const o of result.objects) frozen(o);
  return result;
}

/**
 * Renders environments again only when what they read changed: the tree's answer after an edit
 * to one unit's file renders that unit, not all of them. Keyed by the environment as discovered
 * (paths, renderer, Flux steps, options) and the stamps of its input files. Results are frozen: read them, copy to change.
 */
export class RenderCache {
  private readonly entries = new Map<string, { inputs: string; result: Promise<RenderResult> }>();

  async render(root: string, env: Environment, options: RenderOptions): Promise<RenderResult> {
    const id = idOf(root, env, options);
    const inputs = await inputsHash(root, env);
    const hit = this.entries.get(id);
    if (hit !== undefined && hit.inputs === inputs) return hit.result;
    const result = renderEnvironment(root, env, options).then(freezeResult);
    this.remember(id, inputs, result);
    return result;
  }

  private remember(id: string, inputs: string, result: Promise<RenderResult>): void {
    this.entries.delete(id);
    this.entries.set(id, { inputs, result });
    // The oldest go first: environments renamed or removed leave their entries behind.
    while (this.entries.size > MAX_ENTRIES) this.entries.delete(this.entries.keys().next().value!);
  }

  clear(): void {
    this.entries.clear();
  }
}

import { createHash } from 'node:crypto';
import { readdir } from 'node:fs/promises';
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
  const entries = await readdir(folder, { withFileTypes: true }).catch(() => []);
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
 * A deep copy of rendered data: plain objects and arrays by hand, anything else (a Date from a YAML
 * timestamp) by structuredClone. The tree copies every object of every environment on every
 * answer, and structuredClone's serialising round trip was most of an unchanged answer's time.
 */
function cloneData<T>(value: T): T {
  if (value === null || typeof value !== 'object') return value;
  if (Array.isArray(value)) return value.map(cloneData) as T;
  const proto = Object.getPrototypeOf(value) as unknown;
  if (proto !== Object.prototype && proto !== null) return structuredClone(value);
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(value)) out[k] = cloneData(v);
  return out as T;
}

/** A copy callers may change: the cached objects stay as rendered. */
function copy(result: RenderResult): RenderResult {
  return result.ok ? { ...result, objects: result.objects.map((o) => ({ ...o, object: cloneData(o.object) })) } : result;
}

/**
 * Renders environments again only when what they read changed: the tree's answer after an edit
 * to one unit's file renders that unit, not all of them. Keyed by the environment as discovered
 * (paths, renderer, Flux steps, options) and the stamps of its input files.
 */
export class RenderCache {
  private readonly entries = new Map<string, { inputs: string; result: Promise<RenderResult> }>();

  async render(root: string, env: Environment, options: RenderOptions): Promise<RenderResult> {
    const id = idOf(root, env, options);
    const inputs = await inputsHash(root, env);
    const hit = this.entries.get(id);
    if (hit !== undefined && hit.inputs === inputs) return copy(await hit.result);
    const result = renderEnvironment(root, env, options);
    this.remember(id, inputs, result);
    return copy(await result);
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

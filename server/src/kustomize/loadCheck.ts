import { readFileSync, statSync, type Stats } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { parseAllDocuments } from 'yaml';
import type { RepositoryRoot } from '../files/insideRoot';
import { kustomizationIn } from './tree';

/** A file a kustomization names that kustomize must not load, and where it is named. */
export interface RefusedLoad {
  /** The kustomization (repository-relative when inside it). */
  file: string;
  /** The entry, e.g. `configMapGenerator[0].files[1]`. */
  entry: string;
  value: string;
  why: 'outside' | 'unresolvable' | 'unreadable';
  /** The kustomization file itself is what leads out (a symlink). */
  self?: true;
}

/** Larger kustomization or plugin config files are not read (kustomize would choke on them too). */
const MAX_CONFIG_BYTES = 20 * 1024 * 1024;

/** A path's stat (through symlinks), or undefined. Synchronous: one per file a kustomization names, where the thread pool's hand-offs cost more than the call. */
function statOrUndefined(path: string): Stats | undefined {
  try {
    return statSync(path, { throwIfNoEntry: false });
  } catch {
    return undefined;
  }
}

/** A config file's text; undefined for anything but a regular file of sane size (a FIFO would hang the read). */
function readConfig(path: string): string | undefined {
  const info = statOrUndefined(path);
  if (info?.isFile() !== true || info.size > MAX_CONFIG_BYTES) return undefined;
  try {
    return readFileSync(path, 'utf8');
  } catch {
    return undefined;
  }
}

const REMOTE = /^[a-z][a-z0-9+.-]*:\/\/|^github\.com\/|^git@|^ssh:/i;

/** One path a kustomization names: what it is, and where. */
interface Named {
  entry: string;
  value: string;
  /** Directories here are kustomizations kustomize reads in turn. */
  mayBeKustomization: boolean;
  /** A generator, transformer or validator: its file (or inline text) is a plugin config that names files too. */
  plugin?: true;
  /** The plugin config is the value itself (inline YAML), not a file. */
  inline?: true;
}

function list(value: unknown): unknown[] {
  return Array.isArray(value) ? value : [];
}

function record(value: unknown): Record<string, unknown> | undefined {
  return value !== null && typeof value === 'object' && !Array.isArray(value) ? (value as Record<string, unknown>) : undefined;
}

/** Every local path a kustomization's fields name, as kustomize reads them. */
function namedPaths(k: Record<string, unknown>): Named[] {
  const out: Named[] = [];
  const strings = (key: string, mayBeKustomization: boolean): void => {
    for (const [i, v] of list(k[key]).entries()) {
      // A string with a line break is an inline patch or transformer config, not a path.
      if (typeof v === 'string' && !v.includes('\n') && !REMOTE.test(v)) out.push({ entry: `${key}[${i}]`, value: v, mayBeKustomization });
    }
  };
  strings('resources', true);
  strings('bases', true);
  strings('components', true);
  for (const key of ['generators', 'transformers', 'validators']) {
    for (const [i, v] of list(k[key]).entries()) {
      if (typeof v !== 'string' || REMOTE.test(v)) continue;
      out.push({ entry: `${key}[${i}]`, value: v, mayBeKustomization: true, plugin: true, ...(v.includes('\n') ? { inline: true as const } : {}) });
    }
  }
  strings('crds', false);
  strings('configurations', false);
  strings('patchesStrategicMerge', false);
  for (const key of ['patches', 'patchesJson6902', 'replacements']) {
    for (const [i, item] of list(k[key]).entries()) {
      const path = record(item)?.['path'];
      if (typeof path === 'string') out.push({ entry: `${key}[${i}].path`, value: path, mayBeKustomization: false });
    }
  }
  for (const key of ['configMapGenerator', 'secretGenerator']) {
    for (const [i, item] of list(k[key]).entries()) {
      const g = record(item);
      if (g === undefined) continue;
      for (const [j, f] of list(g['files']).entries()) {
        // `[key=]path`: the file's key in the data, then its path.
        if (typeof f === 'string') out.push({ entry: `${key}[${i}].files[${j}]`, value: f.includes('=') ? f.slice(f.indexOf('=') + 1) : f, mayBeKustomization: false });
      }
      for (const [j, f] of list(g['envs']).entries()) if (typeof f === 'string') out.push({ entry: `${key}[${i}].envs[${j}]`, value: f, mayBeKustomization: false });
      if (typeof g['env'] === 'string') out.push({ entry: `${key}[${i}].env`, value: g['env'], mayBeKustomization: false });
    }
  }
  const openapi = record(k['openapi'])?.['path'];
  if (typeof openapi === 'string') out.push({ entry: 'openapi.path', value: openapi, mayBeKustomization: false });
  const chartHome = record(k['helmGlobals'])?.['chartHome'];
  if (typeof chartHome === 'string') out.push({ entry: 'helmGlobals.chartHome', value: chartHome, mayBeKustomization: false });
  for (const [i, chart] of list(k['helmCharts']).entries()) {
    const c = record(chart);
    if (typeof c?.['valuesFile'] === 'string') out.push({ entry: `helmCharts[${i}].valuesFile`, value: c['valuesFile'], mayBeKustomization: false });
    for (const [j, f] of list(c?.['additionalValuesFiles']).entries()) if (typeof f === 'string') out.push({ entry: `helmCharts[${i}].additionalValuesFiles[${j}]`, value: f, mayBeKustomization: false });
  }
  return out;
}

/**
 * The paths a builtin plugin's config names (ConfigMapGenerator, SecretGenerator, the patch and
 * replacement transformers, HelmChartInflationGenerator): kustomize loads them relative to the
 * kustomization that lists the plugin.
 */
function pluginConfigPaths(c: Record<string, unknown>, at: string): Named[] {
  const out: Named[] = [];
  const one = (entry: string, v: unknown, keyed = false): void => {
    // `files` entries are `[key=]path`.
    if (typeof v === 'string') out.push({ entry: `${at} ${entry}`, value: keyed && v.includes('=') ? v.slice(v.indexOf('=') + 1) : v, mayBeKustomization: false });
  };
  for (const key of ['files', 'envs', 'paths', 'additionalValuesFiles']) for (const [j, v] of list(c[key]).entries()) one(`${key}[${j}]`, v, key === 'files');
  for (const key of ['env', 'path', 'valuesFile', 'chartHome']) one(key, c[key]);
  for (const [j, r] of list(c['replacements']).entries()) one(`replacements[${j}].path`, record(r)?.['path']);
  return out;
}

/** The objects of a YAML text, or undefined when it does not parse cleanly. */
function objectsOf(text: string): Record<string, unknown>[] | undefined {
  const docs = parseAllDocuments(text, { merge: true, uniqueKeys: true });
  if (!Array.isArray(docs) || docs.some((d) => d.errors.length > 0)) return undefined;
  try {
    return docs.flatMap((d): Record<string, unknown>[] => {
      const o = record(d.toJS({ maxAliasCount: 100 }));
      return o === undefined ? [] : [o];
    });
  } catch {
    return undefined;
  }
}

/** What a walk found kustomize would read (absolute paths): kustomization files, files, and folders read whole. */
export interface Loads {
  kustomizations: Set<string>;
  files: Set<string>;
  folders: Set<string>;
}

/**
 * Every file the kustomizations in `dirs` name, recursively through the kustomizations they
 * reach, that leaves the repository root once symlinks are resolved.
 *
 * Why a check of our own rather than kustomize's `LoadRestrictionsRootOnly`: that restrictor is
 * scoped to each kustomization's own folder, so an overlay that patches with
 * `../base/patch.yaml` or lists a file of a sibling folder would fail, while Flux's
 * kustomize-controller (what users deploy with) allows anything inside the source and nothing
 * outside it. So kustomize runs with `LoadRestrictionsNone`, and only after this walk found no
 * path outside the root. The kustomization is read as kustomize reads it (aliases and merge keys
 * resolved); one we cannot parse is refused, since we could not tell what it loads. With `loads`,
 * it also records every path it found inside (what a preview compares to skip an unchanged render).
 */
export async function refusedLoads(root: RepositoryRoot, dirs: readonly string[], loads?: Loads): Promise<RefusedLoad[]> {
  const refused: RefusedLoad[] = [];
  const seen = new Set<string>();
  /** Checks what a plugin config names; the paths are relative to the kustomization's folder. */
  const checkPluginConfig = (text: string, file: string, entry: string, base: string): void => {
    const configs = objectsOf(text);
    if (configs === undefined) {
      refused.push({ file, entry, value: entry, why: 'unreadable' });
      return;
    }
    for (const c of configs) {
      for (const named of pluginConfigPaths(c, entry)) {
        const target = root.check(named.value, base);
        if (!target.inside) refused.push({ file, entry: named.entry, value: named.value, why: target.reason });
        else if (loads !== undefined) {
          const next = resolve(base, named.value);
          (statOrUndefined(next)?.isDirectory() === true ? loads.folders : loads.files).add(next);
        }
      }
    }
  };
  // `pluginDir`: a kustomization reached through generators/transformers, whose resources are plugin configs.
  const visit = async (dir: string, namedBy: { file: string; entry: string; value: string } | undefined, pluginDir = false): Promise<void> => {
    const path = kustomizationIn(dir);
    // kustomize fails on a folder without one; a kustomization added there later changes the build.
    if (path === undefined) {
      loads?.folders.add(dir);
      return;
    }
    const verdict = root.check(path);
    if (!verdict.inside) {
      refused.push(namedBy !== undefined ? { ...namedBy, why: verdict.reason } : { file: root.display(path), entry: '', value: path, why: verdict.reason, self: true });
      return;
    }
    if (seen.has(verdict.real)) return;
    seen.add(verdict.real);
    loads?.kustomizations.add(path);
    const text = readConfig(verdict.real);
    const file = root.display(path);
    const docs = text === undefined ? undefined : objectsOf(text);
    if (docs === undefined) {
      refused.push({ file, entry: '', value: path, why: 'unreadable' });
      return;
    }
    const base = dirname(path);
    for (const k of docs) {
      for (const named of namedPaths(k)) {
        if (named.inline === true) {
          checkPluginConfig(named.value, file, named.entry, base);
          continue;
        }
        const target = root.check(named.value, base);
        if (!target.inside) {
          refused.push({ file, entry: named.entry, value: named.value, why: target.reason });
          continue;
        }
        const next = resolve(base, named.value);
        const info = statOrUndefined(next);
        // A folder that is no kustomization (a chart home, a folder of CRDs) is read whole.
        if (loads !== undefined && !(named.mayBeKustomization && info?.isDirectory() === true)) (info?.isDirectory() === true ? loads.folders : loads.files).add(next);
        if (named.mayBeKustomization && info?.isDirectory() === true) await visit(next, { file, entry: named.entry, value: named.value }, named.plugin === true || pluginDir);
        else if (info?.isFile() === true && (named.plugin === true || (pluginDir && named.entry.startsWith('resources[')))) {
          const config = readConfig(next);
          if (config === undefined) refused.push({ file, entry: named.entry, value: named.value, why: 'unreadable' });
          else checkPluginConfig(config, file, `${named.entry} (${named.value})`, base);
        }
      }
    }
  };
  for (const dir of dirs) await visit(dir, undefined);
  return refused;
}

/** One refusal as the environment's status says it. */
export function describeRefusedLoad(r: RefusedLoad): string {
  if (r.self === true) return `${r.file} ${r.why === 'outside' ? 'leads outside the repository (a symlink)' : 'cannot be resolved (a symlink loop or no permission)'}`;
  if (r.why === 'unreadable') return `${r.file}${r.entry !== '' ? ` ${r.entry}` : ''} could not be read as YAML, so what it loads cannot be checked`;
  if (r.why === 'unresolvable') return `${r.file} ${r.entry} names ${JSON.stringify(r.value)}, which cannot be resolved (a symlink loop or no permission)`;
  return `${r.file} ${r.entry} names ${JSON.stringify(r.value)}, which is outside the repository`;
}

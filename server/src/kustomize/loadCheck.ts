import { readFile, stat } from 'node:fs/promises';
import { dirname, resolve } from 'node:path';
import { parseAllDocuments } from 'yaml';
import type { RepositoryRoot } from '../workspace/insideRoot';
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

const REMOTE = /^[a-z][a-z0-9+.-]*:\/\/|^github\.com\/|^git@|^ssh:/i;

/** One path a kustomization names: what it is, and where. */
interface Named {
  entry: string;
  value: string;
  /** Directories here are kustomizations kustomize reads in turn. */
  mayBeKustomization: boolean;
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
  strings('generators', true);
  strings('transformers', true);
  strings('validators', true);
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
 * Every file the kustomizations in `dirs` name, recursively through the kustomizations they
 * reach, that leaves the repository root once symlinks are resolved.
 *
 * Why a check of our own rather than kustomize's `LoadRestrictionsRootOnly`: that restrictor is
 * scoped to each kustomization's own folder, so an overlay that patches with
 * `../base/patch.yaml` or lists a file of a sibling folder would fail, while Flux's
 * kustomize-controller (what users deploy with) allows anything inside the source and nothing
 * outside it. So kustomize runs with `LoadRestrictionsNone`, and only after this walk found no
 * path outside the root. The kustomization is read as kustomize reads it (aliases and merge keys
 * resolved); one we cannot parse is refused, since we could not tell what it loads.
 */
export async function refusedLoads(root: RepositoryRoot, dirs: readonly string[]): Promise<RefusedLoad[]> {
  const refused: RefusedLoad[] = [];
  const seen = new Set<string>();
  const visit = async (dir: string, namedBy: { file: string; entry: string; value: string } | undefined): Promise<void> => {
    const path = kustomizationIn(dir);
    if (path === undefined) return;
    const verdict = await root.check(path);
    if (!verdict.inside) {
      refused.push(namedBy !== undefined ? { ...namedBy, why: verdict.reason } : { file: root.display(path), entry: '', value: path, why: verdict.reason, self: true });
      return;
    }
    if (seen.has(verdict.real)) return;
    seen.add(verdict.real);
    const text = await readFile(verdict.real, 'utf8').catch(() => undefined);
    const docs = text === undefined ? [] : parseAllDocuments(text, { merge: true, uniqueKeys: true });
    const file = root.display(path);
    if (text === undefined || !Array.isArray(docs) || docs.some((d) => d.errors.length > 0)) {
      refused.push({ file, entry: '', value: path, why: 'unreadable' });
      return;
    }
    for (const doc of docs) {
      let k: Record<string, unknown> | undefined;
      try {
        k = record(doc.toJS({ maxAliasCount: 100 }));
      } catch {
        refused.push({ file, entry: '', value: path, why: 'unreadable' });
        return;
      }
      if (k === undefined) continue;
      for (const named of namedPaths(k)) {
        const target = await root.check(named.value, dirname(path));
        if (!target.inside) {
          refused.push({ file, entry: named.entry, value: named.value, why: target.reason });
          continue;
        }
        const next = resolve(dirname(path), named.value);
        if (named.mayBeKustomization && (await stat(next).catch(() => undefined))?.isDirectory() === true) await visit(next, { file, entry: named.entry, value: named.value });
      }
    }
  };
  for (const dir of dirs) await visit(dir, undefined);
  return refused;
}

/** One refusal as the environment's status says it. */
export function describeRefusedLoad(r: RefusedLoad): string {
  if (r.self === true) return `${r.file} ${r.why === 'outside' ? 'leads outside the repository (a symlink)' : 'cannot be resolved (a symlink loop or no permission)'}`;
  if (r.why === 'unreadable') return `${r.file} could not be read as YAML, so what it loads cannot be checked`;
  if (r.why === 'unresolvable') return `${r.file} ${r.entry} names ${JSON.stringify(r.value)}, which cannot be resolved (a symlink loop or no permission)`;
  return `${r.file} ${r.entry} names ${JSON.stringify(r.value)}, which is outside the repository`;
}

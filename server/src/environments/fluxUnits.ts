import { join } from 'node:path';
import { filesOfTree, readKustomizationTree } from '../kustomize/tree';
import type { FluxSources, SourceResolution } from './fluxSources';
import { get, str } from './objectFields';

/** A Flux Kustomization as discovery found it in a file. */
export interface FluxKustomizationFound {
  object: unknown;
  name: string;
  namespace: string;
  /** Its file, repository-relative and absolute, and its document there. */
  rel: string;
  file: string;
  document: number;
}

/** A Flux Kustomization placed: where its path is (or why not), and the clusters it is a unit of. */
export interface PlacedUnit extends FluxKustomizationFound {
  source: { kind: string; name: string; namespace: string } | undefined;
  where: SourceResolution;
  clusters: string[];
}

/** A Flux Kustomization's source (kind and namespace defaulted as Flux does) and its `spec.path` as written. */
export function sourceAndPath(object: unknown, namespace: string): { source: PlacedUnit['source']; written: string } {
  const sourceName = str(get(object, 'spec', 'sourceRef', 'name'));
  const source = sourceName !== undefined ? { kind: str(get(object, 'spec', 'sourceRef', 'kind')) ?? 'GitRepository', name: sourceName, namespace: str(get(object, 'spec', 'sourceRef', 'namespace')) ?? namespace } : undefined;
  // Flux builds the source's root when the path is empty.
  const written = str(get(object, 'spec', 'path'))?.replace(/^\.\//, '').replace(/\/+$/, '') || '.';
  return { source, written };
}

/** The `<name>` of a repository path under `clusters/<name>/`. */
export function clusterFolderOf(rel: string): string | undefined {
  const parts = rel.split('/');
  const at = parts.indexOf('clusters');
  return at !== -1 && parts.length > at + 2 ? parts[at + 1] : undefined;
}

/** Whether repository folder `folder` holds repository path `rel`. */
function contains(folder: string, rel: string): boolean {
  return folder === '.' || rel.startsWith(`${folder}/`);
}

/**
 * Places every Flux Kustomization: its source decides its folder (`FluxSources`); its cluster is
 * its `clusters/<name>/` folder or, for one written elsewhere, the clusters of the Kustomizations
 * that apply it — whose folder holds its file, or whose kustomization tree includes it (a base) —
 * to any depth. A repository without `clusters/` is one cluster named after its entry point, the
 * Kustomization nothing applies that applies others. `clustersApplying` answers the same for any
 * file (a HelmRelease's).
 */
export async function placeFluxUnits(root: string, found: readonly FluxKustomizationFound[], sources: FluxSources): Promise<{ units: PlacedUnit[]; clustersApplying: (rel: string) => string[]; appliedBy: (unit: PlacedUnit, rel: string) => boolean }> {
  const units: PlacedUnit[] = found.map((k) => {
    const { source, written } = sourceAndPath(k.object, k.namespace);
    const own = clusterFolderOf(k.rel);
    return { ...k, source, where: sources.resolve(k.file, source, written), clusters: own !== undefined ? [own] : [] };
  });
  // The files each unit's kustomization tree includes, read once per folder.
  const applied = new Map<string, Set<string>>();
  for (const u of units) {
    if ('elsewhere' in u.where || applied.has(u.where.path)) continue;
    const tree = await readKustomizationTree(join(root, u.where.path));
    applied.set(u.where.path, tree === undefined ? new Set() : filesOfTree(tree));
  }
  const appliedBy = (u: PlacedUnit, rel: string): boolean => !('elsewhere' in u.where) && (contains(u.where.path, rel) || applied.get(u.where.path)?.has(join(root, rel)) === true);
  const inherit = (): void => {
    for (let changed = true; changed; ) {
      changed = false;
      for (const k of units) {
        if (clusterFolderOf(k.rel) !== undefined) continue;
        const clusters = [...new Set(units.flatMap((u) => (u !== k && appliedBy(u, k.rel) ? u.clusters : [])))];
        if (clusters.length > k.clusters.length) {
          k.clusters = clusters;
          changed = true;
        }
      }
    }
  };
  inherit();
  const roots = units.filter((k) => k.clusters.length === 0 && !units.some((u) => u !== k && appliedBy(u, k.rel)) && units.some((c) => c !== k && appliedBy(k, c.rel)));
  for (const entry of roots) entry.clusters = [entry.name];
  if (roots.length > 0) inherit();
  const clustersApplying = (rel: string): string[] => {
    const own = clusterFolderOf(rel);
    return own !== undefined ? [own] : [...new Set(units.flatMap((u) => (appliedBy(u, rel) ? u.clusters : [])))];
  };
  return { units, clustersApplying, appliedBy };
}

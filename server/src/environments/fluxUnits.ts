import { readFileSync } from 'node:fs';
import { join, posix } from 'node:path';
import { parse } from 'yaml';
import { YAML_LOG } from '../manifests/yamlLog';
import { filesOfTree, kustomizationIn, readKustomizationTree } from '../kustomize/tree';
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
export async function placeFluxUnits(
  root: string,
  found: readonly FluxKustomizationFound[],
  sources: FluxSources,
): Promise<{ units: PlacedUnit[]; clustersApplying: (rel: string) => string[]; appliedBy: (unit: PlacedUnit, rel: string) => boolean; delivered: (rel: string) => boolean }> {
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
  // Asked for every pair of units and every object's file: absolute paths made once per file.
  const absolute = new Map<string, string>();
  const absoluteOf = (rel: string): string => {
    let path = absolute.get(rel);
    if (path === undefined) absolute.set(rel, (path = join(root, rel)));
    return path;
  };
  const appliedBy = (u: PlacedUnit, rel: string): boolean => !('elsewhere' in u.where) && (contains(u.where.path, rel) || applied.get(u.where.path)?.has(absoluteOf(rel)) === true);
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
  // The folders a cluster's bootstrap syncs: clusters/<name>/, and the folder of each entry point.
  // The bootstrap applies that whole folder: a Kustomization beside the entry point (cluster-meta
  // beside cluster-apps in kubernetes/flux/cluster/ks.yaml, as the cluster template writes them) is a
  // unit of the same cluster, not an environment of its own.
  const synced = roots.map((r) => ({ folder: posix.dirname(r.rel), clusters: r.clusters }));
  for (const k of units) {
    if (k.clusters.length === 0) k.clusters = [...new Set(synced.flatMap((s) => (contains(s.folder, k.rel) ? s.clusters : [])))];
  }
  if (roots.length > 0) inherit();
  const clustersApplying = (rel: string): string[] => {
    const own = clusterFolderOf(rel);
    if (own !== undefined) return [own];
    return [...new Set([...synced.flatMap((s) => (contains(s.folder, rel) ? s.clusters : [])), ...units.flatMap((u) => (appliedBy(u, rel) ? u.clusters : []))])];
  };
  const anyCluster = units.some((u) => u.clusters.length > 0);
  // Whether Flux delivers an object of this file from this repository: in a repository whose
  // clusters are known, only what a cluster's folder holds or one of its units applies. A retired
  // app's ks.yaml kept in an .archive folder names a path that is gone (or the live app's); shown
  // as an environment it rendered nothing, or the live app twice, and its HelmRelease a unit of none.
  const delivered = (rel: string): boolean => !anyCluster || clustersApplying(rel).length > 0;
  return { units, clustersApplying, appliedBy, delivered };
}

/** A kustomization file's `namespace:`, which kustomize sets on every object it builds. */
function kustomizationNamespace(root: string, folder: string): string | undefined {
  const file = kustomizationIn(join(root, folder));
  if (file === undefined) return undefined;
  try {
    return str(get(parse(readFileSync(file, 'utf8'), { maxAliasCount: 50, ...YAML_LOG }) as unknown, 'namespace'));
  } catch {
    // A kustomization that does not parse is the renderer's to report.
    return undefined;
  }
}

/**
 * Answers the namespace the Flux Kustomizations of `cluster` apply an object of file `rel` in, when they
 * decide it: the unit's `targetNamespace`, else the outermost kustomization with a `namespace:`
 * from the unit's folder down to the file's (kustomize's namespace transformer overrides what the
 * object writes, and an outer kustomization overrides an inner one). Undefined when nothing
 * applies the file or nothing sets it: then the object's own namespace stands. Without this, every
 * object that writes no namespace (home-lab layouts leave it to `targetNamespace`) was named in
 * flux-system, so reconcile and the cluster's status looked for it where it is not.
 */
export function namespacesApplied(
  root: string,
  units: readonly PlacedUnit[],
  appliedBy: (unit: PlacedUnit, rel: string) => boolean,
  /** A unit's targetNamespace as applied (its parent's render may give it one its file lacks). */
  targetOf: (unit: PlacedUnit) => string | undefined,
): (rel: string, cluster: string | undefined, self?: PlacedUnit) => string | undefined {
  // Each folder's kustomization is read once per discovery: a large repository asks for hundreds of files.
  const namespaces = new Map<string, string | undefined>();
  const namespaceOf = (folder: string): string | undefined => {
    if (!namespaces.has(folder)) namespaces.set(folder, kustomizationNamespace(root, folder));
    return namespaces.get(folder);
  };
  return (rel, cluster, self) => namespaceApplied(units, appliedBy, rel, cluster, targetOf, namespaceOf, self);
}

function namespaceApplied(
  units: readonly PlacedUnit[],
  appliedBy: (unit: PlacedUnit, rel: string) => boolean,
  rel: string,
  cluster: string | undefined,
  targetOf: (unit: PlacedUnit) => string | undefined,
  namespaceOf: (folder: string) => string | undefined,
  self?: PlacedUnit,
): string | undefined {
  const applying = units
    .filter((u) => u !== self && !('elsewhere' in u.where) && (cluster === undefined || u.clusters.includes(cluster)) && appliedBy(u, rel))
    // The most specific unit: a parent applying a whole tree is less precise than the app's own unit.
    .sort((a, b) => ('path' in b.where ? b.where.path.length : 0) - ('path' in a.where ? a.where.path.length : 0));
  const unit = applying[0];
  if (unit === undefined || 'elsewhere' in unit.where) return undefined;
  const target = targetOf(unit);
  if (target !== undefined) return target;
  const top = unit.where.path;
  const folder = posix.dirname(rel);
  // From the unit's folder down to the file's, when the file is below it; a base outside it: the unit's and the file's own.
  const chain: string[] = [top];
  if (contains(top, rel)) {
    const below = top === '.' ? folder : posix.relative(top, folder);
    if (below !== '' && below !== '.') {
      const parts = below.split('/');
      for (let i = 1; i <= parts.length; i++) chain.push(top === '.' ? parts.slice(0, i).join('/') : `${top}/${parts.slice(0, i).join('/')}`);
    }
  } else {
    chain.push(folder);
  }
  for (const f of chain) {
    const ns = namespaceOf(f);
    if (ns !== undefined) return ns;
  }
  return undefined;
}

import { resolve } from 'node:path';
import { discoverEnvironments, discoverNotApplied } from '../environments/discover';
import { postBuildValuesByFile } from '../environments/postBuildValues';
import { displayPath } from '../files/files';
import type { PostBuildValues } from '../manifests/placeholders';

/**
 * `check`'s post-build values: each file a Flux Kustomization with values in Git renders, with
 * those values, found as `plumbline envs` finds environments (no binary runs: what a parent's
 * render alone would reveal is not looked for).
 */
export async function postBuildLookup(root: string): Promise<(path: string) => readonly PostBuildValues[]> {
  const { environments } = await discoverEnvironments(root);
  const byFile = await postBuildValuesByFile(root, environments, displayPath);
  return (path) => byFile.get(resolve(path)) ?? [];
}

/** The files of the repository Flux never applies (folders of Flux objects no cluster applies, as `plumbline envs` names them), absolute. */
export async function notAppliedLookup(root: string): Promise<Set<string>> {
  const notApplied = await discoverNotApplied(root);
  return new Set(notApplied.map((f) => resolve(root, f)));
}

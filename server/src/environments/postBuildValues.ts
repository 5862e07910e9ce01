import { relative, resolve } from 'node:path';
import type { KnownVariable, PostBuildValues } from '../manifests/placeholders';
import type { Environment } from './model';
import { environmentFiles } from './renderMap';

/**
 * The post-build variables a Flux Kustomization substitutes, with the values Git holds and where
 * each was read, in the words a finding uses; undefined for an environment without postBuild
 * values. `show` turns an absolute path into the one the user reads (workspace- or cwd-relative).
 */
export function postBuildValuesOf(environment: Environment, show: (path: string) => string): PostBuildValues | undefined {
  const substitute = environment.flux?.substitute;
  const delivery = environment.delivery;
  if (substitute === undefined || Object.keys(substitute.vars).length === 0) return undefined;
  const unit = delivery.kind === 'flux' ? `Flux Kustomization ${delivery.namespace}/${delivery.name}` : `environment ${environment.name}`;
  const own = environment.flux?.origin === undefined ? 'its postBuild.substitute' : `its postBuild.substitute in ${show(environment.flux.origin.file)}`;
  const values = new Map<string, KnownVariable>();
  for (const [name, value] of Object.entries(substitute.vars)) {
    const source = substitute.from?.[name];
    values.set(name, source === undefined ? { value, from: own, secret: false } : { value, from: `${source.kind} ${source.namespace}/${source.name} in ${show(source.file)}`, secret: source.kind === 'Secret' });
  }
  return { unit, values };
}

/**
 * For each file a Flux Kustomization with post-build values renders (as its kustomization tree or
 * folder says, without running kustomize), the values of every such Kustomization.
 */
export async function postBuildValuesByFile(root: string, environments: readonly Environment[], show: (path: string) => string = (p) => relative(root, p)): Promise<Map<string, PostBuildValues[]>> {
  const out = new Map<string, PostBuildValues[]>();
  for (const environment of environments) {
    const values = postBuildValuesOf(environment, show);
    if (values === undefined) continue;
    const { files } = await environmentFiles(root, environment);
    for (const file of files) {
      const key = resolve(file);
      const list = out.get(key) ?? [];
      list.push(values);
      out.set(key, list);
    }
  }
  return out;
}

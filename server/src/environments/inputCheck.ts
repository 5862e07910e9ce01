import { readdir, stat } from 'node:fs/promises';
import { basename, join, resolve } from 'node:path';
import { describeRefusedLoad, refusedLoads } from '../kustomize/loadCheck';
import { RepositoryRoot } from '../files/insideRoot';
import type { Environment } from './model';

// Helm's own rule for release names (pkg/chartutil): DNS-1123 labels joined by dots, at most 53
// characters. Whatever passes it starts with a letter or digit, so it can never be read as a flag.
const RELEASE_NAME = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;
const RELEASE_NAME_MAX = 53;
// A namespace is a DNS-1123 label: at most 63 characters.
const DNS1123_LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;
/** A chart with more entries than this is not walked for symlinks: it is refused instead. */
const CHART_ENTRY_LIMIT = 20_000;

/** Why a release name cannot go to helm, or undefined when it can. */
export function releaseNameProblem(name: string): string | undefined {
  if (name.length <= RELEASE_NAME_MAX && RELEASE_NAME.test(name)) return undefined;
  return `release name ${JSON.stringify(name)} is not a valid Helm release name (lowercase letters, digits, '-' and '.', starting and ending with a letter or digit, at most ${RELEASE_NAME_MAX} characters)`;
}

/** Why a namespace cannot go to a tool, or undefined when it can. */
export function namespaceProblem(namespace: string): string | undefined {
  if (namespace.length <= 63 && DNS1123_LABEL.test(namespace)) return undefined;
  return `namespace ${JSON.stringify(namespace)} is not a valid Kubernetes namespace (a DNS-1123 label: lowercase letters, digits and '-', starting and ending with a letter or digit, at most 63 characters)`;
}

function where(env: Environment): string {
  return env.foundBy.join('; ');
}

/** The first symlink under a chart that leads outside the repository: helm would follow it. */
async function chartSymlinkOutside(root: RepositoryRoot, chartDir: string): Promise<string | undefined> {
  const seen = new Set<string>();
  let entries = 0;
  const walk = async (dir: string): Promise<string | undefined> => {
    const list = await readdir(dir, { withFileTypes: true }).catch(() => []);
    for (const entry of list) {
      if (++entries > CHART_ENTRY_LIMIT) return `${root.display(chartDir)} (more than ${CHART_ENTRY_LIMIT} files to check)`;
      const full = join(dir, entry.name);
      if (entry.isSymbolicLink()) {
        const verdict = root.check(full);
        if (!verdict.inside) return root.display(full);
        // A symlinked folder inside the repository may itself hold links that leave it.
        if (!seen.has(verdict.real)) {
          seen.add(verdict.real);
          const found = await walk(full);
          if (found !== undefined) return found;
        }
      } else if (entry.isDirectory()) {
        const found = await walk(full);
        if (found !== undefined) return found;
      }
    }
    return undefined;
  };
  return walk(chartDir);
}

/**
 * Why an environment must not be rendered, or undefined when it may: every value a workspace
 * file gives that reaches helm or kustomize (release name, namespace, chart, values files,
 * paths, the files kustomizations load) is checked for its kind, and every path must stay
 * inside the repository once symlinks are resolved. Nothing has run when this says no.
 */
export async function environmentInputProblem(rootDir: string, env: Environment): Promise<string | undefined> {
  const root = new RepositoryRoot(rootDir);
  const refuse = (what: string): string => `not rendered: ${what} (from ${where(env)}); fix it there`;
  for (const path of env.paths) {
    const verdict = root.check(path);
    if (!verdict.inside) return refuse(`path ${JSON.stringify(path)} is ${verdict.reason === 'outside' ? 'outside the repository' : 'a symlink loop or unreadable'}`);
    // Said here for every renderer: kustomize's own words for it name a temporary wrapper folder.
    if (!(await stat(resolve(rootDir, path)).then(() => true, () => false))) return refuse(`path ${JSON.stringify(path)} does not exist in the repository`);
  }
  const namespace = env.target.namespace;
  if (namespace !== undefined) {
    const problem = namespaceProblem(namespace);
    if (problem !== undefined) return refuse(problem);
  }
  const renderer = env.renderer;
  if (renderer.kind === 'helm') {
    const chart = renderer.chart ?? env.paths[0] ?? '.';
    const chartVerdict = root.check(chart);
    if (!chartVerdict.inside) return refuse(`chart ${JSON.stringify(chart)} is outside the repository`);
    const problem = releaseNameProblem(renderer.release ?? basename(resolve(rootDir, chart)));
    if (problem !== undefined) return refuse(problem);
    for (const file of renderer.valuesFiles) {
      const verdict = root.check(file);
      if (!verdict.inside) return refuse(`values file ${JSON.stringify(file)} is ${verdict.reason === 'outside' ? 'outside the repository' : 'a symlink loop or unreadable'}`);
    }
    const link = await chartSymlinkOutside(root, resolve(rootDir, chart));
    if (link !== undefined) return refuse(`the chart holds a symlink that leads outside the repository: ${link}`);
  }
  if (renderer.kind === 'kustomize') {
    const refused = await refusedLoads(root, env.paths.map((p) => resolve(rootDir, p)));
    if (refused.length > 0) return `kustomize was not run: ${refused.map(describeRefusedLoad).join('; ')}. A kustomization may load files from anywhere inside the repository, never outside it (as Flux's kustomize-controller renders)`;
  }
  return undefined;
}

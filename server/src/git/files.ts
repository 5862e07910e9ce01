import { readFile } from 'node:fs/promises';
import { fileStamp, pathKind, StampedCache } from '../files/stamped';
import { join, posix } from 'node:path';
import { parseDocument } from 'yaml';
import { YAML_LOG } from '../manifests/yamlLog';
import { isOtherEnvironmentsValues } from '../environments/helmDiscovery';
import type { Environment } from '../environments/model';
import { attempt, guarded, openRepo, run, type Repo } from './repo';
import type { GitResult } from './result';
import { KUSTOMIZATION_FILE_NAMES } from '../files/names';


/** What belongs to an environment: whole folders, single files, and references that were left out. */
export interface EnvironmentScope {
  /** Everything below these folders (the environment's own paths, and referenced folders without a kustomization). */
  dirs: string[];
  /** Single files: kustomizations of bases and components, and the files they reference. */
  files: string[];
  /** References that leave the repository root (`../../..`), which a commit of this root cannot include. */
  outside: string[];
  /** Files below `dirs` that belong to other environments (a chart's values-<other env>.yaml). */
  excluded?: (path: string) => boolean;
}

/** A tree of repository-relative paths: the working tree, or a commit. */
interface Tree {
  kind(path: string): Promise<'file' | 'dir' | undefined>;
  /** The local references of the kustomization at `path` (none when it cannot be read). */
  references(path: string): Promise<string[]>;
}

/** References of working-tree kustomizations while their stamp stays: each tree answer asks for every environment's scope. */
const referencesRead = new StampedCache<string[]>(5000);

function workingTree(root: string): Tree {
  return {
    // Every environment's scope walks the same kustomizations in one tree answer: once each.
    kind: (path) => pathKind(join(root, path)).then((k) => (k === undefined ? undefined : k === 'dir' ? 'dir' : 'file')),
    async references(path) {
      const full = join(root, path);
      return referencesRead.get(full, await fileStamp(full), async () => kustomizationReferences((await readFile(full, 'utf8').catch(() => undefined)) ?? ''));
    },
  };
}

/** HEAD as a tree, so a file deleted together with its reference still belongs to the environment. */
async function headTree(repo: Repo): Promise<Tree | undefined> {
  const listing = await attempt(repo.git, ['ls-tree', '-r', '-z', '--name-only', 'HEAD']);
  if (!listing.ok) return undefined; // no commits yet
  const files = new Set(listing.stdout.split('\0').filter((p) => p !== ''));
  const dirs = new Set<string>();
  for (const file of files) for (let d = posix.dirname(file); d !== '.'; d = posix.dirname(d)) dirs.add(d);
  return {
    kind: (path) => Promise.resolve(files.has(path) ? 'file' : dirs.has(path) || path === '.' ? 'dir' : undefined),
    async references(path) {
      if (!files.has(path)) return [];
      const shown = await attempt(repo.git, ['cat-file', 'blob', `HEAD:./${path}`]);
      return shown.ok ? kustomizationReferences(shown.stdout) : [];
    },
  };
}

/** kustomize accepts remote bases as URLs, scp-style Git addresses and host/owner/repo shorthands. */
function isRemote(reference: string): boolean {
  return (
    /^[a-z][a-z0-9+.-]*:\/\//i.test(reference) ||
    /^[^/\s@]+@[^/\s:]+:/.test(reference) ||
    /^(github\.com|gitlab\.com|bitbucket\.org)\//i.test(reference) ||
    /\?(ref|version|timeout|submodules)=/.test(reference)
  );
}

function asObject(value: unknown): Record<string, unknown> | undefined {
  return value !== null && typeof value === 'object' && !Array.isArray(value) ? (value as Record<string, unknown>) : undefined;
}

function strings(value: unknown): string[] {
  return Array.isArray(value) ? value.filter((v): v is string => typeof v === 'string') : [];
}

function string(value: unknown): string[] {
  return typeof value === 'string' ? [value] : [];
}

function objects(value: unknown): Record<string, unknown>[] {
  if (!Array.isArray(value)) return [];
  return value.flatMap((v: unknown) => {
    const object = asObject(v);
    return object === undefined ? [] : [object];
  });
}

/** The local files and folders one kustomization names, as written (relative to its folder). */
export function kustomizationReferences(text: string): string[] {
  const doc = parseDocument(text, { prettyErrors: false, ...YAML_LOG });
  if (doc.errors.length > 0) return [];
  const k = asObject(doc.toJS({ maxAliasCount: 50 }));
  if (k === undefined) return [];
  const refs: string[] = [];
  for (const key of ['resources', 'bases', 'components', 'crds', 'configurations', 'patchesStrategicMerge', 'generators', 'transformers', 'validators']) refs.push(...strings(k[key]));
  for (const key of ['patches', 'patchesJson6902', 'replacements']) for (const item of objects(k[key])) refs.push(...string(item['path']));
  for (const key of ['configMapGenerator', 'secretGenerator']) {
    for (const item of objects(k[key])) {
      // `files` entries are `path` or `key=path`.
      refs.push(...strings(item['files']).map((f) => (f.includes('=') ? f.slice(f.indexOf('=') + 1) : f)), ...strings(item['envs']), ...string(item['env']));
    }
  }
  refs.push(...string(asObject(k['openapi'])?.['path']));
  const charts = objects(k['helmCharts']);
  for (const chart of charts) refs.push(...string(chart['valuesFile']), ...strings(chart['additionalValuesFiles']));
  // Local charts live in the chart home, `charts` unless helmGlobals says otherwise.
  if (charts.length > 0) refs.push(string(asObject(k['helmGlobals'])?.['chartHome'])[0] ?? 'charts');
  // Inline patches and generator configs are YAML text, not paths.
  return refs.map((r) => r.trim()).filter((r) => r !== '' && !r.includes('\n') && !isRemote(r));
}

async function kustomizationIn(tree: Tree, dir: string): Promise<string | undefined> {
  for (const name of KUSTOMIZATION_FILE_NAMES) {
    const path = dir === '.' ? name : `${dir}/${name}`;
    if ((await tree.kind(path)) === 'file') return path;
  }
  return undefined;
}

function clean(path: string): string {
  return posix.normalize(path.replace(/\\/g, '/')).replace(/^\.\//, '').replace(/\/+$/, '') || '.';
}

async function collectScope(env: Environment, trees: Tree[]): Promise<EnvironmentScope> {
  const dirs = new Set(env.paths.map(clean));
  const files = new Set<string>();
  const outside = new Set<string>();
  if (env.renderer.kind === 'helm') for (const values of env.renderer.valuesFiles) files.add(clean(values));
  for (const tree of trees) {
    const visited = new Set<string>();
    const visit = async (dir: string): Promise<void> => {
      if (visited.has(dir)) return;
      visited.add(dir);
      const kustomization = await kustomizationIn(tree, dir);
      if (kustomization === undefined) return;
      files.add(kustomization);
      for (const reference of await tree.references(kustomization)) {
        if (posix.isAbsolute(reference)) {
          outside.add(reference);
          continue;
        }
        const target = clean(posix.join(dir, reference));
        if (target === '..' || target.startsWith('../')) {
          outside.add(target);
          continue;
        }
        if ((await tree.kind(target)) !== 'dir') {
          files.add(target); // a file, or a missing one (its deletion belongs here too)
        } else if ((await kustomizationIn(tree, target)) !== undefined) {
          await visit(target); // a base or component: its kustomization and what it references, not its whole folder
        } else {
          dirs.add(target); // a chart home or a plain folder of files
        }
      }
    };
    if (env.renderer.kind === 'kustomize') for (const path of env.paths) await visit(clean(path));
  }
  const sortedDirs = [...dirs].sort();
  return {
    dirs: sortedDirs,
    // Files under a whole folder need no separate entry.
    files: [...files].filter((f) => !sortedDirs.some((d) => within(f, d))).sort(),
    outside: [...outside].sort(),
    ...(env.renderer.kind === 'helm' ? { excluded: (path: string) => isOtherEnvironmentsValues(env, path) } : {}),
  };
}

function within(path: string, dir: string): boolean {
  return dir === '.' || path === dir || path.startsWith(`${dir}/`);
}

/** Whether a repository-relative path belongs to the scope. */
export function inScope(scope: EnvironmentScope, path: string): boolean {
  return scope.files.includes(path) || (scope.dirs.some((d) => within(path, d)) && scope.excluded?.(path) !== true);
}

/**
 * The scope of an environment in the working tree and, with `withHead`, in HEAD as well: a
 * patch deleted together with its line in the kustomization is still the environment's change.
 */
export async function environmentScope(repo: Repo, env: Environment, withHead: boolean): Promise<EnvironmentScope> {
  const trees = [workingTree(repo.root)];
  if (withHead) {
    const head = await headTree(repo);
    if (head !== undefined) trees.push(head);
  }
  return collectScope(env, trees);
}

function pathspecs(scope: EnvironmentScope): string[] {
  return [...scope.dirs, ...scope.files];
}

/**
 * The repository files that belong to an environment: everything under its paths, and for
 * kustomize the bases, components, resources, patches and generator files its kustomizations
 * reference, transitively (remote bases are ignored). Tracked and untracked files, not ignored
 * ones; paths relative to `repoRoot`, sorted.
 */
export async function environmentFiles(repoRoot: string, env: Environment): Promise<GitResult<string[]>> {
  return guarded(async () => {
    const repo = await openRepo(repoRoot);
    const scope = await environmentScope(repo, env, false);
    const specs = pathspecs(scope);
    const listed = await run(repo.git, ['--literal-pathspecs', 'ls-files', '-z', '--cached', '--others', '--exclude-standard', '--', ...specs]);
    const deleted = new Set((await run(repo.git, ['--literal-pathspecs', 'ls-files', '-z', '--deleted', '--', ...specs])).split('\0'));
    return [...new Set(listed.split('\0'))].filter((p) => p !== '' && !deleted.has(p) && scope.excluded?.(p) !== true).sort();
  });
}

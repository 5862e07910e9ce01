import { posix } from 'node:path';
import { normalizeGitUrl } from '../files/gitRemotes';
import { get, records, str } from './objectFields';

/** Where a Flux Kustomization's path is in this workspace, or why it is not rendered from it. */
export type SourceResolution = { path: string; note?: string } | { elsewhere: string };

interface CopyRule {
  alias: string;
  /** Repository-relative folder the rule copies from (`@alias/<from>/**`). */
  from: string;
  /** Artifact-relative folder it copies to (`@artifact/<to>/`); '' for the artifact's root. */
  to: string;
}

interface Generator {
  file: string;
  namespace: string;
  sources: Map<string, { kind: string; name: string; namespace: string }>;
  artifacts: Map<string, CopyRule[]>;
}

/** The `<name>` of a file under `clusters/<name>/`, the folder of one cluster's Flux objects. */
function clusterFolder(file: string): string | undefined {
  const parts = file.split(/[\\/]/);
  const at = parts.lastIndexOf('clusters');
  return at !== -1 && parts.length > at + 2 ? parts[at + 1] : undefined;
}

/**
 * Of several objects with one name (each cluster folder has its own `flux-system` GitRepository,
 * ArtifactGenerator or `cluster-vars`), the one whose file is nearest `file` (the longest shared
 * path) — never one from another cluster's folder, which that cluster alone applies.
 */
export function nearest<T extends { file: string }>(candidates: readonly T[], file: string): T | undefined {
  const cluster = clusterFolder(file);
  const shared = (a: string): number => {
    let i = 0;
    while (i < a.length && a[i] === file[i]) i++;
    return i;
  };
  return candidates
    .filter((c) => cluster === undefined || clusterFolder(c.file) === undefined || clusterFolder(c.file) === cluster)
    .sort((a, b) => shared(b.file) - shared(a.file))[0];
}

function isNetworkUrl(url: string): boolean {
  if (/^file:/i.test(url)) return false;
  return /^[a-z][a-z0-9+.-]*:\/\//i.test(url) || /^(?:[^@/]+@)?[^:/]+:[^\\]/.test(url);
}

/** `@alias/some/folder/**` → { alias, folder: 'some/folder' }; files and other globs copy from their folder. */
function copyEnd(text: string): { alias: string; folder: string } | undefined {
  const m = /^@([^/]+)\/?(.*)$/.exec(text.trim());
  if (m === null) return undefined;
  const folder = (m[2] ?? '').replace(/\/\*\*.*$/, '').replace(/\/\*[^/]*$/, '').replace(/\/+$/, '');
  return { alias: m[1]!, folder: folder === '.' ? '' : folder };
}

/**
 * The Flux sources a repository declares (GitRepository, OCIRepository, Bucket, and the
 * ArtifactGenerators of `source.extensions.fluxcd.io` that build ExternalArtifacts from them),
 * to say where a Kustomization's `spec.path` is: a folder of this workspace when its source is
 * this repository (a remote URL matches), else why it is not rendered. Nothing is fetched.
 */
export class FluxSources {
  private readonly repositories = new Map<string, { file: string; kind: string; url: string | undefined; ref: string | undefined; branch: string | undefined }[]>();
  private readonly generators: Generator[] = [];
  private readonly remotes: Set<string>;

  /** The URLs `.plumbline.yaml` says name this repository too (`repositoryURLs`). */
  private readonly aliases: Set<string>;

  constructor(
    remotes: readonly string[],
    /** The branch checked out in the workspace, if known. */
    private readonly branch?: string,
    aliases: readonly string[] = [],
  ) {
    // A remote that is a folder on this machine (a bare repository, `file://`) says nothing about
    // the hosted URL the cluster's objects name: only network remotes are compared.
    this.aliases = new Set(aliases.map(normalizeGitUrl));
    this.remotes = new Set([...remotes.filter(isNetworkUrl).map(normalizeGitUrl), ...this.aliases]);
  }

  /**
   * What to say after "another repository" when the URL's repository name is this clone's but its
   * owner (or host) is not: the repository may have moved since the clone was made. Nothing is
   * guessed — the user says so in `.plumbline.yaml`.
   */
  movedHint(url: string): string {
    const name = (u: string): string => u.split('/').pop()?.toLowerCase() ?? '';
    const wanted = normalizeGitUrl(url);
    const same = [...this.remotes].find((r) => !this.aliases.has(r) && name(r) === name(wanted) && r !== wanted);
    return same === undefined ? '' : `; its name is this clone's (${same}): if the repository moved, list ${url} under repositoryURLs in .plumbline.yaml`;
  }

  /** Whether a repository URL (an Argo CD `repoURL`) is this workspace; true when the workspace has no remote to tell. */
  isWorkspace(url: string): boolean {
    return this.remotes.size === 0 || this.remotes.has(normalizeGitUrl(url));
  }

  /** Records a source object found in the repository; other objects are ignored. */
  note(file: string, group: string, kind: string, namespace: string, name: string, object: unknown): void {
    if (group === 'source.toolkit.fluxcd.io' && (kind === 'GitRepository' || kind === 'OCIRepository' || kind === 'Bucket' || kind === 'HelmRepository')) {
      const ref = get(object, 'spec', 'ref');
      const refText = str(get(ref, 'branch')) ?? str(get(ref, 'tag')) ?? str(get(ref, 'semver')) ?? str(get(ref, 'name')) ?? str(get(ref, 'commit')) ?? str(get(ref, 'digest'));
      const key = `${kind}/${namespace}/${name}`;
      this.repositories.set(key, [...(this.repositories.get(key) ?? []), { file, kind, url: str(get(object, 'spec', 'url')) ?? str(get(object, 'spec', 'endpoint')), ref: refText, branch: str(get(ref, 'branch')) }]);
    } else if (group === 'source.extensions.fluxcd.io' && kind === 'ArtifactGenerator') {
      const sources = new Map<string, { kind: string; name: string; namespace: string }>();
      for (const s of records(get(object, 'spec', 'sources'))) {
        const alias = str(s['alias']);
        const sourceName = str(s['name']);
        if (alias !== undefined && sourceName !== undefined) sources.set(alias, { kind: str(s['kind']) ?? 'GitRepository', name: sourceName, namespace: str(s['namespace']) ?? namespace });
      }
      const artifacts = new Map<string, CopyRule[]>();
      for (const a of records(get(object, 'spec', 'artifacts'))) {
        const artifact = str(a['name']);
        if (artifact === undefined) continue;
        const rules = records(a['copy']).flatMap((c): CopyRule[] => {
          const from = copyEnd(str(c['from']) ?? '');
          const to = copyEnd(str(c['to']) ?? '');
          return from !== undefined && to !== undefined && to.alias === 'artifact' ? [{ alias: from.alias, from: from.folder, to: to.folder }] : [];
        });
        artifacts.set(artifact, rules);
      }
      this.generators.push({ file, namespace, sources, artifacts });
    }
  }

  /** Where `path` (as the Kustomization in `file` writes it, cleaned) of a source lives in this workspace. */
  resolve(file: string, source: { kind: string; name: string; namespace: string } | undefined, path: string): SourceResolution {
    if (source === undefined) return { path };
    if (source.kind === 'GitRepository') {
      const repository = this.thisWorkspace(file, source);
      return 'elsewhere' in repository ? repository : { path, ...(repository.note !== undefined ? { note: repository.note } : {}) };
    }
    if (source.kind === 'ExternalArtifact') return this.fromArtifact(file, source, path);
    const known = nearest(this.repositories.get(`${source.kind}/${source.namespace}/${source.name}`) ?? [], file);
    return { elsewhere: `source is ${source.kind} ${source.namespace}/${source.name}${known?.url !== undefined ? ` (${known.url})` : ''}, an artifact built outside this repository; give the environment a path in .plumbline.yaml to render it from here` };
  }

  /**
   * Why a HelmRelease's chart is not rendered from this workspace — a chart of a HelmRepository or
   * an OCI registry that is not vendored here (nothing is downloaded), or a GitRepository of
   * another repository; undefined when the chart is (or may be) a folder of this workspace.
   */
  chartElsewhere(
    file: string,
    object: unknown,
    namespace: string,
    /** The namespace the HelmRelease's file writes (or discovery's default): where a source of the same file that writes none was recorded. */
    written: string = namespace,
  ): string | undefined {
    const chartRef = get(object, 'spec', 'chartRef');
    const chartSpec = get(object, 'spec', 'chart', 'spec');
    const ref = chartRef !== undefined ? chartRef : get(chartSpec, 'sourceRef');
    const kind = str(get(ref, 'kind'));
    const name = str(get(ref, 'name'));
    if (kind === undefined || name === undefined) return undefined;
    const source = { kind, name, namespace: str(get(ref, 'namespace')) ?? namespace };
    if (kind === 'GitRepository') {
      const repository = this.thisWorkspace(file, source);
      return 'elsewhere' in repository ? `chart ${str(get(chartSpec, 'chart')) ?? '?'}: ${repository.elsewhere}` : undefined;
    }
    const chart = str(get(chartSpec, 'chart'));
    const version = str(get(chartSpec, 'version'));
    const known = nearest(this.repositories.get(`${kind}/${source.namespace}/${name}`) ?? this.repositories.get(`${kind}/${str(get(ref, 'namespace')) ?? written}/${name}`) ?? [], file);
    const what = chart !== undefined ? `chart ${chart}${version !== undefined ? `@${version}` : ''}` : 'the chart';
    return `${what} comes from ${kind} ${source.namespace}/${name}${known?.url !== undefined ? ` (${known.url})` : ''} and is not in the workspace; nothing is downloaded`;
  }

  private thisWorkspace(file: string, source: { kind: string; name: string; namespace: string }): { note?: string } | { elsewhere: string } {
    const repository = nearest(this.repositories.get(`GitRepository/${source.namespace}/${source.name}`) ?? [], file);
    // A GitRepository Git does not hold (made by `flux bootstrap` in the cluster), or a folder
    // that is no clone: nothing says it is another repository.
    if (repository?.url === undefined || this.remotes.size === 0) return {};
    if (this.remotes.has(normalizeGitUrl(repository.url))) {
      // Another branch of this repository holds other files than the working tree.
      if (repository.branch !== undefined && this.branch !== undefined && repository.branch !== this.branch) return { elsewhere: `source is branch ${repository.branch} of this repository (${repository.url}); the working tree is ${this.branch}` };
      return repository.ref !== undefined ? { note: `GitRepository ${source.namespace}/${source.name} is this repository (${repository.ref}); the working tree is rendered` } : {};
    }
    return { elsewhere: `source is another repository (${repository.url}${repository.ref !== undefined ? `@${repository.ref}` : ''}), not this workspace${this.movedHint(repository.url)}` };
  }

  private fromArtifact(file: string, source: { name: string; namespace: string }, path: string): SourceResolution {
    const generator = nearest(this.generators.filter((g) => g.namespace === source.namespace && g.artifacts.has(source.name)), file);
    const rules = generator?.artifacts.get(source.name);
    if (generator === undefined || rules === undefined) return { elsewhere: `source is ExternalArtifact ${source.namespace}/${source.name}, and no ArtifactGenerator in this repository builds it` };
    const inArtifact = path === '.' ? '' : path;
    const rule = rules
      .filter((r) => r.to === '' || inArtifact === r.to || inArtifact.startsWith(`${r.to}/`))
      .sort((a, b) => b.to.length - a.to.length)[0];
    if (rule === undefined) return { elsewhere: `path ./${inArtifact} is not copied into ExternalArtifact ${source.namespace}/${source.name} by its ArtifactGenerator` };
    const origin = generator.sources.get(rule.alias);
    if (origin === undefined) return { elsewhere: `ArtifactGenerator of ${source.name} copies from @${rule.alias}, which it does not declare` };
    if (origin.kind !== 'GitRepository') return { elsewhere: `ExternalArtifact ${source.namespace}/${source.name} is built from ${origin.kind} ${origin.namespace}/${origin.name}, not this repository` };
    const repository = this.thisWorkspace(generator.file, origin);
    if ('elsewhere' in repository) return repository;
    const rest = rule.to === '' ? inArtifact : inArtifact.slice(rule.to.length).replace(/^\//, '');
    return { path: posix.normalize(posix.join(rule.from || '.', rest || '.')), note: `ExternalArtifact ${source.namespace}/${source.name} copies ${rule.from || '.'} from GitRepository ${origin.namespace}/${origin.name}` };
  }
}

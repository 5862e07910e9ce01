import { existsSync, readdirSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { fileStamp, StampedCache } from '../files/stamped';
import { homedir } from 'node:os';
import { basename, dirname, isAbsolute, join, posix, relative, resolve, sep } from 'node:path';
import { parse } from 'yaml';
import { YAML_LOG } from '../manifests/yamlLog';
import { documentValue, ManifestParser } from '../manifests/parse';
import type { ResourceIdentity } from '../manifests/identity';
import { collectYamlFiles, readTextIfSane } from '../files/files';
import type { Delivery, Environment, Renderer } from './model';
import { readEnvironmentConfig } from './config';
import { argoHelmRenderer, chartValuesFinding, helmReleaseFinding, withValuesFrom } from './helmDiscovery';
import { get, str } from './objectFields';
import { readFluxBuild, withSubstituteSources, type SubstituteSource } from './fluxBuild';
import { FluxSources, nearest } from './fluxSources';
import { namespacesApplied, placeFluxUnits, sourceAndPath, type FluxKustomizationFound, type PlacedUnit } from './fluxUnits';
import { followRenderedUnits, type UnitEntry } from './renderedUnits';
import { expandApplicationSet } from './applicationSets';
import { argoExclusions, excludedFromSync, type ArgoExclusion } from './argoExclusions';
import { applicationsOfChart, templatesArgoApplications } from './appOfApps';
import type { RenderOptions } from './render';
import { RenderCache } from './renderCache';
import { jenkinsXEnvironments, readJenkinsXEnvironment, type JenkinsXEnvironmentObject } from './jenkinsX';
import { isKustomizationFile, PatchIndex } from '../kustomize/patchIndex';
import { workspaceBranch, workspaceRemotes } from '../files/gitRemotes';
import type { KubeObject } from '../manifests/kubeObject';
import { byPromotionOrder, isEnvironmentName } from './stages';
import { KUSTOMIZATION_FILE_NAMES, PLUMBLINE_CONFIG_FILE } from '../files/names';

const OVERLAY_PARENTS = new Set(['overlays', 'envs', 'environments']);

/** Segments `.` or `..`, doubled or trailing separators: what relative() would normalize away. */
const NOT_NORMAL = /(^|[\\/])\.{1,2}([\\/]|$)|[\\/]{2}|[\\/]$/;

function toRepoPath(root: string, path: string): string {
  // Most paths are files found below the root, normalized already: their rest, without relative()'s
  // two normalizations of whole paths (asked several times for each of thousands of files).
  if (path.length > root.length + 1 && path.startsWith(root) && path[root.length] === sep && !root.endsWith(sep)) {
    const rest = path.slice(root.length + 1);
    if (!NOT_NORMAL.test(rest)) return sep === '/' ? rest : rest.split(sep).join('/');
  }
  return relative(root, path).split(sep).join('/') || '.';
}

/** A `.plumbline.yaml` kubeconfig as a path: `~/…` in the home folder, a relative one in the repository. */
function kubeconfigPath(root: string, written: string): string {
  if (written === '~' || written.startsWith('~/')) return join(homedir(), written.slice(1));
  return isAbsolute(written) ? written : resolve(root, written);
}

/** An Application's delivery: Argo CD applies client-side unless its sync options ask for server-side apply. */
function argoDelivery(object: unknown, name: string, namespace: string): Delivery {
  const options = get(object, 'spec', 'syncPolicy', 'syncOptions');
  const serverSideApply = Array.isArray(options) && options.some((o) => typeof o === 'string' && o.replace(/\s/g, '') === 'ServerSideApply=true');
  return { kind: 'argocd', name, namespace, ...(serverSideApply ? { serverSideApply } : {}) };
}

/**
 * Why an Argo CD Application's source is not rendered from this workspace: another repository, a
 * Config Management Plugin, or jsonnet (which Plumbline does not evaluate); undefined when it is.
 */
function argoSourceElsewhere(root: string, source: unknown, path: string, sources: FluxSources): string | undefined {
  const repoURL = str(get(source, 'repoURL'));
  if (repoURL !== undefined && !sources.isWorkspace(repoURL)) return `source is another repository (${repoURL}${str(get(source, 'targetRevision')) !== undefined ? `@${str(get(source, 'targetRevision'))}` : ''}), not this workspace${sources.movedHint(repoURL)}`;
  const plugin = get(source, 'plugin');
  if (plugin !== undefined) return `source is rendered by the Config Management Plugin ${str(get(plugin, 'name')) ?? '(discovered by the repo server)'}, which Plumbline does not run`;
  const folder = join(root, path);
  let jsonnet = get(source, 'directory', 'jsonnet') !== undefined;
  try {
    jsonnet ||= readdirSync(folder).some((f) => f.endsWith('.jsonnet')) && !readdirSync(folder).some((f) => /\.(ya?ml|json)$/.test(f));
  } catch {
    // A folder that does not exist is the renderer's to report.
  }
  return jsonnet ? 'source is jsonnet, which Plumbline does not evaluate' : undefined;
}

/** A ConfigMap or Secret in Git, and the namespace its file writes (undefined: none). */
interface ValueObject {
  file: string;
  object: KubeObject;
  written: string | undefined;
}

/** ConfigMaps and Secrets declared in these files, by `kind/name`: the namespace they are applied in is known only per cluster. */
async function valueObjects(files: readonly string[]): Promise<Map<string, ValueObject[]>> {
  const out = new Map<string, ValueObject[]>();
  for (const file of files) {
    const parsed = new ManifestParser().parse((await readTextIfSane(file)) ?? '');
    for (const d of parsed.documents) {
      const id = d.identity;
      if (id === undefined || id.group !== '' || (id.kind !== 'ConfigMap' && id.kind !== 'Secret') || id.name === undefined || d.syntax.some((p) => p.severity === 'error')) continue;
      try {
        const key = `${id.kind}/${id.name}`;
        out.set(key, [...(out.get(key) ?? []), { file, object: d.doc.toJS({ maxAliasCount: 50 }) as KubeObject, written: id.namespace }]);
      } catch {
        // An object yaml cannot turn into data holds no values to use.
      }
    }
  }
  return out;
}

/**
 * The files of the folders that hold Flux objects no cluster applies, when nothing in such a folder
 * is delivered: a folder that also holds a delivered file (the repository root, a live app's) says
 * nothing about its other files.
 */
function notAppliedFiles(files: readonly string[], undelivered: readonly string[], delivered: (rel: string) => boolean): string[] {
  const folders = [...new Set(undelivered.map((f) => posix.dirname(f)))].filter((d) => d !== '.');
  const under = (folder: string): string[] => files.filter((f) => f.startsWith(`${folder}/`));
  const archived = folders.filter((d) => under(d).every((f) => !delivered(f)));
  return [...new Set(archived.flatMap(under))].sort();
}

function cleanPath(path: string): string {
  return path.replace(/^\.\//, '').replace(/\/+$/, '') || '.';
}

function rendererFor(root: string, path: string): Renderer {
  const dir = join(root, path);
  if (KUSTOMIZATION_FILE_NAMES.some((f) => existsSync(join(dir, f)))) return { kind: 'kustomize' };
  if (existsSync(join(dir, 'Chart.yaml'))) return { kind: 'helm', valuesFiles: [] };
  return { kind: 'plain' };
}

/** Argo CD's `helm.values` is YAML text; anything but a mapping is ignored. */
function parseValues(text: string): Record<string, unknown> | undefined {
  try {
    const value: unknown = parse(text, { maxAliasCount: 50, ...YAML_LOG });
    return value !== null && typeof value === 'object' && !Array.isArray(value) ? (value as Record<string, unknown>) : undefined;
  } catch {
    return undefined;
  }
}

/** Two findings of one chart are the same environment when they share a name or the values files. */
function sameHelmEnvironment(a: Environment, name: string, renderer: Renderer): boolean {
  if (a.renderer.kind !== 'helm' || renderer.kind !== 'helm') return true;
  return a.name === name || (a.renderer.valuesFiles.length > 0 && a.renderer.valuesFiles.join() === renderer.valuesFiles.join());
}

/** `.plumbline.yaml`'s `values:` and `release:` for a chart environment. */
function withHelmConfig(renderer: Renderer, entry: { values?: string[]; release?: string }): Renderer {
  if (renderer.kind !== 'helm') return renderer;
  return { ...renderer, ...(entry.values !== undefined ? { valuesFiles: entry.values } : {}), ...(entry.release !== undefined ? { release: entry.release } : {}) };
}

/**
 * Finds the environments of a repository from the conventions users already follow — Flux
 * `clusters/<env>/` Kustomizations and HelmReleases, Argo CD Applications, kustomize overlays,
 * charts with `values-<env>.yaml` — and applies
 * `.plumbline.yaml` on top. Environments found several ways (same path; for a chart, same name
 * or values files) are merged. With `render` (trusted), a chart whose templates write Argo CD
 * Applications (an app of apps) is rendered and its Applications are environments too.
 */
export async function discoverEnvironments(folder: string, render?: RenderOptions): Promise<Discovered> {
  return structuredClone(await discoverOnce(folder, render, true));
}

/**
 * Discovered.notApplied alone, for `plumbline check`: the ConfigMaps and Secrets that post-build
 * values and HelmRelease valuesFrom read are not (what files Flux applies does not depend on them,
 * and reading them parsed every file that holds one with the full parser: most of a check of a
 * folder of ConfigMaps).
 */
export async function discoverNotApplied(folder: string): Promise<string[]> {
  return [...(await discoverOnce(folder, undefined, false)).notApplied];
}

/** A discovery, or the one made before from the same files; `withValues` false: without the values of ConfigMaps and Secrets (see discoverNotApplied). */
async function discoverOnce(folder: string, render: RenderOptions | undefined, withValues: boolean): Promise<Discovered> {
  // Absolute: paths read from kustomization trees are compared with paths made from it.
  const root = resolve(folder);
  // The tree, previews and the editor ask on every change: the same files give the same answer.
  const files = await collectYamlFiles([root]);
  const stamps = await stampsOf(root, files);
  // The render options too: with them, app-of-apps charts are rendered to find their Applications.
  const key = `${JSON.stringify(render ?? null)}\n${[...stamps].map(([p, s]) => `${p} ${s}`).join('\n')}`;
  const known = discovered.get(root);
  // A discovery with the values answers one without them too.
  if (known !== undefined && known.key === key && (known.withValues || !withValues)) return known.result;
  const result = discover(root, files, stamps, render, withValues);
  discovered.delete(root);
  discovered.set(root, { key, withValues, result });
  if (discovered.size > 16) discovered.delete(discovered.keys().next().value!);
  return result;
}

/** The environments of a repository, what went wrong finding them, and the files no cluster applies. */
export interface Discovered {
  environments: Environment[];
  problems: string[];
  /**
   * Repository-relative files in the folders of Flux objects no cluster of the repository applies
   * (a retired app kept in `.archive/`), that nothing delivered either: Flux never applies them.
   */
  notApplied: string[];
}

/** What discovery reads in one file: whether it may hold ConfigMaps or Secrets, and its GitOps objects. */
interface FileFacts {
  valueFile: boolean;
  /** With each one's index among the file's documents (as the editor counts them). */
  documents: { id: ResourceIdentity; object: unknown; index: number }[];
}

/** Kustomization files' text as last read (discovery runs after every edit; most did not change). */
const kustomizationTexts = new StampedCache<string | undefined>(5000);

/** Facts of files as last read, kept while a file's size and time stay the same. */
const factsRead = new StampedCache<FileFacts>(50_000);

function factsOf(file: string, stamp: string): Promise<FileFacts> {
  return factsRead.get(file, stamp, () => readFacts(file));
}

// A cheap look before any parse, for a kind written plain, quoted, or as JSON (`"kind": "Application"`):
// an Application written with a quoted kind was never discovered.
const UNIT_KIND = /\bkind["']?[ \t]*:[ \t]*["']?(Kustomization|Application|ApplicationSet|HelmRelease|GitRepository|OCIRepository|Bucket|ArtifactGenerator|Environment)\b/;
const VALUE_KIND = /\bkind["']?[ \t]*:[ \t]*["']?(ConfigMap|Secret)\b/;

/** Whether a file's text may change the environments: a controller object, or a ConfigMap or Secret that may hold post-build values. */
export function mayDefineEnvironments(text: string): boolean {
  return UNIT_KIND.test(text) || VALUE_KIND.test(text);
}

function readFacts(file: string): Promise<FileFacts> {
  return readTextIfSane(file).then((read): FileFacts => {
    const text = read ?? '';
    const valueFile = VALUE_KIND.test(text);
    if (!UNIT_KIND.test(text)) return { valueFile, documents: [] };
    // Only values are wanted here, not comments or tokens: the quick parser, straight to data.
    const documents = new ManifestParser({ data: true }).parse(text).documents.flatMap((d, index) => {
      if (d.identity === undefined || d.syntax.some((p) => p.severity === 'error')) return [];
      try {
        return [{ id: d.identity, object: documentValue(d, 50), index }];
      } catch {
        return [];
      }
    });
    return { valueFile, documents };
  });
}

/** Renders of units that apply other units and of app-of-apps charts, again only when what they read changed: discovery runs after every edit. */
const parentRenders = new RenderCache();

/** Answers of discovery by repository root, with the stamps of what they read. */
const discovered = new Map<string, { key: string; withValues: boolean; result: Promise<Discovered> }>();

/** Size and time of every YAML file and of what says which branch and remotes the repository has. */
async function stampsOf(root: string, files: readonly string[]): Promise<Map<string, string>> {
  const paths = [...files, join(root, PLUMBLINE_CONFIG_FILE), join(root, '.git', 'HEAD'), join(root, '.git', 'config'), join(root, 'jx-requirements.yml')];
  return new Map(await Promise.all(paths.map(async (p): Promise<[string, string]> => [p, await fileStamp(p)])));
}

async function discover(root: string, files: readonly string[], stamps: ReadonlyMap<string, string>, render: RenderOptions | undefined, withValues: boolean): Promise<Discovered> {
  const found: Environment[] = [];
  const problems: string[] = [];
  // One chart can be several environments (values-dev.yaml, values-prod.yaml); other paths are one each.
  const add = (name: string, path: string, delivery: Delivery, foundBy: string, target: Environment['target'], renderer: Renderer = rendererFor(root, path)): Environment => {
    // Two controllers delivering one path are two environments (clusters/staging and clusters/production
    // both applying infrastructure/configs); a folder convention and a controller are one.
    const existing = found.find((e) => e.paths[0] === path && sameHelmEnvironment(e, name, renderer) && (e.delivery.kind === 'direct' || delivery.kind === 'direct' || e.name === name));
    if (existing !== undefined) {
      existing.foundBy.push(foundBy);
      // The folder convention names the environment (overlays/prod, values-prod.yaml), whichever file came first.
      if (delivery.kind === 'direct' && existing.delivery.kind !== 'direct') existing.name = name;
      // A GitOps controller is a better way to converge than a direct apply, and it knows the values.
      if (existing.delivery.kind === 'direct' && delivery.kind !== 'direct') {
        existing.delivery = delivery;
        if (renderer.kind === 'helm') existing.renderer = renderer;
      }
      existing.target.namespace ??= target.namespace;
      if (target.server !== undefined) existing.target.server ??= target.server;
      return existing;
    }
    const environment: Environment = { name, paths: [path], renderer, target, delivery, protected: false, foundBy: [foundBy] };
    found.push(environment);
    return environment;
  };
  // Flux Kustomizations whose postBuild reads ConfigMaps or Secrets, and the files that may hold them.
  const substituteFrom: { environment: Environment; from: SubstituteSource[]; namespace: string; file: string; cluster: string | undefined }[] = [];
  const valueFiles: string[] = [];
  // Flux Kustomizations are placed once every source is known: their path may be in an artifact.
  // `.plumbline.yaml` is read first: its repositoryURLs say which sources are this workspace.
  const configPath = join(root, PLUMBLINE_CONFIG_FILE);
  const config = existsSync(configPath) ? readEnvironmentConfig(await readFile(configPath, 'utf8')) : undefined;
  const sources = new FluxSources(workspaceRemotes(root), workspaceBranch(root), config?.repositoryUrls);
  const fluxKustomizations: FluxKustomizationFound[] = [];
  const helmReleases: { object: unknown; name: string; namespace: string; rel: string }[] = [];
  const jxEnvironments: JenkinsXEnvironmentObject[] = [];

  const clusterFolders = new Set<string>();
  try {
    for (const entry of readdirSync(join(root, 'clusters'), { withFileTypes: true })) if (entry.isDirectory()) clusterFolders.add(entry.name);
  } catch {
    // No clusters/ folder: no cluster names to recognise.
  }
  // Environments found from a chart's values-<env>.yaml alone, until a controller claims the file.
  const chartValues: Environment[] = [];
  /** An Argo CD Application, written in Git or generated by an ApplicationSet: one environment. */
  const addApplication = (object: unknown, name: string, namespace: string, foundBy: string): void => {
    // One source, or several (`spec.sources`): those with a path are manifests, those with a `ref` lend their files ($values).
    const several = get(object, 'spec', 'sources');
    const all: unknown[] = Array.isArray(several) ? (several as unknown[]).filter((s) => s !== null && typeof s === 'object') : [get(object, 'spec', 'source')].filter((s) => s !== undefined);
    const refs = new Map<string, string | undefined>();
    for (const s of all) {
      const ref = str(get(s, 'ref'));
      const url = str(get(s, 'repoURL'));
      if (ref !== undefined) refs.set(ref, url === undefined || sources.isWorkspace(url) ? '' : undefined);
    }
    const withPath = all.filter((s) => str(get(s, 'path')) !== undefined);
    // `https://kubernetes.default.svc` (by name `in-cluster`) is Argo CD's own cluster: whichever the user's context is.
    // A destination by name is the kubeconfig context (or cluster) of that name.
    const destination = str(get(object, 'spec', 'destination', 'server'))?.replace(/\/+$/, '') ?? str(get(object, 'spec', 'destination', 'name'));
    const server = destination === 'https://kubernetes.default.svc' || destination === 'in-cluster' ? undefined : destination;
    const target = { context: undefined, namespace: str(get(object, 'spec', 'destination', 'namespace')), ...(server !== undefined ? { server } : {}) };
    const notRendered = (unrendered: string): void => {
      found.push({ name, paths: [], renderer: { kind: 'plain' }, target, delivery: argoDelivery(object, name, namespace), protected: false, foundBy: [foundBy], unrendered });
    };
    const source = withPath[0];
    if (source === undefined) {
      // A chart from a Helm repository or an OCI registry: not downloaded.
      const chartSource = all.find((s) => str(get(s, 'chart')) !== undefined);
      if (chartSource !== undefined) notRendered(`chart ${str(get(chartSource, 'chart'))}${str(get(chartSource, 'targetRevision')) !== undefined ? `@${str(get(chartSource, 'targetRevision'))}` : ''} comes from ${str(get(chartSource, 'repoURL')) ?? 'a Helm repository'} and is not in the workspace; nothing is downloaded`);
      return;
    }
    const chart = cleanPath(str(get(source, 'path'))!);
    const unrendered = argoSourceElsewhere(root, source, chart, sources);
    if (unrendered !== undefined) return notRendered(unrendered);
    const renderer = rendererFor(root, chart).kind === 'helm' ? argoHelmRenderer(source, chart, name, parseValues, refs) : undefined;
    const note = withPath.length > 1 ? ` (the first of its ${withPath.length} sources with a path is rendered)` : '';
    const environment = add(name, chart, argoDelivery(object, name, namespace), `${foundBy}${note}`, target, ...(renderer !== undefined ? [renderer] : []));
    if (environment.renderer.kind === 'plain' && environment.delivery.kind === 'argocd' && environment.delivery.name === name) {
      const directory = get(source, 'directory');
      const include = str(get(directory, 'include'));
      const exclude = str(get(directory, 'exclude'));
      environment.directory = { recurse: get(directory, 'recurse') === true, ...(include !== undefined ? { include } : {}), ...(exclude !== undefined ? { exclude } : {}) };
    }
  };
  /** An ApplicationSet, in Git or rendered: the Applications its generators make, or one environment saying why not. */
  const addApplicationSet = (object: unknown, name: string, namespace: string, foundBy: string): void => {
    const expansion = expandApplicationSet(root, object, (url) => sources.isWorkspace(url));
    if ('unexpanded' in expansion) {
      found.push({ name, paths: [], renderer: { kind: 'plain' }, target: { context: undefined, namespace: undefined }, delivery: argoDelivery(object, name, namespace), protected: false, foundBy: [foundBy], unrendered: `ApplicationSet not expanded: ${expansion.unexpanded}` });
      return;
    }
    for (const app of expansion.applications) {
      const appName = str(get(app, 'metadata', 'name'));
      if (appName !== undefined) addApplication(app, appName, str(get(app, 'metadata', 'namespace')) ?? namespace, `${foundBy} (generated Application ${appName})`);
    }
  };
  // Charts whose templates write Argo CD Applications: their Applications exist once rendered.
  const appCharts: string[] = [];
  // A kustomize patch that looks like a Flux or Argo CD object (an overlay setting a tenant's
  // `spec.path`) is a change to one, not one of its own.
  const patches = new PatchIndex();
  for (const file of files.filter(isKustomizationFile)) patches.update(file, await kustomizationTexts.get(file, stamps.get(file) ?? '-', () => readTextIfSane(file)));
  // Argo CD directory sources that keep files out of what they sync, read before any Argo CD object is taken for an environment.
  const exclusions: ArgoExclusion[] = [];
  for (const file of files) {
    if (isKustomizationFile(file) || patches.useOf(file) !== undefined) continue;
    const rel = toRepoPath(root, file);
    for (const { id, object } of (await factsOf(file, stamps.get(file) ?? '-')).documents) {
      if (id.group === 'argoproj.io' && (id.kind === 'Application' || id.kind === 'ApplicationSet')) exclusions.push(...argoExclusions(object, id.kind, rel, `${id.kind} ${id.name ?? ''} in ${rel}`, (url) => sources.isWorkspace(url)));
    }
  }
  // Argo CD objects in files those sources keep out: not synced by Argo CD, so not environments; named once.
  const unsynced: string[] = [];
  for (const file of files) {
    const rel = toRepoPath(root, file);
    const parts = rel.split('/');
    // kustomize overlays: overlays/<env>/kustomization.yaml
    if (/^(kustomization\.ya?ml|Kustomization)$/.test(basename(file)) && parts.length >= 3 && OVERLAY_PARENTS.has(parts[parts.length - 3] ?? '')) {
      const env = parts[parts.length - 2] ?? '';
      add(env, toRepoPath(root, dirname(file)), { kind: 'direct' }, `kustomize overlay ${toRepoPath(root, dirname(file))}`, { context: undefined, namespace: undefined });
      continue;
    }
    const fromValues = chartValuesFinding(root, rel);
    if (fromValues !== undefined) {
      // values-nomaria.yaml is a variant of the chart, not an environment.
      if (isEnvironmentName(fromValues.name, clusterFolders)) chartValues.push(add(fromValues.name, fromValues.path, fromValues.delivery, fromValues.foundBy, fromValues.target, fromValues.renderer));
      continue;
    }
    // A chart's templates are not YAML until rendered; one that writes Argo CD Applications makes its chart an app of apps.
    if (parts.includes('templates') && existsSync(join(root, ...parts.slice(0, parts.indexOf('templates')), 'Chart.yaml'))) {
      const chart = parts.slice(0, parts.indexOf('templates')).join('/') || '.';
      if (!appCharts.includes(chart) && templatesArgoApplications((await readTextIfSane(file)) ?? '')) appCharts.push(chart);
      continue;
    }
    const facts = await factsOf(file, stamps.get(file) ?? '-');
    if (facts.valueFile) valueFiles.push(file);
    if (patches.useOf(file) !== undefined) continue;
    for (const { id, object, index } of facts.documents) {
      const name = id.name ?? '';
      const namespace = id.namespace ?? (id.group === 'argoproj.io' ? 'argocd' : 'flux-system');
      sources.note(file, id.group, id.kind, namespace, name, object);
      if (id.group === 'kustomize.toolkit.fluxcd.io' && id.kind === 'Kustomization') {
        fluxKustomizations.push({ object, name, namespace, rel, file, document: index });
      } else if (id.group === 'helm.toolkit.fluxcd.io' && id.kind === 'HelmRelease') {
        helmReleases.push({ object, name, namespace, rel });
      } else if (id.group === 'argoproj.io' && (id.kind === 'Application' || id.kind === 'ApplicationSet') && excludedFromSync(rel, exclusions) !== undefined) {
        const by = excludedFromSync(rel, exclusions)!;
        unsynced.push(`${id.kind} ${namespace}/${name} in ${rel} (kept out by the ${[by.exclude !== undefined ? `exclude ${by.exclude}` : undefined, by.include !== undefined ? `include ${by.include}` : undefined].filter((t) => t !== undefined).join(', ')} of ${by.declarer})`);
      } else if (id.group === 'argoproj.io' && id.kind === 'Application') {
        addApplication(object, name, namespace, `Argo CD Application ${namespace}/${name} in ${rel}`);
      } else if (id.group === 'jenkins.io' && id.kind === 'Environment') {
        jxEnvironments.push(readJenkinsXEnvironment(object, name));
      } else if (id.group === 'argoproj.io' && id.kind === 'ApplicationSet') {
        addApplicationSet(object, name, namespace, `Argo CD ApplicationSet ${namespace}/${name} in ${rel}`);
      }
    }
  }

  if (unsynced.length > 0) {
    problems.push(`${unsynced.length} Argo CD object${unsynced.length === 1 ? ' is' : 's are'} in files that a directory source of this repository keeps out of what Argo CD syncs, so Argo CD does not deliver them and they are not environments: ${unsynced.slice(0, 5).join(', ')}${unsynced.length > 5 ? `, and ${unsynced.length - 5} more` : ''}`);
  }
  // App of apps: the parent chart rendered as Argo CD renders it, each Application it writes an environment.
  for (const chart of appCharts) {
    const listed = await applicationsOfChart(root, chart, render, (r, env, options) => parentRenders.render(r, env, options));
    if ('problem' in listed) {
      problems.push(listed.problem);
      continue;
    }
    for (const { object, template } of listed.applications) {
      const name = str(get(object, 'metadata', 'name')) ?? '';
      const namespace = str(get(object, 'metadata', 'namespace')) ?? 'argocd';
      const foundBy = `Argo CD ${object.kind} ${namespace}/${name} rendered from chart ${chart} (app of apps, ${template})`;
      if (object.kind === 'ApplicationSet') addApplicationSet(object, name, namespace, foundBy);
      else addApplication(object, name, namespace, foundBy);
    }
  }
  const { units: placed, clustersApplying, appliedBy, delivered } = await placeFluxUnits(root, fluxKustomizations, sources);
  // Flux objects no cluster of this repository applies: named once, not environments.
  const undelivered: string[] = [];
  const undeliveredFiles: string[] = [];
  // Each rendered unit with its environment, for reading it again as its parent applies it.
  const unitEntries: UnitEntry[] = [];
  // A unit's targetNamespace: as its parent's render applies it once that is known, else as its file writes it.
  const targetOf = (u: PlacedUnit): string | undefined => unitEntries.find((e) => e.unit === u)?.environment.flux?.targetNamespace ?? str(get(u.object, 'spec', 'targetNamespace'));
  const appliedIn = namespacesApplied(root, placed, appliedBy, targetOf);
  // In a base that two clusters' units include, a Kustomization is a unit of each.
  for (const placedUnit of placed.flatMap((p) => (p.clusters.length > 0 ? p.clusters : [undefined]).map((cluster) => ({ unit: p, cluster })))) {
    const { unit: p, cluster } = placedUnit;
    const { object, name, rel, file, document, source, where } = p;
    if (cluster === undefined && !delivered(rel)) {
      undelivered.push(`Kustomization ${p.namespace}/${name} in ${rel}`);
      undeliveredFiles.push(rel);
      continue;
    }
    // The namespace its parent applies it in (a folder kustomization's namespace:), else its own.
    const namespace = appliedIn(rel, cluster, p) ?? p.namespace;
    const env = cluster ?? name;
    const delivery: Delivery = { kind: 'flux', name, namespace, ...(source !== undefined ? { source } : {}) };
    const foundBy = `Flux Kustomization ${namespace}/${name} in ${rel}`;
    const target = { context: undefined, namespace: str(get(object, 'spec', 'targetNamespace')) };
    const dependsOn = (Array.isArray(get(object, 'spec', 'dependsOn')) ? (get(object, 'spec', 'dependsOn') as unknown[]) : []).flatMap((d) => (str(get(d, 'name')) !== undefined ? [str(get(d, 'name'))!] : []));
    const unit = { ...(cluster !== undefined ? { cluster } : {}), ...(dependsOn.length > 0 ? { dependsOn } : {}) };
    if ('elsewhere' in where) {
      // Never a guessed local folder: one environment that says where its manifests are.
      found.push({ name: env, paths: [], renderer: { kind: 'plain' }, target, delivery, protected: false, foundBy: [foundBy], unrendered: where.elsewhere, ...unit });
      continue;
    }
    const environment = add(env, where.path, delivery, where.note !== undefined ? `${foundBy} (${where.note})` : foundBy, target);
    if (environment.delivery.kind === 'flux' && environment.delivery.name === name) Object.assign(environment, unit);
    const steps = readFluxBuild(object, where.path);
    if (steps !== undefined && environment.flux === undefined) {
      environment.flux = { ...steps.build, origin: { file, document } };
      // kustomize-controller reads them in the Kustomization's own namespace as applied (its folder's kustomization may set it).
      if (steps.from.length > 0) substituteFrom.push({ environment, from: steps.from, namespace, file, cluster });
    }
    const own = environment.flux === undefined ? environment.delivery.kind === 'flux' && environment.delivery.name === name : environment.flux.origin?.file === file && environment.flux.origin.document === document;
    if (own) unitEntries.push({ unit: p, cluster, environment });
  }
  // ConfigMaps and Secrets of the repository, read once and only when a Flux object asks for their
  // values (and none without withValues: the environments are then not answered, only notApplied).
  let valueCache: Promise<Map<string, ValueObject[]>> | undefined;
  const values = (): Promise<Map<string, ValueObject[]>> => (valueCache ??= withValues ? valueObjects(valueFiles) : Promise.resolve(new Map<string, ValueObject[]>()));
  /**
   * A ConfigMap or Secret as the controller finds it: in the namespace it is applied in (its
   * folder's kustomization, its unit's targetNamespace, else what its file writes, else default),
   * and of several, the one nearest the object that asks (each cluster folder often has its own `cluster-vars`).
   */
  const valueIn = async (kind: string, namespace: string, name: string, asking: string, cluster: string | undefined): Promise<ValueObject | undefined> => {
    const candidates = ((await values()).get(`${kind}/${name}`) ?? []).filter((c) => (appliedIn(toRepoPath(root, c.file), cluster) ?? c.written ?? 'default') === namespace);
    return nearest(candidates, asking);
  };
  /** The ConfigMaps and Secrets a unit names, found before its steps are filled in (the fill-in is synchronous). */
  const valueLookup = async (from: readonly SubstituteSource[], namespace: string, asking: string, cluster: string | undefined): Promise<(kind: 'ConfigMap' | 'Secret', ns: string, name: string) => ValueObject | undefined> => {
    const found = new Map<string, ValueObject | undefined>();
    for (const f of from) found.set(`${f.kind}/${f.name}`, await valueIn(f.kind, namespace, f.name, asking, cluster));
    return (kind, _ns, name) => found.get(`${kind}/${name}`);
  };
  for (const { environment, from, namespace, file, cluster } of substituteFrom) {
    if (environment.flux !== undefined) environment.flux = withSubstituteSources(environment.flux, from, namespace, await valueLookup(from, namespace, file, cluster));
  }
  // After every unit's own variables are known: a parent renders its children with them.
  if (render?.trusted === true && unitEntries.length > 0) {
    // A unit's steps as read from an object: its parent's rendering of it, or a Kustomization only a render has.
    const stepsFrom = async (object: unknown, path: string, namespace: string, origin: { file: string; document: number }, cluster: string | undefined): Promise<Environment['flux']> => {
      const steps = readFluxBuild(object, path);
      if (steps === undefined) return undefined;
      const build = { ...steps.build, origin };
      if (steps.from.length === 0) return build;
      // In the namespace the parent's render applies the Kustomization in, as kustomize-controller looks them up.
      const applied = str(get(object, 'metadata', 'namespace')) ?? namespace;
      return withSubstituteSources(build, steps.from, applied, await valueLookup(steps.from, applied, origin.file, cluster));
    };
    await followRenderedUnits(
      unitEntries,
      appliedBy,
      (env) => parentRenders.render(root, env, render),
      async ({ unit, environment, cluster }, object) => {
        if ('elsewhere' in unit.where) return;
        const flux = await stepsFrom(object, unit.where.path, environment.delivery.kind === 'flux' ? environment.delivery.namespace : unit.namespace, { file: unit.file, document: unit.document }, cluster);
        if (flux !== undefined) environment.flux = flux;
        const targetNamespace = str(get(object, 'spec', 'targetNamespace'));
        if (targetNamespace !== undefined) environment.target.namespace = targetNamespace;
        // The name and namespace the cluster knows it by (a parent's namePrefix, the namespace of the
        // kustomization that lists it): what reconcile and the tree name.
        const applied = str(get(object, 'metadata', 'name'));
        const appliedNamespace = str(get(object, 'metadata', 'namespace'));
        if ((applied !== undefined || appliedNamespace !== undefined) && environment.delivery.kind === 'flux') {
          const before = `Flux Kustomization ${environment.delivery.namespace}/${environment.delivery.name} in `;
          environment.delivery = { ...environment.delivery, name: applied ?? environment.delivery.name, namespace: appliedNamespace ?? environment.delivery.namespace };
          const after = `Flux Kustomization ${environment.delivery.namespace}/${environment.delivery.name} in `;
          environment.foundBy = environment.foundBy.map((f) => (f.startsWith(before) ? after + f.slice(before.length) : f));
        }
      },
      async (parent, object) => {
        const name = str(get(object, 'metadata', 'name')) ?? '';
        const namespace = str(get(object, 'metadata', 'namespace')) ?? parent.unit.namespace;
        const { source, written } = sourceAndPath(object, namespace);
        const where = sources.resolve(parent.unit.file, source, written);
        const foundBy = `Flux Kustomization ${namespace}/${name}, which ${parent.unit.namespace}/${parent.unit.name} renders (no file declares it)`;
        const delivery: Delivery = { kind: 'flux', name, namespace, ...(source !== undefined ? { source } : {}) };
        const target = { context: undefined, namespace: str(get(object, 'spec', 'targetNamespace')) };
        const unit = parent.cluster !== undefined ? { cluster: parent.cluster } : {};
        if ('elsewhere' in where) {
          found.push({ name: parent.cluster ?? name, paths: [], renderer: { kind: 'plain' }, target, delivery, protected: false, foundBy: [foundBy], unrendered: where.elsewhere, ...unit });
          return;
        }
        const environment = add(parent.cluster ?? name, where.path, delivery, foundBy, target);
        if (environment.delivery.kind === 'flux' && environment.delivery.name === name) Object.assign(environment, unit);
        // Its steps are written in the parent's file: origins of what they change point there.
        environment.flux ??= await stepsFrom(object, where.path, namespace, { file: parent.unit.file, document: parent.unit.document }, parent.cluster);
      },
      new Set(fluxKustomizations.map((k) => k.file)),
    );
  }
  // After the units are rendered: the namespace a HelmRelease is applied in is its unit's targetNamespace as applied.
  for (const { object, name, namespace: written, rel } of helmReleases) {
    const clusters = clustersApplying(rel);
    if (!delivered(rel)) {
      undelivered.push(`HelmRelease ${written}/${name} in ${rel}`);
      undeliveredFiles.push(rel);
      continue;
    }
    // One unit applies it in most repositories; in two clusters, the first one's namespace names it.
    const namespace = appliedIn(rel, clusters[0]) ?? written;
    const finding = helmReleaseFinding(root, object, rel, { name, namespace });
    if (finding !== undefined) {
      // helm-controller reads them in the HelmRelease's own namespace as applied, not the one its file writes.
      const refs = Array.isArray(get(object, 'spec', 'valuesFrom')) ? (get(object, 'spec', 'valuesFrom') as unknown[]) : [];
      const found = new Map<string, ValueObject | undefined>();
      for (const r of refs) {
        const kind = str(get(r, 'kind'));
        const n = str(get(r, 'name'));
        if (kind !== undefined && n !== undefined) found.set(`${kind}/${n}`, await valueIn(kind, namespace, n, join(root, rel), clusters[0]));
      }
      const from = withValuesFrom(object, namespace, finding.renderer.values, (kind, _ns, n) => found.get(`${kind}/${n}`)?.object, parseValues);
      add(finding.name, finding.path, finding.delivery, finding.foundBy, finding.target, { ...finding.renderer, ...(from.values !== undefined ? { values: from.values } : {}) });
      if (from.notInGit.length > 0) problems.push(`Flux HelmRelease ${namespace}/${name} in ${rel}: spec.valuesFrom ${from.notInGit.join(', ')} is not in Git; drift may show those values`);
      continue;
    }
    const elsewhere = sources.chartElsewhere(join(root, rel), object, namespace, written);
    if (elsewhere === undefined) continue;
    // In a folder two clusters apply, or a base their overlays include, it is a unit of each.
    for (const cluster of clusters.length > 0 ? clusters : [undefined]) found.push({
      name: cluster ?? name,
      paths: [],
      renderer: { kind: 'plain' },
      target: { context: undefined, namespace: str(get(object, 'spec', 'targetNamespace')) ?? namespace },
      delivery: { kind: 'flux', resource: 'HelmRelease', name, namespace },
      protected: false,
      foundBy: [`Flux HelmRelease ${namespace}/${name} in ${rel}`],
      unrendered: elsewhere,
      ...(cluster !== undefined ? { cluster } : {}),
    });
  }
  if (undelivered.length > 0) {
    const clusterNames = [...new Set(placed.flatMap((p) => p.clusters))].sort();
    problems.push(
      `${undelivered.length} Flux object${undelivered.length === 1 ? ' is' : 's are'} in files no Kustomization of the cluster${clusterNames.length === 1 ? '' : 's'} ${clusterNames.join(', ')} applies, so Flux does not deliver them from this repository and they are not environments: ${undelivered.slice(0, 5).join(', ')}${undelivered.length > 5 ? `, and ${undelivered.length - 5} more` : ''}`,
    );
  }
  const jx = jenkinsXEnvironments(root, jxEnvironments, (url) => sources.isWorkspace(url));
  problems.push(...jx.problems);
  for (const e of jx.environments) {
    if (e.unrendered !== undefined || e.paths[0] === undefined) found.push(e);
    else Object.assign(add(e.name, e.paths[0], e.delivery, e.foundBy[0]!, e.target, e.renderer), { protected: e.protected }).foundBy.push(...e.foundBy.slice(1));
  }
  // A values file a HelmRelease or an Application already uses is part of that delivery, not an environment of its own.
  const claimed = new Set(found.flatMap((e) => (e.delivery.kind !== 'direct' && e.renderer.kind === 'helm' ? e.renderer.valuesFiles : [])));
  for (const e of chartValues) {
    if (e.delivery.kind === 'direct' && e.renderer.kind === 'helm' && e.renderer.valuesFiles.length > 0 && e.renderer.valuesFiles.every((v) => claimed.has(v)) && found.includes(e)) found.splice(found.indexOf(e), 1);
  }
  const environments = found;
  if (config !== undefined) {
    problems.push(...config.problems.map((p) => `.plumbline.yaml: ${p}`));
    for (const entry of config.environments) {
      // By name; else by path, when that path is one environment only (a chart can be several).
      const samePath = entry.paths === undefined ? [] : environments.filter((e) => e.paths.join() === entry.paths?.join());
      const existing = environments.find((e) => e.name === entry.name) ?? (samePath.length === 1 ? samePath[0] : undefined);
      if (existing !== undefined) {
        existing.name = entry.name;
        if (entry.paths !== undefined && entry.paths.join() !== existing.paths.join()) {
          // The user says where its manifests are in this workspace (an OCI artifact built from a folder).
          delete existing.unrendered;
          existing.paths = entry.paths;
          existing.renderer = rendererFor(root, entry.paths[0] ?? '.');
        }
        existing.renderer = withHelmConfig(existing.renderer, entry);
        if (entry.context !== undefined) existing.target.context = entry.context;
        if (entry.kubeconfig !== undefined) existing.target.kubeconfig = kubeconfigPath(root, entry.kubeconfig);
        if (entry.namespace !== undefined) existing.target.namespace = entry.namespace;
        if (entry.protected !== undefined) existing.protected = entry.protected;
        if (entry.delivery !== undefined) existing.delivery = entry.delivery;
        existing.foundBy.push(PLUMBLINE_CONFIG_FILE);
      } else if (entry.paths !== undefined) {
        environments.push({
          name: entry.name,
          paths: entry.paths,
          renderer: withHelmConfig(rendererFor(root, entry.paths[0] ?? '.'), entry),
          target: { context: entry.context, namespace: entry.namespace, ...(entry.kubeconfig !== undefined ? { kubeconfig: kubeconfigPath(root, entry.kubeconfig) } : {}) },
          delivery: entry.delivery ?? { kind: 'direct' },
          protected: entry.protected ?? false,
          foundBy: [PLUMBLINE_CONFIG_FILE],
        });
      } else {
        problems.push(`.plumbline.yaml: environment ${entry.name} has no paths and matches no discovered environment`);
      }
    }
  }
  // The same name found twice (two apps' dev overlays): keep both, told apart by path.
  const counts = new Map<string, number>();
  for (const e of environments) counts.set(e.name, (counts.get(e.name) ?? 0) + 1);
  for (const e of environments) if ((counts.get(e.name) ?? 0) > 1 && e.foundBy.every((f) => f !== PLUMBLINE_CONFIG_FILE)) e.name = `${e.name} (${e.delivery.kind !== 'direct' && e.cluster !== undefined ? e.delivery.name : (e.paths[0] ?? (e.delivery.kind !== 'direct' ? e.delivery.name : ''))})`;
  // A Kustomization and the HelmRelease it applies often share a name: the HelmRelease says so.
  const renamed = new Map<string, number>();
  for (const e of environments) renamed.set(e.name, (renamed.get(e.name) ?? 0) + 1);
  for (const e of environments) if ((renamed.get(e.name) ?? 0) > 1 && e.delivery.kind === 'flux' && e.delivery.resource === 'HelmRelease') e.name = e.name.endsWith(')') ? `${e.name.slice(0, -1)}, HelmRelease)` : `${e.name} (HelmRelease)`;
  environments.sort((a, b) => byPromotionOrder(a.name, b.name));
  return { environments, problems, notApplied: notAppliedFiles(files.map((f) => toRepoPath(root, f)), undeliveredFiles, delivered) };
}

import { execFile } from 'node:child_process';
import { readdir, unlink, writeFile } from 'node:fs/promises';
import { availableParallelism } from 'node:os';
import { join, relative, resolve, sep } from 'node:path';
import { promisify } from 'node:util';
import type { KubeObject } from '../manifests/kubeObject';
import { isKustomizationFile } from '../kustomize/patchIndex';
import { kustomizationIn } from '../kustomize/tree';
import { globRegExp } from '../files/glob';
import { documentLine } from '../manifests/documentLine';
import { ManifestParser } from '../manifests/parse';
import { kubectlValue } from '../manifests/kubectlRead';
import { collectYamlFiles, readTextIfSane } from '../files/files';
import { RepositoryRoot } from '../files/insideRoot';
import { renderHelm } from './helm';
import { environmentInputProblem } from './inputCheck';
import type { Environment, FluxBuild } from './model';
import { afterBuild, kustomizeFields, needsKustomize } from './fluxBuild';
import { type BuildAnswer, buildWithServer, findBundledKustomize, isBundledKustomize } from './kustomizeServer';
import { withWrapperFolder } from './wrapperFolders';
import { identityIndexOf, sourcesByIdentity } from './identitySources';

const run = promisify(execFile);
const ORIGIN = 'config.kubernetes.io/origin';

/** An object an environment renders to, and the file that declares it. */
export interface RenderedObject {
  object: KubeObject;
  /** Absolute path of the source file (from kustomize's origin annotation, or the plain file). */
  source: string | undefined;
  /** Zero-based line of its document in `source`, when the renderer parsed that file itself. */
  line?: number;
}

/** Why an environment was not rendered: one vocabulary for every render result and preview. */
export type RenderFailureKind = 'untrusted' | 'missing-binary' | 'render-error' | 'elsewhere';

export type RenderResult = { ok: true; objects: RenderedObject[]; /** What the render could not do fully (Flux variables without a value in Git). */ notes?: string[] } | { ok: false; kind: RenderFailureKind; message: string };

export interface RenderOptions {
  /** False in an untrusted workspace: no binary runs. */
  trusted: boolean;
  /** The kustomize command, e.g. ['kubectl', 'kustomize'] or ['kustomize', 'build']. */
  kustomize: string[];
  /** The helm command, e.g. ['helm'] or ['/opt/helm/bin/helm']; `helm` when absent. */
  helm?: string[];
  /** Every object traced to its file by kustomize's origin annotations, even where kind and name would do (slower; tests compare the two). */
  kustomizeOrigins?: boolean;
}

export const DEFAULT_RENDER_OPTIONS: RenderOptions = { trusted: true, kustomize: ['kubectl', 'kustomize'], helm: ['helm'] };

function objectsOf(text: string, source: string | undefined): RenderedObject[] {
  const file = new ManifestParser().parse(text);
  return file.documents.flatMap((d) => {
    if (d.identity === undefined || d.syntax.some((p) => p.severity === 'error')) return [];
    const rendered: RenderedObject = { object: kubectlValue(file, d, 100) as KubeObject, source };
    if (source !== undefined) rendered.line = documentLine(file, d);
    return [rendered];
  });
}

/**
 * The objects of kustomize's output, parsed some documents at a time with a turn of the event
 * loop between, so a build of thousands of objects does not stop the server answering. kustomize
 * writes one `---` line between documents, which no indented block scalar can contain.
 */
async function objectsInBatches(text: string, perBatch = 100): Promise<RenderedObject[]> {
  const documents = text.split(/^---\n/m);
  const out: RenderedObject[] = [];
  for (let i = 0; i < documents.length; i += perBatch) {
    out.push(...objectsOf(documents.slice(i, i + perBatch).join('---\n'), undefined));
    await new Promise((resolve) => setImmediate(resolve));
  }
  return out;
}

/**
 * The files of plain folders that hold Kubernetes objects, as Flux lists them in the kustomization
 * it generates, in its order; `folders` are the entries that are sub-folders with a kustomization.
 */
async function manifestFilesOf(root: string, paths: readonly string[]): Promise<WrapperResources> {
  const resources: string[] = [];
  const folders = new Set<string>();
  // Flux's generator: a sub-folder with its own kustomization is one resource (built by it), not its files.
  const walk = async (dir: string): Promise<void> => {
    const entries = await readdir(dir, { withFileTypes: true }).catch(() => []);
    for (const entry of entries.sort((a, b) => a.name.localeCompare(b.name))) {
      const path = join(dir, entry.name);
      if (entry.isDirectory()) {
        if (entry.name.startsWith('.')) continue;
        if (kustomizationIn(path) !== undefined) {
          resources.push(path);
          folders.add(path);
        } else await walk(path);
      } else if (entry.isFile() && /\.ya?ml$/.test(entry.name) && !isKustomizationFile(path)) {
        const text = await readTextIfSane(path);
        if (text !== undefined && /^apiVersion:/m.test(text) && /^kind:/m.test(text)) resources.push(path);
      }
    }
  };
  for (const p of paths) await walk(join(root, p));
  return { resources, folders };
}

/** Whether an Argo CD directory source reads `file`: its own folder's files unless `recurse`, then `include`/`exclude`. */
export function inDirectorySource(root: string, env: Environment, file: string): boolean {
  const options = env.directory;
  if (options === undefined) return true;
  const folder = env.paths.map((p) => join(root, p)).find((p) => file.startsWith(`${p}/`));
  if (folder === undefined) return true;
  const rel = relative(folder, file).split(sep).join('/');
  if (!options.recurse && rel.includes('/')) return false;
  if (options.include !== undefined && !globRegExp(options.include, { crossSegments: true }).test(rel)) return false;
  return options.exclude === undefined || !globRegExp(options.exclude, { crossSegments: true }).test(rel);
}

/** Whether a Flux Kustomization's plain folder is built the way kustomize-controller builds it (a generated kustomization). */
function builtAsFlux(env: Environment, options: RenderOptions): boolean {
  if (needsKustomize(env.flux)) return true;
  // Untrusted, kustomize does not run: the folder's files are read as they are.
  return options.trusted && env.delivery.kind === 'flux' && env.delivery.resource !== 'HelmRelease';
}

/**
 * Renders an environment to the objects a sync would apply. kustomize runs through a wrapper
 * kustomization that turns on origin annotations, so each object maps back to its file.
 */
export async function renderEnvironment(root: string, env: Environment, options: RenderOptions = DEFAULT_RENDER_OPTIONS): Promise<RenderResult> {
  if (env.unrendered !== undefined) return { ok: false, kind: 'elsewhere', message: `not rendered: ${env.unrendered}` };
  const built = await build(root, env, options);
  return built.ok && env.flux !== undefined ? afterFluxBuild(built.objects, env.flux) : built;
}

/** kustomize-controller's steps after the build: common metadata, then variables, object by object. */
function afterFluxBuild(objects: RenderedObject[], flux: FluxBuild): RenderResult {
  const unresolved = new Set<string>();
  const out = objects.map((rendered) => {
    const done = afterBuild(rendered.object, flux);
    for (const name of done.unresolved) unresolved.add(name);
    return { ...rendered, object: done.object };
  });
  const notes: string[] = [];
  if (unresolved.size > 0) {
    const where = flux.substitute?.notInGit.length ? ` (their values may be in ${flux.substitute.notInGit.join(', ')}, which Git does not hold)` : '';
    notes.push(`Flux postBuild: no value in Git for ${[...unresolved].sort().map((n) => `\${${n}}`).join(', ')}; left as written${where}`);
  }
  return { ok: true, objects: out, ...(notes.length > 0 ? { notes } : {}) };
}

/** What a unit's wrapper kustomization lists, in order, and which of those are kustomization folders (the rest are files). */
interface WrapperResources {
  resources: string[];
  folders: Set<string>;
}

/** Its kustomization folders, or a plain folder's files (and sub-folders with a kustomization) as Flux lists them. */
async function wrapperResources(root: string, env: Environment): Promise<WrapperResources> {
  if (env.renderer.kind === 'plain') return manifestFilesOf(root, env.paths);
  const resources = env.paths.map((p) => resolve(root, p));
  return { resources, folders: new Set(resources) };
}

/**
 * The kustomization that builds an environment as its controller does, with paths relative to
 * `wrapper`; with `origins`, kustomize annotates each object with its file.
 */
function wrapperKustomization(root: string, env: Environment, resources: readonly string[], wrapper: string, origins: boolean): string {
  const kustomization = {
    resources: resources.map((p) => relative(wrapper, p)),
    ...(env.flux !== undefined ? kustomizeFields(env.flux, (p) => relative(wrapper, resolve(root, p))) : {}),
    ...(origins ? { buildMetadata: ['originAnnotations'] } : {}),
  };
  // JSON is YAML to kustomize, and a tenth of the cost of writing YAML.
  return JSON.stringify(kustomization);
}

/**
 * Where the bundled kustomize finds a unit's wrapper: a folder beside the repository's files that
 * exists only in its memory (the request carries the kustomization), so nothing is written to disk.
 */
const IN_MEMORY_WRAPPER = '.plumbline-wrapper';

async function writeWrapper(file: string, kustomization: string): Promise<void> {
  // A new file, not the last build's overwritten: ext4 flushes a file truncated and rewritten to
  // disk at close, which on a busy disk held a render for tens of milliseconds.
  await unlink(file).catch(() => undefined);
  await writeFile(file, kustomization);
}

/** kustomize runs at once: each is CPU-bound, and eighty at a time only make every one slower. */
const KUSTOMIZE_AT_ONCE = Math.max(2, availableParallelism());
let running = 0;
const waiting: (() => void)[] = [];

async function inTurn<T>(work: () => Promise<T>): Promise<T> {
  if (running >= KUSTOMIZE_AT_ONCE) await new Promise<void>((resolve) => waiting.push(resolve));
  running++;
  try {
    return await work();
  } finally {
    running--;
    waiting.shift()?.();
  }
}

/**
 * The kustomize command a build runs: the bundled kustomize when the setting is left at its
 * default and Plumbline ships one (same output as `kubectl kustomize`, without a process per build).
 */
export function kustomizeCommandOf(command: readonly string[]): readonly string[] {
  const isDefault = command.length === DEFAULT_RENDER_OPTIONS.kustomize.length && command.every((part, i) => part === DEFAULT_RENDER_OPTIONS.kustomize[i]);
  const bundled = isDefault ? findBundledKustomize() : undefined;
  return bundled !== undefined ? [bundled] : command;
}

/** What kustomize says when a host cannot be reached, shortest first. */
const UNREACHABLE = [/no such host/, /Could not resolve host/, /i\/o timeout/, /connection refused/, /network is unreachable/, /TLS handshake timeout/];

/**
 * A kustomization listing a remote resource (a CRD by URL, `github.com/org/repo/path?ref=v1`) that
 * this machine cannot fetch: kustomize's answer is a kilobyte of nested accumulation errors, its
 * HTTP attempt and then its git one, that never says the unit itself is fine. Said in one line,
 * with the URL; undefined for any other failure.
 */
export function remoteFetchProblem(message: string): string | undefined {
  const url = /accumulating resources from '((?:https?:\/\/|git@|ssh:\/\/|git::|github\.com\/|gitlab\.com\/|bitbucket\.org\/)[^']+)'/.exec(message)?.[1];
  const cause = UNREACHABLE.map((r) => r.exec(message)?.[0]).find((c) => c !== undefined);
  if (url === undefined || cause === undefined) return undefined;
  return `the remote resource ${url} could not be fetched from this machine (${cause}); kustomize-controller fetches it when it builds the unit, so it renders here only with network access to that host`;
}

/** Builds a unit with kustomize: the bundled one reads the wrapper from memory, another command from a temporary folder. */
async function kustomizeBuild(root: string, env: Environment, options: RenderOptions, resources: readonly string[], origins: boolean): Promise<{ built: BuildAnswer; wrapper: string }> {
  const command = kustomizeCommandOf(options.kustomize);
  if (isBundledKustomize(command)) {
    const wrapper = join(root, IN_MEMORY_WRAPPER);
    return { built: await buildWithServer(command[0]!, wrapper, wrapperKustomization(root, env, resources, wrapper, origins)), wrapper };
  }
  return withWrapperFolder(async (wrapper) => {
    await writeWrapper(join(wrapper, 'kustomization.yaml'), wrapperKustomization(root, env, resources, wrapper, origins));
    // Separate commands take turns here; the bundled kustomize queues builds in its one process.
    return { built: await inTurn(() => runKustomize(wrapper, command)), wrapper };
  });
}

async function runKustomize(folder: string, kustomize: readonly string[]): Promise<BuildAnswer> {
  const [command = 'kubectl', ...args] = kustomize;
  try {
    // None, not RootOnly: environmentInputProblem has checked every file the kustomizations
    // load against the repository root (see kustomize/loadCheck.ts for why not kustomize's own).
    const { stdout } = await run(command, [...args, '--load-restrictor=LoadRestrictionsNone', folder], { maxBuffer: 512 * 1024 * 1024, timeout: 120_000 });
    return { ok: true, stdout };
  } catch (error: unknown) {
    const e = error as NodeJS.ErrnoException & { stderr?: string };
    if (e.code === 'ENOENT') return { ok: false, kind: 'missing-binary', message: `\`${kustomize.join(' ')}\` is not on the PATH (set plumbline.kustomize.command)` };
    const detail = (e.stderr ?? e.message).replace(/^E\d{4} [\d:.]+\s+\d+ run\.go:\d+\] /, '').trim();
    return { ok: false, kind: 'render-error', message: detail };
  }
}

/** Each object's source file, from the origin annotation kustomize wrote (relative to `top`), which is then removed. */
function withSources(objects: readonly RenderedObject[], top: string): RenderedObject[] {
  return objects.map(({ object }) => {
    const annotations = object.metadata?.annotations;
    const origin = annotations?.[ORIGIN];
    let source: string | undefined;
    if (origin !== undefined) {
      const path = /^path:\s*(.+)$/m.exec(origin)?.[1]?.trim();
      if (path !== undefined) source = resolve(top, path);
      // The annotation is ours, not the user's desired state.
      delete annotations![ORIGIN];
      if (Object.keys(annotations!).length === 0) delete object.metadata!.annotations;
    }
    return { object, source };
  });
}

async function build(root: string, env: Environment, options: RenderOptions): Promise<RenderResult> {
  // A plain folder a Flux Kustomization patches is built as Flux builds it: a kustomization of its files.
  if (env.renderer.kind === 'plain' && !builtAsFlux(env, options)) {
    const refused = await environmentInputProblem(root, env);
    if (refused !== undefined) return { ok: false, kind: 'render-error', message: refused };
    const objects: RenderedObject[] = [];
    const repository = new RepositoryRoot(root);
    for (const file of await collectYamlFiles(env.paths.map((p) => join(root, p)))) {
      if (isKustomizationFile(file) || !inDirectorySource(root, env, file)) continue;
      const verdict = repository.check(file);
      if (!verdict.inside) return { ok: false, kind: 'render-error', message: `not rendered: ${repository.display(file)} leads outside the repository (a symlink); files an environment reads must be inside it` };
      const text = await readTextIfSane(file);
      if (text === undefined) return { ok: false, kind: 'render-error', message: `not rendered: ${repository.display(file)} is not a regular file within the size limit, or cannot be read` };
      objects.push(...objectsOf(text, file));
      // Parsing is synchronous: between files, let the server answer other requests.
      await new Promise((resolve) => setImmediate(resolve));
    }
    return { ok: true, objects };
  }
  if (!options.trusted) return { ok: false, kind: 'untrusted', message: 'untrusted workspace: kustomize and helm are not run' };
  const refused = await environmentInputProblem(root, env);
  if (refused !== undefined) return { ok: false, kind: 'render-error', message: refused };
  if (env.renderer.kind === 'helm') return renderHelm(root, env, env.renderer, options.helm ?? ['helm']);
  const { resources, folders } = await wrapperResources(root, env);
  // Traced by kind and name when nothing in the unit renames; else, or when that fails, by kustomize's origin annotations (see identitySources.ts).
  const components = (env.flux?.components ?? []).map((c) => resolve(root, c));
  const index = options.kustomizeOrigins === true ? undefined : await identityIndexOf([...folders, ...components], resources.filter((p) => !folders.has(p)), env.flux);
  if (index !== undefined) {
    const built = await kustomizeObjects(root, env, options, resources, false);
    if (!built.ok) return built;
    const sources = sourcesByIdentity(built.objects.map((o) => o.object), index);
    if (sources !== undefined) return { ok: true, objects: built.objects.map((o, i) => ({ object: o.object, source: sources[i] })) };
  }
  const built = await kustomizeObjects(root, env, options, resources, true);
  return built.ok ? { ok: true, objects: withSources(built.objects, built.wrapper) } : built;
}

/** A kustomize build of the unit's wrapper, its objects not yet traced to their files. */
async function kustomizeObjects(root: string, env: Environment, options: RenderOptions, resources: readonly string[], origins: boolean): Promise<{ ok: true; objects: RenderedObject[]; wrapper: string } | { ok: false; kind: RenderFailureKind; message: string }> {
  const { built, wrapper } = await kustomizeBuild(root, env, options, resources, origins);
  if (!built.ok) return { ...built, message: `kustomize failed for ${env.paths.join(', ')}: ${remoteFetchProblem(built.message) ?? built.message.replaceAll(wrapper, '<wrapper>')}` };
  const objects = 'objects' in built ? built.objects.map((object) => ({ object: object as KubeObject, source: undefined })) : await objectsInBatches(built.stdout);
  return { ok: true, objects, wrapper };
}

import { readdir, stat } from 'node:fs/promises';
import { dirname, join, resolve, sep } from 'node:path';
import { parseAllDocuments, type YAMLMap } from 'yaml';
import { isMap, isScalar, isSeq, valueOf } from '../manifests/yamlNodes';
import { YAML_LOG } from '../manifests/yamlLog';
import { splitDocuments } from '../manifests/split';
import { quickParseDocument } from '../manifests/quickParse';
import { readKustomizationTree, kustomizationIn, type KustomizationNode } from '../kustomize/tree';
import type { Finding } from '../manifests/problem';
import { duplicateFindings, type Declaration } from './duplicates';

/**
 * Which files are applied together, so a resource declared twice among them is a real conflict:
 * the resource files one kustomization includes (with its bases, as `kustomize build` does), the
 * files below the path of a Flux Kustomization that has no kustomization file (Flux generates one
 * with all of them), the files of an Argo CD Application's directory source. Files that nothing
 * joins are applied on their own, or are alternatives (an `all-in-one.yaml` beside the per-object
 * files, `install.yaml` beside `install-with-extras.yaml`, fixtures of separate tests): they are
 * not compared with each other.
 */
export async function applyScopes(kustomizations: readonly string[], applied: readonly AppliedFolder[], files: readonly string[]): Promise<string[][]> {
  const scopes: string[][] = [];
  const seen = new Set<string>();
  for (const k of kustomizations) {
    const dir = dirname(resolve(k));
    if (seen.has(dir)) continue;
    seen.add(dir);
    const tree = await readKustomizationTree(dir);
    if (tree !== undefined) scopes.push([...resourceFiles(tree)]);
  }
  const absolute = files.map((f) => resolve(f));
  const folders = new Map<string, boolean>();
  for (const a of applied) folders.set(resolve(a.folder), (folders.get(resolve(a.folder)) ?? false) || a.recursive);
  for (const [folder, recursive] of folders) {
    if (kustomizationIn(folder) !== undefined) {
      if (seen.has(folder)) continue;
      seen.add(folder);
      const tree = await readKustomizationTree(folder);
      if (tree !== undefined) scopes.push([...resourceFiles(tree)]);
      continue;
    }
    // Flux's generated kustomization: every YAML file below; Argo CD's directory source: the files
    // of the folder, or below it with `recurse`. A folder with its own kustomization is a scope of
    // its own (its namespace or name prefix may set its objects apart): only the files no nested
    // kustomization owns are joined here.
    const under = absolute.filter((f) => f.startsWith(folder + sep) && (recursive || dirname(f) === folder));
    scopes.push(under.filter((f) => nearestKustomizationDir(dirname(f), folder) === undefined));
  }
  return scopes;
}

/** The closest folder from `dir` up to (not above) `top` that has a kustomization file. */
function nearestKustomizationDir(dir: string, top: string): string | undefined {
  for (let at = dir; at.startsWith(top); at = dirname(at)) {
    if (kustomizationIn(at) !== undefined) return at;
    if (at === top) break;
  }
  return undefined;
}

/**
 * The resource files a kustomization builds, with those of its bases and components (not
 * patches, not the kustomization files). A base that sets a namespace, a name prefix or suffix,
 * or runs transformers changes the identities of its objects, which only a render knows: it is
 * left out here, and compared as its own scope.
 */
function resourceFiles(node: KustomizationNode, out = new Set<string>()): Set<string> {
  for (const f of node.files) out.add(f);
  for (const c of [...node.children, ...node.components]) if (!renames(c)) resourceFiles(c, out);
  return out;
}

const RENAMING_FIELDS = ['namespace', 'namePrefix', 'nameSuffix', 'transformers', 'replacements'];

function renames(node: KustomizationNode): boolean {
  const root = node.doc.contents;
  return isMap(root) && RENAMING_FIELDS.some((key) => root.has(key));
}

/** A folder a GitOps unit applies as a whole. */
export interface AppliedFolder {
  folder: string;
  /** Files in subfolders too (Flux always; Argo CD with `directory.recurse`). */
  recursive: boolean;
}

/** Whether the text may hold a Flux Kustomization or an Argo CD Application: a cheap look before any parse. */
export function mayApplyFolders(text: string): boolean {
  // A root-level kind: CRDs of these kinds mention them too, indented, and are large to parse.
  return ROOT_UNIT_KIND.test(text) && (text.includes('kustomize.toolkit.fluxcd.io') || text.includes('argoproj.io'));
}

const ROOT_UNIT_KIND = /^kind:[ \t]*["']?(Kustomization|Application)["']?[ \t]*(#.*)?\r?$/m;

/** A path a Flux Kustomization or Argo CD Application applies, relative to its repository's root. */
export interface UnitPath {
  path: string;
  /** Files in subfolders too (Flux always; Argo CD with `directory.recurse`). */
  recursive: boolean;
}

/** The paths the unit documents among `roots` (parsed documents' contents) name. */
export function unitPathsIn(roots: Iterable<unknown>): UnitPath[] {
  const out: UnitPath[] = [];
  for (const root of roots) {
    if (!isMap(root)) continue;
    // Most documents are no unit: their kind says so before anything else is read.
    const kind = valueOf(root, 'kind');
    if (!isScalar(kind) || (kind.value !== 'Kustomization' && kind.value !== 'Application')) continue;
    out.push(...unitPaths(root));
  }
  return out;
}

/**
 * The unit paths in a text that is not otherwise parsed (a Helm template may render Applications
 * with literal paths): only its documents that may be units are parsed.
 */
export function unitPathsOfText(text: string): UnitPath[] {
  const docs = splitDocuments(text)
    .filter((chunk) => mayApplyFolders(chunk.text))
    .flatMap((chunk) => {
      const quick = quickParseDocument(chunk.text);
      return quick !== undefined ? [quick] : [...(parseAllDocuments(chunk.text, { prettyErrors: false, ...YAML_LOG }) as Iterable<{ contents: unknown }>)];
    });
  return unitPathsIn(docs.map((d) => d.contents));
}

/** The paths a unit document names, with whether their subfolders are included. */
function unitPaths(root: YAMLMap): UnitPath[] {
  const apiVersion = root.get('apiVersion');
  const kind = root.get('kind');
  if (typeof apiVersion !== 'string') return [];
  const spec = root.get('spec', true);
  if (!isMap(spec)) return [];
  if (kind === 'Kustomization' && apiVersion.startsWith('kustomize.toolkit.fluxcd.io/')) {
    // Flux builds the source's root when the path is empty.
    return [{ path: stringAt(spec, 'path') ?? '', recursive: true }];
  }
  if (kind === 'Application' && apiVersion.startsWith('argoproj.io/')) {
    const many: unknown = spec.get('sources', true);
    const sources = [spec.get('source', true), ...(isSeq(many) ? many.items : [])];
    return sources.flatMap((source) => {
      if (!isMap(source)) return [];
      const path = stringAt(source, 'path');
      // A chart or a remote repository's path is no folder here; a directory source is.
      if (path === undefined || source.has('chart')) return [];
      const directory = source.get('directory', true);
      return [{ path, recursive: isMap(directory) && directory.get('recurse') === true }];
    });
  }
  return [];
}

function stringAt(map: YAMLMap, key: string): string | undefined {
  const node = valueOf(map, key);
  return isScalar(node) && typeof node.value === 'string' ? node.value : undefined;
}

/**
 * Folder lookups shared by every file of one check: each place is listed once, and a path is
 * looked up only where its first name is there (a stat per unit and parent folder was a tenth of
 * checking a file of 300 units; listings per file, one per ancestor folder for each of 567 unit
 * files, kept a check of 4,250 files waiting 0.7 s).
 */
export class FolderLookup {
  private readonly folders = new Map<string, Promise<boolean>>();
  private readonly listings = new Map<string, Promise<Set<string> | undefined>>();

  /** Whether `path` below `at` (the candidate `join(at, path)`) is a folder. */
  async isFolderAt(at: string, path: string, candidate: string): Promise<boolean> {
    const first = path.split(/[\\/]/).find((name) => name !== '' && name !== '.');
    if (first !== undefined && first !== '..') {
      let listing = this.listings.get(at);
      if (listing === undefined) {
        listing = readdir(at).then((names) => new Set(names), () => undefined);
        this.listings.set(at, listing);
      }
      const names = await listing;
      if (names !== undefined && !names.has(first)) return false;
    }
    let isFolder = this.folders.get(candidate);
    if (isFolder === undefined) {
      isFolder = stat(candidate).then((s) => s.isDirectory(), () => false);
      this.folders.set(candidate, isFolder);
    }
    return isFolder;
  }
}

/**
 * The folders that the unit paths found in a file apply: a path is relative to the repository's
 * root, which is taken as the nearest folder above the file where that path exists.
 */
export async function appliedFoldersOf(file: string, paths: readonly UnitPath[], lookup: FolderLookup = new FolderLookup()): Promise<AppliedFolder[]> {
  const out: AppliedFolder[] = [];
  for (const { path, recursive } of paths) {
    // Variables in the path are substituted by a parent Kustomization, and an empty path is the
    // source's root: either way the folder is not known here.
    if (path.includes('${') || /^\.?\/?$/.test(path)) continue;
    for (let at = dirname(resolve(file)); ; at = dirname(at)) {
      const candidate = join(at, path);
      if (await lookup.isFolderAt(at, path, candidate)) {
        out.push({ folder: candidate, recursive });
        break;
      }
      if (dirname(at) === at) break;
    }
  }
  return out;
}

/**
 * Duplicate findings within each file, and within each scope of files applied together; a
 * declaration reported from two scopes is reported once.
 */
export function scopedDuplicateFindings(declared: readonly Declaration[], scopes: readonly string[][], display: (path: string) => string): Map<string, Finding[]> {
  const byFile = new Map<string, Declaration[]>();
  for (const d of declared) {
    const key = resolve(d.path);
    const list = byFile.get(key);
    if (list === undefined) byFile.set(key, [d]);
    else list.push(d);
  }
  const out = new Map<string, Finding[]>();
  const reported = new Set<string>();
  const add = (found: Map<string, Finding[]>): void => {
    for (const [path, findings] of found) {
      for (const f of findings) {
        const key = `${path}\0${f.range.start.line}\0${f.range.start.character}`;
        if (reported.has(key)) continue;
        reported.add(key);
        const list = out.get(path);
        if (list === undefined) out.set(path, [f]);
        else list.push(f);
      }
    }
  };
  for (const list of byFile.values()) add(duplicateFindings(list, display));
  for (const scope of scopes) {
    const members: Declaration[] = [];
    for (const f of scope) members.push(...(byFile.get(f) ?? []));
    add(duplicateFindings(members, display));
  }
  return out;
}

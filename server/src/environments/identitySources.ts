import { isMap, isScalar, isSeq, type Node } from 'yaml';
import { fileHeads } from '../files/fileHeads';
import { readKustomizationTree, type KustomizationNode } from '../kustomize/tree';
import type { FluxBuild } from './model';

/**
 * Each rendered object's file found by its kind and name, so kustomize can build without origin
 * annotations. With `buildMetadata: [originAnnotations]`, every transformer of every kustomization
 * parses and rewrites each object's origin and transformation annotations: a third of the bundled
 * kustomize's CPU on a fleet of Flux units. That is needed only where an object's name can change
 * on the way (prefixes, replacements, renaming patches, generators of other kinds); a unit without
 * them builds objects whose kind and name are those of one document in its files.
 *
 * Only a unit whose every kustomization uses the fields below is traced this way; for any other,
 * and whenever an object does not map to exactly one document, kustomize's origins are used.
 */
const NAME_KEEPING_FIELDS = new Set([
  'apiVersion',
  'kind',
  'metadata',
  'resources',
  'bases',
  'components',
  'namespace',
  'commonLabels',
  'labels',
  'commonAnnotations',
  'images',
  'replicas',
  'patches',
  'patchesStrategicMerge',
  'patchesJson6902',
  'configMapGenerator',
  'secretGenerator',
  'generatorOptions',
  'sortOptions',
  'buildMetadata',
]);

const REMOTE = /^[a-z][a-z0-9+.-]*:\/\/|^github\.com\/|^gitlab\.com\/|^bitbucket\.org\/|^git@|^git::/;

/** Where each kind/name of a unit's files is declared, and the names its generators make. */
export interface IdentityIndex {
  /** `kind/name` → the file, or null when two documents declare it. */
  files: Map<string, string | null>;
  /** `kind/name` of each generator (ConfigMap or Secret): its objects have no file of their own. */
  generated: Set<string>;
}

/** A JSON 6902 operation's paths, or a patch text, that may rename an object or change its kind. */
function renames(path: unknown): boolean {
  return typeof path === 'string' && (path === '/kind' || path.startsWith('/kind/') || path === '/metadata' || path.startsWith('/metadata/name') || path === '');
}

function json6902Renames(node: KustomizationNode): boolean {
  return node.patches.some((p) => {
    if (p.use !== 'json6902') return false;
    const ops: unknown = p.documents[0]?.toJS();
    // Not a list of operations kustomize would take: kustomize says so, with origins.
    if (!Array.isArray(ops)) return true;
    return ops.some((op) => typeof op !== 'object' || op === null || renames((op as Record<string, unknown>)['path']) || renames((op as Record<string, unknown>)['from']));
  });
}

function stringsOf(node: Node | null | undefined): string[] | undefined {
  if (node === null || node === undefined) return [];
  if (!isSeq(node)) return undefined;
  const out: string[] = [];
  for (const item of node.items) {
    if (!isScalar(item) || typeof item.value !== 'string') return undefined;
    out.push(item.value);
  }
  return out;
}

/** Whether a kustomization (and those it includes) keeps every object's kind and name; collects its generators' names. */
function keepsNames(node: KustomizationNode, generated: Set<string>): boolean {
  const root = node.doc.contents;
  if (!isMap(root)) return false;
  for (const pair of root.items) {
    const key = isScalar(pair.key) ? pair.key.value : undefined;
    if (typeof key !== 'string' || !NAME_KEEPING_FIELDS.has(key)) return false;
  }
  for (const key of ['resources', 'bases', 'components']) {
    const refs = stringsOf(root.get(key, true));
    if (refs === undefined || refs.some((r) => REMOTE.test(r))) return false;
  }
  for (const key of ['patches', 'patchesJson6902']) {
    const list = root.get(key, true) as Node | undefined;
    // `options: allowNameChange` / `allowKindChange` rename; a patch entry of another shape is kustomize's to judge.
    if (list !== undefined && list !== null && (!isSeq(list) || list.items.some((item) => !isMap(item) || item.has('options')))) return false;
  }
  if (json6902Renames(node)) return false;
  for (const [key, kind] of [
    ['configMapGenerator', 'ConfigMap'],
    ['secretGenerator', 'Secret'],
  ] as const) {
    const list = root.get(key, true) as Node | undefined;
    if (list === undefined || list === null) continue;
    if (!isSeq(list)) return false;
    for (const item of list.items) {
      const name = isMap(item) ? item.get('name') : undefined;
      if (typeof name !== 'string') return false;
      generated.add(`${kind}/${name}`);
    }
  }
  return [...node.children, ...node.components].every((child) => keepsNames(child, generated));
}

function resourceFiles(node: KustomizationNode, out: string[] = []): string[] {
  out.push(...node.files);
  for (const child of [...node.children, ...node.components]) resourceFiles(child, out);
  return out;
}

/** Whether Flux's own steps around the build keep names: no prefix or suffix, and no patch that renames. */
function fluxKeepsNames(flux: FluxBuild | undefined): boolean {
  if (flux === undefined) return true;
  if (flux.namePrefix !== undefined || flux.nameSuffix !== undefined) return false;
  // A patch text naming either path could rename (a JSON 6902 operation): left to origins.
  return flux.patches.every((p) => !p.patch.includes('/metadata/name') && !/\/kind\b/.test(p.patch) && !/path:\s*["']?\/metadata["']?\s*$/m.test(p.patch));
}

/**
 * The index that traces a unit's objects to their files, or undefined when the unit may rename
 * objects. `folders` are the kustomization folders the wrapper names (its resources and Flux's
 * components), `files` the plain files it lists (a plain folder Flux builds with a kustomization of its own).
 */
export async function identityIndexOf(folders: readonly string[], files: readonly string[], flux: FluxBuild | undefined): Promise<IdentityIndex | undefined> {
  if (!fluxKeepsNames(flux)) return undefined;
  const generated = new Set<string>();
  const sources = [...files];
  for (const folder of folders) {
    const tree = await readKustomizationTree(folder);
    if (tree === undefined || !keepsNames(tree, generated)) return undefined;
    resourceFiles(tree, sources);
  }
  const index = new Map<string, string | null>();
  const headsOf = await Promise.all(sources.map((file) => fileHeads(file)));
  for (const [i, file] of sources.entries()) {
    const heads = headsOf[i];
    // Unreadable here: kustomize reports it, with origins.
    if (heads === undefined) return undefined;
    for (const head of heads) {
      // A document without a plain kind and name (a List, a template): its objects cannot be traced by name.
      if (head.kind === undefined || head.name === undefined) return undefined;
      const key = `${head.kind}/${head.name}`;
      index.set(key, index.has(key) && index.get(key) !== file ? null : file);
    }
  }
  return { files: index, generated };
}

/** kustomize's name hash: a dash and ten characters of its alphabet. */
const HASH_SUFFIX = /-[bcdfghkmt2-9]{10}$/;

/**
 * Each object's file by kind and name; undefined when any object maps to no document or to a
 * name documents of two files declare. (One file may declare a name twice, in two namespaces.)
 */
export function sourcesByIdentity(objects: readonly { kind?: string; metadata?: { name?: string } }[], index: IdentityIndex): (string | undefined)[] | undefined {
  const out: (string | undefined)[] = [];
  for (const object of objects) {
    const name = object.metadata?.name;
    if (object.kind === undefined || name === undefined) return undefined;
    const key = `${object.kind}/${name}`;
    const file = index.files.get(key);
    if (file === null) return undefined;
    if (file !== undefined) {
      out.push(file);
      continue;
    }
    // A generator's object: kustomize's origin names the kustomization that configured it, not a file.
    if (!index.generated.has(key) && !index.generated.has(`${object.kind}/${name.replace(HASH_SUFFIX, '')}`)) return undefined;
    out.push(undefined);
  }
  return out;
}

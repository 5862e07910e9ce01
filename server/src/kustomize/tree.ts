import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import { isMap, isScalar, isSeq, type Document, type Node, type YAMLMap } from 'yaml';
import { ManifestParser } from '../manifests/parse';
import { hasExactRanges, isQuickDocument } from '../manifests/quickParse';
import type { FieldPath } from '../manifests/fieldPath';
import { KUSTOMIZATION_FILE_NAMES } from '../files/names';
import { fileStamp, pathKind, perAnswer, StampedCache } from '../files/stamped';
import { readTextIfSane } from '../files/files';


/** Which objects a patch applies to, as a kustomization's `target:` states it. */
export interface PatchTarget {
  group?: string;
  version?: string;
  kind?: string;
  name?: string;
  namespace?: string;
  labelSelector?: string;
  annotationSelector?: string;
}

/** A patch a kustomization applies: from a file, or inline (then it maps to the kustomization's own lines). */
export interface PatchRef {
  use: 'strategic-merge' | 'json6902';
  /** The patch file; undefined for an inline patch. */
  file: string | undefined;
  /** Where the entry sits in the kustomization, e.g. ['patches', 0]. */
  entry: FieldPath;
  /** The parsed patch documents (a file's, or the inline text's). */
  documents: Document.Parsed[];
  target: PatchTarget | undefined;
}

/** One kustomization file and what it pulls in, read from disk without running kustomize. */
export interface KustomizationNode {
  path: string;
  dir: string;
  doc: Document.Parsed;
  /** Plain resource files (absolute paths), in order. */
  files: string[];
  /** Kustomizations named under `resources`/`bases`, in order. */
  children: KustomizationNode[];
  components: KustomizationNode[];
  patches: PatchRef[];
  /**
   * For the kustomization a Flux Kustomization stands for (its `spec` adds patches, images and a
   * name prefix around the build): its document in the file and the path of `spec`, which field
   * origins in `doc` are reported under.
   */
  document?: number;
  prefix?: FieldPath;
}

/** The kustomization file of a folder, if it has one. */
export function kustomizationIn(dir: string): string | undefined {
  return KUSTOMIZATION_FILE_NAMES.map((n) => join(dir, n)).find((p) => existsSync(p));
}

function strings(node: unknown): { value: string; index: number }[] {
  if (!isSeq(node)) return [];
  return node.items.flatMap((item, index) => (isScalar(item) && typeof item.value === 'string' ? [{ value: item.value, index }] : []));
}

function targetOf(node: unknown): PatchTarget | undefined {
  if (!isMap(node)) return undefined;
  const out: Record<string, string> = {};
  for (const key of ['group', 'version', 'kind', 'name', 'namespace', 'labelSelector', 'annotationSelector']) {
    const v = node.get(key);
    if (typeof v === 'string') out[key] = v;
  }
  return out;
}

/**
 * Parsed as the editor parses files, so document indices agree with the open document's. Quickly
 * when the quick parser reproduces yaml's ranges (field origins place findings by them): most
 * kustomizations are lists of paths, and yaml's parser cold is most of a first tree answer's parsing.
 */
function parseDocs(text: string): Document.Parsed[] {
  const quick = new ManifestParser({ quick: true }).parse(text).documents.map((d) => d.doc);
  if (quick.every((doc) => !isQuickDocument(doc) || hasExactRanges(doc))) return quick;
  return new ManifestParser().parse(text).documents.map((d) => d.doc);
}

/** A patch's use from its content: a list of operations is JSON 6902, an object a strategic merge. */
function useOf(documents: Document.Parsed[], declared: PatchRef['use']): PatchRef['use'] {
  return documents.length > 0 && isSeq(documents[0]!.contents) ? 'json6902' : declared;
}

/** Parsed kustomization files while their stamp stays the same: the tree reads every unit's on each answer. Read-only to callers. */
const kustomizations = new StampedCache<Document.Parsed | undefined>(5000);

async function kustomizationDocument(path: string): Promise<Document.Parsed | undefined> {
  return kustomizations.get(path, await fileStamp(path), async () => {
    // Only a regular file of sane size: a FIFO named kustomization.yaml must not hang a check.
    const text = await readTextIfSane(path);
    return text === undefined ? undefined : parseDocs(text)[0];
  });
}

/**
 * Reads a kustomization and, recursively, the kustomizations it names. Remote resources and
 * unreadable files are left out: this is a map for diagnostics, kustomize stays the renderer.
 */
export function readKustomizationTree(dir: string, seen?: Set<string>): Promise<KustomizationNode | undefined> {
  // The render cache, the unit's files and field origins each read the same trees in one answer.
  return seen === undefined ? perAnswer(`tree\0${dir}`, () => readTree(dir, new Set())) : readTree(dir, seen);
}

async function readTree(dir: string, seen: Set<string>): Promise<KustomizationNode | undefined> {
  const path = kustomizationIn(dir);
  if (path === undefined || seen.has(path)) return undefined;
  seen.add(path);
  const doc = await kustomizationDocument(path);
  if (doc === undefined) return undefined;
  const node: KustomizationNode = { path, dir, doc, files: [], children: [], components: [], patches: [] };
  const root = doc.contents;
  if (!isMap(root)) return node;
  const local = (ref: string): string | undefined => (/^[a-z]+:\/\/|^github\.com\/|^git@/.test(ref) ? undefined : resolve(dirname(path), ref));
  for (const key of ['resources', 'bases', 'components'] as const) {
    for (const { value } of strings(root.get(key, true))) {
      const target = local(value);
      if (target === undefined) continue;
      const kind = await pathKind(target);
      if (kind === 'dir') {
        const child = await readTree(target, seen);
        if (child !== undefined) (key === 'components' ? node.components : node.children).push(child);
      } else if (kind === 'file') node.files.push(target);
    }
  }
  await addPatches(node, root, local);
  return node;
}

/**
 * The kustomization a Flux Kustomization's `spec` amounts to, over the trees of its path: its
 * inline `patches` and `images` and `namePrefix` are writers whose origins are in the Flux
 * Kustomization's own file (document `document`, under `spec`).
 */
export async function fluxKustomizationNode(file: string, document: number, children: KustomizationNode[], files: string[]): Promise<KustomizationNode | undefined> {
  const text = await readFile(file, 'utf8').catch(() => undefined);
  const parsed = text === undefined ? undefined : parseDocs(text)[document];
  const spec = parsed === undefined || !isMap(parsed.contents) ? undefined : parsed.contents.get('spec', true);
  if (parsed === undefined || !isMap(spec)) return undefined;
  // The spec map, with its positions in the Flux file, as a kustomization document (freshly parsed: ours to change).
  const doc = parsed;
  doc.contents = spec as YAMLMap.Parsed;
  const node: KustomizationNode = { path: file, dir: dirname(file), doc, files, children, components: [], patches: [], document, prefix: ['spec'] };
  await addPatches(node, spec, () => undefined);
  return node;
}

async function addPatches(node: KustomizationNode, root: YAMLMap, local: (ref: string) => string | undefined): Promise<void> {
  const addPatch = async (entry: FieldPath, ref: { file?: string; inline?: string }, declared: PatchRef['use'], target: PatchTarget | undefined): Promise<void> => {
    let text: string | undefined = ref.inline;
    let file: string | undefined;
    if (ref.file !== undefined) {
      file = local(ref.file);
      text = file === undefined ? undefined : await readTextIfSane(file);
    }
    if (text === undefined) return;
    const documents = parseDocs(text);
    node.patches.push({ use: useOf(documents, declared), file, entry, documents, target });
  };
  // kustomize's order: patchesStrategicMerge, then patches, then (after the name and label transformers) patchesJson6902.
  for (const { value, index } of strings(root.get('patchesStrategicMerge', true))) {
    await addPatch(['patchesStrategicMerge', index], value.includes('\n') ? { inline: value } : { file: value }, 'strategic-merge', undefined);
  }
  for (const key of ['patches', 'patchesJson6902'] as const) {
    const list = root.get(key, true) as Node | null;
    if (!isSeq(list)) continue;
    for (const [index, item] of list.items.entries()) {
      if (!isMap(item)) continue;
      const file = item.get('path');
      const inline = item.get('patch');
      const ref = typeof file === 'string' ? { file } : typeof inline === 'string' ? { inline } : undefined;
      if (ref !== undefined) await addPatch([key, index], ref, key === 'patchesJson6902' ? 'json6902' : 'strategic-merge', targetOf(item.get('target', true)));
    }
  }
}

/** Every file a tree reads: kustomizations, resources, patches. A save of any of them changes the render. */
export function filesOfTree(node: KustomizationNode, out = new Set<string>()): Set<string> {
  out.add(node.path);
  for (const f of node.files) out.add(f);
  for (const p of node.patches) if (p.file !== undefined) out.add(p.file);
  for (const c of [...node.children, ...node.components]) filesOfTree(c, out);
  return out;
}

/** Folders of a tree's kustomizations: generator inputs (env files, literals files) live there. */
export function foldersOfTree(node: KustomizationNode, out = new Set<string>()): Set<string> {
  out.add(node.dir);
  for (const c of [...node.children, ...node.components]) foldersOfTree(c, out);
  return out;
}

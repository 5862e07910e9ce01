import { readFileSync, statSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { isMap, isScalar, isSeq, parseAllDocuments, parseDocument, type Node } from 'yaml';
import { YAML_LOG } from '../manifests/yamlLog';

/** How a kustomization uses a file: as a partial object (strategic merge) or as a JSON 6902 patch. */
export type PatchUse = 'strategic-merge' | 'json6902';

const KUSTOMIZATION_FILE = /(^|[\\/])(kustomization\.ya?ml|Kustomization)$/;

export function isKustomizationFile(path: string): boolean {
  return KUSTOMIZATION_FILE.test(path);
}

function strings(node: Node | null | undefined): string[] {
  if (!isSeq(node)) return [];
  return node.items.flatMap((item) => (isScalar(item) && typeof item.value === 'string' ? [item.value] : []));
}

/** A small regular file's text (transformer configs are a few lines), or undefined: never a FIFO or a device. */
function readSmallFile(path: string): string | undefined {
  try {
    const info = statSync(path);
    return info.isFile() && info.size <= 1024 * 1024 ? readFileSync(path, 'utf8') : undefined;
  } catch {
    return undefined;
  }
}

// The builtin transformers that read a patch from a file named by `path`.
const PATCH_TRANSFORMERS: Record<string, PatchUse> = {
  PatchTransformer: 'strategic-merge',
  PatchStrategicMergeTransformer: 'strategic-merge',
  PatchJson6902Transformer: 'json6902',
};

/**
 * The patch files one kustomization names, as absolute paths: under `patchesStrategicMerge`,
 * `patches` and `patchesJson6902`, and through the patch transformers its `transformers` list
 * (files or inline configs) declares.
 */
export function patchesOf(kustomizationPath: string, text: string, read: (path: string) => string | undefined = readSmallFile): Map<string, PatchUse> {
  return patchesIn(kustomizationPath, parseRoot(text), read);
}

function parseRoot(text: string): Node | null {
  return parseDocument(text, { prettyErrors: false, ...YAML_LOG }).contents;
}

function patchesIn(kustomizationPath: string, root: Node | null, read: (path: string) => string | undefined): Map<string, PatchUse> {
  const uses = new Map<string, PatchUse>();
  if (!isMap(root)) return uses;
  const dir = dirname(kustomizationPath);
  const add = (path: string, use: PatchUse): void => {
    // Inline patches are YAML strings with newlines; only file references are paths.
    if (!path.includes('\n')) uses.set(resolve(dir, path), use);
  };
  for (const path of strings(root.get('patchesStrategicMerge', true))) add(path, 'strategic-merge');
  for (const key of ['patches', 'patchesJson6902'] as const) {
    const list = root.get(key, true) as Node | null;
    if (!isSeq(list)) continue;
    for (const item of list.items) {
      // A bare file name under `patches` is a mistake kustomize refuses (it wants `- path: …`), but the
      // file is still meant as a patch: checked as one, not as a full object missing its required fields.
      if (key === 'patches' && isScalar(item) && typeof item.value === 'string') {
        add(item.value, 'strategic-merge');
        continue;
      }
      if (!isMap(item)) continue;
      const path = item.get('path');
      if (typeof path !== 'string') continue;
      // `patches` entries are strategic merge unless they target with a JSON patch file (.json or op lists).
      add(path, key === 'patchesJson6902' ? 'json6902' : 'strategic-merge');
    }
  }
  for (const entry of strings(root.get('transformers', true))) {
    const inline = entry.includes('\n');
    const config = inline ? entry : read(resolve(dir, entry));
    if (config === undefined) continue;
    for (const [path, use] of transformerPatches(config)) add(path, use);
  }
  return uses;
}

/** The patch files named by the patch transformers in a transformer config (paths relative to the kustomization). */
function transformerPatches(text: string): [string, PatchUse][] {
  const out: [string, PatchUse][] = [];
  for (const doc of parseAllDocuments(text, { prettyErrors: false, ...YAML_LOG }) as Iterable<{ contents: unknown }>) {
    const root = doc.contents;
    if (!isMap(root)) continue;
    const kind = root.get('kind');
    const use = typeof kind === 'string' ? PATCH_TRANSFORMERS[kind] : undefined;
    const path = root.get('path');
    if (use !== undefined && typeof path === 'string') out.push([path, use]);
    if (kind === 'PatchStrategicMergeTransformer') for (const p of strings(root.get('paths', true))) out.push([p, 'strategic-merge']);
  }
  return out;
}

/**
 * The resource files of a kustomization whose `commonLabels` (or `labels` with
 * `includeSelectors: true`) kustomize also writes into selectors, creating `spec.selector` of a
 * Deployment, StatefulSet, DaemonSet or ReplicaSet that has none: such a file may leave it out.
 */
export function selectorResourcesOf(kustomizationPath: string, text: string): Set<string> {
  return selectorResourcesIn(kustomizationPath, parseRoot(text));
}

function selectorResourcesIn(kustomizationPath: string, root: Node | null): Set<string> {
  const out = new Set<string>();
  if (!isMap(root)) return out;
  const common = root.get('commonLabels', true);
  const labels = root.get('labels', true);
  const selecting = (isMap(common) && common.items.length > 0) || (isSeq(labels) && labels.items.some((l) => isMap(l) && l.get('includeSelectors') === true));
  if (!selecting) return out;
  for (const path of strings(root.get('resources', true))) out.add(resolve(dirname(kustomizationPath), path));
  return out;
}

// The keys patchesOf and selectorResourcesOf read (`patchesStrategicMerge`, `patchesJson6902`,
// `patches`, `transformers`, `commonLabels`, `labels`), however quoted.
const MAY_NAME_PATCHES_OR_SELECTORS = /patches|transformers|[lL]abels/;

/** Which files in a workspace are kustomize patches, kept current as kustomizations change. */
export class PatchIndex {
  private readonly byKustomization = new Map<string, Map<string, PatchUse>>();
  private readonly selectorsBy = new Map<string, Set<string>>();

  update(kustomizationPath: string, text: string | undefined): void {
    if (text === undefined) {
      this.byKustomization.delete(kustomizationPath);
      this.selectorsBy.delete(kustomizationPath);
      return;
    }
    // Most kustomizations only list resources: no key either reading looks for, nothing to parse
    // (this runs for every kustomization of the workspace on each environments answer).
    if (!MAY_NAME_PATCHES_OR_SELECTORS.test(text)) {
      this.byKustomization.delete(kustomizationPath);
      this.selectorsBy.delete(kustomizationPath);
      return;
    }
    try {
      const root = parseRoot(text);
      this.byKustomization.set(kustomizationPath, patchesIn(kustomizationPath, root, readSmallFile));
      this.selectorsBy.set(kustomizationPath, selectorResourcesIn(kustomizationPath, root));
    } catch {
      // A kustomization too broken to read (absurd nesting): it names no patches until fixed.
      this.byKustomization.delete(kustomizationPath);
      this.selectorsBy.delete(kustomizationPath);
    }
  }

  /** Whether a kustomization writes its labels into this resource file's selectors. */
  /** `absolute`: the path resolved, when the caller has it (a check asks of thousands of files). */
  selectorsAdded(path: string, absolute?: string): boolean {
    if (this.selectorsBy.size === 0) return false;
    const file = absolute ?? resolve(path);
    for (const files of this.selectorsBy.values()) if (files.has(file)) return true;
    return false;
  }

  useOf(path: string, resolved?: string): PatchUse | undefined {
    // No kustomization, no use: asked for every file of a drift answer, most in folders without one.
    if (this.byKustomization.size === 0) return undefined;
    const absolute = resolved ?? resolve(path);
    for (const uses of this.byKustomization.values()) {
      const use = uses.get(absolute);
      if (use !== undefined) return use;
    }
    return undefined;
  }
}

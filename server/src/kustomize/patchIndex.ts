import { dirname, resolve } from 'node:path';
import { isMap, isScalar, isSeq, parseDocument, type Node } from 'yaml';
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

/** The patch files one kustomization names, as absolute paths. */
export function patchesOf(kustomizationPath: string, text: string): Map<string, PatchUse> {
  const uses = new Map<string, PatchUse>();
  const doc = parseDocument(text, { prettyErrors: false, ...YAML_LOG });
  const root = doc.contents;
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
      if (!isMap(item)) continue;
      const path = item.get('path');
      if (typeof path !== 'string') continue;
      // `patches` entries are strategic merge unless they target with a JSON patch file (.json or op lists).
      add(path, key === 'patchesJson6902' ? 'json6902' : 'strategic-merge');
    }
  }
  return uses;
}

/** Which files in a workspace are kustomize patches, kept current as kustomizations change. */
export class PatchIndex {
  private readonly byKustomization = new Map<string, Map<string, PatchUse>>();

  update(kustomizationPath: string, text: string | undefined): void {
    if (text === undefined) {
      this.byKustomization.delete(kustomizationPath);
      return;
    }
    try {
      this.byKustomization.set(kustomizationPath, patchesOf(kustomizationPath, text));
    } catch {
      // A kustomization too broken to read (absurd nesting): it names no patches until fixed.
      this.byKustomization.delete(kustomizationPath);
    }
  }

  useOf(path: string): PatchUse | undefined {
    const absolute = resolve(path);
    for (const uses of this.byKustomization.values()) {
      const use = uses.get(absolute);
      if (use !== undefined) return use;
    }
    return undefined;
  }
}

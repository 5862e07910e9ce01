import { existsSync } from 'node:fs';
import { basename, dirname, join, sep } from 'node:path';
import type { PatchUse } from '../kustomize/patchIndex';
import { PLUMBLINE_CONFIG_FILE } from '../files/names';

/** Plumbline's configuration file at a repository's root. */

/** How a YAML file is used, which decides what is checked in it. */
export type FileRole =
  /**
   * `selectorsAdded`: a kustomization's commonLabels create the workloads' `spec.selector`;
   * `kustomized`: a kustomization in this folder or above may rewrite names and namespaces (its `namespace:`).
   */
  | { kind: 'manifests'; selectorsAdded?: boolean; kustomized?: boolean }
  | { kind: 'kustomization' }
  | { kind: 'patch'; use: PatchUse }
  | { kind: 'helm-template' }
  /** `.plumbline.yaml`: Plumbline's own configuration, checked against what Plumbline reads. */
  | { kind: 'plumbline-config' };

/** True for files under the `templates/` folder of a Helm chart: Go templates, not YAML. */
export function isHelmTemplate(path: string, exists: (p: string) => boolean = existsSync): boolean {
  const parts = path.split(sep);
  const at = parts.lastIndexOf('templates');
  if (at <= 0) return false;
  return exists(join(parts.slice(0, at).join(sep) || sep, 'Chart.yaml'));
}

export function fileRole(path: string | undefined, patchUse: PatchUse | undefined, selectorsAdded = false): FileRole {
  if (path === undefined) return { kind: 'manifests' };
  if (/\.(tpl|gotmpl)$/.test(path) || isHelmTemplate(path)) return { kind: 'helm-template' };
  if (basename(path) === PLUMBLINE_CONFIG_FILE) return { kind: 'plumbline-config' };
  if (patchUse !== undefined) return { kind: 'patch', use: patchUse };
  if (/^(kustomization\.ya?ml|Kustomization)$/.test(basename(path))) return { kind: 'kustomization' };
  // Built up rather than spread: a check asks this of every file.
  const role: { kind: 'manifests'; selectorsAdded?: boolean; kustomized?: boolean } = { kind: 'manifests' };
  if (selectorsAdded) role.selectorsAdded = selectorsAdded;
  if (underKustomization(dirname(path))) role.kustomized = true;
  return role;
}

const KUSTOMIZATION_NAMES = ['kustomization.yaml', 'kustomization.yml', 'Kustomization'];
const kustomizedDirs = new Map<string, boolean>();

/** Whether this folder or one above it holds a kustomization (asked once per folder). */
function underKustomization(dir: string): boolean {
  const known = kustomizedDirs.get(dir);
  if (known !== undefined) return known;
  const parent = dirname(dir);
  const found = KUSTOMIZATION_NAMES.some((name) => existsSync(join(dir, name))) || (parent !== dir && underKustomization(parent));
  // Bounded: folders of one run or session; a kustomization added later is seen after a restart.
  if (kustomizedDirs.size < 100_000) kustomizedDirs.set(dir, found);
  return found;
}

/**
 * Text that looks like an unrendered template: a `{{ … }}` where a value, key or item starts
 * (which YAML would read as a flow mapping). `name: shop-{{env}}` is just a string and is checked.
 */
export function looksTemplated(text: string): boolean {
  // Most text has no `{{` at all; the pattern is slow on large text.
  if (!text.includes('{{')) return false;
  return /^(\s*|[^#'"\n]*:\s+|\s*-\s+)\{\{[^\n]*\}\}/m.test(text);
}


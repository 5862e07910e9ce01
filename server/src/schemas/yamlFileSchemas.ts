import { existsSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import type { Range } from '../manifests/lineIndex';

/**
 * Which JSON schema a YAML file that is not a Kubernetes manifest answers to: a Helm chart's
 * `values.schema.json` for its values files, or the schema its `yaml-language-server` modeline
 * names. Helm itself checks values against that schema on install, so an error here is one the
 * release would hit.
 */

/** `values.yaml`, `values-prod.yaml`, `prod-values.yaml`, `ci/test-values.yaml`: what Helm users name values files. */
export function isValuesFile(path: string): boolean {
  const name = basename(path).toLowerCase();
  return /^values[^/]*\.ya?ml$/.test(name) || /[-._]values\.ya?ml$/.test(name);
}

/**
 * The chart a values file belongs to: the nearest folder at or above it with a Chart.yaml,
 * not looking past the repository (a folder with `.git`) — a values file of one repository is
 * never judged by a chart above it.
 */
export function chartFolderOf(path: string, exists: (p: string) => boolean = existsSync): string | undefined {
  let dir = dirname(path);
  for (;;) {
    if (exists(join(dir, 'Chart.yaml'))) return dir;
    const parent = dirname(dir);
    if (parent === dir || exists(join(dir, '.git'))) return undefined;
    dir = parent;
  }
}

/** The `values.schema.json` that judges this values file, when it is one and its chart has one. */
export function chartValuesSchema(path: string, exists: (p: string) => boolean = existsSync): string | undefined {
  if (!isValuesFile(path)) return undefined;
  const chart = chartFolderOf(path, exists);
  if (chart === undefined) return undefined;
  const schema = join(chart, 'values.schema.json');
  return exists(schema) ? schema : undefined;
}

export interface Modeline {
  /** The schema as written after `$schema=`. */
  ref: string;
  /** Where `ref` stands, for a finding about it. */
  range: Range;
  /** http(s): never fetched. */
  remote: boolean;
}

// As yaml-language-server reads it: `# yaml-language-server: $schema=<ref>` (or `$schema: <ref>`).
const MODELINE = /^#\s+yaml-language-server\s*:.*?\$schema(?:=|:[^\S\r\n]*)(\S+)/;

/** The `yaml-language-server: $schema=` comments of a text, each with the place of its schema reference. */
export function modelines(text: string): Modeline[] {
  // Most files have none: no line-by-line look.
  if (!text.includes('yaml-language-server')) return [];
  const out: Modeline[] = [];
  const lines = text.split('\n');
  for (let line = 0; line < lines.length; line++) {
    const m = MODELINE.exec(lines[line] ?? '');
    const ref = m?.[1];
    if (m === null || ref === undefined) continue;
    const character = m[0].length - ref.length;
    out.push({ ref, range: { start: { line, character }, end: { line, character: character + ref.length } }, remote: /^https?:\/\//i.test(ref) });
  }
  return out;
}

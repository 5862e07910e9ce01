import { readdirSync } from 'node:fs';
import { dirname, join, sep } from 'node:path';
import { readBoundedFileSync, YAML_FILE } from '../files/files';
import { DEFAULT_MAX_FILE_BYTES } from '../files/limits';

// In the apiVersion of every Flux Kustomization and HelmRelease (kustomize.toolkit.fluxcd.io,
// helm.toolkit.fluxcd.io): a file without it holds neither.
const FLUX_GROUP = 'toolkit.fluxcd.io';

/**
 * Whether any of `files` (absolute paths) can be among the files discovery finds Flux never
 * applies (Discovered.notApplied, from `root`). Those all lie below a folder other than the root
 * that directly holds a Flux Kustomization or HelmRelease no cluster applies (discover.ts's
 * notAppliedFiles), so only the folders from each file's own up to the root, excluded, are looked
 * at, and in them only whether a YAML file names a Flux group. False: discovery, which reads and
 * parses every YAML file under the root, would find none of these files, and need not run.
 * (A group spelled with escape sequences in a quoted apiVersion is not seen; Flux's own tools never
 * write one.)
 */
export function mayBeNotApplied(root: string, files: readonly string[]): boolean {
  const below = root.endsWith(sep) ? root : root + sep;
  const looked = new Set<string>();
  for (const file of files) {
    // A folder looked at before had its parents looked at then.
    for (let dir = dirname(file); dir.startsWith(below) && !looked.has(dir); dir = dirname(dir)) {
      looked.add(dir);
      if (holdsFluxObject(dir)) return true;
    }
  }
  return false;
}

/** Whether a YAML file directly in `dir` names a Flux group, as discovery lists and reads them (regular files only, within the default size limit). */
function holdsFluxObject(dir: string): boolean {
  let entries;
  try {
    entries = readdirSync(dir, { withFileTypes: true });
  } catch {
    // Discovery cannot list it either.
    return false;
  }
  for (const entry of entries) {
    if (!entry.isFile() || !YAML_FILE.test(entry.name)) continue;
    const read = readBoundedFileSync(join(dir, entry.name), DEFAULT_MAX_FILE_BYTES);
    if (read.ok && read.bytes.includes(FLUX_GROUP)) return true;
  }
  return false;
}

/**
 * A finding in a file Flux never applies (Discovered.notApplied), as `plumbline check` and the
 * editor both report it: an error becomes a warning with the reason, since the file breaks no
 * deployment (an archived HelmRelease still at v2beta2), and stays visible for whoever revives it.
 */
export function asNotApplied<F extends { severity: string; message: string }>(finding: F): F {
  if (finding.severity !== 'error') return finding;
  return { ...finding, severity: 'warning', message: `${finding.message} (a warning here: no Flux Kustomization of this repository applies this file)` };
}

import { readdir, stat } from 'node:fs/promises';
import { join, relative, sep } from 'node:path';

const YAML_FILE = /\.ya?ml$/i;
/** Folders that never hold a user's manifests and can be huge. */
const SKIPPED_DIRS = new Set(['.git', 'node_modules', '.cache', '.terraform', 'vendor']);

/**
 * A failure the user can fix (bad flags, a malformed kubeconfig): one line, exit 2, no trace.
 * Named, because the CLI's two bundles each hold their own copy of this class.
 */
export class UsageError extends Error {
  override name = 'UsageError';
  constructor(
    message: string,
    /** Whether pointing at --help helps (not for a broken kubeconfig). */
    readonly showUsage = true,
  ) {
    super(message);
  }
}

/** Expands the given files and folders into the YAML files below them, sorted for stable output. */
export async function collectYamlFiles(paths: readonly string[]): Promise<string[]> {
  const found = new Set<string>();
  async function walk(dir: string): Promise<void> {
    const entries = await readdir(dir, { withFileTypes: true });
    for (const entry of entries) {
      const full = join(dir, entry.name);
      if (entry.isDirectory()) {
        if (!SKIPPED_DIRS.has(entry.name)) await walk(full);
      } else if (entry.isFile() && YAML_FILE.test(entry.name)) {
        found.add(full);
      }
    }
  }
  for (const path of paths) {
    const info = await stat(path).catch(() => undefined);
    if (info === undefined) throw new UsageError(`no such file or directory: ${path}`);
    if (info.isDirectory()) await walk(path);
    else found.add(path);
  }
  return [...found].sort();
}

/** A path as the user should see it: relative to the working directory when inside it. */
export function displayPath(path: string, cwd: string = process.cwd()): string {
  const rel = relative(cwd, path);
  return rel === '' || rel.startsWith('..') || rel.includes(`..${sep}`) ? path : rel;
}

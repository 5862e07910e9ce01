import { realpathSync } from 'node:fs';
import { dirname, isAbsolute, relative, resolve, sep } from 'node:path';

/** Where a path a workspace file names really leads, judged against the repository root. */
export type PathVerdict = { inside: true; real: string } | { inside: false; reason: 'outside' | 'unresolvable' };

/**
 * The real path of `path`, following every symlink. A path that does not exist (yet) is judged
 * by its nearest existing ancestor, so a missing file behind a symlinked folder still counts as
 * where that folder leads; the tool that reads it reports the missing file itself. Synchronous:
 * a render checks every file it reads, and on busy cores the thread pool's hand-offs cost more
 * than the call.
 */
function realOf(path: string): string | undefined {
  let tail = '';
  let at = path;
  for (;;) {
    try {
      const real = realpathSync.native(at);
      return tail === '' ? real : resolve(real, tail);
    } catch (error: unknown) {
      const code = (error as NodeJS.ErrnoException).code;
      // A loop or a permission problem cannot be judged: the caller refuses it.
      if (code !== 'ENOENT' && code !== 'ENOTDIR') return undefined;
      const parent = dirname(at);
      if (parent === at) return undefined;
      tail = tail === '' ? relative(parent, at) : `${relative(parent, at)}${sep}${tail}`;
      at = parent;
    }
  }
}

function contains(rootReal: string, real: string): boolean {
  const rel = relative(rootReal, real);
  return rel === '' || (!isAbsolute(rel) && rel !== '..' && !rel.startsWith(`..${sep}`));
}

/** Caches the root's own real path: every check of one render compares against it. */
export class RepositoryRoot {
  private real: { path: string | undefined } | undefined;

  constructor(readonly root: string) {}

  /** Judges `path` (absolute, or relative to `from`, by default the root) after resolving symlinks. */
  check(path: string, from: string = this.root): PathVerdict {
    this.real ??= { path: realOf(resolve(this.root)) };
    const rootReal = this.real.path;
    const real = realOf(resolve(from, path));
    if (rootReal === undefined || real === undefined) return { inside: false, reason: 'unresolvable' };
    return contains(rootReal, real) ? { inside: true, real } : { inside: false, reason: 'outside' };
  }

  /** A path as the message shows it: repository-relative when inside, else as given. */
  display(path: string): string {
    const rel = relative(this.root, path).split(sep).join('/');
    return rel === '' ? '.' : rel.startsWith('..') || isAbsolute(rel) ? path : rel;
  }
}

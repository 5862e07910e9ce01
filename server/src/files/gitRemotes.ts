import { readFileSync, statSync } from 'node:fs';
import { dirname, isAbsolute, join, resolve } from 'node:path';

/**
 * A Git URL reduced to `host/path` (lower-case host, no user, port, scheme or `.git`), so that
 * `https://github.com/org/repo`, `ssh://git@github.com/org/repo.git` and `git@github.com:org/repo`
 * compare equal.
 */
export function normalizeGitUrl(url: string): string {
  let rest = url.trim();
  const scheme = /^[a-z][a-z0-9+.-]*:\/\//i.exec(rest);
  if (scheme !== null) {
    rest = rest.slice(scheme[0].length);
    rest = rest.replace(/^[^@/]*@/, '');
    const slash = rest.indexOf('/');
    const host = (slash === -1 ? rest : rest.slice(0, slash)).replace(/:\d+$/, '');
    rest = `${host.toLowerCase()}${slash === -1 ? '' : rest.slice(slash)}`;
  } else {
    // scp-like: [user@]host:path
    const scp = /^(?:[^@/]+@)?([^:/]+):(.+)$/.exec(rest);
    if (scp !== null) rest = `${scp[1]!.toLowerCase()}/${scp[2]!.replace(/^\/+/, '')}`;
  }
  return rest.replace(/\/+$/, '').replace(/\.git$/, '').replace(/\/+$/, '');
}

/** The `.git` folder of a work tree: the folder itself, or the one a worktree's `.git` file names. */
function gitDirOf(root: string): string | undefined {
  const dotGit = join(root, '.git');
  try {
    if (statSync(dotGit).isDirectory()) return dotGit;
    const pointer = /^gitdir:\s*(.+)$/m.exec(readFileSync(dotGit, 'utf8'))?.[1]?.trim();
    if (pointer === undefined) return undefined;
    const gitDir = isAbsolute(pointer) ? pointer : resolve(root, pointer);
    // A linked worktree keeps its remotes in the main repository's config.
    try {
      const common = readFileSync(join(gitDir, 'commondir'), 'utf8').trim();
      return isAbsolute(common) ? common : resolve(gitDir, common);
    } catch {
      return gitDir;
    }
  } catch {
    return undefined;
  }
}

/**
 * The remote URLs of the repository at `root` (or above it), read from its config file — no
 * `git` runs, so this is safe in an untrusted workspace. Empty when there is no repository.
 */
export function workspaceRemotes(root: string): string[] {
  let folder = resolve(root);
  for (;;) {
    const gitDir = gitDirOf(folder);
    if (gitDir !== undefined) {
      let text: string;
      try {
        text = readFileSync(join(gitDir, 'config'), 'utf8');
      } catch {
        return [];
      }
      const urls: string[] = [];
      let inRemote = false;
      for (const line of text.split(/\r?\n/)) {
        const section = /^\s*\[\s*([^\]\s]+)(?:\s+"[^"]*")?\s*\]/.exec(line);
        if (section !== null) inRemote = section[1]!.toLowerCase() === 'remote';
        else if (inRemote) {
          const url = /^\s*(?:url|pushurl)\s*=\s*(.+?)\s*$/i.exec(line)?.[1];
          if (url !== undefined) urls.push(url.replace(/^"(.*)"$/, '$1'));
        }
      }
      return urls;
    }
    const parent = dirname(folder);
    if (parent === folder) return [];
    folder = parent;
  }
}

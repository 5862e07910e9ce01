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

/**
 * The `.git` folders of a work tree: its own (HEAD) and the repository's (config), the same but
 * for a linked worktree, whose `.git` file names its own and whose `commondir` the main one.
 */
function gitDirsOf(root: string): { own: string; common: string } | undefined {
  const dotGit = join(root, '.git');
  try {
    if (statSync(dotGit).isDirectory()) return { own: dotGit, common: dotGit };
    const pointer = /^gitdir:\s*(.+)$/m.exec(readFileSync(dotGit, 'utf8'))?.[1]?.trim();
    if (pointer === undefined) return undefined;
    const gitDir = isAbsolute(pointer) ? pointer : resolve(root, pointer);
    try {
      const common = readFileSync(join(gitDir, 'commondir'), 'utf8').trim();
      return { own: gitDir, common: isAbsolute(common) ? common : resolve(gitDir, common) };
    } catch {
      return { own: gitDir, common: gitDir };
    }
  } catch {
    return undefined;
  }
}

/** The repository's `.git` folders for `root` or the nearest folder above it that is a work tree. */
function repositoryOf(root: string): { own: string; common: string } | undefined {
  let folder = resolve(root);
  for (;;) {
    const dirs = gitDirsOf(folder);
    if (dirs !== undefined) return dirs;
    const parent = dirname(folder);
    if (parent === folder) return undefined;
    folder = parent;
  }
}

/** The branch checked out at `root` (from HEAD, no `git` run); undefined when detached or no repository. */
export function workspaceBranch(root: string): string | undefined {
  const dirs = repositoryOf(root);
  if (dirs === undefined) return undefined;
  try {
    return /^ref:\s*refs\/heads\/(.+?)\s*$/m.exec(readFileSync(join(dirs.own, 'HEAD'), 'utf8'))?.[1];
  } catch {
    return undefined;
  }
}

/**
 * The remote URLs of the repository at `root` (or above it), read from its config file — no
 * `git` runs, so this is safe in an untrusted workspace. Empty when there is no repository.
 */
export function workspaceRemotes(root: string): string[] {
  const dirs = repositoryOf(root);
  if (dirs === undefined) return [];
  let text: string;
  try {
    text = readFileSync(join(dirs.common, 'config'), 'utf8');
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

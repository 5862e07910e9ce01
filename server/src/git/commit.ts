import { access, constants, open, readFile, rename, rm } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import type { Environment } from '../environments/model';
import { environmentScope, inScope } from './files';
import { attempt, currentBranch, fromTop, GitCommandError, guarded, openRepo, requireNoOperation, run, shortHash, Stop, stop, type Repo } from './repo';
import type { GitResult } from './result';

export type FileChange = 'modified' | 'added' | 'deleted' | 'untracked';

export interface PendingFile {
  /** Relative to the repository root the environment was discovered in. */
  path: string;
  change: FileChange;
}

export interface PendingSummary {
  files: PendingFile[];
  /** The pre-filled commit message ("dev: update apps/shop/overlays/dev/replicas.yaml"); '' when nothing changed. */
  message: string;
  /** Kustomize references that leave the repository root and so are never part of a commit. */
  outside: string[];
}

export interface CommitOutcome {
  commit: string;
  shortCommit: string;
  branch: string;
  files: PendingFile[];
  /** The first line of the message, as committed. */
  subject: string;
}

/** A file's change from git's two status letters (`XY`: index, worktree); undefined when there is none against HEAD. */
export function changeOf(x: string, y: string): FileChange | undefined {
  if (x === '?' && y === '?') return 'untracked';
  if (x === 'A' && y === 'D') return undefined; // added, then deleted again: nothing against HEAD
  if (x === 'D' || y === 'D') return 'deleted';
  if (x === 'A') return 'added';
  return 'modified';
}

/** Every changed file of the worktree, relative to `repo.root` (files outside it are left out). */
export async function changedFiles(repo: Repo): Promise<PendingFile[]> {
  // Own parsing of `-z` output: simple-git's status() trims each entry (so names with edge
  // spaces are mangled) and does not know copy entries. --no-renames: a staged rename is a
  // deletion and an addition, each judged by its own path. --no-optional-locks: no index
  // refresh is written, so the tree's Git watch does not take our own status for a change.
  const out = await run(repo.git, ['--no-optional-locks', 'status', '--porcelain=v1', '-z', '--untracked-files=all', '--no-renames']);
  const files: PendingFile[] = [];
  for (const entry of out.split('\0')) {
    if (entry.length < 4) continue;
    const change = changeOf(entry[0] ?? ' ', entry[1] ?? ' ');
    const path = fromTop(repo, entry.slice(3));
    if (change !== undefined && path !== undefined) files.push({ path, change });
  }
  return files;
}

/** The changed files that belong to `env`; `changed` lets a caller share one `git status` among environments. */
export async function pendingFiles(repo: Repo, env: Environment, changed?: PendingFile[]): Promise<{ files: PendingFile[]; outside: string[] }> {
  changed ??= await changedFiles(repo);
  let scope = await environmentScope(repo, env, false);
  // A deleted file is not in the working tree's kustomizations any more; HEAD's say whether it
  // belonged (a patch removed together with its reference).
  if (changed.some((f) => f.change === 'deleted' && !inScope(scope, f.path))) scope = await environmentScope(repo, env, true);
  const files = changed.filter((f) => inScope(scope, f.path)).sort((a, b) => a.path.localeCompare(b.path));
  return { files, outside: scope.outside };
}

/** "dev: update a.yaml, b.yaml, c.yaml, … (+2 more)" */
export function summaryMessage(envName: string, files: readonly PendingFile[]): string {
  if (files.length === 0) return '';
  const shown = files.slice(0, 3).map((f) => f.path);
  const more = files.length - shown.length;
  return `${envName}: update ${shown.join(', ')}${more > 0 ? `, … (+${more} more)` : ''}`;
}

/** The environment's changed files and the message a commit of them would get by default. */
export async function pendingSummary(repoRoot: string, env: Environment): Promise<GitResult<PendingSummary>> {
  return guarded(async () => {
    const repo = await openRepo(repoRoot);
    const { files, outside } = await pendingFiles(repo, env);
    return { files, message: summaryMessage(env.name, files), outside };
  });
}

async function readIndex(file: string): Promise<Buffer | undefined> {
  return readFile(file).catch((error: NodeJS.ErrnoException) => {
    if (error.code === 'ENOENT') return undefined;
    throw error;
  });
}

/**
 * Puts the index file back as it was, the way git writes it: through `index.lock`, so a
 * concurrent git process is never overwritten. Returns a problem, or undefined when restored.
 */
async function restoreIndex(file: string, snapshot: Buffer | undefined): Promise<string | undefined> {
  const lock = `${file}.lock`;
  let handle;
  try {
    handle = await open(lock, 'wx');
  } catch (error: unknown) {
    return `the index is locked by another git process (${lock}): ${error instanceof Error ? error.message : String(error)}`;
  }
  try {
    if (snapshot !== undefined) await handle.writeFile(snapshot);
    await handle.close();
    if (snapshot !== undefined) await rename(lock, file);
    else await Promise.all([rm(lock, { force: true }), rm(file, { force: true })]);
    return undefined;
  } catch (error: unknown) {
    await handle.close().catch(() => undefined);
    await rm(lock, { force: true });
    return error instanceof Error ? error.message : String(error);
  }
}

async function executable(path: string): Promise<boolean> {
  return access(path, constants.X_OK).then(
    () => true,
    () => false,
  );
}

/** The commit hooks that will run, so a failure can name the one that refused. */
async function commitHooks(repo: Repo): Promise<string[]> {
  // A relative core.hooksPath is relative to the top level (where hooks run); otherwise
  // --git-path answers relative to the working directory.
  const configured = await attempt(repo.git, ['config', '--path', '--get', 'core.hooksPath']);
  const dir = configured.ok && configured.stdout.trim() !== '' ? resolve(repo.top, configured.stdout.trim()) : resolve(repo.root, (await run(repo.git, ['rev-parse', '--git-path', 'hooks'])).trim());
  const found: string[] = [];
  for (const hook of ['pre-commit', 'prepare-commit-msg', 'commit-msg']) if (await executable(join(dir, hook))) found.push(hook);
  return found;
}

/**
 * Commits the environment's changed files — and nothing else — with the user's own git: their
 * identity, hooks and signing configuration apply. Other changes stay as they were, staged or
 * not. A refused commit (a hook, signing) leaves the index exactly as it was found.
 */
export async function commitEnvironment(options: { repoRoot: string; env: Environment; message: string }): Promise<GitResult<CommitOutcome>> {
  return guarded(async () => {
    const { env, message } = options;
    if (message.trim() === '') throw stop('invalid', 'the commit message is empty');
    const repo = await openRepo(options.repoRoot);
    requireNoOperation(repo);
    const { branch, head } = await currentBranch(repo);
    const { files } = await pendingFiles(repo, env);
    if (files.length === 0) throw stop('nothing-to-commit', `nothing to commit for ${env.name}: no changed files under ${env.paths.join(', ')} or what it references`);
    const paths = files.map((f) => f.path);

    const snapshot = await readIndex(repo.indexFile);
    const giveBack = async (failure: Stop): Promise<never> => {
      const problem = await restoreIndex(repo.indexFile, snapshot);
      if (problem !== undefined) failure.failure.message += `\nThe staged changes could not be put back: ${problem}`;
      throw failure;
    };
    try {
      // --literal-pathspecs: file names are names, never globs.
      await run(repo.git, ['--literal-pathspecs', 'add', '--all', '--', ...paths]);
      const changed = await attempt(repo.git, ['--literal-pathspecs', 'diff', '--cached', '--quiet', 'HEAD', '--', ...paths]);
      if (changed.ok) return await giveBack(stop('nothing-to-commit', `nothing to commit for ${env.name}: its changed files are back to their committed content`));
      // --only: commit these paths as they are in the working tree, leaving every other staged
      // change staged. No --no-verify, no -c overrides: the user's hooks, identity and signing.
      await run(repo.git, ['--literal-pathspecs', 'commit', '--only', '-m', message, '--', ...paths]);
    } catch (error: unknown) {
      if (error instanceof Stop) throw error;
      const output = error instanceof GitCommandError ? `${error.stderr}${error.stdout}`.trim() : error instanceof Error ? error.message : String(error);
      const hooks = await commitHooks(repo).catch(() => []);
      // git prints nothing of its own when a hook refuses; its own failures (identity, signing) say fatal.
      const gitItself = /^fatal: /m.test(output) || /gpg failed to sign/.test(output);
      if (hooks.length > 0 && !gitItself) {
        const name = hooks.length === 1 ? `the ${hooks[0]} hook` : `a commit hook (${hooks.join(', ')})`;
        return await giveBack(stop('hook-failed', `${name} rejected the commit; nothing was committed and your changes are as they were:\n${output}`));
      }
      return await giveBack(stop('commit-failed', `git commit failed; nothing was committed and your changes are as they were:\n${output}`));
    }
    const commit = (await run(repo.git, ['rev-parse', 'HEAD'])).trim();
    if (commit === head) throw stop('commit-failed', 'git commit reported success but HEAD did not move');
    return { commit, shortCommit: await shortHash(repo.git, commit), branch, files, subject: message.trim().split('\n')[0] ?? '' };
  });
}

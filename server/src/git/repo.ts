import { existsSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { GitError, simpleGit, type SimpleGit } from 'simple-git';
import { fileStamp } from '../files/stamped';
import { gitArgs } from './command';
import { ok, type GitErrorKind, type GitFailure, type GitResult } from './result';

/**
 * A git command that exited non-zero. simple-git on its own only treats a non-zero exit as a
 * failure when something was written to stderr, and never exposes the exit code or stdout of a
 * failed command; this error carries all three. It extends simple-git's GitError because
 * simple-git wraps any other error type into a plain GitError, dropping our fields.
 */
export class GitCommandError extends GitError {
  constructor(
    readonly exitCode: number,
    readonly stdout: string,
    readonly stderr: string,
  ) {
    super(undefined, stderr.trim() || stdout.trim() || `git exited with code ${exitCode}`);
  }
}

/** Internal control flow only: a failure the public function returns as a value. */
export class Stop extends Error {
  constructor(readonly failure: GitFailure) {
    super(failure.message);
  }
}

export const stop = (kind: GitErrorKind, message: string): Stop => new Stop({ kind, message });

/**
 * A simple-git instance for one folder. No `.env()` on purpose: the child inherits the process
 * environment untouched (the user's credential helpers, askpass, GPG agent), and simple-git's
 * unsafe-environment check — which runs only on an environment given through `.env()` — would
 * refuse common variables such as EDITOR or GIT_ASKPASS.
 */
export function gitAt(dir: string): SimpleGit {
  return simpleGit({
    baseDir: dir,
    // simple-git refuses any `-c core.fsmonitor=…` / `-c core.hooksPath=…`, even the ones that
    // switch them off. The only such flags are gitArgs' constants; no workspace value reaches them.
    unsafe: { allowUnsafeFsMonitor: true, allowUnsafeHooksPath: true },
    // Runs after simple-git's own detection (which needs stderr output and keeps only text):
    // every non-zero exit becomes a GitCommandError with the code and both streams.
    errors: (error, result) => {
      if (result.exitCode === 0) return error;
      return new GitCommandError(result.exitCode, Buffer.concat(result.stdOut).toString('utf8'), Buffer.concat(result.stdErr).toString('utf8'));
    },
  });
}

/** The repository around the folder environments were discovered in. */
export interface Repo {
  /** The folder environment paths are relative to (usually the top level; may be a subfolder). */
  root: string;
  /** The Git top level. */
  top: string;
  /** `root` relative to `top`, with a trailing slash, or '' at the top level. */
  prefix: string;
  /** This worktree's git directory (absolute). */
  gitDir: string;
  /** This worktree's index file (absolute). */
  indexFile: string;
  git: SimpleGit;
}

/** Repositories found (or not), by root, with the stamps of the `.git` entries that decide it: the tree asks on every answer. */
const located = new Map<string, { stamp: string; repo: Promise<Repo> }>();

/**
 * The stamps of `.git` in the root and in each of its parents: which repository holds a folder
 * changes only when one of them does (a `git init` here or above, a clone or a removal).
 */
async function ancestryStamp(root: string): Promise<string> {
  const stamps: string[] = [];
  for (let dir = root; ; ) {
    stamps.push(await fileStamp(join(dir, '.git')));
    const parent = dirname(dir);
    if (parent === dir) return stamps.join('|');
    dir = parent;
  }
}

/** The repository holding `repoRoot`; `rev-parse` runs again only when a `.git` at or above the root changed. */
export async function openRepo(repoRoot: string): Promise<Repo> {
  const root = resolve(repoRoot);
  if (!existsSync(root)) throw stop('not-a-repository', `${root} does not exist`);
  const stamp = await ancestryStamp(root);
  const known = located.get(root);
  if (known !== undefined && known.stamp === stamp) return known.repo;
  const repo = locateRepo(root);
  located.set(root, { stamp, repo });
  // A folder in no repository is remembered too, so a workspace without Git, or a subfolder of a
  // repository, does not start `git` on every answer: the stamps above say when to look again.
  // A failure that is not "no repository here" (git missing, a lock) is asked again next time.
  repo.catch((error: unknown) => {
    if (!(error instanceof Stop && /is not in a Git repository/.test(error.message)) && located.get(root)?.repo === repo) located.delete(root);
  });
  if (located.size > 64) located.delete(located.keys().next().value!);
  return repo;
}

async function locateRepo(root: string): Promise<Repo> {
  const git = gitAt(root);
  let out: string;
  try {
    out = await run(git, ['rev-parse', '--show-toplevel', '--show-prefix', '--absolute-git-dir', '--git-path', 'index']);
  } catch (error: unknown) {
    const text = error instanceof Error ? error.message : String(error);
    if (/ENOENT|spawn git/.test(text)) throw stop('not-a-repository', 'git is not installed or not on the PATH');
    throw stop('not-a-repository', `${root} is not in a Git repository: ${text.trim()}`);
  }
  const [top = '', prefix = '', gitDir = '', index = ''] = out.split('\n');
  return { root, top, prefix, gitDir, indexFile: resolve(root, index), git };
}

/** A path from git's top-level-relative output as a path relative to `repo.root`, or undefined outside it. */
export function fromTop(repo: Repo, path: string): string | undefined {
  if (repo.prefix === '') return path;
  return path.startsWith(repo.prefix) ? path.slice(repo.prefix.length) : undefined;
}

/** Runs git (under gitArgs' policy) and returns stdout; a non-zero exit throws GitCommandError. */
export async function run(git: SimpleGit, args: string[]): Promise<string> {
  return git.raw(gitArgs(args));
}

/** Runs git where a non-zero exit is an answer, not an accident. */
export async function attempt(git: SimpleGit, args: string[]): Promise<{ ok: true; stdout: string } | { ok: false; error: GitCommandError }> {
  try {
    return { ok: true, stdout: await run(git, args) };
  } catch (error: unknown) {
    if (error instanceof GitCommandError) return { ok: false, error };
    throw error;
  }
}

/** The operation a previous command left half-done, if any. */
export function operationInProgress(repo: Repo): 'merge' | 'rebase' | 'cherry-pick' | 'revert' | undefined {
  if (existsSync(join(repo.gitDir, 'rebase-merge')) || existsSync(join(repo.gitDir, 'rebase-apply'))) return 'rebase';
  if (existsSync(join(repo.gitDir, 'MERGE_HEAD'))) return 'merge';
  if (existsSync(join(repo.gitDir, 'CHERRY_PICK_HEAD'))) return 'cherry-pick';
  if (existsSync(join(repo.gitDir, 'REVERT_HEAD'))) return 'revert';
  return undefined;
}

export function requireNoOperation(repo: Repo): void {
  const operation = operationInProgress(repo);
  if (operation !== undefined) throw stop('repository-state', `a ${operation} is in progress in ${repo.top}; finish or abort it first`);
}

/** The checked-out branch; a detached HEAD or a repository without commits is a failure. */
export async function currentBranch(repo: Repo): Promise<{ branch: string; head: string }> {
  const answer = await attempt(repo.git, ['rev-parse', 'HEAD', '--symbolic-full-name', 'HEAD']);
  if (!answer.ok) throw stop('repository-state', 'the repository has no commits yet');
  const [head = '', ref = ''] = answer.stdout.split('\n');
  if (!ref.startsWith('refs/heads/')) throw stop('repository-state', 'HEAD is detached: check out a branch to commit and sync');
  return { branch: ref.slice('refs/heads/'.length), head };
}

/** The last line git printed that says what went wrong (hints and progress left out), or all of it. */
export function gitMessage(error: unknown): string {
  if (error instanceof GitCommandError) {
    const lines = `${error.stderr}\n${error.stdout}`.split('\n').map((l) => l.trim()).filter((l) => l !== '' && !l.startsWith('hint:'));
    return lines.join('\n') || error.message;
  }
  return error instanceof Error ? error.message : String(error);
}

/** Network failures in the words git uses for them. */
export function remoteFailureKind(text: string): GitErrorKind {
  if (/Authentication failed|could not read (Username|Password)|terminal prompts disabled|Permission denied \(|Invalid username or password|HTTP Basic: Access denied|returned error: 40[13]/i.test(text)) return 'auth';
  if (/Could not resolve host|Connection (refused|timed out|reset)|Network is unreachable|does not appear to be a git repository|Could not read from remote repository|unable to access|No such file or directory/i.test(text)) return 'unreachable';
  return 'git';
}

/** Turns what a step threw into the value the public function returns. */
export async function guarded<T>(body: () => Promise<T>): Promise<GitResult<T>> {
  try {
    return ok(await body());
  } catch (error: unknown) {
    if (error instanceof Stop) return { ok: false, error: error.failure };
    return { ok: false, error: { kind: 'git', message: gitMessage(error) } };
  }
}

export async function shortHash(git: SimpleGit, commit: string): Promise<string> {
  const result = await attempt(git, ['rev-parse', '--short', commit]);
  return result.ok ? result.stdout.trim() : commit.slice(0, 7);
}

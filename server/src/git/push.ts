import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Environment } from '../environments/model';
import { pullRequestLink, type GitHost } from './remoteUrl';
import {
  attempt,
  currentBranch,
  fromTop,
  gitAt,
  GitCommandError,
  gitMessage,
  guarded,
  openRepo,
  operationInProgress,
  remoteFailureKind,
  requireNoOperation,
  run,
  shortHash,
  stop,
  type Repo,
} from './repo';
import type { GitResult } from './result';

export type PushOutcome =
  | {
      kind: 'pushed';
      remote: string;
      /** The local branch. */
      branch: string;
      /** The branch on the remote it went to. */
      remoteBranch: string;
      /** What the remote branch points at now (the env's commit, rebased when the remote had moved). */
      head: string;
      /** The local commits were replayed on top of commits someone else had pushed. */
      rebased: boolean;
      message: string;
    }
  | {
      kind: 'pull-request';
      remote: string;
      /** The new branch, pushed with its upstream set: `plumbline/<env>-<yyyymmdd-hhmmss>`. */
      branch: string;
      /** The branch the pull request goes into (the current branch's upstream). */
      base: string;
      head: string;
      host: GitHost;
      url: string | undefined;
      note: string | undefined;
      /**
       * The current branch was moved back off the environment's commit (which now lives on the
       * new branch), so a later sync of another environment cannot push it past the review. The
       * change stays staged until the pull request is merged and pulled.
       */
      movedBack: boolean;
      message: string;
    };

export interface BranchState {
  /** undefined when HEAD is detached. */
  branch: string | undefined;
  /** `origin/main`; undefined when the branch tracks nothing. */
  upstream: string | undefined;
  /** Commits not yet on the upstream / upstream commits not yet here, as of the last fetch. */
  ahead: number;
  behind: number;
  /** Changed files (staged, unstaged, untracked) under the repository root. */
  uncommitted: number;
  operation: 'merge' | 'rebase' | 'cherry-pick' | 'revert' | undefined;
}

interface Upstream {
  remote: string;
  /** `refs/heads/main` on the remote. */
  ref: string;
}

async function configValue(repo: Repo, key: string): Promise<string | undefined> {
  const value = await attempt(repo.git, ['config', '--get', key]);
  return value.ok && value.stdout.trim() !== '' ? value.stdout.trim() : undefined;
}

async function upstreamOf(repo: Repo, branch: string): Promise<Upstream | undefined> {
  const remote = await configValue(repo, `branch.${branch}.remote`);
  const ref = await configValue(repo, `branch.${branch}.merge`);
  // A remote of "." tracks a local branch: there is nothing to push to.
  if (remote === undefined || ref === undefined || remote === '.') return undefined;
  return { remote, ref };
}

const branchName = (ref: string): string => ref.replace(/^refs\/heads\//, '');

type PushLine = { status: 'ok' | 'up-to-date' | 'remote-moved' | 'rejected'; summary: string };

/**
 * Pushes one refspec with --porcelain, which is the only stable way to tell a rejection because
 * the remote moved from any other refusal. Never forced. Network failures throw a Stop.
 */
async function pushRef(repo: Repo, args: string[], localRef: string): Promise<PushLine> {
  const result = await attempt(repo.git, ['push', '--porcelain', ...args]);
  const stdout = result.ok ? result.stdout : result.error.stdout;
  const line = stdout.split('\n').find((l) => l.split('\t')[1]?.startsWith(`${localRef}:`));
  if (line === undefined) {
    const message = result.ok ? stdout.trim() : gitMessage(result.error);
    throw stop(remoteFailureKind(message), `git push failed: ${message}`);
  }
  const [flag = '', , summary = ''] = line.split('\t');
  if (flag === '=') return { status: 'up-to-date', summary };
  if (flag === '!') {
    if (/^\[rejected\] \((fetch first|non-fast-forward)\)/.test(summary)) return { status: 'remote-moved', summary };
    return { status: 'rejected', summary };
  }
  return { status: 'ok', summary };
}

async function fetchUpstream(repo: Repo, upstream: Upstream): Promise<string> {
  const fetched = await attempt(repo.git, ['fetch', upstream.remote, upstream.ref]);
  if (!fetched.ok) {
    const message = gitMessage(fetched.error);
    throw stop(remoteFailureKind(message), `git fetch ${upstream.remote} failed: ${message}`);
  }
  return (await run(repo.git, ['rev-parse', 'FETCH_HEAD^{commit}'])).trim();
}

/** The paths a failed checkout names ("would be overwritten by checkout:\n\tREADME.md"). */
function overwrittenPaths(repo: Repo, error: GitCommandError): string[] {
  return error.stderr
    .split('\n')
    .filter((l) => l.startsWith('\t'))
    .map((l) => l.trim())
    .map((p) => fromTop(repo, p) ?? p);
}

/**
 * Rebases the local commits onto `onto` in a temporary worktree, so the user's working tree —
 * uncommitted, staged and untracked files — is never touched and never left mid-rebase. Returns
 * the rebased commit, or the conflicting files (after aborting the rebase).
 */
async function rebaseElsewhere(repo: Repo, local: string, onto: string): Promise<{ ok: true; head: string } | { ok: false; conflicts: string[]; message: string }> {
  const parent = await mkdtemp(join(tmpdir(), 'plumbline-rebase-'));
  const dir = join(parent, 'worktree');
  try {
    await run(repo.git, ['worktree', 'add', '--detach', dir, local]);
    const worktree = gitAt(dir);
    const rebase = await attempt(worktree, ['rebase', onto]);
    if (rebase.ok) return { ok: true, head: (await run(worktree, ['rev-parse', 'HEAD'])).trim() };
    const unmerged = await attempt(worktree, ['diff', '--name-only', '-z', '--diff-filter=U']);
    const conflicts = unmerged.ok ? unmerged.stdout.split('\0').filter((p) => p !== '') : [];
    await attempt(worktree, ['rebase', '--abort']);
    return { ok: false, conflicts: conflicts.map((p) => fromTop(repo, p) ?? p), message: gitMessage(rebase.error) };
  } finally {
    await attempt(repo.git, ['worktree', 'remove', '--force', '--force', dir]);
    await rm(parent, { recursive: true, force: true });
  }
}

async function pushToUpstream(repo: Repo, branch: string, commit: string): Promise<PushOutcome & { kind: 'pushed' }> {
  const upstream = await upstreamOf(repo, branch);
  if (upstream === undefined) throw stop('no-upstream', `${branch} has no upstream branch: push it once with \`git push -u origin ${branch}\`, then sync again`);
  const remoteBranch = branchName(upstream.ref);
  const where = `${upstream.remote}/${remoteBranch}`;
  const short = await shortHash(repo.git, commit);
  let rebased = false;
  // Each round: push; when someone pushed first, replay onto theirs and try again.
  for (let round = 0; round < 3; round++) {
    const pushed = await pushRef(repo, [upstream.remote, `refs/heads/${branch}:${upstream.ref}`], `refs/heads/${branch}`);
    const head = (await run(repo.git, ['rev-parse', 'HEAD'])).trim();
    if (pushed.status === 'ok' || pushed.status === 'up-to-date') {
      const what = pushed.status === 'up-to-date' ? `${where} already has ${short}` : `pushed ${branch} to ${where}`;
      return { kind: 'pushed', remote: upstream.remote, branch, remoteBranch, head, rebased, message: rebased ? `${what} (after rebasing onto the remote's new commits)` : what };
    }
    if (pushed.status === 'rejected') throw stop('rejected', `the remote refused the push to ${where}: ${pushed.summary}; your commit ${short} is kept locally`);

    const onto = await fetchUpstream(repo, upstream);
    const replayed = await rebaseElsewhere(repo, head, onto);
    if (!replayed.ok) {
      if (replayed.conflicts.length === 0) throw stop('git', `rebasing onto ${where} failed: ${replayed.message}; your commit ${short} is kept locally`);
      throw stop('conflict', `the remote has conflicting changes in ${replayed.conflicts.join(', ')}; your commit ${short} is kept locally; pull and resolve, then sync again`);
    }
    // Move the branch to the rebased commits the way `git checkout` would: files the remote
    // changed are updated, everything else (staged or not) is kept, and if the remote changed a
    // file with local changes, nothing happens at all (checkout -B is all-or-nothing).
    if ((await run(repo.git, ['rev-parse', 'HEAD'])).trim() !== head) throw stop('repository-state', `${branch} moved while syncing; sync again`);
    const moved = await attempt(repo.git, ['checkout', '-B', branch, replayed.head]);
    if (!moved.ok) {
      const paths = overwrittenPaths(repo, moved.error);
      throw stop(
        'local-changes',
        `the remote changed ${paths.length > 0 ? paths.join(', ') : 'files'} that you have uncommitted changes in; your commit ${short} is kept locally; commit or stash those changes, then sync again`,
      );
    }
    rebased = true;
  }
  throw stop('rejected', `${where} kept moving while syncing; your commit ${short} is kept locally; sync again`);
}

/** `prod` → `prod`; `dev (apps/a/overlays/dev)` → `dev-apps-a-overlays-dev`. */
function refSafe(name: string): string {
  const slug = name
    .replace(/[^A-Za-z0-9._-]+/g, '-')
    .replace(/\.{2,}/g, '.')
    .replace(/^[-.]+|[-.]+$/g, '')
    .replace(/\.lock$/i, '-lock');
  return slug === '' ? 'env' : slug;
}

/** yyyymmdd-hhmmss, in UTC. */
function stamp(now: Date): string {
  const p = (n: number): string => String(n).padStart(2, '0');
  return `${now.getUTCFullYear()}${p(now.getUTCMonth() + 1)}${p(now.getUTCDate())}-${p(now.getUTCHours())}${p(now.getUTCMinutes())}${p(now.getUTCSeconds())}`;
}

async function refExists(repo: Repo, ref: string): Promise<boolean> {
  return (await attempt(repo.git, ['show-ref', '--verify', '--quiet', ref])).ok;
}

async function pushForReview(repo: Repo, env: Environment, branch: string, commit: string, now: Date): Promise<PushOutcome & { kind: 'pull-request' }> {
  const upstream = await upstreamOf(repo, branch);
  const remotes = (await run(repo.git, ['remote'])).split('\n').filter((r) => r !== '');
  const remote = upstream?.remote ?? (remotes.includes('origin') ? 'origin' : remotes.length === 1 ? remotes[0] : undefined);
  if (remote === undefined) throw stop('no-upstream', `${branch} has no upstream and the repository has ${remotes.length === 0 ? 'no remote' : 'several remotes'}: push it once with \`git push -u <remote> ${branch}\``);
  const base = upstream !== undefined ? branchName(upstream.ref) : branch;
  const short = await shortHash(repo.git, commit);

  const stem = `plumbline/${refSafe(env.name)}-${stamp(now)}`;
  let name = stem;
  for (let n = 2; (await refExists(repo, `refs/heads/${name}`)) || (await refExists(repo, `refs/remotes/${remote}/${name}`)); n++) name = `${stem}-${n}`;

  await run(repo.git, ['branch', '--no-track', name, commit]);
  let pushed: PushLine;
  try {
    pushed = await pushRef(repo, ['--set-upstream', remote, `refs/heads/${name}:refs/heads/${name}`], `refs/heads/${name}`);
  } catch (error: unknown) {
    await attempt(repo.git, ['branch', '-D', name]);
    throw error;
  }
  if (pushed.status !== 'ok') {
    await attempt(repo.git, ['branch', '-D', name]);
    throw stop('rejected', `the remote refused the new branch ${name}: ${pushed.summary}; your commit ${short} is kept locally`);
  }

  // The commit now travels on the review branch. If it is the tip of the current branch and not
  // on the upstream, step the branch back (soft: index and files untouched), so pushing another
  // environment later cannot carry it past the review.
  let movedBack = false;
  const head = (await run(repo.git, ['rev-parse', 'HEAD'])).trim();
  const parent = await attempt(repo.git, ['rev-parse', '--verify', '-q', `${commit}^`]);
  const upstreamRef = upstream !== undefined ? `refs/remotes/${upstream.remote}/${base}` : undefined;
  const published = upstreamRef !== undefined && (await refExists(repo, upstreamRef)) && (await attempt(repo.git, ['merge-base', '--is-ancestor', commit, upstreamRef])).ok;
  if (head === commit && parent.ok && upstream !== undefined && !published) {
    await run(repo.git, ['reset', '--soft', parent.stdout.trim()]);
    movedBack = true;
  }

  const link = pullRequestLink((await run(repo.git, ['remote', 'get-url', remote])).trim(), base, name);
  const parts = [`${env.name} is protected: pushed ${name} to ${remote}`];
  parts.push(link.url !== undefined ? `open the pull request: ${link.url}` : 'open a pull request on your Git host');
  if (link.note !== undefined) parts.push(link.note);
  if (movedBack) parts.push(`${branch} is back where it was; the change stays staged until the pull request is merged`);
  return { kind: 'pull-request', remote, branch: name, base, head: commit, host: link.host, url: link.url, note: link.note, movedBack, message: parts.join('; ') };
}

/**
 * Publishes an environment's commit, never forcing. A normal environment goes to the current
 * branch's upstream; when the remote moved, the local commits are rebased onto it (if that is
 * clean) and pushed again. A protected environment goes to a new `plumbline/<env>-<time>` branch
 * and the answer carries the pull-request link for the remote's host.
 */
export async function pushEnvironment(options: { repoRoot: string; env: Environment; commit: string; now?: Date }): Promise<GitResult<PushOutcome>> {
  return guarded(async () => {
    const repo = await openRepo(options.repoRoot);
    requireNoOperation(repo);
    const { branch } = await currentBranch(repo);
    const resolved = await attempt(repo.git, ['rev-parse', '--verify', '-q', `${options.commit}^{commit}`]);
    if (!resolved.ok) throw stop('invalid', `${options.commit} is not a commit in this repository`);
    const commit = resolved.stdout.trim();
    if (!(await attempt(repo.git, ['merge-base', '--is-ancestor', commit, 'HEAD'])).ok) {
      throw stop('invalid', `${await shortHash(repo.git, commit)} is not on ${branch}; check out the branch it was committed on`);
    }
    return options.env.protected ? pushForReview(repo, options.env, branch, commit, options.now ?? new Date()) : pushToUpstream(repo, branch, commit);
  });
}

/** Branch, upstream, ahead/behind (as of the last fetch) and uncommitted files, for the tree view. */
export async function branchState(repoRoot: string): Promise<GitResult<BranchState>> {
  return guarded(async () => {
    const repo = await openRepo(repoRoot);
    const out = await run(repo.git, ['--no-optional-locks', 'status', '--porcelain=v2', '--branch', '-z', '--untracked-files=all']);
    const state: BranchState = { branch: undefined, upstream: undefined, ahead: 0, behind: 0, uncommitted: 0, operation: operationInProgress(repo) };
    const entries = out.split('\0');
    for (let i = 0; i < entries.length; i++) {
      const entry = entries[i] ?? '';
      if (entry.startsWith('# branch.head ')) {
        const head = entry.slice('# branch.head '.length);
        state.branch = head === '(detached)' ? undefined : head;
      } else if (entry.startsWith('# branch.upstream ')) {
        state.upstream = entry.slice('# branch.upstream '.length);
      } else if (entry.startsWith('# branch.ab ')) {
        const ab = /\+(\d+) -(\d+)/.exec(entry);
        state.ahead = Number(ab?.[1] ?? 0);
        state.behind = Number(ab?.[2] ?? 0);
      } else if (/^[12u?] /.test(entry)) {
        // Renames (2) carry their original path as the next NUL-separated field.
        if (entry.startsWith('2 ')) i++;
        const path = entry.startsWith('? ') ? entry.slice(2) : entry.split(' ').slice(entry.startsWith('1 ') ? 8 : entry.startsWith('2 ') ? 9 : 10).join(' ');
        if (fromTop(repo, path) !== undefined) state.uncommitted++;
      }
    }
    return state;
  });
}

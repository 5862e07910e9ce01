import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { discoverEnvironments } from '../environments/discover';
import type { Environment } from '../environments/model';
import { environmentScope, inScope } from './files';
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
  Stop,
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
  // Both go to `git push`/`fetch` as positionals: a value that starts an option would be one.
  if (remote.startsWith('-') || ref.startsWith('-')) throw stop('invalid', `the upstream of ${branch} (branch.${branch}.remote = ${remote}, merge = ${ref}) looks like a git option; fix it with \`git branch --set-upstream-to\``);
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
    // The porcelain line says only "pre-receive hook declined"; the reason is what the remote said.
    const said = result.ok ? '' : remoteSaid(result.error.stderr);
    return { status: 'rejected', summary: said === '' ? summary : `${summary}; the remote said: ${said}` };
  }
  return { status: 'ok', summary };
}

/** The lines a remote (its hooks, its host) wrote back during a push, control characters removed, bounded. */
function remoteSaid(stderr: string): string {
  const lines = stderr
    .split('\n')
    .filter((l) => l.startsWith('remote: '))
    // eslint-disable-next-line no-control-regex -- a remote's terminal sequences must not reach the UI
    .map((l) => l.slice('remote: '.length).replace(/\x1b\[[0-9;]*[A-Za-z]|[\x00-\x1f\x7f]/g, '').trim())
    .filter((l) => l !== '');
  const text = lines.join(' ');
  return text.length > 500 ? `${text.slice(0, 500)}…` : text;
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

/** Why moving the branch to the rebased commits refused, in the user's terms. */
function refusedMove(repo: Repo, error: GitCommandError, short: string): Stop {
  const paths = overwrittenPaths(repo, error);
  const named = paths.length > 0 ? paths.join(', ') : 'files';
  // git says "untracked" for ignored files too (with --no-overwrite-ignore): a file it does not track.
  if (/untracked working tree files would be (overwritten|removed)/.test(error.stderr)) {
    return stop(
      'local-changes',
      `the remote added ${named}, which you have on disk and Git does not track here (ignored or untracked); rebasing would overwrite it. Your commit ${short} is kept locally; move the file aside (or commit it), then sync again`,
    );
  }
  return stop('local-changes', `the remote changed ${named} that you have uncommitted changes in; your commit ${short} is kept locally; commit or stash those changes, then sync again`);
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

/**
 * Refuses the push when the branch holds a commit, not yet on the upstream, that changes files of
 * a protected environment — files that are not also the synced environment's own (a base both
 * share is that environment's change too). Such a commit reaches the protected environment's
 * cluster without its pull request: a review push that failed, or a commit made by hand.
 */
async function refuseProtected(repo: Repo, branch: string, upstream: Upstream, env: Environment, protectedEnvs: readonly Environment[], short: string): Promise<void> {
  const others = protectedEnvs.filter((p) => p.protected && p.name !== env.name);
  if (others.length === 0) return;
  const tracking = `refs/remotes/${upstream.remote}/${branchName(upstream.ref)}`;
  // Not yet on the remote: not on its copy of the upstream, or, for a branch the remote does not
  // have yet, on none of its branches but the review branches (those are what is not merged).
  let bound = [tracking];
  if (!(await refExists(repo, tracking))) {
    const known = await run(repo.git, ['for-each-ref', '--count=1', '--format=%(refname)', `refs/remotes/${upstream.remote}/`]);
    if (known.trim() === '') return; // nothing is known of the remote: its first push is the user's own history
    bound = [`--exclude=${upstream.remote}/plumbline/*`, `--remotes=${upstream.remote}`];
  }
  const pending = (await run(repo.git, ['rev-list', '--reverse', 'HEAD', '--not', ...bound, '--'])).split('\n').filter((c) => c !== '');
  if (pending.length === 0) return;
  const own = await environmentScope(repo, env, true);
  const scopes = await Promise.all(others.map(async (p) => ({ env: p, scope: await environmentScope(repo, p, true) })));
  const offending: { commit: string; env: Environment; files: string[] }[] = [];
  for (const commit of pending) {
    const listed = await run(repo.git, ['diff-tree', '-r', '--name-only', '-z', '--no-commit-id', '--root', '-m', '--first-parent', commit, '--']);
    const files = [...new Set(listed.split('\0'))].flatMap((p) => {
      const path = p === '' ? undefined : fromTop(repo, p);
      return path === undefined || inScope(own, path) ? [] : [path];
    });
    for (const { env: p, scope } of scopes) {
      const touched = files.filter((f) => inScope(scope, f));
      if (touched.length > 0) offending.push({ commit, env: p, files: touched });
    }
  }
  const first = offending[0];
  if (first === undefined) return;
  const c = await shortHash(repo.git, first.commit);
  const subject = (await run(repo.git, ['log', '-1', '--format=%s', first.commit, '--'])).trim();
  const more = new Set(offending.map((o) => o.commit)).size - 1;
  const files = first.files.length > 3 ? `${first.files.slice(0, 3).join(', ')}, …` : first.files.join(', ');
  throw stop(
    'protected',
    `${branch} holds ${c} "${subject}"${more > 0 ? ` (and ${more} more such commit${more > 1 ? 's' : ''})` : ''}, which changes the protected environment ${first.env.name} (${files}) and is not on ${upstream.remote}/${branchName(upstream.ref)}; pushing ${branch} would skip its review. Nothing was pushed; your commit ${short} is kept locally. Put ${c} on a review branch (\`git branch <name> ${c}\`, push it and open a pull request) and take it off ${branch} (\`git rebase --onto ${c}^ ${c} ${branch}\`), then sync again`,
  );
}

async function pushToUpstream(repo: Repo, env: Environment, protectedEnvs: readonly Environment[], branch: string, commit: string): Promise<PushOutcome & { kind: 'pushed' }> {
  const upstream = await upstreamOf(repo, branch);
  if (upstream === undefined) throw stop('no-upstream', `${branch} has no upstream branch: push it once with \`git push -u origin ${branch}\`, then sync again`);
  const remoteBranch = branchName(upstream.ref);
  const where = `${upstream.remote}/${remoteBranch}`;
  const short = await shortHash(repo.git, commit);
  await refuseProtected(repo, branch, upstream, env, protectedEnvs, short);
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
    // --no-overwrite-ignore: by default git replaces an ignored file (a local-secret.env) that
    // the remote now tracks; the user's files on disk are never ours to replace.
    if ((await run(repo.git, ['rev-parse', 'HEAD'])).trim() !== head) throw stop('repository-state', `${branch} moved while syncing; sync again`);
    const moved = await attempt(repo.git, ['checkout', '--no-overwrite-ignore', '-B', branch, replayed.head]);
    if (!moved.ok) throw refusedMove(repo, moved.error, short);
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

/**
 * Steps the current branch back off `commit` (soft: index and files untouched, so the change
 * stays staged) when it is the branch's tip and not on the upstream. Answers whether it moved.
 */
async function stepBack(repo: Repo, commit: string, upstream: Upstream | undefined, base: string): Promise<boolean> {
  const head = (await run(repo.git, ['rev-parse', 'HEAD'])).trim();
  const parent = await attempt(repo.git, ['rev-parse', '--verify', '-q', `${commit}^`]);
  const upstreamRef = upstream !== undefined ? `refs/remotes/${upstream.remote}/${base}` : undefined;
  const published = upstreamRef !== undefined && (await refExists(repo, upstreamRef)) && (await attempt(repo.git, ['merge-base', '--is-ancestor', commit, upstreamRef])).ok;
  if (head !== commit || !parent.ok || upstream === undefined || published) return false;
  await run(repo.git, ['reset', '--soft', parent.stdout.trim()]);
  return true;
}

async function pushForReview(repo: Repo, env: Environment, branch: string, commit: string, now: Date): Promise<PushOutcome & { kind: 'pull-request' }> {
  const upstream = await upstreamOf(repo, branch);
  const remotes = (await run(repo.git, ['remote'])).split('\n').filter((r) => r !== '');
  const named = remotes.filter((r) => !r.startsWith('-'));
  const remote = upstream?.remote ?? (named.includes('origin') ? 'origin' : named.length === 1 ? named[0] : undefined);
  if (remote === undefined) throw stop('no-upstream', `${branch} has no upstream and the repository has ${remotes.length === 0 ? 'no remote' : 'several remotes'}: push it once with \`git push -u <remote> ${branch}\``);
  const base = upstream !== undefined ? branchName(upstream.ref) : branch;
  const short = await shortHash(repo.git, commit);

  const stem = `plumbline/${refSafe(env.name)}-${stamp(now)}`;
  let name = stem;
  for (let n = 2; (await refExists(repo, `refs/heads/${name}`)) || (await refExists(repo, `refs/remotes/${remote}/${name}`)); n++) name = `${stem}-${n}`;

  await run(repo.git, ['branch', '--no-track', name, commit]);
  // Whatever happens to the push, the commit travels on the review branch from here on: the
  // current branch steps back off it, so a later sync of another environment cannot carry it
  // past the review (and pushToUpstream refuses to, should it still be there).
  const movedBack = await stepBack(repo, commit, upstream, base);
  const kept = `your commit ${short} is kept on the local branch ${name}${movedBack ? `, and ${branch} is back where it was` : ` (and is still on ${branch}, which Plumbline will not push while it holds it)`}; push that branch for review once the remote accepts it`;
  let pushed: PushLine;
  try {
    pushed = await pushRef(repo, ['--set-upstream', remote, `refs/heads/${name}:refs/heads/${name}`], `refs/heads/${name}`);
  } catch (error: unknown) {
    if (error instanceof Stop) error.failure.message += `; ${kept}`;
    throw error;
  }
  if (pushed.status !== 'ok') throw stop('rejected', `the remote refused the new branch ${name}: ${pushed.summary}; ${kept}`);

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
 * and the answer carries the pull-request link for the remote's host; the current branch steps
 * back off the commit whether that push works or not. A normal push is refused while the branch
 * holds an unpushed commit of a protected environment's files.
 */
export async function pushEnvironment(options: {
  repoRoot: string;
  env: Environment;
  commit: string;
  now?: Date;
  /** The workspace's protected environments, whose unreviewed commits must not ride along; discovered when absent. */
  protectedEnvironments?: readonly Environment[];
}): Promise<GitResult<PushOutcome>> {
  return guarded(async () => {
    const repo = await openRepo(options.repoRoot);
    requireNoOperation(repo);
    const { branch } = await currentBranch(repo);
    if (options.commit.startsWith('-')) throw stop('invalid', `${options.commit} is not a commit in this repository`);
    const resolved = await attempt(repo.git, ['rev-parse', '--verify', '-q', `${options.commit}^{commit}`]);
    if (!resolved.ok) throw stop('invalid', `${options.commit} is not a commit in this repository`);
    const commit = resolved.stdout.trim();
    if (!(await attempt(repo.git, ['merge-base', '--is-ancestor', commit, 'HEAD'])).ok) {
      throw stop('invalid', `${await shortHash(repo.git, commit)} is not on ${branch}; check out the branch it was committed on`);
    }
    if (options.env.protected) return pushForReview(repo, options.env, branch, commit, options.now ?? new Date());
    const protectedEnvs = options.protectedEnvironments ?? (await discoverEnvironments(repo.root)).environments.filter((e) => e.protected);
    return pushToUpstream(repo, options.env, protectedEnvs, branch, commit);
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

/** Where Commit and Sync of an environment would push: what the confirm dialog names. */
export interface PushTarget {
  /** The repository's top-level folder. */
  top: string;
  branch: string;
  /** The branch's upstream remote and its URL (credentials dropped); undefined without an upstream. */
  remote?: string;
  remoteUrl?: string;
  /** The branch on the remote that a normal environment's commit goes to. */
  remoteBranch?: string;
}

/** A remote URL as it can be shown: any user and password in it left out. */
function shownUrl(url: string): string {
  return url.replace(/^([a-z][a-z0-9+.-]*:\/\/)[^/@]*@/i, '$1');
}

/** The repository, branch and upstream a sync would commit to and push to. */
export async function pushTarget(repoRoot: string): Promise<GitResult<PushTarget>> {
  return guarded(async () => {
    const repo = await openRepo(repoRoot);
    const { branch } = await currentBranch(repo);
    const upstream = await upstreamOf(repo, branch);
    if (upstream === undefined) return { top: repo.top, branch };
    const url = await configValue(repo, `remote.${upstream.remote}.url`);
    return { top: repo.top, branch, remote: upstream.remote, remoteBranch: branchName(upstream.ref), ...(url !== undefined ? { remoteUrl: shownUrl(url) } : {}) };
  });
}

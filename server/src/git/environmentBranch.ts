import type { Environment } from '../environments/model';
import { changeOf, pendingFiles, type PendingFile } from './commit';
import type { BranchState } from './push';
import { fromTop, guarded, openRepo, operationInProgress, run, type Repo } from './repo';
import type { GitResult } from './result';

/** The branch as the tree shows it for one environment: the repository's branch, and this environment's own uncommitted files. */
export interface EnvironmentBranchState {
  branch: string | undefined;
  upstream: string | undefined;
  ahead: number;
  behind: number;
  /** Uncommitted files that belong to the environment: exactly what Commit and Sync would stage. */
  files: PendingFile[];
  /** Uncommitted files of the repository that are not this environment's. */
  elsewhere: number;
  operation: BranchState['operation'];
}

/**
 * The branch and the changed files from one `git status` (porcelain v2 with branch headers, no
 * rename detection: a rename is a deletion and an addition, as Commit and Sync stages them).
 */
async function statusOf(repo: Repo): Promise<{ branch: Omit<BranchState, 'uncommitted'>; changed: PendingFile[] }> {
  const out = await run(repo.git, ['--no-optional-locks', 'status', '--porcelain=v2', '--branch', '-z', '--untracked-files=all', '--no-renames']);
  const branch: Omit<BranchState, 'uncommitted'> = { branch: undefined, upstream: undefined, ahead: 0, behind: 0, operation: operationInProgress(repo) };
  const changed: PendingFile[] = [];
  for (const entry of out.split('\0')) {
    if (entry.startsWith('# branch.head ')) {
      const head = entry.slice('# branch.head '.length);
      branch.branch = head === '(detached)' ? undefined : head;
    } else if (entry.startsWith('# branch.upstream ')) branch.upstream = entry.slice('# branch.upstream '.length);
    else if (entry.startsWith('# branch.ab ')) {
      const ab = /\+(\d+) -(\d+)/.exec(entry);
      branch.ahead = Number(ab?.[1] ?? 0);
      branch.behind = Number(ab?.[2] ?? 0);
    } else if (/^[1u?] /.test(entry)) {
      // `1 XY sub mH mI mW hH hI path`, `u XY sub m1 m2 m3 mW h1 h2 h3 path`, `? path`; v2 writes `.` where v1 writes a space.
      const untracked = entry.startsWith('? ');
      const xy = untracked ? '??' : entry.slice(2, 4).replace(/\./g, ' ');
      const path = fromTop(repo, untracked ? entry.slice(2) : entry.split(' ').slice(entry.startsWith('1 ') ? 8 : 10).join(' '));
      const change = changeOf(xy[0] ?? ' ', xy[1] ?? ' ');
      if (change !== undefined && path !== undefined) changed.push({ path, change });
    }
  }
  return { branch, changed };
}

/**
 * Branch, ahead/behind (as of the last fetch) and uncommitted changes per environment, from one
 * `git status` shared by every environment; which files are whose is worked out only when some changed.
 */
export async function environmentBranchStates(repoRoot: string, environments: readonly Environment[]): Promise<GitResult<Map<string, EnvironmentBranchState>>> {
  return guarded(async () => {
    const repo = await openRepo(repoRoot);
    const { branch, changed } = await statusOf(repo);
    const out = new Map<string, EnvironmentBranchState>();
    for (const env of environments) {
      const files = changed.length === 0 ? [] : (await pendingFiles(repo, env, changed)).files;
      out.set(env.name, { ...branch, files, elsewhere: changed.length - files.length });
    }
    return out;
  });
}

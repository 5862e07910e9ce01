import type { Environment } from '../environments/model';
import { changedFiles, pendingFiles, type PendingFile } from './commit';
import { branchState, type BranchState } from './push';
import { guarded, openRepo } from './repo';
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
 * Branch, ahead/behind (as of the last fetch) and uncommitted changes per environment, with one
 * `git status` for the branch and one for the files, shared by every environment.
 */
export async function environmentBranchStates(repoRoot: string, environments: readonly Environment[]): Promise<GitResult<Map<string, EnvironmentBranchState>>> {
  const branch = await branchState(repoRoot);
  if (!branch.ok) return branch;
  return guarded(async () => {
    const repo = await openRepo(repoRoot);
    const changed = await changedFiles(repo);
    const out = new Map<string, EnvironmentBranchState>();
    for (const env of environments) {
      const { files } = await pendingFiles(repo, env, changed);
      const { branch: name, upstream, ahead, behind, operation } = branch.value;
      out.set(env.name, { branch: name, upstream, ahead, behind, files, elsewhere: changed.length - files.length, operation });
    }
    return out;
  });
}

import type { Result } from '../result';

/** Why a Git step of commit-and-sync stopped, in terms the UI can turn into one clear message. */
export type GitErrorKind =
  | 'not-a-repository' // the folder is not inside a Git working tree, or git is not installed
  | 'repository-state' // a merge/rebase/cherry-pick is in progress, HEAD is detached, no commits yet
  | 'invalid' // a bad argument: empty message, unknown commit, commit not on the branch
  | 'nothing-to-commit' // the environment has no changed files
  | 'hook-failed' // a pre-commit / commit-msg hook rejected the commit; the message has its output
  | 'commit-failed' // git commit failed for another reason (identity, signing, …)
  | 'no-upstream' // the branch tracks nothing, or there is no remote to push to
  | 'conflict' // the remote has changes that conflict with the local commit
  | 'local-changes' // the remote changed files that have uncommitted changes here
  | 'protected' // the push would carry a protected environment's commit past its review
  | 'rejected' // the remote refused the push (protected branch, pre-receive hook)
  | 'auth' // credentials missing or refused
  | 'unreachable' // the remote cannot be reached
  | 'git'; // anything else git reported

export interface GitFailure {
  kind: GitErrorKind;
  message: string;
}

/** A Git step's outcome: the engine-wide Result with a GitFailure. */
export type GitResult<T> = Result<T, GitFailure>;

export const ok = <T>(value: T): GitResult<T> => ({ ok: true, value });
export const fail = <T = never>(kind: GitErrorKind, message: string): GitResult<T> => ({ ok: false, error: { kind, message } });

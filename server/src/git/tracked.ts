import { basename, dirname } from 'node:path';
import { attempt, gitAt } from './repo';

/**
 * Whether Git does not track a file yet (a new draft): true only when the file is inside a
 * repository and not in its index. Outside a repository, or when git cannot answer, false —
 * "untracked" softens findings, so not knowing must not soften them.
 */
export async function isUntracked(path: string): Promise<boolean> {
  let result: Awaited<ReturnType<typeof attempt>> | undefined;
  try {
    // simple-git throws at once for a folder that does not exist (a document never saved to disk).
    result = await attempt(gitAt(dirname(path)), ['ls-files', '--error-unmatch', '--', basename(path)]);
  } catch {
    return false;
  }
  if (result.ok) return false;
  // 1: not in the index; 128: no repository here (or another fatal error), which is not "untracked".
  return result.error.exitCode === 1;
}

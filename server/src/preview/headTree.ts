import { execFile } from 'node:child_process';
import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { gitArgs } from '../git/command';

const run = promisify(execFile);

export type HeadTree =
  | { ok: true; root: string; hasCommits: boolean; dispose: () => Promise<void> }
  | { ok: false; kind: 'not-a-repository' | 'git'; message: string };

async function git(cwd: string, args: string[], env?: NodeJS.ProcessEnv): Promise<string> {
  const { stdout } = await run('git', gitArgs(args), { cwd, maxBuffer: 64 * 1024 * 1024, ...(env !== undefined ? { env } : {}) });
  return stdout;
}

function messageOf(error: unknown): string {
  const e = error as { stderr?: string; message?: string };
  return (e.stderr ?? '').trim() || (e.message ?? String(error));
}

/**
 * A copy of the files HEAD holds for `folder`'s repository, in a temporary folder, found at the
 * same relative place as `folder`. It goes through a throwaway index (read-tree + checkout-index)
 * so the user's working tree and index are never touched; unlike `git archive` it ignores
 * `export-ignore` attributes, which would silently drop manifests.
 */
export async function exportHead(folder: string): Promise<HeadTree> {
  let top: string;
  let prefix: string;
  try {
    [top = '', prefix = ''] = (await git(folder, ['rev-parse', '--show-toplevel', '--show-prefix'])).split('\n');
  } catch (error: unknown) {
    const text = messageOf(error);
    return { ok: false, kind: 'not-a-repository', message: /ENOENT/.test(text) ? 'git is not installed or not on the PATH' : `${folder} is not in a Git repository` };
  }
  const scratch = await mkdtemp(join(tmpdir(), 'plumbline-head-'));
  const dispose = (): Promise<void> => rm(scratch, { recursive: true, force: true });
  const tree = join(scratch, 'tree');
  const root = join(tree, prefix);
  try {
    const hasCommits = await git(top, ['rev-parse', '--verify', '--quiet', 'HEAD^{commit}']).then(() => true, () => false);
    if (hasCommits) {
      const env = { ...process.env, GIT_INDEX_FILE: join(scratch, 'index') };
      await git(top, ['read-tree', 'HEAD'], env);
      await git(top, ['checkout-index', '--all', `--prefix=${tree}/`], env);
    }
    await mkdir(root, { recursive: true });
    return { ok: true, root, hasCommits, dispose };
  } catch (error: unknown) {
    await dispose();
    return { ok: false, kind: 'git', message: `reading HEAD failed: ${messageOf(error)}` };
  }
}

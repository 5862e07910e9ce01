// What Commit and Sync tells the user before it does anything (issue 11): the repository, branch
// and remote it will push to (never a credential from the remote URL), and, in a folder that is
// no Git repository, that it is not one and what to do, instead of "nothing to commit".
import assert from 'node:assert/strict';
import { cpSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { execFileSync } from 'node:child_process';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { after, describe, test } from 'node:test';
import { SyncPlanRequest, type SyncPlan, type SyncPlanError } from '../../server/src/protocol';
import { LspHarness } from '../support/lspClient';
import { EXAMPLES } from '../support/paths';

const scratch = mkdtempSync(join(tmpdir(), 'plumbline-sync-plan-'));
writeFileSync(join(scratch, 'gitconfig'), '');
// Hermetic git: neither this machine's global nor its system configuration.
const GIT_ENV = { GIT_CONFIG_GLOBAL: join(scratch, 'gitconfig'), GIT_CONFIG_NOSYSTEM: '1' };
const git = (cwd: string, ...args: string[]): string => execFileSync('git', args, { cwd, encoding: 'utf8', env: { ...process.env, ...GIT_ENV } });

function examplesIn(name: string): string {
  const dir = join(scratch, name);
  cpSync(EXAMPLES, dir, { recursive: true, filter: (source) => basename(source) !== '.vscode' });
  return dir;
}

async function planOf(folder: string): Promise<SyncPlan | SyncPlanError> {
  const lsp = await LspHarness.start(
    { cluster: { enabled: false } },
    { workspaceFolders: [folder], env: { ...GIT_ENV, KUBECONFIG: join(scratch, 'no-kubeconfig') }, initializationOptions: { trusted: true, cacheDir: join(scratch, `cache-${basename(folder)}`) } },
  );
  try {
    return await lsp.connection.sendRequest(SyncPlanRequest, { environment: 'dev' });
  } finally {
    await lsp.stop();
  }
}

describe('Commit and Sync: the plan names where the commit goes', () => {
  after(() => rmSync(scratch, { recursive: true, force: true }));

  test('a folder that is no Git repository: an error that says so and what to do, not "nothing to commit"', async () => {
    const folder = examplesIn('plain-folder');
    const plan = await planOf(folder);
    assert.ok('error' in plan, JSON.stringify(plan));
    assert.equal(plan.reason, 'not-a-repository');
    assert.equal(plan.error, `${folder} is not a Git repository, so dev cannot be committed and pushed. Initialise a repository there, or open the folder of the repository that holds it`);
  });

  test('a repository with an upstream: its folder, branch, remote and remote branch; no credential from the URL', async () => {
    const folder = examplesIn('repo');
    git(folder, 'init', '-q', '-b', 'main');
    git(folder, 'config', 'user.name', 'Dev Eloper');
    git(folder, 'config', 'user.email', 'dev@example.com');
    git(folder, 'add', '-A');
    git(folder, 'commit', '-q', '-m', 'initial');
    git(folder, 'remote', 'add', 'origin', 'https://bot:s3cret-token@git.example.com/platform/gitops.git');
    git(folder, 'config', 'branch.main.remote', 'origin');
    git(folder, 'config', 'branch.main.merge', 'refs/heads/main');
    writeFileSync(join(folder, 'apps/shop/overlays/dev/replicas.yaml'), 'apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: shop-web\nspec:\n  replicas: 2\n');
    const plan = await planOf(folder);
    assert.ok(!('error' in plan), JSON.stringify(plan));
    assert.deepEqual(plan.repository, { top: folder, branch: 'main', remote: 'origin', remoteUrl: 'https://git.example.com/platform/gitops.git', remoteBranch: 'main' });
    assert.deepEqual(plan.files, [{ path: 'apps/shop/overlays/dev/replicas.yaml', change: 'modified' }]);
    assert.doesNotMatch(JSON.stringify(plan), /s3cret/, 'no credential in the plan');
  });
});

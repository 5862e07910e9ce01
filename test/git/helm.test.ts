// Git tier: the files of a Helm chart environment. One chart folder serves several environments;
// its values-<env>.yaml files belong to their own environment, the templates to all of them.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { appendFileSync, cpSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { discoverEnvironments } from '../../server/src/environments/discover';
import type { Environment } from '../../server/src/environments/model';
import { commitEnvironment, pendingSummary } from '../../server/src/git/commit';
import { environmentFiles } from '../../server/src/git/files';
import type { GitResult } from '../../server/src/git/result';
import { HELM_REPO } from '../support/helm';

const git = (cwd: string, ...args: string[]): string => execFileSync('git', args, { cwd, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });

function value<T>(result: GitResult<T>): T {
  if (!result.ok) throw new Error(result.error.message);
  return result.value;
}

describe('the files of a Helm chart environment', () => {
  test('committing dev takes its values file and the shared templates, and leaves prod’s and eu’s values alone', async () => {
    const root = mkdtempSync(join(tmpdir(), 'plumbline-helm-git-'));
    const remote = join(root, 'remote.git');
    const work = join(root, 'work');
    git(root, 'init', '-q', '--bare', '-b', 'main', remote);
    git(root, 'clone', '-q', remote, work);
    cpSync(HELM_REPO, work, { recursive: true });
    git(work, 'config', 'user.name', 'Dev Eloper');
    git(work, 'config', 'user.email', 'dev@example.com');
    git(work, 'add', '.');
    git(work, 'commit', '-q', '-m', 'initial');
    const { environments } = await discoverEnvironments(work);
    const env = (name: string): Environment => environments.find((e) => e.name === name)!;

    assert.deepEqual(value(await environmentFiles(work, env('dev'))), [
      'charts/shop/Chart.yaml',
      'charts/shop/charts/cache/Chart.yaml',
      'charts/shop/charts/cache/templates/configmap.yaml',
      // A subchart's own values files are part of the chart every environment renders.
      'charts/shop/charts/cache/values-dev.yaml',
      'charts/shop/charts/cache/values.yaml',
      'charts/shop/templates/_helpers.tpl',
      'charts/shop/templates/config.yaml',
      'charts/shop/templates/deployment.yaml',
      'charts/shop/templates/tests/test-connection.yaml',
      'charts/shop/values-dev.yaml',
      'charts/shop/values.yaml',
    ]);

    for (const file of ['charts/shop/values-dev.yaml', 'charts/shop/values-prod.yaml', 'charts/shop/templates/deployment.yaml', 'deploy/eu/values.yaml']) appendFileSync(join(work, file), '# edited\n');
    const pending = value(await pendingSummary(work, env('dev')));
    assert.deepEqual(pending.files.map((f) => f.path), ['charts/shop/templates/deployment.yaml', 'charts/shop/values-dev.yaml']);
    value(await commitEnvironment({ repoRoot: work, env: env('dev'), message: pending.message }));
    assert.deepEqual(git(work, 'show', '--name-only', '--format=', 'HEAD').trim().split('\n'), ['charts/shop/templates/deployment.yaml', 'charts/shop/values-dev.yaml']);
    assert.equal(git(work, 'status', '--porcelain'), ' M charts/shop/values-prod.yaml\n M deploy/eu/values.yaml\n');
    assert.deepEqual(value(await pendingSummary(work, env('prod'))).files.map((f) => f.path), ['charts/shop/values-prod.yaml']);
    assert.deepEqual(value(await pendingSummary(work, env('eu'))).files.map((f) => f.path), ['deploy/eu/values.yaml']);
    // staging renders with inline values from its HelmRelease: no values-<env>.yaml is its own.
    assert.deepEqual(value(await pendingSummary(work, env('staging'))).files, []);
  });
});

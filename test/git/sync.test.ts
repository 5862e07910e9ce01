// The Git half of commit-and-sync against real repositories: a bare repository on disk is the
// remote, clones are the user and a colleague, examples/ is the content.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { chmodSync, cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, unlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { discoverEnvironments } from '../../server/src/environments/discover';
import type { Environment } from '../../server/src/environments/model';
import { commitEnvironment, pendingSummary } from '../../server/src/git/commit';
import { environmentFiles } from '../../server/src/git/files';
import { branchState, pushEnvironment } from '../../server/src/git/push';
import { parseRemoteUrl, pullRequestLink } from '../../server/src/git/remoteUrl';
import type { GitResult } from '../../server/src/git/result';
import { EXAMPLES } from '../support/paths';

// Hermetic git: neither the machine's global nor its system configuration (hooks, signing,
// templates, default branch) reaches these repositories. simple-git's child processes inherit this.
const scratch = mkdtempSync(join(tmpdir(), 'plumbline-git-test-'));
writeFileSync(join(scratch, 'gitconfig'), '');
process.env['GIT_CONFIG_GLOBAL'] = join(scratch, 'gitconfig');
process.env['GIT_CONFIG_NOSYSTEM'] = '1';
for (const name of ['GIT_DIR', 'GIT_WORK_TREE', 'GIT_INDEX_FILE', 'GIT_OBJECT_DIRECTORY', 'GIT_AUTHOR_NAME', 'GIT_AUTHOR_EMAIL', 'GIT_COMMITTER_NAME', 'GIT_COMMITTER_EMAIL']) delete process.env[name];

function git(cwd: string, ...args: string[]): string {
  return execFileSync('git', args, { cwd, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
}

const DEV_REPLICAS = 'apps/shop/overlays/dev/replicas.yaml';
const STAGING_REPLICAS = 'apps/shop/overlays/staging/replicas.yaml';
const PROD_REPLICAS = 'apps/shop/overlays/prod/replicas.yaml';
const BASE_DEPLOYMENT = 'apps/shop/base/deployment.yaml';

let template = '';
let seed = '';
let cases = 0;

before(() => {
  // One seeded remote and one clone of it, copied per test (copying is much faster than cloning):
  // examples/ as the first commit on main.
  template = join(scratch, 'template.git');
  git(scratch, 'init', '-q', '--bare', '-b', 'main', template);
  seed = join(scratch, 'seed');
  git(scratch, 'clone', '-q', template, seed);
  configure(seed, 'Dev Eloper', 'dev@example.com');
  cpSync(EXAMPLES, seed, { recursive: true, filter: (source) => basename(source) !== '.vscode' });
  git(seed, 'add', '-A');
  git(seed, 'commit', '-q', '-m', 'initial');
  git(seed, 'push', '-q', '-u', 'origin', 'main');
});

after(() => rmSync(scratch, { recursive: true, force: true }));

function configure(repo: string, name: string, email: string): void {
  git(repo, 'config', 'user.name', name);
  git(repo, 'config', 'user.email', email);
}

interface Case {
  remote: string;
  work: string;
  envs: Record<'dev' | 'staging' | 'prod', Environment>;
  /** Another clone of the remote, as a colleague who pushes first. */
  colleague: () => string;
}

/** A clone of `remote` as it would come from `git clone`, made by copying the seed clone. */
function cloneOf(remote: string, dir: string, identity?: { name: string; email: string }): string {
  cpSync(seed, dir, { recursive: true });
  git(dir, 'remote', 'set-url', 'origin', remote);
  // The seed's own identity (user.name/email in its local config) is the user's.
  if (identity !== undefined) configure(dir, identity.name, identity.email);
  return dir;
}

async function setup(): Promise<Case> {
  const dir = join(scratch, `case-${++cases}`);
  mkdirSync(dir);
  const remote = join(dir, 'remote.git');
  cpSync(template, remote, { recursive: true });
  const work = cloneOf(remote, join(dir, 'work'));
  const { environments } = await discoverEnvironments(work);
  const byName = (name: string): Environment => {
    const env = environments.find((e) => e.name === name);
    assert.ok(env, `environment ${name} discovered in ${work}`);
    return env;
  };
  return {
    remote,
    work,
    envs: { dev: byName('dev'), staging: byName('staging'), prod: byName('prod') },
    colleague: () => cloneOf(remote, join(dir, `colleague-${++cases}`), { name: 'Colleague', email: 'colleague@example.com' }),
  };
}

function edit(repo: string, path: string, from: string, to: string): void {
  const file = join(repo, path);
  const text = readFileSync(file, 'utf8');
  assert.ok(text.includes(from), `${path} contains ${from}`);
  writeFileSync(file, text.replace(from, to));
}

function value<T>(result: GitResult<T>): T {
  if (!result.ok) assert.fail(`expected success, got ${result.error.kind}: ${result.error.message}`);
  return result.value;
}

function failure<T>(result: GitResult<T>): { kind: string; message: string } {
  if (result.ok) assert.fail(`expected a failure, got ${JSON.stringify(result.value)}`);
  return result.error;
}

const status = (repo: string): string => git(repo, 'status', '--porcelain=v1', '--untracked-files=all');
const filesOf = (repo: string, commit: string): string[] => git(repo, 'show', '--name-only', '--format=', commit).split('\n').filter(Boolean).sort();
const rev = (repo: string, ref: string): string => git(repo, 'rev-parse', ref).trim();
const subjects = (repo: string, ref: string): string[] => git(repo, 'log', '--format=%s', ref).split('\n').filter(Boolean);

/** What shows that a repository is not stuck mid-operation: no rebase state and no extra worktree. */
function assertNoRebase(repo: string): void {
  assert.equal(existsSync(join(repo, '.git', 'rebase-merge')), false, 'no rebase-merge in progress');
  assert.equal(existsSync(join(repo, '.git', 'rebase-apply')), false, 'no rebase-apply in progress');
  assert.equal(git(repo, 'worktree', 'list', '--porcelain').match(/^worktree /gm)?.length, 1, 'no temporary worktree left behind');
}

describe('environment files', () => {
  test('an overlay is its folder plus the base its kustomization references', async () => {
    const { work, envs } = await setup();
    const base = ['apps/shop/base/configmap.yaml', 'apps/shop/base/deployment.yaml', 'apps/shop/base/kustomization.yaml', 'apps/shop/base/service.yaml'];
    for (const name of ['dev', 'staging', 'prod'] as const) {
      const overlay = ['kustomization.yaml', 'namespace.yaml', 'replicas.yaml'].map((f) => `apps/shop/overlays/${name}/${f}`);
      assert.deepEqual(value(await environmentFiles(work, envs[name])), [...base, ...overlay]);
    }
  });

  test('components, patches and generator files are followed transitively; remote bases, ignored files and paths outside the root are not', async () => {
    const repo = join(scratch, `refs-${++cases}`);
    const files: Record<string, string> = {
      'app/overlays/dev/kustomization.yaml': [
        'resources:',
        '  - ../../base',
        '  - https://github.com/example/platform//deploy/crds?ref=v1.2.0',
        '  - github.com/example/other/deploy',
        '  - git@github.com:example/infra.git//monitoring',
        '  - ../../../../outside-the-repo',
        '  - extra.yaml',
        'components:',
        '  - ../../components/tls',
        'patches:',
        '  - path: ../../patches/limits.yaml',
        '  - patch: |-',
        '      - op: replace',
        '        path: /spec/replicas',
        '        value: 2',
        'configMapGenerator:',
        '  - name: settings',
        '    files: [app.conf=../../config/app.conf]',
        '    envs: [../../config/dev.env]',
      ].join('\n'),
      'app/overlays/dev/extra.yaml': 'kind: ConfigMap\n',
      'app/overlays/dev/local.dec.yaml': 'decrypted: secret\n',
      'app/overlays/staging/kustomization.yaml': 'resources: [../../base]\n',
      'app/base/kustomization.yaml': 'resources: [deployment.yaml, ../shared]\n',
      'app/base/deployment.yaml': 'kind: Deployment\n',
      'app/base/NOTES.md': 'not referenced\n',
      'app/shared/kustomization.yaml': 'resources: [service.yaml]\n',
      'app/shared/service.yaml': 'kind: Service\n',
      'app/components/tls/kustomization.yaml': 'apiVersion: kustomize.config.k8s.io/v1alpha1\nkind: Component\npatches: [{path: tls.yaml}]\n',
      'app/components/tls/tls.yaml': 'kind: Ingress\n',
      'app/patches/limits.yaml': 'kind: Deployment\n',
      'app/patches/unused.yaml': 'kind: Deployment\n',
      'app/config/app.conf': 'a=1\n',
      'app/config/dev.env': 'B=2\n',
      '.gitignore': '*.dec.yaml\n',
    };
    for (const [path, text] of Object.entries(files)) {
      mkdirSync(join(repo, path, '..'), { recursive: true });
      writeFileSync(join(repo, path), text);
    }
    git(scratch, 'init', '-q', '-b', 'main', repo);
    configure(repo, 'Dev Eloper', 'dev@example.com');
    git(repo, 'add', '-A');
    git(repo, 'commit', '-q', '-m', 'initial');
    writeFileSync(join(repo, 'app/overlays/dev/new-untracked.yaml'), 'kind: ConfigMap\n');
    const env: Environment = {
      name: 'dev',
      paths: ['app/overlays/dev'],
      renderer: { kind: 'kustomize' },
      target: { context: undefined, namespace: undefined },
      delivery: { kind: 'direct' },
      protected: false,
      foundBy: ['test'],
    };
    assert.deepEqual(value(await environmentFiles(repo, env)), [
      'app/base/deployment.yaml',
      'app/base/kustomization.yaml',
      'app/components/tls/kustomization.yaml',
      'app/components/tls/tls.yaml',
      'app/config/app.conf',
      'app/config/dev.env',
      'app/overlays/dev/extra.yaml',
      'app/overlays/dev/kustomization.yaml',
      'app/overlays/dev/new-untracked.yaml',
      'app/patches/limits.yaml',
      'app/shared/kustomization.yaml',
      'app/shared/service.yaml',
    ]);
    // The reference that leaves the repository is reported, not silently dropped.
    writeFileSync(join(repo, 'app/config/dev.env'), 'B=3\n');
    const pending = value(await pendingSummary(repo, env));
    assert.deepEqual(pending.outside, ['../outside-the-repo']);
    assert.deepEqual(
      pending.files.map((f) => `${f.change} ${f.path}`),
      ['modified app/config/dev.env', 'untracked app/overlays/dev/new-untracked.yaml'],
    );
  });
});

describe('commit', () => {
  test('only the environment is committed: other changes stay uncommitted, and what was staged stays staged', async () => {
    const { work, envs } = await setup();
    edit(work, DEV_REPLICAS, 'replicas: 1', 'replicas: 2');
    edit(work, STAGING_REPLICAS, 'replicas: 2', 'replicas: 3');
    edit(work, BASE_DEPLOYMENT, 'shop-web:1.4.2', 'shop-web:1.5.0');
    writeFileSync(join(work, 'apps/shop/overlays/dev/hpa.yaml'), 'apiVersion: autoscaling/v2\nkind: HorizontalPodAutoscaler\nmetadata:\n  name: shop-web\n');
    writeFileSync(join(work, 'README.md'), 'edited by hand\n');
    git(work, 'add', 'README.md');
    writeFileSync(join(work, 'notes.txt'), 'scratch\n');

    const pending = value(await pendingSummary(work, envs.dev));
    assert.deepEqual(pending.files, [
      { path: BASE_DEPLOYMENT, change: 'modified' },
      { path: 'apps/shop/overlays/dev/hpa.yaml', change: 'untracked' },
      { path: DEV_REPLICAS, change: 'modified' },
    ]);
    assert.equal(pending.message, `dev: update ${BASE_DEPLOYMENT}, apps/shop/overlays/dev/hpa.yaml, ${DEV_REPLICAS}`);

    const committed = value(await commitEnvironment({ repoRoot: work, env: envs.dev, message: pending.message }));
    assert.equal(committed.commit, rev(work, 'HEAD'));
    assert.equal(committed.shortCommit, git(work, 'rev-parse', '--short', 'HEAD').trim());
    assert.deepEqual(filesOf(work, 'HEAD'), [BASE_DEPLOYMENT, 'apps/shop/overlays/dev/hpa.yaml', DEV_REPLICAS]);
    assert.equal(git(work, 'log', '-1', '--format=%an <%ae>|%s').trim(), `Dev Eloper <dev@example.com>|${pending.message}`);
    // README is still staged (and only staged), staging's change and notes.txt untouched.
    assert.equal(status(work), ['M  README.md', ` M ${STAGING_REPLICAS}`, '?? notes.txt', ''].join('\n'));
    assert.equal(git(work, 'show', ':README.md'), 'edited by hand\n');
    // The base is committed now; staging has only its own file left.
    assert.deepEqual(value(await pendingSummary(work, envs.staging)).files, [{ path: STAGING_REPLICAS, change: 'modified' }]);
  });

  test('a change to the base is pending for every overlay that uses it, deletions included', async () => {
    const { work, envs } = await setup();
    edit(work, BASE_DEPLOYMENT, 'memory: 256Mi', 'memory: 512Mi');
    // The ConfigMap goes away together with its line in the base kustomization.
    unlinkSync(join(work, 'apps/shop/base/configmap.yaml'));
    edit(work, 'apps/shop/base/kustomization.yaml', '  - configmap.yaml\n', '');
    for (const name of ['dev', 'staging', 'prod'] as const) {
      const pending = value(await pendingSummary(work, envs[name]));
      assert.deepEqual(
        pending.files.map((f) => `${f.change} ${f.path}`),
        ['deleted apps/shop/base/configmap.yaml', `modified ${BASE_DEPLOYMENT}`, 'modified apps/shop/base/kustomization.yaml'],
        name,
      );
    }
    const committed = value(await commitEnvironment({ repoRoot: work, env: envs.staging, message: 'staging: new memory limit' }));
    assert.equal(git(work, 'show', '--name-status', '--format=', committed.commit).trim(), ['D\tapps/shop/base/configmap.yaml', `M\t${BASE_DEPLOYMENT}`, 'M\tapps/shop/base/kustomization.yaml'].join('\n'));
    assert.equal(status(work), '');
  });

  test('nothing to commit is a clear answer and changes nothing', async () => {
    const { work, envs } = await setup();
    writeFileSync(join(work, 'README.md'), 'unrelated\n');
    const head = rev(work, 'HEAD');
    const pending = value(await pendingSummary(work, envs.dev));
    assert.deepEqual(pending, { files: [], message: '', outside: [] });
    const error = failure(await commitEnvironment({ repoRoot: work, env: envs.dev, message: 'dev: update' }));
    assert.equal(error.kind, 'nothing-to-commit');
    assert.equal(error.message, 'nothing to commit for dev: no changed files under apps/shop/overlays/dev or what it references');
    assert.equal(rev(work, 'HEAD'), head);
    assert.equal(status(work), ' M README.md\n');
  });

  test('a failing pre-commit hook: its output is the message, nothing is committed, the index is as it was', async () => {
    const { work, envs } = await setup();
    const hook = join(work, '.git', 'hooks', 'pre-commit');
    writeFileSync(hook, '#!/bin/sh\necho "policy: replicas must be at least 2 in apps/shop/overlays/dev"\necho "see CONTRIBUTING.md" >&2\nexit 1\n');
    chmodSync(hook, 0o755);
    edit(work, DEV_REPLICAS, 'replicas: 1', 'replicas: 0');
    writeFileSync(join(work, 'apps/shop/overlays/dev/hpa.yaml'), 'kind: HorizontalPodAutoscaler\n');
    writeFileSync(join(work, 'README.md'), 'staged by the user\n');
    git(work, 'add', 'README.md');
    edit(work, 'apps/shop/overlays/dev/namespace.yaml', 'shop-dev', 'shop-development');
    git(work, 'add', 'apps/shop/overlays/dev/namespace.yaml'); // staged, then changed again
    edit(work, 'apps/shop/overlays/dev/namespace.yaml', 'shop-development', 'shop-dev-2');
    const head = rev(work, 'HEAD');
    const before = { status: status(work), index: git(work, 'ls-files', '--stage'), staged: git(work, 'diff', '--cached'), unstaged: git(work, 'diff') };

    const error = failure(await commitEnvironment({ repoRoot: work, env: envs.dev, message: 'dev: scale to zero' }));
    assert.equal(error.kind, 'hook-failed');
    assert.match(error.message, /^the pre-commit hook rejected the commit; nothing was committed and your changes are as they were:\n/);
    assert.match(error.message, /policy: replicas must be at least 2 in apps\/shop\/overlays\/dev/);
    assert.match(error.message, /see CONTRIBUTING\.md/);

    assert.equal(rev(work, 'HEAD'), head);
    assert.deepEqual({ status: status(work), index: git(work, 'ls-files', '--stage'), staged: git(work, 'diff', '--cached'), unstaged: git(work, 'diff') }, before);
    assert.match(readFileSync(join(work, DEV_REPLICAS), 'utf8'), /replicas: 0/);
    assert.equal(readFileSync(join(work, 'apps/shop/overlays/dev/hpa.yaml'), 'utf8'), 'kind: HorizontalPodAutoscaler\n');

    // Once the hook is satisfied, the same call commits: the hook did run on our commit.
    writeFileSync(hook, '#!/bin/sh\nexit 0\n');
    const committed = value(await commitEnvironment({ repoRoot: work, env: envs.dev, message: 'dev: scale to zero' }));
    assert.deepEqual(filesOf(work, committed.commit), ['apps/shop/overlays/dev/hpa.yaml', 'apps/shop/overlays/dev/namespace.yaml', DEV_REPLICAS]);
    assert.equal(git(work, 'show', `${committed.commit}:apps/shop/overlays/dev/namespace.yaml`).includes('shop-dev-2'), true, 'the working-tree content is committed');
    assert.equal(status(work), 'M  README.md\n');
  });

  test('the workspace folder may be a subfolder of the repository', async () => {
    const repo = join(scratch, `mono-${++cases}`);
    cpSync(EXAMPLES, join(repo, 'gitops'), { recursive: true, filter: (source) => basename(source) !== '.vscode' });
    writeFileSync(join(repo, 'README.md'), 'monorepo\n');
    git(scratch, 'init', '-q', '-b', 'main', repo);
    configure(repo, 'Dev Eloper', 'dev@example.com');
    git(repo, 'add', '-A');
    git(repo, 'commit', '-q', '-m', 'initial');
    const root = join(repo, 'gitops');
    const dev = (await discoverEnvironments(root)).environments.find((e) => e.name === 'dev');
    assert.ok(dev);
    edit(root, DEV_REPLICAS, 'replicas: 1', 'replicas: 2');
    writeFileSync(join(repo, 'README.md'), 'changed outside the workspace folder\n');
    assert.equal(value(await pendingSummary(root, dev)).message, `dev: update ${DEV_REPLICAS}`);
    const committed = value(await commitEnvironment({ repoRoot: root, env: dev, message: 'dev: two replicas' }));
    assert.deepEqual(filesOf(repo, committed.commit), [`gitops/${DEV_REPLICAS}`]);
    assert.equal(status(repo), ' M README.md\n');
    assert.deepEqual(value(await branchState(root)), { branch: 'main', upstream: undefined, ahead: 0, behind: 0, uncommitted: 0, operation: undefined });
  });

  test("the user's signing configuration is honored", async () => {
    const { work, envs } = await setup();
    // A stand-in for gpg that speaks git's protocol: status on fd 2, the signature on stdout.
    const gpg = join(work, '..', 'fake-gpg');
    writeFileSync(gpg, "#!/bin/sh\ncat >/dev/null\nprintf '\\n[GNUPG:] SIG_CREATED D 1 8 00 1700000000 FAKE\\n' >&2\nprintf -- '-----BEGIN PGP SIGNATURE-----\\n\\nZmFrZQ==\\n-----END PGP SIGNATURE-----\\n'\n");
    chmodSync(gpg, 0o755);
    git(work, 'config', 'commit.gpgSign', 'true');
    git(work, 'config', 'gpg.program', gpg);
    git(work, 'config', 'user.signingKey', 'FAKE');
    edit(work, DEV_REPLICAS, 'replicas: 1', 'replicas: 2');
    const committed = value(await commitEnvironment({ repoRoot: work, env: envs.dev, message: 'dev: two replicas' }));
    assert.match(git(work, 'cat-file', 'commit', committed.commit), /^gpgsig -----BEGIN PGP SIGNATURE-----$/m);
  });
});

describe('push', () => {
  test('accepted: the remote branch advances to the commit, which holds only the environment', async () => {
    const { remote, work, envs } = await setup();
    edit(work, DEV_REPLICAS, 'replicas: 1', 'replicas: 2');
    writeFileSync(join(work, 'README.md'), 'not part of dev\n');
    assert.deepEqual(value(await branchState(work)), { branch: 'main', upstream: 'origin/main', ahead: 0, behind: 0, uncommitted: 2, operation: undefined });
    const committed = value(await commitEnvironment({ repoRoot: work, env: envs.dev, message: value(await pendingSummary(work, envs.dev)).message }));
    assert.deepEqual(value(await branchState(work)), { branch: 'main', upstream: 'origin/main', ahead: 1, behind: 0, uncommitted: 1, operation: undefined });

    const pushed = value(await pushEnvironment({ repoRoot: work, env: envs.dev, commit: committed.commit }));
    assert.deepEqual(pushed, { kind: 'pushed', remote: 'origin', branch: 'main', remoteBranch: 'main', head: committed.commit, rebased: false, message: 'pushed main to origin/main' });
    assert.equal(rev(remote, 'refs/heads/main'), committed.commit);
    assert.deepEqual(filesOf(remote, 'refs/heads/main'), [DEV_REPLICAS]);
    assert.equal(git(remote, 'log', '-1', '--format=%s', 'main').trim(), `dev: update ${DEV_REPLICAS}`);
    assert.deepEqual(value(await branchState(work)), { branch: 'main', upstream: 'origin/main', ahead: 0, behind: 0, uncommitted: 1, operation: undefined });
    assert.equal(status(work), ' M README.md\n');
  });

  test('the remote moved: rebase onto it and push; uncommitted work, staged or not, is untouched', async () => {
    const { remote, work, envs, colleague } = await setup();
    const other = colleague();
    writeFileSync(join(other, 'README.md'), 'the colleague was here\n');
    git(other, 'commit', '-q', '-am', 'docs: readme');
    git(other, 'push', '-q', 'origin', 'main');
    const theirs = rev(other, 'HEAD');

    edit(work, DEV_REPLICAS, 'replicas: 1', 'replicas: 2');
    const committed = value(await commitEnvironment({ repoRoot: work, env: envs.dev, message: 'dev: two replicas' }));
    edit(work, 'apps/shop/overlays/staging/namespace.yaml', 'shop-staging', 'shop-stage');
    git(work, 'add', 'apps/shop/overlays/staging/namespace.yaml');
    edit(work, STAGING_REPLICAS, 'replicas: 2', 'replicas: 5');
    writeFileSync(join(work, 'notes.txt'), 'scratch\n');
    const before = status(work);

    const pushed = value(await pushEnvironment({ repoRoot: work, env: envs.dev, commit: committed.commit }));
    assert.equal(pushed.kind, 'pushed');
    assert.equal(pushed.kind === 'pushed' && pushed.rebased, true);
    assert.equal(pushed.message, "pushed main to origin/main (after rebasing onto the remote's new commits)");
    // Both commits are on the remote, ours on top of theirs, and the local branch is that history.
    assert.deepEqual(subjects(remote, 'main'), ['dev: two replicas', 'docs: readme', 'initial']);
    assert.equal(rev(remote, 'main^'), theirs);
    assert.equal(rev(remote, 'main'), pushed.head);
    assert.equal(rev(work, 'HEAD'), pushed.head);
    assert.deepEqual(filesOf(remote, 'main'), [DEV_REPLICAS]);
    assert.equal(readFileSync(join(work, 'README.md'), 'utf8'), 'the colleague was here\n');
    assert.equal(status(work), before);
    assert.equal(git(work, 'diff', '--cached', '--name-only'), 'apps/shop/overlays/staging/namespace.yaml\n');
    assertNoRebase(work);
  });

  test('a conflicting remote change: stop with a clear message, keep the local commit and the working tree', async () => {
    const { remote, work, envs, colleague } = await setup();
    const other = colleague();
    edit(other, DEV_REPLICAS, 'replicas: 1', 'replicas: 4');
    git(other, 'commit', '-q', '-am', 'dev: four replicas');
    git(other, 'push', '-q', 'origin', 'main');
    const theirs = rev(other, 'HEAD');

    edit(work, DEV_REPLICAS, 'replicas: 1', 'replicas: 2');
    const committed = value(await commitEnvironment({ repoRoot: work, env: envs.dev, message: 'dev: two replicas' }));
    writeFileSync(join(work, 'README.md'), 'local edit\n');
    const before = status(work);

    const error = failure(await pushEnvironment({ repoRoot: work, env: envs.dev, commit: committed.commit }));
    assert.equal(error.kind, 'conflict');
    assert.equal(error.message, `the remote has conflicting changes in ${DEV_REPLICAS}; your commit ${committed.shortCommit} is kept locally; pull and resolve, then sync again`);
    assert.equal(rev(work, 'HEAD'), committed.commit);
    assert.match(readFileSync(join(work, DEV_REPLICAS), 'utf8'), /replicas: 2/);
    assert.equal(status(work), before);
    assertNoRebase(work);
    assert.equal(rev(remote, 'main'), theirs);
  });

  test('the remote changed a file with uncommitted local changes: nothing moves, and the message names the file', async () => {
    const { remote, work, envs, colleague } = await setup();
    const other = colleague();
    writeFileSync(join(other, 'README.md'), 'theirs\n');
    git(other, 'commit', '-q', '-am', 'docs: readme');
    git(other, 'push', '-q', 'origin', 'main');

    edit(work, DEV_REPLICAS, 'replicas: 1', 'replicas: 2');
    const committed = value(await commitEnvironment({ repoRoot: work, env: envs.dev, message: 'dev: two replicas' }));
    writeFileSync(join(work, 'README.md'), 'mine, not committed\n');

    const error = failure(await pushEnvironment({ repoRoot: work, env: envs.dev, commit: committed.commit }));
    assert.equal(error.kind, 'local-changes');
    assert.equal(error.message, `the remote changed README.md that you have uncommitted changes in; your commit ${committed.shortCommit} is kept locally; commit or stash those changes, then sync again`);
    assert.equal(rev(work, 'HEAD'), committed.commit);
    assert.equal(readFileSync(join(work, 'README.md'), 'utf8'), 'mine, not committed\n');
    assert.deepEqual(subjects(remote, 'main'), ['docs: readme', 'initial']);
    assertNoRebase(work);
  });

  test('a branch without an upstream is a clear answer', async () => {
    const { work, envs } = await setup();
    git(work, 'switch', '-q', '-c', 'experiment');
    edit(work, DEV_REPLICAS, 'replicas: 1', 'replicas: 2');
    const committed = value(await commitEnvironment({ repoRoot: work, env: envs.dev, message: 'dev: two replicas' }));
    const error = failure(await pushEnvironment({ repoRoot: work, env: envs.dev, commit: committed.commit }));
    assert.deepEqual(error, { kind: 'no-upstream', message: 'experiment has no upstream branch: push it once with `git push -u origin experiment`, then sync again' });
  });

  test('a protected environment goes to a new branch with its upstream set, and the local branch steps back', async () => {
    const { remote, work, envs } = await setup();
    assert.equal(envs.prod.protected, true);
    const start = rev(work, 'HEAD');
    edit(work, PROD_REPLICAS, 'replicas: 3', 'replicas: 6');
    writeFileSync(join(work, 'README.md'), 'staged by the user\n');
    git(work, 'add', 'README.md');
    const committed = value(await commitEnvironment({ repoRoot: work, env: envs.prod, message: 'prod: six replicas' }));

    const pushed = value(await pushEnvironment({ repoRoot: work, env: envs.prod, commit: committed.commit, now: new Date(Date.UTC(2025, 0, 2, 3, 4, 5)) }));
    const branch = 'plumbline/prod-20250102-030405';
    assert.deepEqual(pushed, {
      kind: 'pull-request',
      remote: 'origin',
      branch,
      base: 'main',
      head: committed.commit,
      host: 'local',
      url: undefined,
      note: `the remote is a local path (${remote}), which has no pull-request page: merge ${branch} into main there`,
      movedBack: true,
      message: `prod is protected: pushed ${branch} to origin; open a pull request on your Git host; the remote is a local path (${remote}), which has no pull-request page: merge ${branch} into main there; main is back where it was; the change stays staged until the pull request is merged`,
    });
    assert.equal(rev(remote, `refs/heads/${branch}`), committed.commit);
    assert.deepEqual(filesOf(remote, `refs/heads/${branch}`), [PROD_REPLICAS]);
    assert.equal(rev(remote, 'refs/heads/main'), start, 'main on the remote is untouched');
    assert.equal(git(work, 'config', `branch.${branch}.merge`).trim(), `refs/heads/${branch}`);
    assert.equal(git(work, 'config', `branch.${branch}.remote`).trim(), 'origin');
    // Local main no longer carries the commit; the change and the user's staged README are staged.
    assert.equal(rev(work, 'main'), start);
    assert.equal(status(work), `M  README.md\nM  ${PROD_REPLICAS}\n`);
    assert.deepEqual(value(await branchState(work)), { branch: 'main', upstream: 'origin/main', ahead: 0, behind: 0, uncommitted: 2, operation: undefined });

    // A second request in the same second gets its own branch.
    const again = value(await commitEnvironment({ repoRoot: work, env: envs.prod, message: 'prod: six replicas' }));
    const second = value(await pushEnvironment({ repoRoot: work, env: envs.prod, commit: again.commit, now: new Date(Date.UTC(2025, 0, 2, 3, 4, 5)) }));
    assert.equal(second.branch, `${branch}-2`);
    assert.equal(rev(remote, `refs/heads/${branch}-2`), again.commit);
  });
});

describe('pull-request links', () => {
  const cases: [string, string][] = [
    // GitHub
    ['git@github.com:acme/gitops.git', 'https://github.com/acme/gitops/compare/main...plumbline/prod-20250102-030405?expand=1'],
    ['ssh://git@github.com/acme/gitops.git', 'https://github.com/acme/gitops/compare/main...plumbline/prod-20250102-030405?expand=1'],
    ['https://github.com/acme/gitops.git', 'https://github.com/acme/gitops/compare/main...plumbline/prod-20250102-030405?expand=1'],
    ['https://x-access-token:secret@github.com/acme/gitops', 'https://github.com/acme/gitops/compare/main...plumbline/prod-20250102-030405?expand=1'],
    // GitLab, with subgroups and an ssh port that is not the web port
    ['git@gitlab.com:acme/platform/gitops.git', 'https://gitlab.com/acme/platform/gitops/-/merge_requests/new?merge_request[source_branch]=plumbline%2Fprod-20250102-030405&merge_request[target_branch]=main'],
    ['ssh://git@gitlab.example.com:2222/acme/gitops.git', 'https://gitlab.example.com/acme/gitops/-/merge_requests/new?merge_request[source_branch]=plumbline%2Fprod-20250102-030405&merge_request[target_branch]=main'],
    ['https://gitlab.com/acme/platform/gitops.git', 'https://gitlab.com/acme/platform/gitops/-/merge_requests/new?merge_request[source_branch]=plumbline%2Fprod-20250102-030405&merge_request[target_branch]=main'],
    // Bitbucket
    ['git@bitbucket.org:acme/gitops.git', 'https://bitbucket.org/acme/gitops/pull-requests/new?source=plumbline%2Fprod-20250102-030405&dest=main'],
    ['ssh://git@bitbucket.org/acme/gitops.git', 'https://bitbucket.org/acme/gitops/pull-requests/new?source=plumbline%2Fprod-20250102-030405&dest=main'],
    ['https://dev@bitbucket.org/acme/gitops.git', 'https://bitbucket.org/acme/gitops/pull-requests/new?source=plumbline%2Fprod-20250102-030405&dest=main'],
    // Gitea / Forgejo, with an http(s) port kept
    ['git@gitea.example.com:acme/gitops.git', 'https://gitea.example.com/acme/gitops/compare/main...plumbline/prod-20250102-030405'],
    ['ssh://git@codeberg.org/acme/gitops.git', 'https://codeberg.org/acme/gitops/compare/main...plumbline/prod-20250102-030405'],
    ['http://gitea.internal:3000/acme/gitops.git', 'http://gitea.internal:3000/acme/gitops/compare/main...plumbline/prod-20250102-030405'],
  ];
  for (const [remote, url] of cases) {
    test(remote, () => {
      const link = pullRequestLink(remote, 'main', 'plumbline/prod-20250102-030405');
      assert.equal(link.url, url);
      assert.equal(link.note, undefined);
    });
  }

  test('an unknown host gets the Gitea pattern and a note saying so', () => {
    assert.deepEqual(pullRequestLink('git@git.example.com:platform/gitops.git', 'main', 'plumbline/prod-1'), {
      host: 'unknown',
      url: 'https://git.example.com/platform/gitops/compare/main...plumbline/prod-1',
      note: "git.example.com is not a known Git host; the link follows Gitea's pattern and may not open a pull request there",
    });
  });

  test('a local path remote has no link, and says so', () => {
    for (const remote of ['/srv/git/gitops.git', '../gitops.git', 'file:///srv/git/gitops.git', 'C:\\repos\\gitops.git']) {
      const link = pullRequestLink(remote, 'main', 'plumbline/prod-1');
      assert.equal(link.host, 'local', remote);
      assert.equal(link.url, undefined, remote);
      assert.match(link.note ?? '', /^the remote is a local path \(.+\), which has no pull-request page: merge plumbline\/prod-1 into main there$/, remote);
    }
    assert.deepEqual(parseRemoteUrl('file:///srv/git/gitops.git'), { kind: 'local', path: '/srv/git/gitops.git' });
  });
});

// Issue 10 items 2, 6 and 7, each built as the attack against real repositories with a bare
// repository on disk as the remote: a repository's config that runs commands on read-only git,
// a protected environment's change that tries to reach main without review, and a rebase that
// would replace a file the user keeps on disk.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { chmodSync, cpSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { discoverEnvironments } from '../../server/src/environments/discover';
import type { Environment } from '../../server/src/environments/model';
import { DEFAULT_RENDER_OPTIONS } from '../../server/src/environments/render';
import { syncEnvironment } from '../../server/src/delivery/sync';
import { commitEnvironment, pendingSummary } from '../../server/src/git/commit';
import { environmentBranchStates } from '../../server/src/git/environmentBranch';
import { environmentFiles } from '../../server/src/git/files';
import { branchState, pushEnvironment } from '../../server/src/git/push';
import type { GitResult } from '../../server/src/git/result';
import { exportHead } from '../../server/src/preview/headTree';
import { EXAMPLES } from '../support/paths';

// Hermetic git, as in sync.test.ts: the machine's configuration does not reach these repositories.
const scratch = mkdtempSync(join(tmpdir(), 'plumbline-git-security-'));
writeFileSync(join(scratch, 'gitconfig'), '');
process.env['GIT_CONFIG_GLOBAL'] = join(scratch, 'gitconfig');
process.env['GIT_CONFIG_NOSYSTEM'] = '1';
for (const name of ['GIT_DIR', 'GIT_WORK_TREE', 'GIT_INDEX_FILE', 'GIT_OBJECT_DIRECTORY', 'GIT_AUTHOR_NAME', 'GIT_AUTHOR_EMAIL', 'GIT_COMMITTER_NAME', 'GIT_COMMITTER_EMAIL']) delete process.env[name];

function git(cwd: string, ...args: string[]): string {
  return execFileSync('git', args, { cwd, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
}

const DEV_REPLICAS = 'apps/shop/overlays/dev/replicas.yaml';
const PROD_REPLICAS = 'apps/shop/overlays/prod/replicas.yaml';

let template = '';
let seed = '';
let cases = 0;

before(() => {
  template = join(scratch, 'template.git');
  git(scratch, 'init', '-q', '--bare', '-b', 'main', template);
  seed = join(scratch, 'seed');
  git(scratch, 'clone', '-q', template, seed);
  git(seed, 'config', 'user.name', 'Dev Eloper');
  git(seed, 'config', 'user.email', 'dev@example.com');
  cpSync(EXAMPLES, seed, { recursive: true, filter: (source) => basename(source) !== '.vscode' });
  git(seed, 'add', '-A');
  git(seed, 'commit', '-q', '-m', 'initial');
  git(seed, 'push', '-q', '-u', 'origin', 'main');
});

after(() => rmSync(scratch, { recursive: true, force: true }));

interface Case {
  dir: string;
  remote: string;
  work: string;
  envs: Record<'dev' | 'staging' | 'prod', Environment>;
  colleague: () => string;
}

function cloneOf(remote: string, dir: string): string {
  cpSync(seed, dir, { recursive: true });
  git(dir, 'remote', 'set-url', 'origin', remote);
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
    dir,
    remote,
    work,
    envs: { dev: byName('dev'), staging: byName('staging'), prod: byName('prod') },
    colleague: () => {
      const other = cloneOf(remote, join(dir, `colleague-${++cases}`));
      git(other, 'config', 'user.name', 'Colleague');
      git(other, 'config', 'user.email', 'colleague@example.com');
      return other;
    },
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

const rev = (repo: string, ref: string): string => git(repo, 'rev-parse', ref).trim();
const short = (repo: string, ref: string): string => git(repo, 'rev-parse', '--short', ref).trim();
const filesOf = (repo: string, commit: string): string[] => git(repo, 'show', '--name-only', '--format=', commit).split('\n').filter(Boolean).sort();
/** Every file any commit in `range` touched. */
const everTouched = (repo: string, range: string): string[] => [...new Set(git(repo, 'log', '--name-only', '--format=', range).split('\n').filter(Boolean))].sort();

const NO_CLUSTER = { kubeconfigPath: join(scratch, 'no-kubeconfig') };
const syncOf = (root: string, env: Environment, message: string): ReturnType<typeof syncEnvironment> =>
  syncEnvironment({ root, env, message, cluster: NO_CLUSTER, render: DEFAULT_RENDER_OPTIONS, progress: () => undefined });

describe('security: read-only git in a trusted workspace', () => {
  test("a repository's fsmonitor, hooks, external diff and textconv do not run for branch state, pending files or a HEAD export", async () => {
    const { dir, work, envs } = await setup();
    const markers = join(dir, 'markers');
    mkdirSync(markers);
    const script = (name: string): string => {
      const file = join(dir, `${name}.sh`);
      writeFileSync(file, `#!/bin/sh\ntouch '${join(markers, name)}'\nexit 1\n`);
      chmodSync(file, 0o755);
      return file;
    };
    const hooks = join(dir, 'hooks');
    mkdirSync(hooks);
    for (const hook of ['post-index-change', 'reference-transaction', 'post-checkout', 'pre-auto-gc']) {
      writeFileSync(join(hooks, hook), `#!/bin/sh\ntouch '${join(markers, `hook-${hook}`)}'\n`);
      chmodSync(join(hooks, hook), 0o755);
    }
    writeFileSync(join(work, '.gitattributes'), '*.yaml diff=evil\n');
    git(work, 'add', '.gitattributes');
    git(work, 'commit', '-q', '-m', 'attributes');
    git(work, 'config', 'core.fsmonitor', script('fsmonitor'));
    git(work, 'config', 'core.hooksPath', hooks);
    git(work, 'config', 'diff.external', script('diff-external'));
    git(work, 'config', 'diff.evil.textconv', script('textconv'));
    edit(work, DEV_REPLICAS, 'replicas: 1', 'replicas: 2');

    assert.equal(value(await branchState(work)).uncommitted, 1);
    assert.deepEqual(value(await pendingSummary(work, envs.dev)).files, [{ path: DEV_REPLICAS, change: 'modified' }]);
    assert.equal(value(await environmentBranchStates(work, [envs.dev, envs.prod])).get('dev')?.files.length, 1);
    assert.ok(value(await environmentFiles(work, envs.dev)).includes(DEV_REPLICAS));
    const head = await exportHead(work);
    assert.ok(head.ok, head.ok ? '' : head.message);
    await head.dispose();

    assert.deepEqual(readdirSync(markers), [], 'read-only git ran a command the repository configured');
  });
});

describe('security: a protected environment never reaches main without review', () => {
  test('the review push is refused, then Commit and Sync of dev: the remote main gets dev only, and the user is told where prod went', async () => {
    const { remote, work, envs } = await setup();
    assert.equal(envs.prod.protected, true);
    // The remote refuses every branch but main (a host that lets this user push nothing else).
    const hook = join(remote, 'hooks', 'pre-receive');
    writeFileSync(hook, '#!/bin/sh\nwhile read old new ref; do\n  if [ "$ref" != refs/heads/main ]; then echo "only main may be pushed here"; exit 1; fi\ndone\n');
    chmodSync(hook, 0o755);
    const start = rev(remote, 'refs/heads/main');

    edit(work, PROD_REPLICAS, 'replicas: 3', 'replicas: 9');
    const prod = await syncOf(work, envs.prod, 'prod: nine replicas');
    assert.equal(prod.ok, false);
    assert.equal(prod.steps[0]?.step, 'commit');
    const prodCommit = /^committed ([0-9a-f]+) /.exec(prod.steps[0]?.message ?? '')?.[1];
    assert.ok(prodCommit, prod.steps[0]?.message);
    const push = prod.steps[1];
    assert.equal(push?.step, 'push');
    assert.equal(push?.ok, false);
    assert.match(push?.message ?? '', /^the remote refused the new branch (plumbline\/prod-\d{8}-\d{6}): .*; your commit [0-9a-f]+ is kept on the local branch \1, and main is back where it was; push that branch for review once the remote accepts it$/);
    assert.match(push?.message ?? '', /; the remote said: only main may be pushed here;/, "the remote's own reason reaches the user");
    // The protected change is no longer on main; it waits on the local review branch.
    assert.equal(rev(work, 'main'), start);
    const reviewBranch = /kept on the local branch (\S+),/.exec(push?.message ?? '')?.[1] ?? '';
    assert.equal(short(work, reviewBranch), prodCommit);
    assert.deepEqual(filesOf(work, reviewBranch), [PROD_REPLICAS]);

    edit(work, DEV_REPLICAS, 'replicas: 1', 'replicas: 2');
    const dev = await syncOf(work, envs.dev, 'dev: two replicas');
    assert.equal(dev.steps[1]?.step, 'push');
    assert.equal(dev.steps[1]?.ok, true, dev.steps[1]?.message);

    assert.deepEqual(filesOf(remote, 'refs/heads/main'), [DEV_REPLICAS]);
    assert.equal(everTouched(remote, `${start}..refs/heads/main`).includes(PROD_REPLICAS), false, "the protected change reached the remote's main");
    assert.match(git(remote, 'show', `refs/heads/main:${PROD_REPLICAS}`), /replicas: 3/);
  });

  test('a protected commit on main that is not on the remote: pushing main is refused, naming the commit and the environment', async () => {
    const { remote, work, envs } = await setup();
    const start = rev(remote, 'refs/heads/main');
    // The way it gets there without Plumbline's review push: the user commits prod on main themselves.
    edit(work, PROD_REPLICAS, 'replicas: 3', 'replicas: 9');
    git(work, 'commit', '-q', '-am', 'prod: nine replicas');
    const prodCommit = short(work, 'HEAD');

    edit(work, DEV_REPLICAS, 'replicas: 1', 'replicas: 2');
    const committed = value(await commitEnvironment({ repoRoot: work, env: envs.dev, message: 'dev: two replicas' }));
    const refused = failure(await pushEnvironment({ repoRoot: work, env: envs.dev, commit: committed.commit, protectedEnvironments: [envs.prod] }));
    assert.deepEqual(refused, {
      kind: 'protected',
      message: `main holds ${prodCommit} "prod: nine replicas", which changes the protected environment prod (${PROD_REPLICAS}) and is not on origin/main; pushing main would skip its review. Nothing was pushed; your commit ${committed.shortCommit} is kept locally. Put ${prodCommit} on a review branch (\`git branch <name> ${prodCommit}\`, push it and open a pull request) and take it off main (\`git rebase --onto ${prodCommit}^ ${prodCommit} main\`), then sync again`,
    });
    assert.equal(rev(remote, 'refs/heads/main'), start, "the remote's main is unchanged");

    // Through Commit and Sync the same refusal reaches the user as the push step's message.
    edit(work, 'apps/shop/overlays/staging/replicas.yaml', 'replicas: 2', 'replicas: 4');
    const staging = await syncOf(work, envs.staging, 'staging: four replicas');
    assert.equal(staging.ok, false);
    assert.equal(staging.steps[1]?.ok, false);
    assert.match(staging.steps[1]?.message ?? '', new RegExp(`^main holds ${prodCommit} "prod: nine replicas", which changes the protected environment prod`));
    assert.equal(rev(remote, 'refs/heads/main'), start, "the remote's main is unchanged");
  });
});

describe('security: the automatic rebase never overwrites what the user has on disk', () => {
  test('an ignored local-secret.env that the remote now tracks: stop naming it, its contents intact, the commit kept', async () => {
    const { remote, work, envs, colleague } = await setup();
    const other = colleague();
    writeFileSync(join(other, 'apps/shop/overlays/dev/local-secret.env'), 'PASSWORD=committed-by-someone-else\n');
    git(other, 'add', 'apps/shop/overlays/dev/local-secret.env');
    git(other, 'commit', '-q', '-m', 'dev: a shared env file');
    git(other, 'push', '-q', 'origin', 'main');
    const theirs = rev(remote, 'refs/heads/main');

    // Ignored here (only for this clone), and holding the user's own secret.
    writeFileSync(join(work, '.git', 'info', 'exclude'), 'local-secret.env\n');
    const secret = join(work, 'apps/shop/overlays/dev/local-secret.env');
    writeFileSync(secret, 'PASSWORD=mine-and-only-mine\n');
    edit(work, DEV_REPLICAS, 'replicas: 1', 'replicas: 2');
    const committed = value(await commitEnvironment({ repoRoot: work, env: envs.dev, message: 'dev: two replicas' }));

    const error = failure(await pushEnvironment({ repoRoot: work, env: envs.dev, commit: committed.commit }));
    assert.deepEqual(error, {
      kind: 'local-changes',
      message: `the remote added apps/shop/overlays/dev/local-secret.env, which you have on disk and Git does not track here (ignored or untracked); rebasing would overwrite it. Your commit ${committed.shortCommit} is kept locally; move the file aside (or commit it), then sync again`,
    });
    assert.equal(readFileSync(secret, 'utf8'), 'PASSWORD=mine-and-only-mine\n');
    assert.equal(rev(work, 'HEAD'), committed.commit);
    assert.equal(rev(remote, 'refs/heads/main'), theirs, 'nothing was pushed');
    assert.equal(git(work, 'worktree', 'list', '--porcelain').match(/^worktree /gm)?.length, 1, 'no temporary worktree left behind');
    assert.equal(existsSync(join(work, '.git', 'rebase-merge')), false);
  });
});

describe('security: values from the repository never start a git option', () => {
  test('an upstream remote named like an option is refused before git push sees it', async () => {
    const { dir, remote, work, envs } = await setup();
    const marker = join(dir, 'receive-pack-ran');
    const start = rev(remote, 'refs/heads/main');
    git(work, 'config', 'branch.main.remote', `--receive-pack=touch '${marker}'; git-receive-pack`);
    edit(work, DEV_REPLICAS, 'replicas: 1', 'replicas: 2');
    const committed = value(await commitEnvironment({ repoRoot: work, env: envs.dev, message: 'dev: two replicas' }));
    const error = failure(await pushEnvironment({ repoRoot: work, env: envs.dev, commit: committed.commit }));
    assert.equal(error.kind, 'invalid');
    assert.match(error.message, /^the upstream of main \(branch\.main\.remote = --receive-pack=.*\) looks like a git option; fix it with `git branch --set-upstream-to`$/);
    assert.equal(existsSync(marker), false, 'git ran the command the option named');
    assert.equal(rev(remote, 'refs/heads/main'), start);
    assert.deepEqual(failure(await pushEnvironment({ repoRoot: work, env: envs.dev, commit: '--output=x' })), { kind: 'invalid', message: '--output=x is not a commit in this repository' });
  });
});

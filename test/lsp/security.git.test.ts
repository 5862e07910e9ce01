// The attack of issue 10 item 2 through the real language server: a repository whose own
// .git/config runs commands (core.fsmonitor, core.hooksPath, diff.external, a filter driver)
// as soon as anyone runs git in it. Untrusted, the server runs no git at all and the tree says
// why there is no branch state; trusted, its read-only git runs with those switched off.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { chmodSync, cpSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { branchDescription, branchTooltip } from '../../client/src/branchState';
import {
  EnvironmentsRequest,
  PreviewRequest,
  SyncPlanRequest,
  SyncRequest,
  type EnvironmentsResult,
  type PreviewParams,
  type PreviewResponse,
  type SyncPlan,
  type SyncResult,
} from '../../server/src/protocol';
import { LspHarness } from '../support/lspClient';
import { EXAMPLES } from '../support/paths';

const scratch = mkdtempSync(join(tmpdir(), 'plumbline-lsp-git-attack-'));
writeFileSync(join(scratch, 'gitconfig'), '');
const GIT_ENV = { GIT_CONFIG_GLOBAL: join(scratch, 'gitconfig'), GIT_CONFIG_NOSYSTEM: '1' };
const REAL_GIT = execFileSync('sh', ['-c', 'command -v git'], { encoding: 'utf8' }).trim();

function git(cwd: string, ...args: string[]): string {
  return execFileSync(REAL_GIT, args, { cwd, encoding: 'utf8', env: { ...process.env, ...GIT_ENV } });
}

const HOOKS = ['pre-commit', 'prepare-commit-msg', 'commit-msg', 'post-commit', 'post-checkout', 'post-merge', 'pre-push', 'post-index-change', 'reference-transaction', 'pre-rebase', 'post-rewrite', 'pre-auto-gc'];

/** What the repository's configuration ran, by mechanism (one marker file each). */
const ran = (markers: string): string[] => (existsSync(markers) ? readdirSync(markers).sort() : []);

/**
 * The examples as a repository with one uncommitted change, whose local configuration names a
 * script for every mechanism git offers a repository to run a command through. Each script
 * leaves a marker named after its mechanism.
 */
function hostileRepo(name: string): { repo: string; markers: string; gitLog: string; path: string } {
  const dir = join(scratch, name);
  const repo = join(dir, 'repo');
  const markers = join(dir, 'markers');
  mkdirSync(repo, { recursive: true });
  mkdirSync(markers);
  git(repo, 'init', '-q', '-b', 'main');
  git(repo, 'config', 'user.name', 'Dev Eloper');
  git(repo, 'config', 'user.email', 'dev@example.com');
  cpSync(EXAMPLES, repo, { recursive: true, filter: (source) => basename(source) !== '.vscode' });
  writeFileSync(join(repo, '.gitattributes'), '*.yaml filter=evil diff=evil\n');
  git(repo, 'add', '-A');
  git(repo, 'commit', '-q', '-m', 'initial');
  const base = join(repo, 'apps/shop/base/deployment.yaml');
  writeFileSync(base, readFileSync(base, 'utf8').replace('memory: 256Mi', 'memory: 512Mi'));

  const script = (mechanism: string): string => {
    const file = join(dir, `${mechanism}.sh`);
    // Filters must pass content through; the others' output does not matter.
    writeFileSync(file, `#!/bin/sh\ntouch '${join(markers, mechanism)}'\n${mechanism.startsWith('filter') ? 'cat\n' : 'exit 1\n'}`);
    chmodSync(file, 0o755);
    return file;
  };
  const hooks = join(dir, 'hooks');
  mkdirSync(hooks);
  for (const hook of HOOKS) {
    writeFileSync(join(hooks, hook), `#!/bin/sh\ntouch '${join(markers, `hook-${hook}`)}'\n`);
    chmodSync(join(hooks, hook), 0o755);
  }
  git(repo, 'config', 'core.fsmonitor', script('fsmonitor'));
  git(repo, 'config', 'core.hooksPath', hooks);
  git(repo, 'config', 'diff.external', script('diff-external'));
  git(repo, 'config', 'diff.evil.textconv', script('textconv'));
  git(repo, 'config', 'filter.evil.clean', script('filter-clean'));
  git(repo, 'config', 'filter.evil.smudge', script('filter-smudge'));
  assert.deepEqual(ran(markers), [], 'setting the trap ran nothing yet');

  // Every git the server starts goes through this one on its PATH, which logs its arguments.
  const bin = join(dir, 'bin');
  mkdirSync(bin);
  const gitLog = join(dir, 'git-invocations');
  writeFileSync(join(bin, 'git'), `#!/bin/sh\necho "$*" >> '${gitLog}'\nexec '${REAL_GIT}' "$@"\n`);
  chmodSync(join(bin, 'git'), 0o755);
  return { repo, markers, gitLog, path: `${bin}:${process.env['PATH'] ?? ''}` };
}

const invocations = (gitLog: string): string[] => (existsSync(gitLog) ? readFileSync(gitLog, 'utf8').split('\n').filter(Boolean) : []);

async function serverFor(setup: ReturnType<typeof hostileRepo>, trusted: boolean): Promise<LspHarness> {
  return LspHarness.start(
    { cluster: { enabled: false } },
    {
      workspaceFolders: [setup.repo],
      env: { ...GIT_ENV, PATH: setup.path, KUBECONFIG: join(scratch, 'no-kubeconfig'), PLUMBLINE_CACHE_DIR: join(scratch, 'cache') },
      initializationOptions: { trusted, cacheDir: join(scratch, `lsp-cache-${String(trusted)}`) },
    },
  );
}

/** Everything the sidebar and its commands ask for an environment, in the order a user would click. */
async function askEverything(lsp: LspHarness): Promise<{ tree: EnvironmentsResult; plan: SyncPlan | { error: string }; previews: PreviewResponse[] }> {
  const tree: EnvironmentsResult = await lsp.connection.sendRequest(EnvironmentsRequest);
  const plan: SyncPlan | { error: string } = await lsp.connection.sendRequest(SyncPlanRequest, { environment: 'dev' });
  const previews: PreviewResponse[] = [];
  for (const params of [{ kind: 'git' }, { kind: 'git', environment: 'dev' }, { kind: 'promotion', environment: 'dev', against: 'staging' }, { kind: 'cluster', environment: 'dev' }] satisfies PreviewParams[]) {
    previews.push(await lsp.connection.sendRequest(PreviewRequest, params));
  }
  // A second tree request: the first one may have started watchers that answer later.
  await lsp.connection.sendRequest(EnvironmentsRequest);
  return { tree, plan, previews };
}

describe('security: git in a hostile repository, through the language server', () => {
  after(() => rmSync(scratch, { recursive: true, force: true }));

  describe('untrusted workspace', () => {
    let lsp: LspHarness;
    const setup = hostileRepo('untrusted');
    before(async () => {
      lsp = await serverFor(setup, false);
    });
    after(async () => {
      await lsp?.stop();
    });

    test('no git runs at all, nothing of the repository runs, and the tree says why there is no branch state', async () => {
      const { tree, plan, previews } = await askEverything(lsp);
      const sync: SyncResult = await lsp.connection.sendRequest(SyncRequest, { environment: 'dev', message: 'dev: try' });
      assert.deepEqual(invocations(setup.gitLog), [], 'the server started git in an untrusted workspace');
      assert.deepEqual(ran(setup.markers), [], 'the repository ran a command of its choosing');

      assert.deepEqual(
        tree.environments.map((e) => [e.name, e.git, e.gitUnavailable]),
        ['dev', 'staging', 'prod'].map((name) => [name, undefined, 'Git status needs a trusted workspace']),
      );
      // What the tree item shows where the branch would be, and its tooltip line.
      const dev = tree.environments.find((e) => e.name === 'dev');
      assert.equal(branchDescription(dev?.git, dev?.gitUnavailable), ' · Git status needs a trusted workspace');
      assert.equal(branchTooltip(dev?.git, dev?.gitUnavailable), '\n- branch: Git status needs a trusted workspace');
      assert.deepEqual(plan, { error: 'untrusted workspace: Plumbline runs no git, so it cannot say what Commit and Sync would commit; Git status needs a trusted workspace' });
      assert.deepEqual(
        previews.map((p) => (p.ok ? 'ok' : `${p.kind}: ${p.message}`)),
        [
          'untrusted: untrusted workspace: Plumbline runs neither git nor kustomize',
          'untrusted: untrusted workspace: Plumbline runs neither git nor kustomize',
          'untrusted: staging: untrusted workspace: kustomize and helm are not run',
          'untrusted: untrusted workspace: Plumbline contacts no cluster',
        ],
      );
      assert.deepEqual(sync, { ok: false, steps: [{ step: 'plan', ok: false, message: 'untrusted workspace: Plumbline does not push or apply' }] });
    });
  });

  describe('trusted workspace', () => {
    let lsp: LspHarness;
    const setup = hostileRepo('trusted');
    before(async () => {
      lsp = await serverFor(setup, true);
    });
    after(async () => {
      await lsp?.stop();
    });

    test("read-only git runs with the repository's fsmonitor, hooks, external diff and textconv switched off", async () => {
      const { tree, plan, previews } = await askEverything(lsp);
      assert.ok(invocations(setup.gitLog).length > 0, 'git ran for the branch state and the previews');
      // Filters are the repository's way to store content (Git LFS): a trusted workspace keeps them.
      assert.deepEqual(
        ran(setup.markers).filter((m) => !m.startsWith('filter-')),
        [],
        'read-only git ran a command the repository configured',
      );
      const dev = tree.environments.find((e) => e.name === 'dev');
      assert.equal(dev?.gitUnavailable, undefined);
      assert.deepEqual(dev?.git, { branch: 'main', ahead: 0, behind: 0, uncommitted: [{ path: 'apps/shop/base/deployment.yaml', change: 'modified' }], uncommittedElsewhere: 0 });
      assert.deepEqual('files' in plan ? plan.files : plan, [{ path: 'apps/shop/base/deployment.yaml', change: 'modified' }]);
      assert.equal(previews[0]?.ok, true, JSON.stringify(previews[0]));
    });
  });
});

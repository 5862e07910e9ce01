// The tree's branch state per environment against real repositories: a bare repository on disk is
// the remote, clones are the user and a colleague, examples/ is the content.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { discoverEnvironments } from '../../server/src/environments/discover';
import { environmentBranchStates, type EnvironmentBranchState } from '../../server/src/git/environmentBranch';
import { EXAMPLES } from '../support/paths';

// Hermetic git: neither the machine's global nor its system configuration reaches these repositories.
const scratch = mkdtempSync(join(tmpdir(), 'plumbline-branch-test-'));
writeFileSync(join(scratch, 'gitconfig'), '');
process.env['GIT_CONFIG_GLOBAL'] = join(scratch, 'gitconfig');
process.env['GIT_CONFIG_NOSYSTEM'] = '1';
for (const name of ['GIT_DIR', 'GIT_WORK_TREE', 'GIT_INDEX_FILE', 'GIT_OBJECT_DIRECTORY']) delete process.env[name];

function git(cwd: string, ...args: string[]): string {
  return execFileSync('git', args, { cwd, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
}

function clone(remote: string, dir: string, name: string): string {
  git(scratch, 'clone', '-q', remote, dir);
  git(dir, 'config', 'user.name', name);
  git(dir, 'config', 'user.email', `${name.toLowerCase()}@example.com`);
  return dir;
}

function edit(repo: string, path: string, from: string, to: string): void {
  const file = join(repo, path);
  const text = readFileSync(file, 'utf8');
  assert.ok(text.includes(from), `${path} contains ${from}`);
  writeFileSync(file, text.replace(from, to));
}

let remote = '';
let work = '';
let colleague = '';

async function states(): Promise<Map<string, EnvironmentBranchState>> {
  const { environments } = await discoverEnvironments(work);
  const r = await environmentBranchStates(work, environments);
  if (!r.ok) assert.fail(`${r.error.kind}: ${r.error.message}`);
  return r.value;
}

/** What the tree shows per environment: branch, ahead/behind, the environment's files, the rest. */
async function shown(): Promise<Record<string, string>> {
  const out: Record<string, string> = {};
  for (const [name, s] of await states()) out[name] = `${s.branch ?? '-'} ${s.upstream ?? '-'} +${s.ahead} -${s.behind} [${s.files.map((f) => `${f.change} ${f.path}`).join(', ')}] elsewhere ${s.elsewhere}`;
  return out;
}

describe('branch state per environment', () => {
  before(() => {
    remote = join(scratch, 'remote.git');
    git(scratch, 'init', '-q', '--bare', '-b', 'main', remote);
    const seed = clone(remote, join(scratch, 'seed'), 'Seed');
    cpSync(EXAMPLES, seed, { recursive: true, filter: (source) => basename(source) !== '.vscode' });
    git(seed, 'add', '-A');
    git(seed, 'commit', '-q', '-m', 'initial');
    git(seed, 'push', '-q', '-u', 'origin', 'main');
    work = clone(remote, join(scratch, 'work'), 'Dev');
    colleague = clone(remote, join(scratch, 'colleague'), 'Colleague');
  });
  after(() => rmSync(scratch, { recursive: true, force: true }));

  test('a fresh clone: on main, level with origin/main, nothing uncommitted', async () => {
    assert.deepEqual(await shown(), {
      dev: 'main origin/main +0 -0 [] elsewhere 0',
      prod: 'main origin/main +0 -0 [] elsewhere 0',
      staging: 'main origin/main +0 -0 [] elsewhere 0',
    });
  });

  test('dirty in one environment vs elsewhere: a base change belongs to every overlay that uses it', async () => {
    edit(work, 'apps/shop/overlays/dev/replicas.yaml', 'replicas: 1', 'replicas: 2');
    writeFileSync(join(work, 'NOTES.md'), 'not part of any environment\n');
    let s = await shown();
    assert.equal(s['dev'], 'main origin/main +0 -0 [modified apps/shop/overlays/dev/replicas.yaml] elsewhere 1');
    assert.equal(s['staging'], 'main origin/main +0 -0 [] elsewhere 2');
    assert.equal(s['prod'], 'main origin/main +0 -0 [] elsewhere 2');
    edit(work, 'apps/shop/base/deployment.yaml', 'image:', 'image:  ');
    s = await shown();
    assert.equal(s['dev'], 'main origin/main +0 -0 [modified apps/shop/base/deployment.yaml, modified apps/shop/overlays/dev/replicas.yaml] elsewhere 1');
    for (const env of ['staging', 'prod']) assert.equal(s[env], 'main origin/main +0 -0 [modified apps/shop/base/deployment.yaml] elsewhere 2', env);
    git(work, 'checkout', '--', 'apps/shop/base/deployment.yaml');
  });

  test('ahead after a local commit, behind after a colleague pushed and we fetched', async () => {
    git(work, 'commit', '-q', '-am', 'dev: two replicas');
    assert.equal((await shown())['dev'], 'main origin/main +1 -0 [] elsewhere 1');
    edit(colleague, 'apps/shop/overlays/prod/replicas.yaml', 'replicas: 3', 'replicas: 4');
    git(colleague, 'commit', '-q', '-am', 'prod: four replicas');
    git(colleague, 'push', '-q');
    // Ahead/behind is as of the last fetch: nothing changes before it.
    assert.equal((await shown())['prod'], 'main origin/main +1 -0 [] elsewhere 1');
    git(work, 'fetch', '-q');
    assert.deepEqual(await shown(), {
      dev: 'main origin/main +1 -1 [] elsewhere 1',
      prod: 'main origin/main +1 -1 [] elsewhere 1',
      staging: 'main origin/main +1 -1 [] elsewhere 1',
    });
  });

  test('a branch without upstream, and a detached HEAD', async () => {
    git(work, 'checkout', '-q', '-b', 'feature');
    assert.equal((await shown())['dev'], 'feature - +0 -0 [] elsewhere 1');
    git(work, 'checkout', '-q', '--detach');
    assert.equal((await shown())['dev'], '- - +0 -0 [] elsewhere 1');
  });
});

// plumbline/preview through the bundled language server over JSON-RPC, on a real repository.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { cpSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { PreviewRequest, type PreviewParams, type PreviewResponse } from '../../server/src/protocol';
import { LspHarness } from '../support/lspClient';
import { EXAMPLES } from '../support/paths';

const scratch = mkdtempSync(join(tmpdir(), 'plumbline-lsp-preview-'));
writeFileSync(join(scratch, 'gitconfig'), '');
const GIT_ENV = { GIT_CONFIG_GLOBAL: join(scratch, 'gitconfig'), GIT_CONFIG_NOSYSTEM: '1' };

function git(cwd: string, ...args: string[]): string {
  return execFileSync('git', args, { cwd, encoding: 'utf8', env: { ...process.env, ...GIT_ENV } });
}

describe('language server: previews of pending diffs', () => {
  let lsp: LspHarness;
  const repo = join(scratch, 'repo');

  before(async () => {
    mkdirSync(repo);
    git(repo, 'init', '-q', '-b', 'main');
    git(repo, 'config', 'user.name', 'Dev Eloper');
    git(repo, 'config', 'user.email', 'dev@example.com');
    cpSync(EXAMPLES, repo, { recursive: true, filter: (source) => basename(source) !== '.vscode' });
    git(repo, 'add', '-A');
    git(repo, 'commit', '-q', '-m', 'initial');
    const base = join(repo, 'apps/shop/base/deployment.yaml');
    writeFileSync(base, readFileSync(base, 'utf8').replace('memory: 256Mi', 'memory: 512Mi'));
    lsp = await LspHarness.start({ cluster: { enabled: false } }, { workspaceFolders: [repo], env: { ...GIT_ENV, KUBECONFIG: join(scratch, 'no-kubeconfig'), PLUMBLINE_CACHE_DIR: join(scratch, 'cache') } });
  });
  after(async () => {
    await lsp?.stop();
    rmSync(scratch, { recursive: true, force: true });
  });

  const preview = (params: PreviewParams): Promise<PreviewResponse> => lsp.connection.sendRequest(PreviewRequest, params);

  test('git: the base change in every environment, with both YAML texts', async () => {
    const r = await preview({ kind: 'git' });
    assert.ok(r.ok, r.ok ? '' : r.message);
    assert.equal(`${r.left} ↔ ${r.right}`, 'HEAD ↔ working tree');
    assert.deepEqual(r.environments.map((e) => `${e.environment}: ${e.changes.map((c) => `${c.change} ${c.kind}/${c.name}`).join(', ')}`), ['dev: changed Deployment/shop-web', 'staging: changed Deployment/shop-web', 'prod: changed Deployment/shop-web']);
    const change = r.environments[0]!.changes[0]!;
    assert.match(change.before, /memory: 256Mi/);
    assert.match(change.after, /memory: 512Mi/);
    const one = await preview({ kind: 'git', environment: 'staging' });
    assert.deepEqual(one.ok ? one.environments.map((e) => e.environment) : one.message, ['staging']);
  });

  test('promotion: dev onto staging', async () => {
    const r = await preview({ kind: 'promotion', environment: 'dev', against: 'staging' });
    assert.ok(r.ok, r.ok ? '' : r.message);
    assert.deepEqual(r.environments[0]!.changes.map((c) => `${c.change} ${c.kind}/${c.name}`), ['changed ConfigMap/shop-settings', 'changed Deployment/shop-web']);
  });

  test('cluster: with cluster access off, a clear message; an unknown environment is named', async () => {
    assert.deepEqual(await preview({ kind: 'cluster', environment: 'dev' }), { ok: false, kind: 'cluster-off', message: 'cluster access is off (plumbline.cluster.enabled)' });
    assert.deepEqual(await preview({ kind: 'cluster', environment: 'qa' }), { ok: false, kind: 'unknown-environment', message: 'no environment named qa' });
  });
});

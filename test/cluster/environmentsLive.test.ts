// LSP over a real cluster: the environments tree follows the cluster and Git by itself. The real
// language server runs as a process; a change made in the cluster (a kubectl-like patch) or in Git
// reaches the client as `plumbline/environmentsChanged` with no request from the client.
import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { pathToFileURL } from 'node:url';
import { ClusterClient } from '../../server/src/cluster/http';
import { applyDirect } from '../../server/src/delivery/converge';
import { discoverEnvironments } from '../../server/src/environments/discover';
import { renderEnvironment } from '../../server/src/environments/render';
import { EnvironmentsChangedNotification, EnvironmentsRequest, type EnvironmentNode, type EnvironmentsChangedParams } from '../../server/src/protocol';
import { LspHarness } from '../support/lspClient';
import { bundle, EXAMPLES } from '../support/paths';
import { rawRequest, startCluster, type Cluster } from './harness';

const scratch = mkdtempSync(join(tmpdir(), 'plumbline-envlive-'));
writeFileSync(join(scratch, 'gitconfig'), '[user]\n\tname = Dev\n\temail = dev@example.com\n');
const gitEnv = { GIT_CONFIG_GLOBAL: join(scratch, 'gitconfig'), GIT_CONFIG_NOSYSTEM: '1' };
function git(cwd: string, ...args: string[]): string {
  return execFileSync('git', args, { cwd, encoding: 'utf8', env: { ...process.env, ...gitEnv }, stdio: ['ignore', 'pipe', 'pipe'] });
}

let cluster: Cluster;
let lsp: LspHarness;
const ws = join(scratch, 'repo');

async function environments(): Promise<EnvironmentNode[]> {
  return (await lsp.connection.sendRequest(EnvironmentsRequest)).environments;
}

/** Asks until the dev environment is in `state` (the server reads its settings after start-up). */
async function devIs(state: EnvironmentNode['state'], ms = 30_000): Promise<EnvironmentNode> {
  const deadline = Date.now() + ms;
  let last: EnvironmentNode | undefined;
  for (;;) {
    last = (await environments()).find((e) => e.name === 'dev');
    if (last?.state === state) return last;
    if (Date.now() > deadline) assert.fail(`dev never became ${state}; last: ${JSON.stringify(last)}; server stderr: ${lsp.stderrTail}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

function changed(predicate: (p: EnvironmentsChangedParams) => boolean): Promise<unknown> {
  return lsp.waitForNotification(EnvironmentsChangedNotification.method, (p) => predicate(p as EnvironmentsChangedParams), 20_000);
}

describe('the environments tree follows the cluster and Git without being asked', () => {
  before(async () => {
    cluster = await startCluster();
    cpSync(EXAMPLES, ws, { recursive: true, filter: (source) => basename(source) !== '.vscode' });
    git(scratch, 'init', '-q', '-b', 'main', ws);
    git(ws, 'add', '-A');
    git(ws, 'commit', '-q', '-m', 'initial');
    // The dev environment as a sync would leave it: in the cluster, as Git says.
    const connected = await ClusterClient.connect({ kubeconfigPath: cluster.kubeconfigPath });
    if (!connected.ok) throw new Error(connected.error.message);
    const dev = (await discoverEnvironments(ws)).environments.find((e) => e.name === 'dev')!;
    const rendered = await renderEnvironment(ws, dev);
    assert.ok(rendered.ok, rendered.ok ? '' : rendered.message);
    const applied = await applyDirect(connected.value, 'dev', rendered.objects, { progress: () => undefined, timeoutMs: 30_000 });
    connected.value.dispose();
    assert.ok(applied.ok, applied.ok ? '' : applied.error.message);
    lsp = await LspHarness.start({ cluster: { kubeconfig: cluster.kubeconfigPath } }, { workspaceFolders: [ws], env: gitEnv });
  });
  after(async () => {
    await lsp?.stop();
    await cluster?.stop();
    rmSync(scratch, { recursive: true, force: true });
  });

  test('a hand edit in the cluster: the client is told dev changed, and dev then shows the drift', async () => {
    const dev = await devIs('in-sync');
    assert.deepEqual(dev.git, { branch: 'main', ahead: 0, behind: 0, uncommitted: [], uncommittedElsewhere: 0 });
    lsp.notifications.length = 0;
    const told = changed((p) => p.reason === 'cluster' && (p.environments ?? []).includes('dev'));
    const patched = await rawRequest(cluster.kubeconfigPath, {
      method: 'PATCH',
      path: '/apis/apps/v1/namespaces/shop-dev/deployments/shop-web?fieldManager=kubectl-patch',
      body: JSON.stringify({ spec: { replicas: 4 } }),
      contentType: 'application/merge-patch+json',
    });
    assert.equal(patched.status, 200, patched.body);
    await told;
    const after = (await environments()).find((e) => e.name === 'dev');
    assert.equal(after?.state, 'drifted');
    assert.equal(after?.message, '1 resource drifted (1 field)');
    assert.equal(after?.resources.find((r) => r.kind === 'Deployment')?.state, 'drifted');
  });

  test('Git: an edit shows as uncommitted in its environment; a commit moves HEAD and the client is told', async () => {
    writeFileSync(join(ws, 'apps/shop/overlays/dev/replicas.yaml'), 'apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: shop-web\nspec:\n  replicas: 4\n');
    const dev = (await environments()).find((e) => e.name === 'dev');
    assert.deepEqual(dev?.git?.uncommitted, [{ path: 'apps/shop/overlays/dev/replicas.yaml', change: 'modified' }]);
    lsp.notifications.length = 0;
    const told = changed((p) => p.reason === 'git');
    git(ws, 'commit', '-q', '-am', 'dev: four replicas');
    await told;
    const committed = (await environments()).find((e) => e.name === 'dev');
    assert.deepEqual(committed?.git?.uncommitted, []);
  });

  test('health beside drift: a Deployment no controller has rolled out is in progress; once its status says available, it is current', async () => {
    const web = async (): Promise<{ env: EnvironmentNode | undefined; health: { word: string; argo: string; message: string } | undefined }> => {
      const env = (await environments()).find((e) => e.name === 'dev');
      return { env, health: env?.resources.find((r) => r.kind === 'Deployment')?.health };
    };
    // The bench cluster runs no controllers: nothing has updated the Deployment's replicas.
    const before = await web();
    assert.equal(before.health?.word, 'InProgress');
    assert.match(before.health?.message ?? '', /^Rolling out: updated 0\/\d+$/);
    assert.match(before.env?.health?.summary ?? '', /^\d+\/\d+ healthy, 1 progressing$/);
    // As the deployment controller would write it, through the status subresource.
    const path = '/apis/apps/v1/namespaces/shop-dev/deployments/shop-web';
    const live = JSON.parse((await rawRequest(cluster.kubeconfigPath, { path })).body) as { metadata: { generation: number }; spec: { replicas: number } };
    const n = live.spec.replicas;
    const written = await rawRequest(cluster.kubeconfigPath, {
      method: 'PATCH',
      path: `${path}/status`,
      body: JSON.stringify({ status: { observedGeneration: live.metadata.generation, replicas: n, updatedReplicas: n, readyReplicas: n, availableReplicas: n } }),
      contentType: 'application/merge-patch+json',
    });
    assert.equal(written.status, 200, written.body);
    const deadline = Date.now() + 20_000;
    let now = await web();
    while (now.health?.word !== 'Current') {
      if (Date.now() > deadline) assert.fail(`the Deployment's health never became Current; last: ${JSON.stringify(now.health)}`);
      await new Promise((resolve) => setTimeout(resolve, 100));
      now = await web();
    }
    assert.equal(now.health?.message, `Available: ${n}/${n}`);
    assert.match(now.env?.health?.summary ?? '', /^(\d+)\/\1 healthy$/);
    // The CLI says the same: in sync (the Git test before committed what the cluster holds) and healthy, exit 0 …
    const cli = (...args: string[]): ReturnType<typeof spawnSync> => spawnSync(process.execPath, [bundle('cli.js'), 'status', ws, '--env', 'dev', '--kubeconfig', cluster.kubeconfigPath, ...args], { encoding: 'utf8', env: { ...process.env, ...gitEnv } });
    assert.equal(now.env?.state, 'in-sync');
    const settled = cli();
    assert.equal(settled.status, 0, `${String(settled.stdout)}\n${String(settled.stderr)}`);
    assert.match(String(settled.stdout), /^dev: in sync · (\d+)\/\1 healthy$/m);
    assert.match(String(settled.stdout), new RegExp(`^  Deployment/shop-web in shop-dev: in sync · Current: Available: ${n}/${n}$`, 'm'));
    const json = JSON.parse(String(cli('-o', 'json').stdout)) as { environments: { resources: { kind: string; health?: unknown }[] }[] };
    assert.deepEqual(json.environments[0]?.resources.find((r) => r.kind === 'Deployment')?.health, { status: 'Current', word: 'Current', argo: 'Healthy', message: `Available: ${n}/${n}` });
    // … and when pods go away, in sync but not healthy: exit 1, with the reason.
    const lost = await rawRequest(cluster.kubeconfigPath, { method: 'PATCH', path: `${path}/status`, body: JSON.stringify({ status: { readyReplicas: 1, availableReplicas: 1 } }), contentType: 'application/merge-patch+json' });
    assert.equal(lost.status, 200, lost.body);
    const unhealthy = cli();
    assert.equal(unhealthy.status, 1, `${String(unhealthy.stdout)}\n${String(unhealthy.stderr)}`);
    assert.match(String(unhealthy.stdout), new RegExp(`^  Deployment/shop-web in shop-dev: in sync · InProgress: Available: 1/${n}$`, 'm'));
    // The hover on the resource's `kind:` says it too, per environment that renders the file.
    const base = join(ws, 'apps/shop/base/deployment.yaml');
    const baseUri = pathToFileURL(base).href;
    await lsp.open(baseUri, readFileSync(base, 'utf8'));
    const hoverDeadline = Date.now() + 20_000;
    let hovered = '';
    while (!hovered.includes(`**Health** (dev) — InProgress: Available: 1/${n}`)) {
      if (Date.now() > hoverDeadline) assert.fail(`the hover on kind: never showed dev's health; last: ${hovered}`);
      await new Promise((resolve) => setTimeout(resolve, 100));
      hovered = JSON.stringify((await lsp.hover(baseUri, { line: 1, character: 2 }))?.contents ?? '');
    }
    await lsp.close(baseUri);
  });
});

// Cluster tier: drift findings that would only be noise. An environment never deployed to its
// cluster gets one word in the CodeLens (the tree says "not deployed: N resources"), not a
// "not in the cluster" warning on every resource; a draft Git does not track yet is expected to
// be missing from the cluster, so that finding is a hint there.
//
//   npm run build && node --import tsx --test --test-reporter=spec test/cluster/driftNoise.test.ts
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { cpSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { pathToFileURL } from 'node:url';
import { DiagnosticSeverity, type Diagnostic } from 'vscode-languageserver-protocol';
import { LspHarness } from '../support/lspClient';
import { REPO } from '../support/paths';
import { startCluster, type Cluster } from './harness';
import { kubectlFor } from '../support/kubectl';

let cluster: Cluster;
let lsp: LspHarness;
let work: string;

const git = (...args: string[]): string => execFileSync('git', ['-C', work, ...args], { encoding: 'utf8', stdio: ['pipe', 'pipe', 'pipe'] });
const kubectl = kubectlFor(() => cluster.kubeconfigPath);
const uri = (relative: string): string => pathToFileURL(join(work, relative)).href;
const text = (relative: string): string => readFileSync(join(work, relative), 'utf8');
const drifts = (d: Diagnostic[]): Diagnostic[] => d.filter((x) => String(x.code).startsWith('drift.'));

describe('drift without noise: never-deployed environments and untracked drafts', { timeout: 5 * 60_000 }, () => {
  before(async () => {
    work = mkdtempSync(join(tmpdir(), 'plumbline-noise-'));
    cpSync(join(REPO, 'test', 'unit', 'fixtures', 'origins'), work, { recursive: true });
    // prod: an overlay whose namespace was never deployed.
    mkdirSync(join(work, 'overlays', 'prod'), { recursive: true });
    writeFileSync(join(work, 'overlays', 'prod', 'kustomization.yaml'), 'apiVersion: kustomize.config.k8s.io/v1beta1\nkind: Kustomization\nnamespace: shop-prod\nresources:\n  - ../../base\n');
    git('init', '-q', '-b', 'main');
    git('-c', 'user.name=t', '-c', 'user.email=t@example.com', 'add', '.');
    git('-c', 'user.name=t', '-c', 'user.email=t@example.com', 'commit', '-q', '-m', 'environments');
    cluster = await startCluster();
    kubectl('create', 'namespace', 'shop-staging');
    const rendered = execFileSync('kubectl', ['kustomize', join(work, 'overlays', 'staging')], { encoding: 'utf8', stdio: ['pipe', 'pipe', 'pipe'] });
    execFileSync('kubectl', ['--kubeconfig', cluster.kubeconfigPath, 'apply', '--server-side', '--field-manager=kustomize-controller', '-f', '-'], { input: rendered, encoding: 'utf8', stdio: ['pipe', 'pipe', 'pipe'] });
    lsp = await LspHarness.start({ cluster: { kubeconfig: cluster.kubeconfigPath } }, { workspaceFolders: [work], initializationOptions: { cacheDir: join(work, '.lsp-cache') } });
  });
  after(async () => {
    await lsp?.stop();
    await cluster?.stop();
    if (work !== undefined) rmSync(work, { recursive: true, force: true });
  });

  test('the base file: prod and dev were never deployed, so one lens each and no warning per resource; staging is in sync', async () => {
    const base = 'base/deployment.yaml';
    await lsp.open(uri(base), text(base));
    // One lens per environment once all three are compared.
    const titles = await lsp.waitForLensTitles(uri(base), (t) => t.length === 3, 30_000);
    assert.deepEqual(titles, ['dev: $(circle-slash) environment not deployed', 'prod: $(circle-slash) environment not deployed', 'staging: $(check) in sync · InProgress: Rolling out: updated 0/2']);
    assert.deepEqual(drifts(lsp.latest.get(uri(base)) ?? []), []);
  });

  test('a staging object Git adds and has not committed: "not in the cluster" is a hint, saying why', async () => {
    const draft = 'base/configmap.yaml';
    writeFileSync(join(work, draft), 'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: settings\ndata:\n  mode: fast\n');
    writeFileSync(join(work, 'base', 'kustomization.yaml'), text('base/kustomization.yaml').replace('  - service.yaml\n', '  - service.yaml\n  - configmap.yaml\n'));
    // As VS Code's file watcher reports a change made outside the editor.
    await lsp.connection.sendNotification('workspace/didChangeWatchedFiles', { changes: [{ uri: uri('base/kustomization.yaml'), type: 2 }, { uri: uri(draft), type: 1 }] });
    await lsp.open(uri(draft), text(draft));
    const diagnostics = await lsp.waitForDiagnostics(uri(draft), (d) => drifts(d).length > 0);
    assert.deepEqual(
      drifts(diagnostics).map((d) => [d.severity, d.message]),
      [[DiagnosticSeverity.Hint, 'staging: ConfigMap/settings is declared in Git but not in the cluster in namespace shop-staging (a new file Git does not track yet)']],
    );
  });

  test('a committed file missing from a deployed environment is still a warning', async () => {
    const base = 'base/service.yaml';
    kubectl('delete', '-n', 'shop-staging', 'service/web');
    await lsp.open(uri(base), text(base));
    const diagnostics = await lsp.waitForDiagnostics(uri(base), (d) => drifts(d).length > 0);
    assert.deepEqual(
      drifts(diagnostics).map((d) => [d.severity, d.message]),
      [[DiagnosticSeverity.Warning, 'staging: Service/web is declared in Git but not in the cluster in namespace shop-staging']],
    );
  });
});

// Cluster tier: drift of kustomize environments through the language server. The overlays of
// test/unit/fixtures/origins (dev: a replicas patch, a JSON patch, namePrefix, an image
// transformer; staging: a replicas transformer) are rendered with `kubectl kustomize` and applied
// as a GitOps controller would; then the cluster is changed by hand, and each drift must show in
// the file that declares the field, labelled with the environment.
//
//   npm run build && node --import tsx --test --test-reporter=spec test/cluster/environmentDrift.test.ts
import assert from 'node:assert/strict';
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { execFileSync } from 'node:child_process';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { pathToFileURL } from 'node:url';
import type { Diagnostic, Range } from 'vscode-languageserver-protocol';
import type { ClusterDiffResult } from '../../server/src/protocol';
import { LspHarness } from '../support/lspClient';
import { REPO } from '../support/paths';
import { startCluster, type Cluster } from './harness';
import { kubectlFor } from '../support/kubectl';

let cluster: Cluster;
let lsp: LspHarness;
let work: string;

const kubectl = kubectlFor(() => cluster.kubeconfigPath);

/** Applies an overlay's render server-side, as Flux's kustomize-controller does. */
function applyOverlay(name: string): void {
  const rendered = execFileSync('kubectl', ['kustomize', join(work, 'overlays', name)], { encoding: 'utf8', stdio: ['pipe', 'pipe', 'pipe'] });
  execFileSync('kubectl', ['--kubeconfig', cluster.kubeconfigPath, 'apply', '--server-side', '--field-manager=kustomize-controller', '-f', '-'], { input: rendered, encoding: 'utf8', stdio: ['pipe', 'pipe', 'pipe'] });
}

const uri = (relative: string): string => pathToFileURL(join(work, relative)).href;
const text = (relative: string): string => readFileSync(join(work, relative), 'utf8');
const drifts = (d: Diagnostic[]): Diagnostic[] => d.filter((x) => String(x.code).startsWith('drift.'));

/** The range of `needle` on the (1-based) line of a file, as LSP counts. */
function rangeAt(relative: string, line: number, needle: string): Range {
  const character = (text(relative).split('\n')[line - 1] ?? '').indexOf(needle);
  assert.ok(character >= 0, `${needle} not on line ${line} of ${relative}`);
  return { start: { line: line - 1, character }, end: { line: line - 1, character: character + needle.length } };
}

const summary = (d: Diagnostic[]): [string, string, Range][] => drifts(d).map((x) => [String(x.code), x.message, x.range] as [string, string, Range]).sort((a, b) => a[1].localeCompare(b[1]));

describe('drift per environment, in the file that declares the field', { timeout: 5 * 60_000 }, () => {
  before(async () => {
    work = mkdtempSync(join(tmpdir(), 'plumbline-envdrift-'));
    cpSync(join(REPO, 'test', 'unit', 'fixtures', 'origins'), work, { recursive: true });
    cluster = await startCluster();
    kubectl('create', 'namespace', 'shop-dev');
    kubectl('create', 'namespace', 'shop-staging');
    applyOverlay('dev');
    applyOverlay('staging');
    lsp = await LspHarness.start({ cluster: { kubeconfig: cluster.kubeconfigPath } }, { workspaceFolders: [work], initializationOptions: { cacheDir: join(work, '.lsp-cache') } });
  });
  after(async () => {
    await lsp?.stop();
    await cluster?.stop();
    if (work !== undefined) rmSync(work, { recursive: true, force: true });
  });

  test('kubectl scale of dev: the drift is on the dev patch\'s replicas value, naming the environment', async () => {
    kubectl('scale', '-n', 'shop-dev', 'deployment/dev-web', '--replicas=7');
    const patch = 'overlays/dev/replicas.yaml';
    await lsp.open(uri(patch), text(patch));
    const diagnostics = await lsp.waitForDiagnostics(uri(patch), (d) => drifts(d).length > 0);
    assert.deepEqual(summary(diagnostics), [['drift.value', 'dev: cluster has replicas: 7, Git declares 5 (set by kubectl)', rangeAt(patch, 6, '5')]]);
    // The patch has no selector or template: still no validation error in it.
    assert.deepEqual(diagnostics.filter((d) => !String(d.code).startsWith('drift.')), []);
  });

  test('the base file does not show the replicas drift (the patch declares it) and shows nothing while in sync', async () => {
    const base = 'base/deployment.yaml';
    await lsp.open(uri(base), text(base));
    const titles = await lsp.waitForLensTitles(uri(base), (t) => t.length >= 2);
    // The bench cluster runs no controllers: its Deployments never roll out, and the lens says so.
    assert.deepEqual(titles, ['dev: $(warning) 1 field drifted · InProgress: Rolling out: updated 0/7', 'staging: $(check) in sync · InProgress: Rolling out: updated 0/2']);
    assert.deepEqual(drifts(lsp.latest.get(uri(base)) ?? []), []);
  });

  test('a field only the base declares, drifted in dev and staging: both findings on the base value, labelled', async () => {
    const base = 'base/deployment.yaml';
    const cpu = (namespace: string, name: string): void => {
      kubectl('patch', '-n', namespace, `deployment/${name}`, '--type=json', '--field-manager=kubectl-patch', '-p', '[{"op":"replace","path":"/spec/template/spec/containers/0/resources/requests/cpu","value":"250m"}]');
    };
    cpu('shop-dev', 'dev-web');
    cpu('shop-staging', 'web');
    const diagnostics = await lsp.waitForDiagnostics(uri(base), (d) => drifts(d).length === 2);
    const at = rangeAt(base, 25, '100m');
    assert.deepEqual(
      summary(diagnostics).map(([code, message, range]) => [code, message.replace(/ at \d{4}-\d\d-\d\d \d\d:\d\d UTC/, ''), range]),
      [
        ['drift.value', 'dev: cluster has cpu: 250m, Git declares 100m (set by kubectl-patch)', at],
        ['drift.value', 'staging: cluster has cpu: 250m, Git declares 100m (set by kubectl-patch)', at],
      ],
    );
    // The lens of each environment opens that environment's diff.
    const lens = ((await lsp.codeLenses(uri(base))) ?? []).find((l) => l.command?.title.startsWith('staging: ') === true);
    assert.ok(lens?.command?.arguments !== undefined, 'a staging lens');
    const diff = await lsp.connection.sendRequest<ClusterDiffResult>('plumbline/clusterDiff', lens.command.arguments[0]);
    assert.ok(diff.ok, JSON.stringify(diff));
    assert.equal(diff.title, 'staging: Deployment/web: cluster ↔ after applying Git');
    assert.match(diff.live, /^ {2}namespace: shop-staging$/m);
    assert.match(diff.live, /cpu: 250m/);
    // The dev patch still shows only its own field.
    assert.deepEqual(drifts(lsp.latest.get(uri('overlays/dev/replicas.yaml')) ?? []).map((d) => d.message), ['dev: cluster has replicas: 7, Git declares 5 (set by kubectl)']);
  });

  test('the image the dev kustomization\'s images transformer sets: drift on its newTag', async () => {
    kubectl('set', 'image', '-n', 'shop-dev', 'deployment/dev-web', 'web=registry.example/web:2.1');
    const kustomization = 'overlays/dev/kustomization.yaml';
    await lsp.open(uri(kustomization), text(kustomization));
    const diagnostics = await lsp.waitForDiagnostics(uri(kustomization), (d) => drifts(d).length > 0);
    assert.deepEqual(
      summary(diagnostics).map(([code, message, range]) => [code, message.replace(/ at \d{4}-\d\d-\d\d \d\d:\d\d UTC/, ''), range]),
      [['drift.value', 'dev: cluster has image: registry.example/web:2.1, Git declares registry.example/web:2.0 (set by kubectl-set)', rangeAt(kustomization, 15, '"2.0"')]],
    );
    // A transformer's value is not the field's: no "take the cluster's value" that would write a whole image into newTag.
    assert.equal((drifts(diagnostics)[0]?.data as { exact?: boolean } | undefined)?.exact, false);
  });

  test('saving the patch with the cluster\'s value re-renders dev: the drift is gone', async () => {
    const patch = 'overlays/dev/replicas.yaml';
    const changed = text(patch).replace('replicas: 5', 'replicas: 7');
    writeFileSync(join(work, patch), changed);
    await lsp.replace(uri(patch), changed);
    await lsp.save(uri(patch));
    const diagnostics = await lsp.waitForDiagnostics(uri(patch), (d) => drifts(d).length === 0 && d.length === 0);
    assert.deepEqual(diagnostics, []);
  });

  test('a typo in the patch is still a validation error there (patches have no required fields, their fields are checked)', async () => {
    const patch = 'overlays/dev/replicas.yaml';
    await lsp.replace(uri(patch), text(patch).replace('  replicas: 7', '  replicas: 7\n  replicaz: 2'));
    const diagnostics = await lsp.waitForVersion(uri(patch), lsp.version(uri(patch))!);
    const errors = diagnostics.filter((d) => d.severity === 1);
    assert.equal(errors.length, 1, JSON.stringify(diagnostics));
    assert.match(errors[0]!.message, /unknown field `replicaz`/);
    assert.deepEqual(errors[0]!.range.start, { line: 6, character: 2 });
  });

  test('a JSON 6902 patch value (files of operations get YAML checks only) is validated as rendered, at the value, naming the environment', async () => {
    const patch = 'overlays/dev/memory.yaml';
    const broken = text(patch).replace('value: 512Mi', 'value: true');
    writeFileSync(join(work, patch), broken);
    await lsp.open(uri(patch), broken);
    await lsp.save(uri(patch));
    const diagnostics = await lsp.waitForDiagnostics(uri(patch), (d) => d.some((x) => x.message.startsWith('dev: ')));
    assert.deepEqual(
      diagnostics.map((d) => [d.severity, d.range]),
      [[1, rangeAt(patch, 3, 'true')]],
    );
    assert.match(diagnostics[0]!.message, /^dev: .*memory must be a quantity .*\(as rendered\)$/);
  });

  test('an environment mapped to its own context in .plumbline.yaml is compared there (a context without permissions says so)', async () => {
    writeFileSync(join(work, '.plumbline.yaml'), `environments:\n  - name: staging\n    context: ${cluster.viewerContext}\n`);
    await lsp.connection.sendNotification('workspace/didChangeWatchedFiles', { changes: [{ uri: uri('.plumbline.yaml'), type: 1 }] });
    const base = 'base/deployment.yaml';
    const deadline = Date.now() + 10_000;
    let titles: string[] = [];
    while (Date.now() < deadline) {
      titles = ((await lsp.codeLenses(uri(base))) ?? []).map((l) => l.command?.title ?? '').sort();
      if (titles.some((t) => t.startsWith('staging: $(lock)'))) break;
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    assert.ok(titles.includes('staging: $(lock) no permission to read it in the cluster'), JSON.stringify(titles));
    assert.ok(titles.some((t) => t.startsWith('dev: ')), JSON.stringify(titles));
    assert.deepEqual(drifts(lsp.latest.get(uri(base)) ?? []).filter((d) => d.message.startsWith('staging: ')), [], 'no staging findings without permission to read');
  });
});

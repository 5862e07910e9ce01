// Terraform through tofu-controller (issue 16), on the bench apiserver with tofu-controller's own
// CRD (from its Go module, as the schemas script pins it) and no controller running: the test
// writes `status`, the plan Secrets and the source's revision the way tofu-controller and
// source-controller document them, then reads what a person sees: the diagnostic on the
// Terraform object in Git (real language server), the stored plan with its sensitive value masked
// (language server and CLI), the health in `plumbline status`, and Approve plan's edit to Git.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { gzipSync } from 'node:zlib';
import { after, before, describe, test } from 'node:test';
import type { CodeAction, Diagnostic } from 'vscode-languageserver-protocol';
import { loadCrds } from '../../scripts/schemas/crds';
import { installCrds, Kubectl } from '../../scripts/schemas/cluster';
import { CRD_SOURCES } from '../../scripts/schemas/sources';
import { ClusterClient } from '../../server/src/cluster/http';
import { applyDirect } from '../../server/src/delivery/converge';
import { discoverEnvironments } from '../../server/src/environments/discover';
import { renderEnvironment } from '../../server/src/environments/render';
import { Commands, EnvironmentsRequest, SyncPlanRequest, TerraformPlanRequest, type SyncPlan, type SyncPlanError, type TerraformPlanResult } from '../../server/src/protocol';
import { kubectlFor } from '../support/kubectl';
import { runCli } from '../support/cli';
import { LspHarness } from '../support/lspClient';
import { REPO } from '../support/paths';
import { startCluster, type Cluster } from './harness';

const scratch = mkdtempSync(join(tmpdir(), 'plumbline-tofu-'));
writeFileSync(join(scratch, 'gitconfig'), '[user]\n\tname = Dev\n\temail = dev@example.com\n');
const gitEnv = { GIT_CONFIG_GLOBAL: join(scratch, 'gitconfig'), GIT_CONFIG_NOSYSTEM: '1' };
const git = (cwd: string, ...args: string[]): string => execFileSync('git', args, { cwd, encoding: 'utf8', env: { ...process.env, ...gitEnv }, stdio: ['ignore', 'pipe', 'pipe'] });

const ws = join(scratch, 'repo');
const file = join(ws, 'infra', 'terraform.yaml');
const uri = pathToFileURL(file).href;
const PLANNED = 'main@sha1:aaaaaaaaaa1111111111222222222233333333333';
const SOURCE_NOW = 'main@sha1:bbbbbbbbbb4444444444555555555566666666666';
const APPLIED = 'main@sha1:0000000000999999999988888888887777777777';
const PLAN_ID = 'plan-main-aaaaaaaaaa';
/** The value Terraform marks sensitive in the stored plan: it must appear in no output at all. */
const SECRET = 'p4ss-W0rd-from-the-plan';
const PLAN_OUTPUT = 'OpenTofu used the selected providers to generate the following execution\nplan. Resource actions are indicated with the following symbols:\n  + create\n  ~ update in-place\n\nPlan: 1 to add, 2 to change, 0 to destroy.\n';

const terraform = (interval: string): string => `apiVersion: infra.contrib.fluxcd.io/v1alpha2
kind: Terraform
metadata:
  name: infra
  namespace: flux-system
spec:
  interval: ${interval}
  path: ./terraform
  storeReadablePlan: json
  sourceRef:
    kind: GitRepository
    name: infra
`;

let cluster: Cluster;
let lsp: LspHarness;
const kubectl = kubectlFor(() => cluster.kubeconfigPath);
const outputs: string[] = [];

async function applyInfra(): Promise<void> {
  const connected = await ClusterClient.connect({ kubeconfigPath: cluster.kubeconfigPath });
  if (!connected.ok) throw new Error(connected.error.message);
  const env = (await discoverEnvironments(ws)).environments.find((e) => e.name === 'infra');
  assert.ok(env !== undefined, 'the infra environment is discovered');
  const rendered = await renderEnvironment(ws, env);
  assert.ok(rendered.ok, rendered.ok ? '' : rendered.message);
  const applied = await applyDirect(connected.value, 'infra', rendered.objects, { progress: () => undefined, timeoutMs: 30_000 });
  connected.value.dispose();
  assert.ok(applied.ok, applied.ok ? '' : applied.error.message);
}

/** The JSON plan tofu-controller stores for `storeReadablePlan: json`, gzipped and split in two chunks as it splits big ones. */
function planSecrets(): string {
  const plan = {
    format_version: '1.2',
    terraform_version: '1.8.2',
    variables: { db_password: { value: SECRET } },
    resource_changes: [
      {
        address: 'aws_db_instance.main',
        mode: 'managed',
        change: {
          actions: ['update'],
          before: { instance_class: 'db.t3.micro', password: 'an-older-password' },
          after: { instance_class: 'db.t3.large', password: SECRET },
          after_unknown: {},
          before_sensitive: { password: true },
          after_sensitive: { password: true },
        },
      },
      { address: 'random_id.suffix', mode: 'managed', change: { actions: ['create'], before: null, after: { byte_length: 4 }, after_unknown: { hex: true }, before_sensitive: false, after_sensitive: {} } },
    ],
    output_changes: { db_password: { actions: ['update'], before: 'an-older-password', after: SECRET, before_sensitive: true, after_sensitive: true } },
  };
  const gz = gzipSync(JSON.stringify(plan));
  const half = Math.ceil(gz.length / 2);
  const chunks = [gz.subarray(0, half), gz.subarray(half)];
  return JSON.stringify({
    apiVersion: 'v1',
    kind: 'List',
    items: chunks.map((chunk, i) => ({
      apiVersion: 'v1',
      kind: 'Secret',
      type: 'Opaque',
      metadata: {
        name: `tfplan-default-infra.json-${i}`,
        namespace: 'flux-system',
        labels: { 'infra.contrib.fluxcd.io/plan-name': 'infra.json', 'infra.contrib.fluxcd.io/plan-workspace': 'default' },
        annotations: { encoding: 'gzip', savedPlan: PLAN_ID, 'infra.contrib.fluxcd.io/plan-chunk': String(i), 'infra.contrib.fluxcd.io/plan-full-name': 'infra.json', 'infra.contrib.fluxcd.io/plan-full-workspace': 'default' },
      },
      data: { tfplan: chunk.toString('base64') },
    })),
  });
}

/** A text matched as it is inside a regular expression (revisions hold `@` and `:`, plans `.`). */
const literal = (text: string): string => text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

function condition(type: string, status: string, reason: string, message: string, at: string): Record<string, string> {
  return { type, status, reason, message, lastTransitionTime: at };
}

describe('Terraform objects of tofu-controller: drift, stale plan, stored plan, approval', () => {
  const driftAt = new Date();
  driftAt.setUTCSeconds(0, 0);

  before(async () => {
    cluster = await startCluster();
    const wanted = CRD_SOURCES.filter((s) => s.from === 'manifests' && /tofu-controller|source-controller/.test(s.module));
    assert.equal(wanted.length, 2, 'tofu-controller and source-controller are pinned in scripts/schemas/sources.ts');
    const loaded = await loadCrds(wanted, join(REPO, '.cache', 'schemas'), () => undefined);
    await installCrds(new Kubectl(cluster.kubeconfigPath), loaded.flatMap((l) => l.crds), 60_000);
    kubectl('create', 'namespace', 'flux-system');

    mkdirSync(join(ws, 'infra'), { recursive: true });
    writeFileSync(join(ws, '.plumbline.yaml'), 'environments:\n  - name: infra\n    path: infra\n    delivery: direct\n');
    // Applied once at another interval, then as Git has it: the object is at generation 2, its plan of generation 1.
    writeFileSync(file, terraform('5m'));
    git(scratch, 'init', '-q', '-b', 'main', ws);
    await applyInfra();
    writeFileSync(file, terraform('1m'));
    git(ws, 'add', '-A');
    git(ws, 'commit', '-q', '-m', 'infra');
    await applyInfra();

    const at = driftAt.toISOString().replace('.000', '');
    // source-controller's word: the Git source has moved on since the plan.
    kubectl.input(JSON.stringify({ apiVersion: 'source.toolkit.fluxcd.io/v1', kind: 'GitRepository', metadata: { name: 'infra', namespace: 'flux-system' }, spec: { url: 'https://git.example/infra.git', interval: '1m', ref: { branch: 'main' } } }), 'apply', '-f', '-');
    kubectl('patch', 'gitrepository', 'infra', '-n', 'flux-system', '--subresource=status', '--type=merge', '-p', JSON.stringify({ status: { artifact: { revision: SOURCE_NOW, path: 'gitrepository/flux-system/infra/b.tar.gz', url: 'http://source-controller.flux-system.svc/gitrepository/flux-system/infra/b.tar.gz', digest: 'sha256:0b', lastUpdateTime: at } } }));
    // tofu-controller's word, as TerraformDriftDetected and TerraformPlannedWithChanges leave it.
    kubectl(
      'patch', 'terraform', 'infra', '-n', 'flux-system', '--subresource=status', '--type=merge', '-p',
      JSON.stringify({
        status: {
          observedGeneration: 2,
          lastAttemptedRevision: PLANNED,
          lastPlannedRevision: PLANNED,
          lastPlannedGeneration: 1,
          lastAppliedRevision: APPLIED,
          lastDriftDetectedAt: at,
          lastPlanAt: at,
          plan: { pending: PLAN_ID },
          conditions: [condition('Plan', 'True', 'TerraformPlannedWithChanges', 'Plan generated', at), condition('Ready', 'False', 'DriftDetected', PLAN_OUTPUT, at)],
        },
      }),
    );
    kubectl.input(planSecrets(), 'apply', '-f', '-');
    lsp = await LspHarness.start({ cluster: { kubeconfig: cluster.kubeconfigPath } }, { workspaceFolders: [ws], env: gitEnv });
  });
  after(async () => {
    // Whatever happened, the plan's sensitive value was in no output of the language server or the CLI.
    const leaked = outputs.filter((o) => o.includes(SECRET) || o.includes('an-older-password'));
    await lsp?.stop();
    await cluster?.stop();
    rmSync(scratch, { recursive: true, force: true });
    assert.deepEqual(leaked, [], 'a sensitive value of the plan was shown');
  });

  let drift: Diagnostic | undefined;

  test('the Terraform object in Git: tofu-controller detected drift, and its pending plan is stale', async () => {
    await lsp.open(uri, readFileSync(file, 'utf8'));
    const diagnostics = await lsp.waitForDiagnostics(uri, (ds) => ds.some((d) => d.code === 'terraform.drift') && ds.some((d) => d.code === 'terraform.plan-stale'), 60_000);
    outputs.push(JSON.stringify(diagnostics));
    drift = diagnostics.find((d) => d.code === 'terraform.drift');
    const stale = diagnostics.find((d) => d.code === 'terraform.plan-stale');
    const hhmm = driftAt.toISOString().slice(11, 16);
    assert.equal(drift?.message, `infra: tofu-controller detected drift at ${hhmm} UTC: plan has 3 changes (1 to add, 2 to change); approvePlan is manual; last applied ${APPLIED}`);
    assert.equal(
      stale?.message,
      `infra: plan ${PLAN_ID} is stale: it was planned at generation 1, the object is at generation 2; it was planned from ${PLANNED}, the source is now at ${SOURCE_NOW}; the controller plans again before applying`,
    );
    // On the object's name: line 3, `  name: infra`.
    for (const d of [drift, stale]) assert.deepEqual(d?.range, { start: { line: 3, character: 8 }, end: { line: 3, character: 13 } });
    assert.equal(drift?.severity, 2, 'a warning');
  });

  test('the stored JSON plan, read from its two gzip chunks, with the sensitive value masked', async () => {
    const plan: TerraformPlanResult = await lsp.connection.sendRequest(TerraformPlanRequest, { uri, line: 4 });
    outputs.push(JSON.stringify(plan));
    assert.ok(plan.ok, plan.ok ? '' : plan.message);
    assert.equal(plan.planId, PLAN_ID);
    assert.match(plan.text, /^# read from Secret flux-system\/tfplan-default-infra\.json-\* \(2 chunks\); values Terraform marks sensitive are masked$/m);
    assert.match(plan.text, /^Plan: 1 to add, 1 to change, 0 to destroy\.$/m);
    assert.match(plan.text, /^~ aws_db_instance\.main \(update\)\n {4}instance_class: "db\.t3\.micro" → "db\.t3\.large"\n {4}password: ‹secret [0-9a-f]{8}› → ‹secret [0-9a-f]{8}›$/m);
    assert.match(plan.text, /^\+ random_id\.suffix \(create\)\n {4}byte_length: 4\n {4}hex: \(known after apply\)$/m);
    assert.ok(!plan.text.includes(SECRET));

    const cli = await runCli(['tfplan', 'infra', '-n', 'flux-system', '--kubeconfig', cluster.kubeconfigPath]);
    outputs.push(cli.stdout, cli.stderr);
    assert.equal(cli.code, 0, cli.stderr);
    assert.match(cli.stdout, /^ {4}password: ‹secret [0-9a-f]{8}› → ‹secret [0-9a-f]{8}›$/m);
    assert.match(cli.stdout, /^ {2}~ db_password: ‹secret [0-9a-f]{8}› → ‹secret [0-9a-f]{8}›$/m);
    // `storeReadablePlan: human`: the text of `tofu show`, in a ConfigMap, shown as it is.
    kubectl.input(JSON.stringify({ apiVersion: 'infra.contrib.fluxcd.io/v1alpha2', kind: 'Terraform', metadata: { name: 'web', namespace: 'flux-system' }, spec: { interval: '1m', path: './web', storeReadablePlan: 'human', sourceRef: { kind: 'GitRepository', name: 'infra' } } }), 'apply', '-f', '-');
    const at = new Date().toISOString().replace(/\.\d+Z$/, 'Z');
    kubectl('patch', 'terraform', 'web', '-n', 'flux-system', '--subresource=status', '--type=merge', '-p', JSON.stringify({ status: { plan: { pending: 'plan-main-bbbbbbbbbb' }, conditions: [condition('Ready', 'Unknown', 'TerraformPlannedWithChanges', 'Plan generated: set approvePlan: "plan-main-bbbbbbbbbb" to approve this plan.', at)] } }));
    kubectl.input(JSON.stringify({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'tfplan-default-web', namespace: 'flux-system', labels: { 'infra.contrib.fluxcd.io/plan-name': 'web', 'infra.contrib.fluxcd.io/plan-workspace': 'default' }, annotations: { savedPlan: 'plan-main-bbbbbbbbbb' } }, data: { tfplan: `${PLAN_OUTPUT}\n  # aws_s3_bucket.site will be created\n` } }), 'apply', '-f', '-');
    const human = await runCli(['tfplan', 'web', '-n', 'flux-system', '--kubeconfig', cluster.kubeconfigPath]);
    outputs.push(human.stdout, human.stderr);
    assert.equal(human.code, 0, human.stderr);
    assert.equal(human.stdout, `# Terraform flux-system/web, workspace default: plan plan-main-bbbbbbbbbb\n# read from ConfigMap flux-system/tfplan-default-web\n\n${PLAN_OUTPUT}\n  # aws_s3_bucket.site will be created\n`);
    const none = await runCli(['tfplan', 'nothing', '-n', 'flux-system', '--kubeconfig', cluster.kubeconfigPath]);
    assert.equal(none.code, 1);
    assert.equal(none.stderr, 'plumbline: Terraform flux-system/nothing is not in the cluster\n');
  });

  test('the sidebar and plumbline status: the Terraform object is failed with its drift, its plan is stale by generation and by revision, and the environment is not settled', async () => {
    // The same verdict as the editor's terraform.plan-stale diagnostic: older than the object's
    // generation and than the revision its GitRepository serves, both revisions named.
    const stale = `plan ${PLAN_ID} is stale: it was planned at generation 1, the object is at generation 2; it was planned from ${PLANNED}, the source is now at ${SOURCE_NOW}`;
    const health = `drift detected at [0-9: UTC-]+: plan has 3 changes \\(1 to add, 2 to change\\); ${literal(stale)}`;
    const tree = (await lsp.connection.sendRequest(EnvironmentsRequest)).environments.find((e) => e.name === 'infra');
    outputs.push(JSON.stringify(tree));
    const row = tree?.resources.find((r) => r.kind === 'Terraform');
    assert.deepEqual([row?.state, row?.health?.word, row?.health?.argo], ['in-sync', 'Failed', 'Degraded']);
    assert.match(row?.health?.message ?? '', new RegExp(`^${health}$`));
    assert.deepEqual(tree?.health, { worst: 'Degraded', summary: '0/1 healthy, 1 degraded' });
    const run = await runCli(['status', ws, '--env', 'infra', '--kubeconfig', cluster.kubeconfigPath], { env: gitEnv });
    outputs.push(run.stdout, run.stderr);
    assert.equal(run.code, 1, `${run.stdout}\n${run.stderr}`);
    assert.match(run.stdout, /^infra: in sync · 0\/1 healthy, 1 degraded$/m);
    assert.match(run.stdout, new RegExp(`^  Terraform/infra in flux-system: in sync · Failed: ${health}$`, 'm'));
    const json = await runCli(['status', ws, '--env', 'infra', '-o', 'json', '--kubeconfig', cluster.kubeconfigPath], { env: gitEnv });
    outputs.push(json.stdout, json.stderr);
    const parsed = JSON.parse(json.stdout) as { environments: { resources: { kind: string; health?: { message: string } }[] }[] };
    assert.ok(parsed.environments[0]?.resources.find((r) => r.kind === 'Terraform')?.health?.message.endsWith(`; ${stale}`), json.stdout);
  });

  test('Approve plan writes spec.approvePlan into the manifest, which Commit and Sync then commits', async () => {
    assert.ok(drift !== undefined, 'the drift diagnostic came first');
    const actions = ((await lsp.codeActions(uri, drift.range, [drift])) ?? []) as CodeAction[];
    const approve = actions.find((a) => a.title.startsWith(`Approve plan ${PLAN_ID}`));
    assert.ok(approve !== undefined, `no Approve plan action among ${actions.map((a) => a.title).join(', ')}`);
    assert.equal(approve.command?.command, Commands.commitApprovedPlan);
    assert.ok(actions.some((a) => a.command?.command === Commands.showTerraformPlan));
    // The client applies the edit and saves the file, as VS Code does before running the command.
    const [edit] = approve.edit?.changes?.[uri] ?? [];
    assert.ok(edit !== undefined);
    const lines = readFileSync(file, 'utf8').split('\n');
    const start = lines.slice(0, edit.range.start.line).join('\n').length + (edit.range.start.line > 0 ? 1 : 0) + edit.range.start.character;
    const end = lines.slice(0, edit.range.end.line).join('\n').length + (edit.range.end.line > 0 ? 1 : 0) + edit.range.end.character;
    const text = readFileSync(file, 'utf8');
    writeFileSync(file, text.slice(0, start) + edit.newText + text.slice(end));
    assert.equal(readFileSync(file, 'utf8'), terraform('1m').replace('    name: infra\n', `    name: infra\n  approvePlan: ${PLAN_ID}\n`));
    const plan: SyncPlan | SyncPlanError = await lsp.connection.sendRequest(SyncPlanRequest, { environment: 'infra' });
    assert.ok(!('error' in plan), 'error' in plan ? plan.error : '');
    assert.deepEqual(plan.files.map((f) => f.path), ['infra/terraform.yaml']);
  });
});

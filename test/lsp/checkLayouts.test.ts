// Issue 15: `plumbline check` on folders laid out as real repositories lay them out: no false
// duplicate, patch or tag errors, and the errors kubeconform misses (List items, half-typed
// objects). Each folder is written here, in the shape of the repositories it stands for.
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { runCli } from '../support/cli';

interface JsonReport {
  summary: { files: number; resources: number; errors: number; warnings: number; skipped: number };
  findings: { path: string; line: number; column: number; severity: string; code: string; message: string }[];
}

const configMap = (name: string): string => `apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: ${name}\ndata:\n  key: value\n`;
const deployment = (name: string): string => `apiVersion: apps/v1
kind: Deployment
metadata:
  name: ${name}
spec:
  selector:
    matchLabels: {app: ${name}}
  template:
    metadata:
      labels: {app: ${name}}
    spec:
      containers:
      - name: ${name}
        image: nginx:1.27
`;
const replicasPatch = (name: string): string => `apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: ${name}\nspec:\n  replicas: 3\n`;

describe('plumbline check on real repository layouts (issue 15)', () => {
  let dir: string;
  before(() => {
    dir = mkdtempSync(join(tmpdir(), 'plumbline-layouts-'));
  });
  after(() => {
    rmSync(dir, { recursive: true, force: true });
  });

  /** Writes `files` (relative path → text) under a new folder `name` and returns its path. */
  function layout(name: string, files: Record<string, string>): string {
    const root = join(dir, name);
    for (const [path, text] of Object.entries(files)) {
      mkdirSync(dirname(join(root, path)), { recursive: true });
      writeFileSync(join(root, path), text);
    }
    return root;
  }

  async function check(root: string, ...flags: string[]): Promise<{ code: number | null; report: JsonReport }> {
    const run = await runCli(['check', '-o', 'json', ...flags, '.'], { cwd: root });
    assert.equal(run.stderr.trim(), '', `nothing on stderr: ${run.stderr}`);
    return { code: run.code, report: JSON.parse(run.stdout) as JsonReport };
  }

  const brief = (r: JsonReport): string => JSON.stringify(r.findings.map((f) => `${f.path}:${f.line}:${f.column} ${f.code} ${f.message}`), null, 1);

  test('alternatives in one folder are not duplicates: all-in-one beside per-object files, install.yaml beside install-with-extras.yaml, fixtures of separate tests', async () => {
    const root = layout('alternatives', {
      'deploy/all-in-one.yaml': `${configMap('settings')}---\n${deployment('web')}`,
      'deploy/configmap.yaml': configMap('settings'),
      'deploy/deployment.yaml': deployment('web'),
      'release/install.yaml': deployment('operator'),
      'release/install-with-extras.yaml': `${deployment('operator')}---\n${configMap('extras')}`,
      'testdata/case-a/input.yaml': configMap('fixture'),
      'testdata/case-a/other.yaml': configMap('fixture'),
    });
    const { code, report } = await check(root, '--strict');
    assert.deepEqual(report.findings, [], brief(report));
    assert.equal(code, 0);
    assert.equal(report.summary.resources, 9);
  });

  test('files one kustomization includes, or one Flux Kustomization path holds, are compared; one file with itself always', async () => {
    const root = layout('joined', {
      'base/kustomization.yaml': 'resources:\n- settings.yaml\n- more-settings.yaml\n',
      'base/settings.yaml': configMap('settings'),
      'base/more-settings.yaml': configMap('settings'),
      'clusters/prod/apps.yaml': 'apiVersion: kustomize.toolkit.fluxcd.io/v1\nkind: Kustomization\nmetadata:\n  name: apps\n  namespace: flux-system\nspec:\n  interval: 10m\n  path: ./apps/prod\n  prune: true\n  sourceRef:\n    kind: GitRepository\n    name: flux-system\n',
      'apps/prod/one.yaml': configMap('shared'),
      'apps/prod/nested/two.yaml': configMap('shared'),
      'loose/twice.yaml': `${configMap('twice')}---\n${configMap('twice')}`,
    });
    const { code, report } = await check(root);
    assert.equal(code, 1);
    assert.deepEqual(
      report.findings.map((f) => [f.path, f.line, f.column, f.message]),
      [
        ['apps/prod/one.yaml', 4, 9, 'duplicate resource ConfigMap/shared: already declared at apps/prod/nested/two.yaml:4'],
        // In the kustomization's order: the later resource is the duplicate.
        ['base/more-settings.yaml', 4, 9, 'duplicate resource ConfigMap/settings: already declared at base/settings.yaml:4'],
        ['loose/twice.yaml', 11, 9, 'duplicate resource ConfigMap/twice: already declared at line 4'],
      ].sort(),
      brief(report),
    );
  });

  test('bases that set their own namespace are not compared with each other: their objects differ once rendered', async () => {
    // As in home-ops style repositories: every namespace folder declares `name: _`, which its kustomization's `namespace:` replaces.
    const namespace = 'apiVersion: v1\nkind: Namespace\nmetadata:\n  name: _\n';
    const root = layout('namespaced', {
      'apps/kustomization.yaml': 'resources:\n- ./cert-manager\n- ./network\n',
      'apps/cert-manager/kustomization.yaml': 'namespace: cert-manager\nresources:\n- namespace.yaml\n',
      'apps/cert-manager/namespace.yaml': namespace,
      'apps/network/kustomization.yaml': 'namespace: network\nresources:\n- namespace.yaml\n',
      'apps/network/namespace.yaml': namespace,
      'clusters/main/apps.yaml': 'apiVersion: kustomize.toolkit.fluxcd.io/v1\nkind: Kustomization\nmetadata:\n  name: apps\n  namespace: flux-system\nspec:\n  interval: 1h\n  path: ./apps\n  prune: true\n  sourceRef:\n    kind: GitRepository\n    name: flux-system\n',
    });
    const { code, report } = await check(root, '--strict');
    assert.deepEqual(report.findings, [], brief(report));
    assert.equal(code, 0);
  });

  test('a Deployment without a selector is fine where its kustomization\'s commonLabels create one, an error elsewhere', async () => {
    const unselected = deployment('grafana').replace('  selector:\n    matchLabels: {app: grafana}\n', '');
    const root = layout('common-labels', {
      'grafana/kustomization.yaml': 'commonLabels:\n  app.kubernetes.io/name: grafana\nresources:\n- deployment.yaml\n',
      'grafana/deployment.yaml': unselected,
      'loose/deployment.yaml': unselected,
    });
    const { code, report } = await check(root);
    assert.deepEqual(
      report.findings.map((f) => [f.path, f.line, f.message]),
      [['loose/deployment.yaml', 5, 'missing required field `selector` in Deployment spec']],
      brief(report),
    );
    assert.equal(code, 1);
  });

  test('a PatchTransformer path and a bare string under patches: name patches, not resources: no duplicate, no missing selector', async () => {
    const root = layout('patches', {
      'transformer/kustomization.yaml': 'resources:\n- deployment.yaml\ntransformers:\n- replicas-transformer.yaml\n',
      'transformer/deployment.yaml': deployment('web'),
      'transformer/replicas-transformer.yaml': 'apiVersion: builtin\nkind: PatchTransformer\nmetadata:\n  name: replicas\npath: replicas.yaml\ntarget:\n  kind: Deployment\n',
      'transformer/replicas.yaml': replicasPatch('web'),
      'malformed/kustomization.yaml': 'resources:\n- deployment.yaml\npatches:\n- replicas.yaml\n',
      'malformed/deployment.yaml': deployment('web'),
      'malformed/replicas.yaml': replicasPatch('web'),
    });
    const { code, report } = await check(root, '--strict');
    assert.deepEqual(
      report.findings.map((f) => [f.path, f.line, f.code, f.message]),
      [['malformed/kustomization.yaml', 4, 'schema.type', 'Kustomization patches[0] must be an object, not the string "replicas.yaml"; write `- path: replicas.yaml`']],
      brief(report),
    );
    assert.equal(code, 1, 'the malformed kustomization entry itself is the error');
  });

  test('custom tags in CloudFormation and GitLab CI files are not errors, with --strict too', async () => {
    const root = layout('tags', {
      'cloudformation/stack.yaml': 'Resources:\n  Bucket:\n    Type: AWS::S3::Bucket\n    Properties:\n      BucketName: !Sub "${AWS::StackName}-data"\n      Owner: !Ref Owner\n',
      '.gitlab-ci.yml': 'build:\n  script:\n    - !reference [.setup, script]\n    - make\n',
      'ansible/vars.yaml': 'db_password: !vault |\n  $ANSIBLE_VAULT;1.1;AES256\n  3061\n',
    });
    const { code, report } = await check(root, '--strict');
    assert.deepEqual(report.findings, [], brief(report));
    assert.equal(code, 0);
  });

  test('List items count as resources and fail the run on their own lines; a kind without apiVersion fails it', async () => {
    const root = layout('lists', {
      'list.yaml': `apiVersion: v1\nkind: List\nitems:\n- apiVersion: v1\n  kind: ConfigMap\n  metadata:\n    name: a\n  datta: {}\n- ${deployment('web').replace(/\n(?=.)/g, '\n  ')}`,
      'half.yaml': 'kind: ConfigMap\nmetadata:\n  name: b\n',
    });
    const { code, report } = await check(root);
    assert.equal(code, 1);
    assert.equal(report.summary.resources, 2, 'the two items; the half-typed object is not one');
    assert.deepEqual(
      report.findings.map((f) => [f.path, f.line, f.column, f.code]),
      [
        ['half.yaml', 1, 7, 'resource.missing-apiVersion'],
        ['list.yaml', 8, 3, 'schema.unknown-field'],
      ],
      brief(report),
    );
  });
});

// Cluster tier, issue 15: YAML 1.1 booleans, with kubectl and the real kube-apiserver as the
// oracle. kubectl reads the files (sigs.k8s.io/yaml, YAML 1.1); the apiserver stores what it is
// sent. What `plumbline check` says of the same files must match: a plain `on:` key arrives as
// "true" (our warning), a plain `yes` where a string goes is refused (our error), quoted they are
// kept as written (nothing to say). And what we send to a cluster is read as kubectl reads it:
// YAML 1.1 booleans, octals, underscores and merge keys.
//
//   node --import tsx --test --test-reporter=spec test/cluster/yaml11Booleans.test.ts
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { REPO } from '../support/paths';
import { startCluster, type Cluster } from './harness';
import { ManifestParser } from '../../server/src/manifests/parse';
import { kubectlValue } from '../../server/src/manifests/kubectlRead';

const CONFIGMAP = `apiVersion: v1
kind: ConfigMap
metadata: {name: workflow, namespace: default}
data:
  on: push
  'off': kept
  Y: also
`;

// A Deployment rather than a Pod: the bench apiserver has no default ServiceAccount for Pods to use.
const deployment = (value: string): string => `apiVersion: apps/v1
kind: Deployment
metadata: {name: runner, namespace: default}
spec:
  selector: {matchLabels: {app: runner}}
  template:
    metadata: {labels: {app: runner}}
    spec:
      containers:
        - name: app
          image: nginx:1.27
          env:
            - name: DEBUG
              value: ${value}
`;

interface JsonFinding {
  line: number;
  severity: string;
  code: string;
  message: string;
}

describe('YAML 1.1 booleans: plumbline check says what kubectl and the apiserver do', { timeout: 5 * 60_000 }, () => {
  let cluster: Cluster;
  let work: string;
  before(async () => {
    work = mkdtempSync(join(tmpdir(), 'plumbline-yaml11-'));
    cluster = await startCluster();
  });
  after(async () => {
    await cluster?.stop();
    rmSync(work, { recursive: true, force: true });
  });

  const kubectl = (file: string): { status: number | null; stdout: string; stderr: string } =>
    spawnSync('kubectl', ['--kubeconfig', cluster.kubeconfigPath, 'create', '--dry-run=server', '-o', 'json', '-f', file], { encoding: 'utf8' });
  const check = (file: string): JsonFinding[] => {
    const run = spawnSync(process.execPath, [join(REPO, 'dist', 'cli.js'), 'check', '-o', 'json', file], { encoding: 'utf8' });
    assert.ok(run.status === 0 || run.status === 1, run.stderr);
    return (JSON.parse(run.stdout) as { findings: JsonFinding[] }).findings;
  };

  test('a ConfigMap key `on` is stored as "true", `Y` as "true", a quoted one as written: our warnings name exactly those keys', () => {
    const file = join(work, 'configmap.yaml');
    writeFileSync(file, CONFIGMAP);
    const created = kubectl(file);
    assert.equal(created.status, 0, created.stderr);
    const keys = Object.keys((JSON.parse(created.stdout) as { data: Record<string, string> }).data).sort();
    assert.deepEqual(keys, ['off', 'true']);
    const findings = check(file);
    assert.deepEqual(
      findings.map((f) => [f.line, f.severity, f.code]),
      [
        [5, 'warning', 'yaml.boolean-key'],
        [7, 'warning', 'yaml.boolean-key'],
      ],
    );
    assert.match(findings[0]?.message ?? '', /the key `on` as "true"/);
  });

  test('a plain `yes` for a string field is refused by the apiserver and is our error; quoted, both accept it', () => {
    const plain = join(work, 'deployment-plain.yaml');
    const quoted = join(work, 'deployment-quoted.yaml');
    writeFileSync(plain, deployment('yes'));
    writeFileSync(quoted, deployment('"yes"'));
    const refused = kubectl(plain);
    assert.notEqual(refused.status, 0);
    assert.match(refused.stderr, /cannot unmarshal bool into Go struct field EnvVar\.spec\.template\.spec\.containers\.env\.value of type string/);
    assert.deepEqual(
      check(plain).map((f) => [f.line, f.severity, f.code, f.message]),
      [[14, 'error', 'schema.type', 'Deployment spec.template.spec.containers[app].env[DEBUG].value must be a string, not a boolean: kubectl reads `yes` as true (YAML 1.1); quote it: "yes"']],
    );
    const accepted = kubectl(quoted);
    assert.equal(accepted.status, 0, accepted.stderr);
    assert.deepEqual(check(quoted), []);
  });

  test('a plain `yes` for a boolean field: kubectl sends true; kustomize builds the string "yes", which the apiserver refuses, and so does our check', () => {
    const folder = join(work, 'kustomized');
    mkdirSync(folder, { recursive: true });
    writeFileSync(join(folder, 'deployment.yaml'), deployment('"x"').replace('    spec:\n', '    spec:\n      hostNetwork: yes\n'));
    const direct = kubectl(join(folder, 'deployment.yaml'));
    assert.equal(direct.status, 0, direct.stderr);
    assert.deepEqual(check(join(folder, 'deployment.yaml')), []);
    writeFileSync(join(folder, 'kustomization.yaml'), 'resources:\n  - deployment.yaml\n');
    const built = spawnSync('kubectl', ['kustomize', folder], { encoding: 'utf8' });
    assert.equal(built.status, 0, built.stderr);
    const refused = spawnSync('kubectl', ['--kubeconfig', cluster.kubeconfigPath, 'create', '--dry-run=server', '-f', '-'], { input: built.stdout, encoding: 'utf8' });
    assert.notEqual(refused.status, 0);
    assert.match(refused.stderr, /hostNetwork/);
    assert.deepEqual(
      check(folder).map((f) => [f.line, f.severity, f.code]),
      [[9, 'error', 'schema.type']],
    );
  });

  test('every plain scalar YAML 1.1 reads otherwise is read as kubectl reads it (its client-side dry run is the oracle)', () => {
    const file = join(work, 'scalars.yaml');
    writeFileSync(file, SCALARS);
    const run = spawnSync('kubectl', ['--kubeconfig', cluster.kubeconfigPath, 'create', '--dry-run=client', '--validate=false', '-o', 'json', '-f', file], { encoding: 'utf8' });
    assert.equal(run.status, 0, run.stderr);
    const theirs = JSON.parse(run.stdout) as { data: Record<string, unknown> };
    const parsed = new ManifestParser().parse(SCALARS);
    const ours = kubectlValue(parsed, parsed.documents[0]!, 100) as { data: Record<string, unknown> };
    assert.deepEqual(ours.data, theirs.data);
    // The values that differ from YAML 1.2's reading, so the test shows what it guards.
    assert.equal(theirs.data['octal'], 509);
    assert.equal(theirs.data['affirmative'], true);
    assert.equal(theirs.data['true'], 'key');
    assert.equal(theirs.data['false'], false);
    assert.equal(theirs.data['underscored'], 1000);
    assert.equal((theirs.data['merged'] as Record<string, unknown>)['size'], 'small');
  });

  test('plumbline diff of a plain file kubectl applied with `yes`, `on`, `0775` and a merge key: in sync, as kubectl sees it', () => {
    const file = join(work, 'plain-1.1.yaml');
    writeFileSync(file, YAML11_DEPLOYMENT);
    const applied = spawnSync('kubectl', ['--kubeconfig', cluster.kubeconfigPath, 'apply', '--server-side', '-f', file], { encoding: 'utf8' });
    assert.equal(applied.status, 0, applied.stderr);
    const diff = spawnSync(process.execPath, [join(REPO, 'dist', 'cli.js'), 'diff', '--kubeconfig', cluster.kubeconfigPath, file], { encoding: 'utf8' });
    assert.equal(diff.status, 0, diff.stdout + diff.stderr);
    assert.match(diff.stdout, /in sync: 1, drifted: 0, not in cluster: 0, rejected: 0/);
  });
});

// A ConfigMap's data, which kubectl's client-side dry run prints as it read it (the apiserver would refuse the non-strings).
const SCALARS = `apiVersion: v1
kind: ConfigMap
metadata: {name: scalars, namespace: default}
base: &base {size: small, keep: yes}
data:
  affirmative: yes
  no: No
  onoff: [on, Off, y, N, YES, 'no', "on", !!str on]
  octal: 0775
  negativeOctal: -0644
  zeroO: 0o17
  hex: 0x1F
  binary: 0b101
  underscored: 1_000
  underscoredFloat: 1_0.5
  notOctal: 09
  exponent: 1e3
  fraction: .5
  date: 2024-01-01
  nothing: ~
  merged:
    <<: *base
    keep: mine
  on: key
`;

const YAML11_DEPLOYMENT = `apiVersion: apps/v1
kind: Deployment
metadata:
  name: yaml11
  namespace: default
  labels: &labels {app: yaml11}
spec:
  selector: {matchLabels: *labels}
  template:
    metadata:
      labels:
        <<: *labels
        tier: web
    spec:
      hostNetwork: yes
      containers:
        - name: app
          image: nginx:1.27
          stdin: on
          tty: n
      volumes:
        - name: scripts
          configMap:
            name: scripts
            defaultMode: 0775
`;

// Cluster tier, issue 15: YAML 1.1 booleans, with kubectl and the real kube-apiserver as the
// oracle. kubectl reads the files (sigs.k8s.io/yaml, YAML 1.1); the apiserver stores what it is
// sent. What `plumbline check` says of the same files must match: a plain `on:` key arrives as
// "true" (our warning), a plain `yes` where a string goes is refused (our error), quoted they are
// kept as written (nothing to say).
//
//   node --import tsx --test --test-reporter=spec test/cluster/yaml11Booleans.test.ts
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { REPO } from '../support/paths';
import { startCluster, type Cluster } from './harness';

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
});

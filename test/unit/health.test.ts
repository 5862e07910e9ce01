// Health of live objects (issue 16): kstatus's rules per kind, Argo CD's words and worst-of roll-up.
// The objects are written as the controllers leave them in the cluster.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { parse } from 'yaml';
import { healthOf, healthRollup } from '../../server/src/health/health';
import { kstatusOf } from '../../server/src/health/kstatus';
import type { KubeObject } from '../../server/src/manifests/kubeObject';
import { readFluxBuild } from '../../server/src/environments/fluxBuild';

const object = (apiVersion: string, kind: string, spec: Record<string, unknown>, status: Record<string, unknown>, metadata: Record<string, unknown> = {}): KubeObject =>
  ({ apiVersion, kind, metadata: { name: 'x', generation: 2, ...metadata }, spec, status: { observedGeneration: 2, ...status } });
const deployment = (status: Record<string, unknown>, spec: Record<string, unknown> = { replicas: 3 }): KubeObject => object('apps/v1', 'Deployment', spec, status);
const verdict = (o: KubeObject): [string, string] => {
  const k = kstatusOf(o);
  return [k.status, k.message];
};

describe('kstatus rules', () => {
  test('Deployment: rolling out, available, stalled on its progress deadline, paused', () => {
    assert.deepEqual(verdict(deployment({ replicas: 3, updatedReplicas: 1, readyReplicas: 1, availableReplicas: 1 })), ['InProgress', 'Rolling out: updated 1/3']);
    assert.deepEqual(verdict(deployment({ replicas: 3, updatedReplicas: 3, readyReplicas: 2, availableReplicas: 2 })), ['InProgress', 'Available: 2/3']);
    assert.deepEqual(verdict(deployment({ replicas: 3, updatedReplicas: 3, readyReplicas: 3, availableReplicas: 3 })), ['Current', 'Available: 3/3']);
    const stuck = deployment({ replicas: 3, updatedReplicas: 1, conditions: [{ type: 'Progressing', status: 'False', reason: 'ProgressDeadlineExceeded', message: 'ReplicaSet "web-5d" has timed out progressing.' }] });
    assert.deepEqual(verdict(stuck), ['Failed', 'Progress deadline exceeded: ReplicaSet "web-5d" has timed out progressing.']);
    assert.deepEqual(verdict(object('apps/v1', 'Deployment', { replicas: 2 }, { replicas: 2, updatedReplicas: 2 }, { generation: 3 })), ['InProgress', 'Generation 3 is not observed yet (observed 2)']);
    const paused = healthOf(deployment({ replicas: 3, updatedReplicas: 3, readyReplicas: 3, availableReplicas: 3 }, { replicas: 3, paused: true }), 'argocd');
    assert.equal(paused.word, 'Suspended');
  });

  test('Job failed or complete; PVC pending; Pod ImagePullBackOff and CrashLoopBackOff', () => {
    assert.deepEqual(verdict(object('batch/v1', 'Job', {}, { failed: 4, conditions: [{ type: 'Failed', status: 'True', reason: 'BackoffLimitExceeded', message: 'Job has reached the specified backoff limit' }] })), ['Failed', 'Job failed: BackoffLimitExceeded: Job has reached the specified backoff limit']);
    assert.deepEqual(verdict(object('batch/v1', 'Job', {}, { succeeded: 1, conditions: [{ type: 'Complete', status: 'True' }] })), ['Current', 'Job completed: 1 succeeded']);
    assert.deepEqual(verdict(object('v1', 'PersistentVolumeClaim', {}, { phase: 'Pending' })), ['InProgress', 'Claim is pending']);
    const pulling = object('v1', 'Pod', {}, { phase: 'Pending', containerStatuses: [{ name: 'web', state: { waiting: { reason: 'ImagePullBackOff', message: 'Back-off pulling image "registry.example/web:9.9"' } } }] });
    assert.deepEqual(verdict(pulling), ['InProgress', 'ImagePullBackOff: Back-off pulling image "registry.example/web:9.9" (container web)']);
    assert.equal(healthOf(pulling, 'argocd').word, 'Degraded', 'Argo CD calls an image it cannot pull Degraded');
    const crashing = object('v1', 'Pod', {}, { phase: 'Running', containerStatuses: [{ name: 'web', state: { waiting: { reason: 'CrashLoopBackOff' } } }] });
    assert.deepEqual(verdict(crashing), ['Failed', 'CrashLoopBackOff (container web)']);
  });

  test('the generic rules: being deleted, Reconciling and Stalled conditions, Ready for everything else', () => {
    assert.equal(kstatusOf(object('v1', 'ConfigMap', {}, {}, { deletionTimestamp: '2026-12-06T10:00:00Z' })).status, 'Terminating');
    const hr = (conditions: unknown[]): KubeObject => object('helm.toolkit.fluxcd.io/v2', 'HelmRelease', {}, { conditions });
    assert.deepEqual(verdict(hr([{ type: 'Reconciling', status: 'True', reason: 'Progressing', message: 'Running upgrade' }])), ['InProgress', 'Progressing: Running upgrade']);
    assert.deepEqual(verdict(hr([{ type: 'Stalled', status: 'True', reason: 'RetriesExceeded', message: 'Failed to upgrade after 3 attempts' }])), ['Failed', 'RetriesExceeded: Failed to upgrade after 3 attempts']);
    assert.deepEqual(verdict(hr([{ type: 'Ready', status: 'True', reason: 'UpgradeSucceeded', message: 'Helm upgrade succeeded' }])), ['Current', 'UpgradeSucceeded: Helm upgrade succeeded']);
    assert.deepEqual(verdict(object('v1', 'ConfigMap', {}, {})), ['Current', 'Resource is current']);
    const suspended = healthOf(object('kustomize.toolkit.fluxcd.io/v1', 'Kustomization', { suspend: true }, { conditions: [{ type: 'Ready', status: 'True' }] }), 'kstatus');
    assert.equal(suspended.word, 'Suspended');
  });

  test('a missing object; the roll-up is worst-of in Argo CD order', () => {
    assert.deepEqual(healthOf(undefined, 'argocd'), { status: 'NotFound', word: 'Missing', argo: 'Missing', message: 'not in the cluster' });
    const healthy = healthOf(deployment({ replicas: 3, updatedReplicas: 3, readyReplicas: 3, availableReplicas: 3 }), 'kstatus');
    const rolling = healthOf(deployment({ replicas: 3, updatedReplicas: 1 }), 'kstatus');
    assert.equal(rolling.word, 'InProgress');
    assert.deepEqual(healthRollup([healthy, healthy, rolling, healthy, healthy]), { worst: 'Progressing', summary: '4/5 healthy, 1 progressing' });
    assert.deepEqual(healthRollup([healthy, healthOf(undefined, 'kstatus'), rolling]), { worst: 'Missing', summary: '1/3 healthy, 1 progressing, 1 missing' });
    assert.equal(healthRollup([]), undefined);
  });

  test("a Flux Kustomization's healthCheckExprs decide for their kind, as kustomize-controller evaluates them", () => {
    const flux = `apiVersion: kustomize.toolkit.fluxcd.io/v1
kind: Kustomization
metadata: {name: data, namespace: flux-system}
spec:
  path: ./data
  healthCheckExprs:
    - apiVersion: example.com/v1
      kind: Database
      failed: status.phase == 'Failed'
      current: status.phase == 'Ready' && status.readyReplicas == 3
    - apiVersion: example.com/v1
      kind: Broken
      current: status.nothere.deeper == 'x'
`;
    const build = readFluxBuild(parse(flux), 'data');
    const exprs = build?.build.healthCheckExprs ?? [];
    assert.equal(exprs.length, 2);
    const db = (status: Record<string, unknown>): KubeObject => object('example.com/v1', 'Database', {}, status);
    assert.deepEqual(healthOf(db({ phase: 'Ready', readyReplicas: 3 }), 'kstatus', exprs), { status: 'Current', word: 'Current', argo: 'Healthy', message: "healthCheckExprs: current `status.phase == 'Ready' && status.readyReplicas == 3`" });
    assert.equal(healthOf(db({ phase: 'Failed' }), 'kstatus', exprs).word, 'Failed');
    assert.deepEqual(healthOf(db({ phase: 'Provisioning', readyReplicas: 1 }), 'kstatus', exprs).message, "healthCheckExprs: waiting for current `status.phase == 'Ready' && status.readyReplicas == 3`");
    const broken = healthOf(object('example.com/v1', 'Broken', {}, {}), 'kstatus', exprs);
    assert.equal(broken.word, 'Unknown');
    assert.match(broken.message, /^healthCheckExprs current: `status\.nothere\.deeper == 'x'`: /);
    // Kinds no expression names keep kstatus's rules.
    assert.equal(healthOf(deployment({ replicas: 3, updatedReplicas: 1 }), 'kstatus', exprs).word, 'InProgress');
  });
});

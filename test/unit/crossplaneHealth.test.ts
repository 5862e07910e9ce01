// Crossplane's objects (issue 16): Synced and Ready as health, with the reasons its reconcilers
// write; Synced=False with ReconcileForbidden as drift on the object in Git. The objects are
// written as a provider leaves them in the cluster.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { parseDocument } from 'yaml';
import { crossplaneDrift, crossplaneHealthOf, isCrossplane } from '../../server/src/health/crossplane';
import { healthOf } from '../../server/src/health/health';
import { driftProblems, driftSummary } from '../../server/src/drift/findings';
import { OWN_APPLY } from '../../server/src/drift/applyAs';
import type { KubeObject } from '../../server/src/manifests/kubeObject';

type Condition = { type: string; status: string; reason: string; message?: string; observedGeneration?: number };
const bucket = (conditions: Condition[], extra: Record<string, unknown> = {}): KubeObject => ({
  apiVersion: 's3.aws.upbound.io/v1beta1',
  kind: 'Bucket',
  metadata: { name: 'logs', generation: 1, ...extra },
  spec: { forProvider: { region: 'eu-west-1' }, managementPolicies: ['Observe', 'Create', 'Delete'] },
  status: { atProvider: { region: 'eu-west-1' }, conditions },
});
const synced = (status: string, reason: string, message?: string): Condition => ({ type: 'Synced', status, reason, ...(message !== undefined ? { message } : {}) });
const ready = (status: string, reason: string, message?: string): Condition => ({ type: 'Ready', status, reason, ...(message !== undefined ? { message } : {}) });
const verdict = (o: KubeObject): [string, string, boolean] => {
  const k = crossplaneHealthOf(o);
  return [k?.status ?? 'none', k?.message ?? '', k?.suspended === true];
};

describe('Crossplane health', () => {
  test('which objects are Crossplane\'s: provider groups, spec.forProvider, composites and claims; not its packages, not a Deployment', () => {
    assert.ok(isCrossplane(bucket([])));
    assert.ok(isCrossplane({ apiVersion: 'database.example.org/v1alpha1', kind: 'PostgreSQLInstance', spec: { compositionRef: { name: 'aws' } } }));
    assert.ok(isCrossplane({ apiVersion: 'platform.example.org/v1', kind: 'Network', spec: { resourceRef: { name: 'net-x7k' } } }));
    assert.ok(isCrossplane({ apiVersion: 'ec2.aws.crossplane.io/v1beta1', kind: 'VPC', spec: {} }));
    assert.ok(!isCrossplane({ apiVersion: 'pkg.crossplane.io/v1', kind: 'Provider', spec: {} }));
    assert.ok(!isCrossplane({ apiVersion: 'apps/v1', kind: 'Deployment', spec: { replicas: 1 } }));
  });

  test('Synced and Ready: available, creating, unavailable, deleting, reconcile errors, paused, not yet observed', () => {
    assert.deepEqual(verdict(bucket([synced('True', 'ReconcileSuccess'), ready('True', 'Available')])), ['Current', 'Available', false]);
    assert.deepEqual(verdict(bucket([synced('True', 'ReconcileSuccess'), ready('False', 'Creating')])), ['InProgress', 'Ready: Creating', false]);
    assert.deepEqual(verdict(bucket([synced('True', 'ReconcileSuccess'), ready('False', 'Unavailable', 'bucket is being repaired')])), ['Failed', 'Ready: Unavailable: bucket is being repaired', false]);
    assert.deepEqual(verdict(bucket([synced('True', 'ReconcileSuccess'), ready('False', 'Deleting')])), ['Terminating', 'Deleting', false]);
    const error = bucket([synced('False', 'ReconcileError', 'observe failed: cannot get bucket: AccessDenied'), ready('True', 'Available')]);
    assert.deepEqual(verdict(error), ['Failed', 'Synced: ReconcileError: observe failed: cannot get bucket: AccessDenied', false]);
    assert.equal(healthOf(error, 'argocd').word, 'Degraded');
    const paused = bucket([synced('False', 'ReconcilePaused', 'Reconciliation is paused via the pause annotation'), ready('True', 'Available')]);
    assert.deepEqual(verdict(paused), ['Current', 'Synced: ReconcilePaused: Reconciliation is paused via the pause annotation', true]);
    assert.equal(healthOf(paused, 'argocd').word, 'Suspended');
    assert.deepEqual(verdict(bucket([])), ['InProgress', 'Waiting for Crossplane to report Synced and Ready', false], 'kstatus alone would call it current');
    assert.deepEqual(verdict(bucket([synced('True', 'ReconcileSuccess')])), ['InProgress', 'Waiting for Crossplane to report Ready', false]);
    assert.deepEqual(verdict(bucket([{ ...synced('True', 'ReconcileSuccess'), observedGeneration: 1 }, { ...ready('True', 'Available'), observedGeneration: 1 }], { generation: 2 })), ['InProgress', 'Generation 2 is not reconciled yet (Synced observed 1)', false]);
    assert.equal(verdict(bucket([ready('True', 'Available')], { deletionTimestamp: '2026-12-07T01:00:00Z' }))[0], 'Terminating');
    assert.equal(crossplaneHealthOf({ apiVersion: 'apps/v1', kind: 'Deployment', spec: {} }), undefined);
  });

  test('ReconcileForbidden: health from Ready, and drift on spec.forProvider with the condition\'s message', () => {
    const message = 'external resource differs from desired state: versioning.status: Enabled != Suspended; managementPolicies forbid updates';
    const live = bucket([synced('False', 'ReconcileForbidden', message), ready('True', 'Available')]);
    assert.deepEqual(verdict(live), ['Current', 'Available', false]);
    assert.equal(crossplaneDrift(live), message);
    assert.equal(crossplaneDrift(bucket([synced('False', 'ReconcileError', 'boom')])), undefined);
    const text = 'apiVersion: s3.aws.upbound.io/v1beta1\nkind: Bucket\nmetadata:\n  name: logs\nspec:\n  forProvider:\n    region: eu-west-1\n';
    const doc = parseDocument(text);
    const report = { state: 'in-sync' as const, live, predicted: live, clientSide: false, namespace: undefined, appliedAs: OWN_APPLY };
    const identity = { apiVersion: 's3.aws.upbound.io/v1beta1', group: 's3.aws.upbound.io', version: 'v1beta1', kind: 'Bucket', name: 'logs' };
    const problems = driftProblems(report, doc, identity, 'warning');
    assert.equal(problems.length, 1);
    assert.equal(problems[0]?.code, 'drift.external');
    assert.equal(problems[0]?.message, `Bucket/logs: the external resource differs from Git and Crossplane may not update it (ReconcileForbidden): ${message}`);
    assert.equal(text.slice(problems[0]?.start, problems[0]?.end), 'forProvider', 'on spec.forProvider');
    // Git that does not declare forProvider here (a patch elsewhere): on the object's name.
    const bare = parseDocument('apiVersion: s3.aws.upbound.io/v1beta1\nkind: Bucket\nmetadata:\n  name: logs\n');
    const onName = driftProblems(report, bare, identity, 'warning')[0];
    assert.equal('apiVersion: s3.aws.upbound.io/v1beta1\nkind: Bucket\nmetadata:\n  name: logs\n'.slice(onName?.start, onName?.end), 'logs');
    assert.equal(driftSummary(report), '$(warning) external resource drifted (Crossplane may not update it)');
  });
});

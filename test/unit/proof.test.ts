// The proof that lets drift skip the dry-run: applying Git as its applier is a no-op exactly
// when the applier's fields are Git's fields with the live values. Whatever is unsure is left
// to the dry-run (the drift benchmark checks the findings are identical without the proof).
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { KubeObject } from '../../server/src/cluster/http';
import { provenNoOp } from '../../server/src/drift/proof';

const git = (): Record<string, unknown> => ({
  apiVersion: 'v1',
  kind: 'Service',
  metadata: { name: 'web', namespace: 'shop', labels: { app: 'web' } },
  spec: { selector: { app: 'web' }, ports: [{ name: 'http', port: 80, targetPort: 'http' }] },
});

const fields = {
  'f:metadata': { 'f:labels': { 'f:app': {} } },
  'f:spec': { 'f:selector': { 'f:app': {} }, 'f:ports': { 'k:{"port":80,"protocol":"TCP"}': { '.': {}, 'f:name': {}, 'f:port': {}, 'f:targetPort': {} } } },
};

const live = (change: (o: KubeObject) => void = () => undefined, managedFields = fields, manager = 'kustomize-controller'): KubeObject => {
  const o: KubeObject = {
    apiVersion: 'v1',
    kind: 'Service',
    metadata: { name: 'web', namespace: 'shop', labels: { app: 'web' }, managedFields: [{ manager, operation: 'Apply', fieldsV1: managedFields }] },
    spec: { selector: { app: 'web' }, ports: [{ name: 'http', port: 80, protocol: 'TCP', targetPort: 'http' }], clusterIP: '10.0.0.7', type: 'ClusterIP' },
  };
  change(o);
  return o;
};

const none = (): undefined => undefined;

describe('proof of a no-op apply', () => {
  test('the applier owns exactly Git’s fields with the live values (a port keyed by its default protocol): proven', () => {
    assert.equal(provenNoOp(live(), git(), 'kustomize-controller', none), true);
  });

  test('another manager’s apply, or none, proves nothing', () => {
    assert.equal(provenNoOp(live(), git(), 'plumbline', none), false);
    assert.equal(provenNoOp(live(undefined, fields, 'kubectl'), git(), 'kustomize-controller', none), false);
  });

  test('a value someone changed, a field Git added, a field Git dropped: the dry-run decides', () => {
    assert.equal(provenNoOp(live((o) => ((o.spec as { selector: Record<string, string> }).selector['app'] = 'other')), git(), 'kustomize-controller', none), false);
    const added = git();
    (added['metadata'] as { labels: Record<string, string> }).labels['tier'] = 'front';
    assert.equal(provenNoOp(live(), added, 'kustomize-controller', none), false);
    const dropped = git();
    delete (dropped['metadata'] as { labels?: unknown }).labels;
    assert.equal(provenNoOp(live(), dropped, 'kustomize-controller', none), false);
  });

  test('atomic fields compare whole, with the defaults the server fills in; quantities by value', () => {
    const pod = (fieldRef: Record<string, string>, memory: string): Record<string, unknown> => ({
      apiVersion: 'v1',
      kind: 'ConfigMap',
      metadata: { name: 'x' },
      spec: { env: [{ name: 'NS', valueFrom: { fieldRef } }], limits: { memory } },
    });
    const owned = { 'f:spec': { 'f:env': { 'k:{"name":"NS"}': { '.': {}, 'f:name': {}, 'f:valueFrom': { 'f:fieldRef': {} } } }, 'f:limits': { 'f:memory': {} } } };
    const object = { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'x', managedFields: [{ manager: 'kustomize-controller', operation: 'Apply', fieldsV1: owned }] }, spec: { env: [{ name: 'NS', valueFrom: { fieldRef: { apiVersion: 'v1', fieldPath: 'metadata.namespace' } } }], limits: { memory: '1Gi' } } } as unknown as KubeObject;
    const limits = (path: unknown[]): string[] | undefined => (path[path.length - 1] === 'env' ? ['name'] : undefined);
    assert.equal(provenNoOp(object, pod({ fieldPath: 'metadata.namespace' }, '1Gi'), 'kustomize-controller', limits), true);
    assert.equal(provenNoOp(object, pod({ fieldPath: 'metadata.namespace' }, '1073741824'), 'kustomize-controller', limits), true);
    assert.equal(provenNoOp(object, pod({ fieldPath: 'metadata.name' }, '1Gi'), 'kustomize-controller', limits), false);
    assert.equal(provenNoOp(object, pod({ fieldPath: 'metadata.namespace' }, '2Gi'), 'kustomize-controller', limits), false);
  });
});

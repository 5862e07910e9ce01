import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { KubeObject } from '../../server/src/cluster/http';
import { defaultsOfClientSideApply, predictClientSide, quantityValue } from '../../server/src/drift/clientSide';
import { diffObjects } from '../../server/src/drift/diff';
import { formatPath } from '../../server/src/manifests/fieldPath';

const none = (): undefined => undefined;

describe('the client-side prediction (no permission to dry-run)', () => {
  test('quantities by value', () => {
    assert.equal(quantityValue('1000m'), 1);
    assert.equal(quantityValue('1Gi'), quantityValue('1024Mi'));
    assert.equal(quantityValue('1.5k'), 1500);
    assert.equal(quantityValue('1e3'), 1000);
    assert.equal(quantityValue(2), 2);
    assert.equal(quantityValue('lots'), undefined);
  });

  const live = {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name: 'p' },
    spec: {
      containers: [
        { name: 'web', image: 'a', imagePullPolicy: 'IfNotPresent', ports: [{ containerPort: 80, protocol: 'TCP' }], resources: { requests: { cpu: '1', memory: '1Gi' } } },
        { name: 'added-by-hand', image: 'debug' },
      ],
    },
  } satisfies KubeObject;

  test('list items merge by key, so live defaults stay; equal quantities are no drift; a different one is', () => {
    const desired = { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'p' }, spec: { containers: [{ name: 'web', image: 'a', ports: [{ containerPort: 80 }], resources: { requests: { cpu: '1000m', memory: '1024Mi' } } }] } };
    assert.deepEqual(diffObjects(predictClientSide(live, desired, none, new Set()), live), []);
    const changed = structuredClone(desired);
    changed.spec.containers[0]!.resources.requests.cpu = '500m';
    assert.deepEqual(diffObjects(predictClientSide(live, changed, none, new Set()), live).map((d) => formatPath(d.path)), ['spec.containers[web].resources.requests.cpu']);
  });

  test('Secret stringData is compared as the data the server stores', () => {
    const secret = { apiVersion: 'v1', kind: 'Secret', metadata: { name: 's' }, data: { password: Buffer.from('x').toString('base64') } };
    assert.deepEqual(diffObjects(predictClientSide(secret, { apiVersion: 'v1', kind: 'Secret', metadata: { name: 's' }, stringData: { password: 'x' } }, none, new Set()), secret), []);
  });

  test('what client-side kubectl apply owns but never sent is a default, not a change by hand', () => {
    const applied = { metadata: { annotations: { 'kubectl.kubernetes.io/last-applied-configuration': JSON.stringify({ spec: { containers: [{ name: 'web', image: 'a', env: [{ name: 'DEBUG', value: '1' }] }] } }) } } };
    const isDefault = defaultsOfClientSideApply(applied, none);
    assert.equal(isDefault(['spec', 'containers', { keys: { name: 'web' } }, 'imagePullPolicy'], 'kubectl-client-side-apply'), true);
    assert.equal(isDefault(['spec', 'containers', { keys: { name: 'web' } }, 'env'], 'kubectl-client-side-apply'), false, 'it sent env: a person applied it');
    assert.equal(isDefault(['spec', 'containers', { keys: { name: 'web' } }, 'imagePullPolicy'], 'kubectl-edit'), false);
  });
});

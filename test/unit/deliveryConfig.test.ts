import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { readEnvironmentConfig } from '../../server/src/environments/config';
import { fluxObjectPath } from '../../server/src/environments/converge';

describe('Flux deliveries in .plumbline.yaml', () => {
  test('`resource: HelmRelease` makes Reconcile and Sync address the HelmRelease; a Kustomization by default', () => {
    const { environments, problems } = readEnvironmentConfig(
      'environments:\n  - name: chart\n    path: ./charts/shop\n    delivery: {kind: flux, name: shop, resource: HelmRelease}\n  - name: app\n    path: ./apps/shop\n    delivery: {kind: flux, name: shop, namespace: apps}\n',
    );
    assert.deepEqual(problems, []);
    const [chart, app] = environments.map((e) => e.delivery);
    assert.deepEqual(chart, { kind: 'flux', name: 'shop', namespace: 'flux-system', resource: 'HelmRelease' });
    assert.deepEqual(app, { kind: 'flux', name: 'shop', namespace: 'apps' });
    assert.equal(chart?.kind === 'flux' ? fluxObjectPath(chart) : '', '/apis/helm.toolkit.fluxcd.io/v2/namespaces/flux-system/helmreleases/shop');
    assert.equal(app?.kind === 'flux' ? fluxObjectPath(app) : '', '/apis/kustomize.toolkit.fluxcd.io/v1/namespaces/apps/kustomizations/shop');
  });
});

// The cluster registry keys sessions by kubeconfig and context: two kubeconfigs may give one
// context name to different clusters, and must never share a session (issue 12).
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { ClusterRegistry, clusterKey } from '../../server/src/workspace/clusters';

describe('cluster registry', () => {
  test('one session per kubeconfig and context; the same pair is the same session', () => {
    const registry = new ClusterRegistry(() => ({}), () => '/tmp/plumbline-registry-test');
    const a = registry.session({ kubeconfigPath: '/home/a/config', context: 'prod' });
    const b = registry.session({ kubeconfigPath: '/home/b/config', context: 'prod' });
    assert.notEqual(a, b);
    assert.equal(registry.session({ kubeconfigPath: '/home/a/config', context: 'prod' }), a);
    assert.notEqual(clusterKey({ context: 'prod' }), clusterKey({ kubeconfigPath: 'prod' }));
    assert.equal(registry.size, 2);
  });

  test('reset and dispose close every session: the next request makes a new one', () => {
    const registry = new ClusterRegistry(() => ({}), () => '/tmp/plumbline-registry-test');
    const a = registry.session({ context: 'dev' });
    registry.reset();
    assert.equal(registry.size, 0);
    assert.notEqual(registry.session({ context: 'dev' }), a);
    registry.dispose();
    assert.equal(registry.size, 0);
  });
});

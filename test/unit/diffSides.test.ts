// Show Cluster Diff marks fields set by hand (issue 11): they are on both sides, since applying Git
// keeps them, so the diff itself shows nothing where the CodeLens counts a drifted field.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { parse } from 'yaml';
import { diffSideText } from '../../server/src/drift/diffSides';

const deployment = {
  apiVersion: 'apps/v1',
  kind: 'Deployment',
  metadata: { name: 'web', annotations: { 'example.com/owner': 'ops' } },
  spec: { template: { spec: { containers: [{ name: 'sidecar', image: 'b' }, { name: 'web', image: 'a', env: [{ name: 'DEBUG', value: 'true' }] }] } } },
};

describe('Show Cluster Diff: hand-set fields marked', () => {
  test('a comment line above each hand-set field, naming who set it; the YAML is unchanged', () => {
    const text = diffSideText(deployment, [
      { path: ['spec', 'template', 'spec', 'containers', { keys: { name: 'web' } }, 'env'], manager: 'kubectl-set', operation: 'Update', time: '2026-12-06T10:42:00Z' },
      { path: ['metadata', 'annotations', 'example.com/owner'], manager: 'kubectl-annotate', operation: 'Update', time: undefined },
    ]);
    assert.deepEqual(parse(text), deployment, 'the comments change no value');
    const lines = text.split('\n');
    const env = lines.findIndex((l) => /^\s+env:$/.test(l));
    assert.match(lines[env - 1] ?? '', /^\s+# set by hand \(kubectl-set, 2026-12-06T10:42:00Z\): Git does not declare it, and applying Git keeps it$/);
    const owner = lines.findIndex((l) => /example\.com\/owner: ops/.test(l));
    assert.match(lines[owner - 1] ?? '', /# set by hand \(kubectl-annotate\):/);
    assert.equal(lines.filter((l) => l.includes('# set by hand')).length, 2);
  });

  test('a path that is not on this side is left alone', () => {
    const text = diffSideText(deployment, [{ path: ['spec', 'template', 'spec', 'containers', { keys: { name: 'gone' } }, 'env'], manager: 'kubectl-set', operation: 'Update', time: undefined }]);
    assert.doesNotMatch(text, /set by hand/);
  });
});

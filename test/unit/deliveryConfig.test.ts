import assert from 'node:assert/strict';
import { cpSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { parseDocument } from 'yaml';
import { readEnvironmentConfig } from '../../server/src/environments/config';
import { configTemplate } from '../../server/src/environments/configTemplate';
import { discoverEnvironments } from '../../server/src/environments/discover';
import { plumblineConfigProblems } from '../../server/src/validation/plumblineConfig';
import { EXAMPLES } from '../support/paths';
import { fluxObjectPath } from '../../server/src/delivery/converge';

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

describe('the .plumbline.yaml that Create .plumbline.yaml writes', () => {
  test('is valid where it is created: the discovered environments, or commented examples; no path that may not exist', async () => {
    const root = mkdtempSync(join(tmpdir(), 'plumbline-template-'));
    cpSync(EXAMPLES, root, { recursive: true });
    const before = await discoverEnvironments(root);
    for (const names of [before.environments.map((e) => e.name), []]) {
      const text = configTemplate(names);
      writeFileSync(join(root, '.plumbline.yaml'), text);
      assert.deepEqual(plumblineConfigProblems(parseDocument(text)), [], text);
      const read = readEnvironmentConfig(text);
      assert.deepEqual(read, { environments: names.map((name) => ({ name })), problems: [], repositoryUrls: [] });
      const after = await discoverEnvironments(root);
      assert.deepEqual(after.problems, [], `discovery with the template:\n${text}`);
      assert.deepEqual(after.environments.map((e) => e.name), before.environments.map((e) => e.name));
      assert.doesNotMatch(text, /^\s*paths?:/m, 'no path outside a comment');
    }
    rmSync(root, { recursive: true, force: true });
  });
});

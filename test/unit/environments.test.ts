import assert from 'node:assert/strict';
import { mkdtempSync, mkdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { readEnvironmentConfig } from '../../server/src/environments/config';
import { discoverEnvironments } from '../../server/src/environments/discover';
import { renderEnvironment } from '../../server/src/environments/render';
import { byPromotionOrder } from '../../server/src/environments/stages';
import { EXAMPLES } from '../support/paths';

describe('environment discovery', () => {
  test('the example repository: Flux for dev and staging, Argo CD for a protected prod, in promotion order', async () => {
    const { environments, problems } = await discoverEnvironments(EXAMPLES);
    assert.deepEqual(problems, []);
    assert.deepEqual(
      environments.map((e) => [e.name, e.paths.join(), e.renderer.kind, e.delivery.kind, e.target.namespace, e.protected]),
      [
        ['dev', 'apps/shop/overlays/dev', 'kustomize', 'flux', 'shop-dev', false],
        ['staging', 'apps/shop/overlays/staging', 'kustomize', 'flux', 'shop-staging', false],
        ['prod', 'apps/shop/overlays/prod', 'kustomize', 'argocd', 'shop-prod', true],
      ],
    );
    const dev = environments[0]!;
    assert.deepEqual(dev.delivery, { kind: 'flux', name: 'shop', namespace: 'flux-system', source: { kind: 'GitRepository', name: 'platform', namespace: 'flux-system' } });
    assert.ok(dev.foundBy.includes('Flux Kustomization flux-system/shop in clusters/dev/shop.yaml'));
  });

  test('.plumbline.yaml adds environments and maps them to contexts', async () => {
    const root = mkdtempSync(join(tmpdir(), 'plumbline-envs-'));
    mkdirSync(join(root, 'deploy', 'eu'), { recursive: true });
    writeFileSync(join(root, 'deploy', 'eu', 'app.yaml'), 'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: a\n');
    writeFileSync(join(root, '.plumbline.yaml'), 'environments:\n  - name: eu\n    path: ./deploy/eu\n    context: eu-west\n    namespace: shop\n');
    const { environments } = await discoverEnvironments(root);
    assert.deepEqual(environments.map((e) => [e.name, e.paths.join(), e.renderer.kind, e.target.context, e.delivery.kind]), [['eu', 'deploy/eu', 'plain', 'eu-west', 'direct']]);
  });

  test('Argo CD Applications and Flux Kustomizations whose kind is quoted or written as JSON are found like plain ones', async () => {
    const root = mkdtempSync(join(tmpdir(), 'plumbline-envs-'));
    for (const app of ['web', 'api', 'jobs', 'db']) {
      mkdirSync(join(root, 'apps', app), { recursive: true });
      writeFileSync(join(root, 'apps', app, 'cm.yaml'), `apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: ${app}\n`);
    }
    mkdirSync(join(root, 'argo'));
    const application = (name: string, kind: string): string =>
      `apiVersion: argoproj.io/v1alpha1\n${kind}\nmetadata:\n  name: ${name}\n  namespace: argocd\nspec:\n  project: default\n  source:\n    repoURL: https://example.com/x.git\n    path: apps/${name}\n  destination:\n    server: https://kubernetes.default.svc\n    namespace: ${name}\n`;
    writeFileSync(join(root, 'argo', 'web.yaml'), application('web', 'kind: "Application"'));
    writeFileSync(join(root, 'argo', 'api.yaml'), application('api', "kind: 'Application'"));
    // YAML is a superset of JSON: a generator may write manifests this way.
    writeFileSync(join(root, 'argo', 'jobs.yaml'), JSON.stringify({ apiVersion: 'argoproj.io/v1alpha1', kind: 'Application', metadata: { name: 'jobs', namespace: 'argocd' }, spec: { project: 'default', source: { repoURL: 'https://example.com/x.git', path: 'apps/jobs' }, destination: { server: 'https://kubernetes.default.svc', namespace: 'jobs' } } }));
    mkdirSync(join(root, 'clusters', 'dev'), { recursive: true });
    writeFileSync(join(root, 'clusters', 'dev', 'db.yaml'), `apiVersion: kustomize.toolkit.fluxcd.io/v1\nkind: "Kustomization"\nmetadata:\n  name: db\n  namespace: flux-system\nspec:\n  interval: 10m\n  path: ./apps/db\n  prune: true\n  sourceRef:\n    kind: GitRepository\n    name: flux-system\n`);
    const { environments } = await discoverEnvironments(root);
    const found = environments.flatMap((e) => e.foundBy).sort();
    assert.deepEqual(found.filter((f) => f.startsWith('Argo CD')), ['Argo CD Application argocd/api in argo/api.yaml', 'Argo CD Application argocd/jobs in argo/jobs.yaml', 'Argo CD Application argocd/web in argo/web.yaml']);
    assert.ok(found.some((f) => f.startsWith('Flux Kustomization flux-system/db')), found.join('; '));
  });

  test('a unit whose path is not in the repository says so, naming where the path comes from, for a plain folder and a kustomize build alike', async () => {
    const root = mkdtempSync(join(tmpdir(), 'plumbline-envs-'));
    mkdirSync(join(root, 'argo'));
    writeFileSync(join(root, 'argo', 'web.yaml'), 'apiVersion: argoproj.io/v1alpha1\nkind: Application\nmetadata:\n  name: web\n  namespace: argocd\nspec:\n  project: default\n  source:\n    repoURL: https://example.com/x.git\n    path: apps/web\n  destination:\n    server: https://kubernetes.default.svc\n    namespace: web\n');
    mkdirSync(join(root, 'clusters', 'dev'), { recursive: true });
    writeFileSync(join(root, 'clusters', 'dev', 'db.yaml'), 'apiVersion: kustomize.toolkit.fluxcd.io/v1\nkind: Kustomization\nmetadata:\n  name: db\n  namespace: flux-system\nspec:\n  interval: 10m\n  path: ./apps/db\n  prune: true\n  sourceRef:\n    kind: GitRepository\n    name: flux-system\n');
    const { environments } = await discoverEnvironments(root);
    const rendered = await Promise.all(environments.flatMap((e) => (e.foundBy.some((f) => f.includes('web') || f.includes('/db')) ? [renderEnvironment(root, e, { trusted: true, kustomize: ['kubectl', 'kustomize'] })] : [])));
    const messages = rendered.map((r) => (r.ok ? 'rendered' : `${r.kind}: ${r.message}`)).sort();
    assert.deepEqual(messages, [
      'render-error: not rendered: path "apps/db" does not exist in the repository (from Flux Kustomization flux-system/db in clusters/dev/db.yaml); fix it there',
      'render-error: not rendered: path "apps/web" does not exist in the repository (from Argo CD Application argocd/web in argo/web.yaml); fix it there',
    ]);
  });

  test('mistakes in .plumbline.yaml are problems, not crashes', () => {
    const { environments, problems } = readEnvironmentConfig('environments:\n  - path: x\n  - name: a\n    delivery: {kind: flux}\n  - 3\n');
    assert.deepEqual(environments, [{ name: 'a' }]);
    assert.deepEqual(problems, ['environments[0] needs a name', 'environments[1].delivery must be "direct" or {kind: flux|argocd, name, namespace}', 'environments[2] must be an object']);
  });
});

describe('promotion order', () => {
  test('stages by the names people give them, then names that say no stage, alphabetically', () => {
    const names = ['prod-eu', 'zeta', 'staging', 'qa', 'dev', 'production', 'alpha', 'pre-prod', 'local'];
    assert.deepEqual(
      [...names].sort(byPromotionOrder),
      ['dev', 'local', 'qa', 'pre-prod', 'staging', 'prod-eu', 'production', 'alpha', 'zeta'],
    );
  });
});

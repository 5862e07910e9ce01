// Helm environments: discovery of charts, Flux HelmReleases and Argo CD helm sources, and
// rendering through the real `helm template` (built from Go modules by scripts/install-helm.sh).
import assert from 'node:assert/strict';
import { chmodSync, cpSync, existsSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { discoverEnvironments } from '../../server/src/environments/discover';
import type { Environment } from '../../server/src/environments/model';
import { renderEnvironment, type RenderedObject } from '../../server/src/environments/render';
import { sanitizeSettings } from '../../server/src/protocol';
import { HELM_REPO, helmCommand } from '../support/helm';

async function environment(name: string, root = HELM_REPO): Promise<Environment> {
  const { environments } = await discoverEnvironments(root);
  const env = environments.find((e) => e.name === name);
  assert.ok(env !== undefined, `no environment ${name} in ${environments.map((e) => e.name).join(', ')}`);
  return env;
}

async function render(name: string): Promise<RenderedObject[]> {
  const rendered = await renderEnvironment(HELM_REPO, await environment(name), { trusted: true, kustomize: ['kubectl', 'kustomize'], helm: helmCommand() });
  assert.ok(rendered.ok, rendered.ok ? '' : rendered.message);
  return rendered.objects;
}

function find(objects: RenderedObject[], kind: string, suffix: string): RenderedObject {
  const found = objects.find((o) => o.object.kind === kind && (o.object.metadata?.name ?? '').endsWith(suffix));
  assert.ok(found !== undefined, `no ${kind} *${suffix} in ${objects.map((o) => `${o.object.kind}/${o.object.metadata?.name ?? ''}`).join(', ')}`);
  return found;
}

const field = (o: RenderedObject, ...keys: string[]): unknown => keys.reduce<unknown>((v, k) => (v !== null && typeof v === 'object' ? (v as Record<string, unknown>)[k] : undefined), o.object);

describe('Helm environments: discovery', () => {
  test('one chart, four environments: values-<env>.yaml, a Flux HelmRelease, an Argo CD Application, .plumbline.yaml', async () => {
    const { environments, problems } = await discoverEnvironments(HELM_REPO);
    assert.deepEqual(problems, []);
    assert.deepEqual(
      environments.map((e) => [e.name, e.paths.join(), e.renderer.kind, e.renderer.kind === 'helm' ? e.renderer.valuesFiles.join() : '', e.delivery.kind, e.target.namespace, e.protected]),
      [
        ['dev', 'charts/shop', 'helm', 'charts/shop/values-dev.yaml', 'direct', undefined, false],
        ['staging', 'charts/shop', 'helm', '', 'flux', 'shop-staging', false],
        ['prod', 'charts/shop', 'helm', 'charts/shop/values-prod.yaml', 'argocd', 'shop-prod', true],
        ['eu', 'charts/shop', 'helm', 'deploy/eu/values.yaml', 'direct', 'shop-eu', false],
      ],
    );
    const byName = new Map(environments.map((e) => [e.name, e]));
    assert.deepEqual(byName.get('dev')?.foundBy, ['Helm chart charts/shop with values-dev.yaml']);
    // The Argo CD Application and the values-prod.yaml convention are one environment.
    assert.deepEqual(byName.get('prod')?.foundBy, ['Argo CD Application argocd/shop-prod in argocd/shop-prod.yaml', 'Helm chart charts/shop with values-prod.yaml', '.plumbline.yaml']);
    assert.deepEqual(byName.get('prod')?.renderer, {
      kind: 'helm',
      chart: 'charts/shop',
      valuesFiles: ['charts/shop/values-prod.yaml'],
      release: 'shop',
      values: { greeting: 'hello from prod (Argo CD)' },
      parameters: [{ name: 'image.tag', value: '1.5.0' }],
    });
    assert.deepEqual(byName.get('staging')?.foundBy, ['Flux HelmRelease flux-system/shop in clusters/staging/shop.yaml']);
    assert.deepEqual(byName.get('staging')?.delivery, { kind: 'flux', resource: 'HelmRelease', name: 'shop', namespace: 'flux-system', source: { kind: 'GitRepository', name: 'platform', namespace: 'flux-system' } });
    // Flux's default release name with a targetNamespace: <targetNamespace>-<name>.
    assert.deepEqual(byName.get('staging')?.renderer, { kind: 'helm', chart: 'charts/shop', valuesFiles: [], release: 'shop-staging-shop', values: { replicas: 3, greeting: 'hello from staging' } });
    assert.deepEqual(byName.get('eu')?.renderer, { kind: 'helm', valuesFiles: ['deploy/eu/values.yaml'], release: 'shop-eu' });
    // charts/shop/charts/cache/values-dev.yaml belongs to a subchart: not an environment of its own.
    assert.ok(environments.every((e) => !e.paths.some((p) => p.includes('cache'))));
  });

  test('a HelmRelease from a Helm repository is not rendered, and says so; Argo CD remote and $ref value files are skipped; valuesFrom is a problem', async () => {
    const root = mkdtempSync(join(tmpdir(), 'plumbline-helm-discover-'));
    cpSync(join(HELM_REPO, 'charts'), join(root, 'charts'), { recursive: true });
    writeFileSync(
      join(root, 'release.yaml'),
      'apiVersion: helm.toolkit.fluxcd.io/v2\nkind: HelmRelease\nmetadata:\n  name: podinfo\n  namespace: apps\nspec:\n  chart:\n    spec:\n      chart: podinfo\n      sourceRef:\n        kind: HelmRepository\n        name: podinfo\n',
    );
    writeFileSync(
      join(root, 'app.yaml'),
      'apiVersion: argoproj.io/v1alpha1\nkind: Application\nmetadata:\n  name: qa\nspec:\n  source:\n    path: ./charts/shop/\n    helm:\n      valueFiles: [values-dev.yaml, $values/qa.yaml, https://example.com/v.yaml]\n      valuesObject: {replicas: 9}\n      parameters:\n        - {name: greeting, value: "007", forceString: true}\n  destination:\n    namespace: qa\n',
    );
    // Values from a ConfigMap in Git are merged under spec.values, as helm-controller does.
    writeFileSync(join(root, 'values-cm.yaml'), 'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: shop-common\n  namespace: flux-system\ndata:\n  values.yaml: |\n    replicas: 3\n    image: {tag: "1.2"}\n');
    writeFileSync(
      join(root, 'local.yaml'),
      'apiVersion: helm.toolkit.fluxcd.io/v2\nkind: HelmRelease\nmetadata:\n  name: shop\n  namespace: flux-system\nspec:\n  chart:\n    spec:\n      chart: charts/shop\n      valuesFiles: [charts/shop/values-prod.yaml]\n      sourceRef: {kind: GitRepository, name: platform}\n  values:\n    image: {tag: "2.0"}\n  valuesFrom:\n    - {kind: ConfigMap, name: shop-common}\n    - {kind: ConfigMap, name: shop-values}\n',
    );
    const { environments, problems } = await discoverEnvironments(root);
    assert.deepEqual(problems, ['Flux HelmRelease flux-system/shop in local.yaml: spec.valuesFrom ConfigMap flux-system/shop-values is not in Git; drift may show those values']);
    // The Application uses values-dev.yaml: it is the dev environment, delivered by Argo CD.
    assert.deepEqual(
      environments.map((e) => [e.name, e.delivery.kind, e.renderer]),
      [
        ['dev', 'argocd', { kind: 'helm', chart: 'charts/shop', valuesFiles: ['charts/shop/values-dev.yaml'], release: 'qa', values: { replicas: 9 }, parameters: [{ name: 'greeting', value: '007', forceString: true }] }],
        // The HelmRelease uses values-prod.yaml: prod, delivered by Flux.
        ['prod', 'flux', { kind: 'helm', chart: 'charts/shop', valuesFiles: ['charts/shop/values-prod.yaml'], release: 'shop', values: { replicas: 3, image: { tag: '2.0' } } }],
        // Nothing is downloaded: one status, no guessed folder.
        ['podinfo', 'flux', { kind: 'plain' }],
      ],
    );
    assert.equal(environments[2]!.unrendered, 'chart podinfo comes from HelmRepository apps/podinfo and is not in the workspace; nothing is downloaded');
    assert.deepEqual(environments[2]!.paths, []);
  });

  test('.plumbline.yaml sets the values files and release of a discovered chart environment', async () => {
    const root = mkdtempSync(join(tmpdir(), 'plumbline-helm-config-'));
    cpSync(join(HELM_REPO, 'charts'), join(root, 'charts'), { recursive: true });
    writeFileSync(join(root, '.plumbline.yaml'), 'environments:\n  - name: dev\n    values: [./charts/shop/values-prod.yaml, charts/shop/values-dev.yaml]\n    release: web\n  - name: prod\n    values: 3\n');
    const { environments, problems } = await discoverEnvironments(root);
    assert.deepEqual(problems, ['.plumbline.yaml: environments[1].values must be a list of Helm values files']);
    const dev = environments.find((e) => e.name === 'dev');
    assert.deepEqual(dev?.renderer, { kind: 'helm', chart: 'charts/shop', valuesFiles: ['charts/shop/values-prod.yaml', 'charts/shop/values-dev.yaml'], release: 'web' });
    assert.deepEqual(dev?.foundBy, ['Helm chart charts/shop with values-dev.yaml', '.plumbline.yaml']);
  });
});

describe('Helm environments: helm template', () => {
  test('each environment renders the chart with its own values', async () => {
    const dev = await render('dev');
    assert.deepEqual(dev.map((o) => `${o.object.kind}/${o.object.metadata?.name ?? ''}`).sort(), ['ConfigMap/shop-cache', 'ConfigMap/shop-web-config', 'Deployment/shop-web', 'Service/shop-web']);
    assert.equal(field(find(dev, 'Deployment', 'web'), 'spec', 'replicas'), 2);
    assert.equal(field(find(dev, 'ConfigMap', 'config'), 'data', 'greeting'), 'hello from dev');

    const staging = await render('staging');
    assert.equal(find(staging, 'Deployment', 'web').object.metadata?.name, 'shop-staging-shop-web');
    assert.equal(field(find(staging, 'Deployment', 'web'), 'spec', 'replicas'), 3);
    assert.equal(field(find(staging, 'ConfigMap', 'config'), 'data', 'greeting'), 'hello from staging');

    // Argo CD: values-prod.yaml, then inline values, then parameters.
    const prod = await render('prod');
    assert.equal(field(find(prod, 'Deployment', 'web'), 'spec', 'replicas'), 5);
    assert.equal(field(find(prod, 'ConfigMap', 'config'), 'data', 'greeting'), 'hello from prod (Argo CD)');
    const containers = field(find(prod, 'Deployment', 'web'), 'spec', 'template', 'spec', 'containers') as { image: string }[];
    assert.equal(containers[0]?.image, 'ghcr.io/example/shop:1.5.0');

    const eu = await render('eu');
    assert.equal(find(eu, 'Deployment', 'web').object.metadata?.name, 'shop-eu-web');
    assert.equal(field(find(eu, 'Deployment', 'web'), 'spec', 'replicas'), 4);
    // Helm test hooks are not part of what a sync applies.
    assert.ok(eu.every((o) => o.object.kind !== 'Pod'));
  });

  test('every rendered object maps back to the template that declares it, subcharts included', async () => {
    const objects = await render('dev');
    const chart = join(HELM_REPO, 'charts', 'shop');
    assert.equal(find(objects, 'Deployment', 'web').source, join(chart, 'templates', 'deployment.yaml'));
    // Two documents of one template.
    assert.equal(find(objects, 'ConfigMap', 'config').source, join(chart, 'templates', 'config.yaml'));
    assert.equal(find(objects, 'Service', 'web').source, join(chart, 'templates', 'config.yaml'));
    assert.equal(find(objects, 'ConfigMap', 'cache').source, join(chart, 'charts', 'cache', 'templates', 'configmap.yaml'));
  });

  test('a missing helm is one clear status, not an exception', async () => {
    const env = await environment('dev');
    const rendered = await renderEnvironment(HELM_REPO, env, { trusted: true, kustomize: ['kubectl', 'kustomize'], helm: [join(tmpdir(), 'no-such-dir', 'helm')] });
    assert.deepEqual(rendered, { ok: false, kind: 'missing-binary', message: `helm is not installed: \`${join(tmpdir(), 'no-such-dir', 'helm')}\` is not on the PATH (install Helm 3, or set plumbline.helm.command)` });
  });

  test('a template error is a render error with helm’s own message', async () => {
    const root = mkdtempSync(join(tmpdir(), 'plumbline-helm-broken-'));
    cpSync(join(HELM_REPO, 'charts'), join(root, 'charts'), { recursive: true });
    writeFileSync(join(root, 'charts', 'shop', 'templates', 'broken.yaml'), 'kind: ConfigMap\nvalue: {{ .Values.nothing.here }}\n');
    const rendered = await renderEnvironment(root, await environment('dev', root), { trusted: true, kustomize: ['kubectl', 'kustomize'], helm: helmCommand() });
    assert.equal(rendered.ok, false);
    assert.ok(!rendered.ok && rendered.kind === 'render-error', JSON.stringify(rendered));
    assert.match(rendered.message, /^helm template failed for charts\/shop: Error: template: shop-chart\/templates\/broken\.yaml:2:.*nil pointer evaluating interface \{\}\.here/);
  });

  test('in an untrusted workspace no binary runs', async () => {
    const scratch = mkdtempSync(join(tmpdir(), 'plumbline-helm-untrusted-'));
    const marker = join(scratch, 'ran');
    const fakeHelm = join(scratch, 'helm');
    writeFileSync(fakeHelm, `#!/bin/sh\ntouch '${marker}'\n`);
    chmodSync(fakeHelm, 0o755);
    const env = await environment('dev');
    const untrusted = await renderEnvironment(HELM_REPO, env, { trusted: false, kustomize: [fakeHelm], helm: [fakeHelm] });
    assert.deepEqual(untrusted, { ok: false, kind: 'untrusted', message: 'untrusted workspace: kustomize and helm are not run' });
    assert.equal(existsSync(marker), false);
    // The same command does run once the workspace is trusted: the check above is meaningful.
    await renderEnvironment(HELM_REPO, env, { trusted: true, kustomize: [fakeHelm], helm: [fakeHelm] });
    assert.equal(existsSync(marker), true);
  });

  test('plumbline.helm.command and plumbline.kustomize.command settings', () => {
    assert.deepEqual(sanitizeSettings({}).helm.command, ['helm']);
    assert.deepEqual(sanitizeSettings({}).kustomize.command, ['kubectl', 'kustomize']);
    assert.deepEqual(sanitizeSettings({ helm: { command: ' /opt/helm/helm ' }, kustomize: { command: 'kustomize build' } }), { ...sanitizeSettings({}), helm: { command: ['/opt/helm/helm'] }, kustomize: { command: ['kustomize', 'build'] } });
    assert.deepEqual(sanitizeSettings({ helm: { command: 3 }, kustomize: { command: '  ' } }).helm.command, ['helm']);
  });
});

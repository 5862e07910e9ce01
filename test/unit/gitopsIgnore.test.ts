import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { parse } from 'yaml';
import type { KubeObject } from '../../server/src/cluster/http';
import { appliersOf, labelSelectorFor } from '../../server/src/drift/appliers';
import { gitOpsIgnoreRules } from '../../server/src/drift/gitopsIgnore';
import { applyIgnoreRules, pointerCovers, ruleApplies } from '../../server/src/drift/ignore';
import type { ResourceIdentity } from '../../server/src/manifests/identity';
import type { FieldPath } from '../../server/src/manifests/fieldPath';

const APPLICATION = parse(`
apiVersion: argoproj.io/v1alpha1
kind: Application
metadata: {name: shop, namespace: argocd}
spec:
  ignoreDifferences:
    - group: apps
      kind: Deployment
      jsonPointers: [/spec/replicas, /spec/template/spec/containers/0/image]
    - kind: ConfigMap
      name: shop-flags
      namespace: shop
      managedFieldsManagers: [flag-operator]
    - group: apps
      kind: Deployment
      jqPathExpressions: ['.spec.template.spec.initContainers[] | select(.name == "vault") | .image', '.metadata.annotations["example.com/rev"]', '.spec.template.spec.containers[] | select(.image | test("sidecar"))']
`) as unknown;

const KUSTOMIZATION = parse(`
apiVersion: kustomize.toolkit.fluxcd.io/v1
kind: Kustomization
metadata: {name: apps, namespace: flux-system}
spec:
  interval: 10m
  path: ./apps
  ignore:
    - paths: [/spec/replicas]
      target: {kind: Deployment, name: web}
    - paths: [/metadata/annotations/example.com~1owner]
`) as unknown;

const HELM_RELEASE = parse(`
apiVersion: helm.toolkit.fluxcd.io/v2
kind: HelmRelease
metadata: {name: redis, namespace: cache}
spec:
  driftDetection:
    mode: enabled
    ignore:
      - paths: [/spec/replicas]
        target: {kind: StatefulSet}
      - paths: [/metadata/annotations/checksum~1config]
`) as unknown;

const deployment: ResourceIdentity = { apiVersion: 'apps/v1', group: 'apps', version: 'v1', kind: 'Deployment', name: 'web', namespace: 'shop' };
const configMap: ResourceIdentity = { apiVersion: 'v1', group: '', version: 'v1', kind: 'ConfigMap', name: 'shop-flags', namespace: 'shop' };
const statefulSet: ResourceIdentity = { apiVersion: 'apps/v1', group: 'apps', version: 'v1', kind: 'StatefulSet', name: 'redis', namespace: 'cache' };
const shopApp = { kind: 'argocd', name: 'shop', namespace: 'argocd' } as const;
const redisRelease = { kind: 'flux-helm', name: 'redis', namespace: 'cache' } as const;

describe('Argo CD ignoreDifferences and Flux driftDetection.ignore', () => {
  test('Application entries become rules scoped to the Application; jqPathExpressions are reported', () => {
    const { rules, problems } = gitOpsIgnoreRules([{ object: APPLICATION, file: 'argocd/shop.yaml' }]);
    assert.deepEqual(
      rules.map((r) => [r.group, r.kind, r.name, r.namespace, r.jsonPointers, r.managers, r.scope]),
      [
        ['apps', 'Deployment', undefined, undefined, ['/spec/replicas', '/spec/template/spec/containers/0/image'], undefined, shopApp],
        ['', 'ConfigMap', 'shop-flags', 'shop', [], ['flag-operator'], shopApp],
        // jq that only selects fields becomes pointers; a list item picked by its name is named by it.
        ['apps', 'Deployment', undefined, undefined, ['/spec/template/spec/initContainers/name=vault/image', '/metadata/annotations/example.com~1rev'], undefined, shopApp],
      ],
    );
    assert.deepEqual(problems, [
      'Argo CD Application argocd/shop (argocd/shop.yaml): ignoreDifferences[2].jqPathExpressions (.spec.template.spec.containers[] | select(.image | test("sidecar"))) are outside what Plumbline evaluates (plain paths such as .spec.replicas or .metadata.annotations["example.com/x"]); use jsonPointers so the editor and `plumbline diff` ignore those fields too',
    ]);
    // The vault init container's image is ignored, another init container's is not.
    const path = (name: string): FieldPath => ['spec', 'template', 'spec', 'initContainers', { keys: { name } }, 'image'];
    const vault = rules[2]!.jsonPointers[0]!;
    assert.ok(pointerCovers(vault, path('vault')));
    assert.ok(!pointerCovers(vault, path('migrate')));
  });

  test('Flux Kustomization spec.ignore: rules scoped to the Kustomization, target narrows kind and name', () => {
    const { rules, problems } = gitOpsIgnoreRules([{ object: KUSTOMIZATION, file: 'clusters/prod/apps.yaml' }]);
    assert.deepEqual(problems, []);
    const apps = { kind: 'flux', name: 'apps', namespace: 'flux-system' } as const;
    assert.deepEqual(
      rules.map((r) => [r.kind, r.name, r.jsonPointers, r.scope, r.origin]),
      [
        ['Deployment', 'web', ['/spec/replicas'], apps, 'Flux Kustomization flux-system/apps (clusters/prod/apps.yaml)'],
        [undefined, undefined, ['/metadata/annotations/example.com~1owner'], apps, 'Flux Kustomization flux-system/apps (clusters/prod/apps.yaml)'],
      ],
    );
    assert.ok(ruleApplies(rules[0]!, deployment, 'shop', [apps]));
    assert.ok(!ruleApplies(rules[0]!, deployment, 'shop', [redisRelease]), 'only for what that Kustomization applies');
  });

  test('HelmRelease entries: paths as JSON pointers, target narrows the kind', () => {
    const { rules, problems } = gitOpsIgnoreRules([{ object: HELM_RELEASE }]);
    assert.deepEqual(problems, []);
    assert.deepEqual(
      rules.map((r) => [r.kind, r.jsonPointers, r.scope]),
      [
        ['StatefulSet', ['/spec/replicas'], redisRelease],
        [undefined, ['/metadata/annotations/checksum~1config'], redisRelease],
      ],
    );
  });

  test('a scoped rule applies only to objects its applier manages', () => {
    const [rule] = gitOpsIgnoreRules([{ object: APPLICATION }]).rules;
    assert.equal(ruleApplies(rule!, deployment, 'shop', [shopApp]), true);
    assert.equal(ruleApplies(rule!, deployment, 'shop', [{ kind: 'argocd', name: 'other', namespace: 'argocd' }]), false);
    assert.equal(ruleApplies(rule!, deployment, 'shop', []), false, 'not managed by the Application');
    assert.equal(ruleApplies(rule!, configMap, 'shop', [shopApp]), false, 'group and kind must match');
    // Label tracking does not say the Application's namespace: the name decides.
    assert.equal(ruleApplies(rule!, deployment, 'shop', [{ kind: 'argocd', name: 'shop', namespace: undefined }]), true);
    const [sts, any] = gitOpsIgnoreRules([{ object: HELM_RELEASE }]).rules;
    assert.equal(ruleApplies(sts!, statefulSet, 'cache', [redisRelease]), true);
    assert.equal(ruleApplies(sts!, deployment, 'cache', [redisRelease]), false);
    assert.equal(ruleApplies(any!, deployment, 'cache', [redisRelease]), true);
  });

  test('an index in an RFC 6901 pointer names the list item the live object has there', () => {
    const live = { spec: { template: { spec: { containers: [{ name: 'web', image: 'a' }, { name: 'sidecar', image: 'b' }] } } } };
    const web = ['spec', 'template', 'spec', 'containers', { keys: { name: 'web' } }, 'image'];
    const sidecar = ['spec', 'template', 'spec', 'containers', { keys: { name: 'sidecar' } }, 'image'];
    assert.equal(pointerCovers('/spec/template/spec/containers/0/image', web, live), true);
    assert.equal(pointerCovers('/spec/template/spec/containers/0/image', sidecar, live), false);
    assert.equal(pointerCovers('/spec/template/spec/containers/sidecar/image', sidecar, live), true);
    assert.equal(pointerCovers('/spec/template/spec/containers/0/image', web), false, 'without the live object an index cannot be resolved');
  });

  test('managedFieldsManagers drop what those managers wrote, and nothing else', () => {
    const [, rule] = gitOpsIgnoreRules([{ object: APPLICATION }]).rules;
    const items = [
      { path: ['data', 'beta'], writer: { manager: 'flag-operator' } },
      { path: ['data', 'colour'], writer: { manager: 'kubectl-edit' } },
    ];
    assert.deepEqual(applyIgnoreRules(items, [rule!], configMap, 'shop', [shopApp]).map((i) => i.path), [['data', 'colour']]);
  });
});

describe('appliers from labels and annotations', () => {
  const object = (metadata: KubeObject['metadata']): KubeObject => ({ apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: 'web', namespace: 'shop', ...metadata } });

  test('Flux Kustomization and HelmRelease labels, with selectors for a LIST', () => {
    const o = object({ labels: { 'kustomize.toolkit.fluxcd.io/name': 'shop', 'kustomize.toolkit.fluxcd.io/namespace': 'flux-system', 'helm.toolkit.fluxcd.io/name': 'redis', 'helm.toolkit.fluxcd.io/namespace': 'cache' } });
    assert.deepEqual(appliersOf(o), [
      { kind: 'flux', name: 'shop', namespace: 'flux-system' },
      { kind: 'flux-helm', name: 'redis', namespace: 'cache' },
    ]);
    assert.equal(labelSelectorFor({ kind: 'flux', name: 'shop', namespace: 'flux-system' }), 'kustomize.toolkit.fluxcd.io/name=shop,kustomize.toolkit.fluxcd.io/namespace=flux-system');
  });

  test('Argo CD tracking id must name the object itself; the instance label is the fallback', () => {
    assert.deepEqual(appliersOf(object({ annotations: { 'argocd.argoproj.io/tracking-id': 'shop:apps/Deployment:shop/web' } })), [{ kind: 'argocd', name: 'shop', namespace: undefined }]);
    assert.deepEqual(appliersOf(object({ annotations: { 'argocd.argoproj.io/tracking-id': 'team_shop:apps/Deployment:shop/web' } })), [{ kind: 'argocd', name: 'shop', namespace: 'team' }]);
    assert.deepEqual(appliersOf(object({ annotations: { 'argocd.argoproj.io/tracking-id': 'shop:apps/Deployment:shop/other' } })), [], 'an id copied from another object is not tracking');
    assert.deepEqual(appliersOf(object({ labels: { 'app.kubernetes.io/instance': 'shop' } })), [{ kind: 'argocd', name: 'shop', namespace: undefined }]);
    assert.deepEqual(appliersOf(object({ annotations: { 'plumbline.dev/environment': 'dev' } })), [{ kind: 'direct', environment: 'dev' }]);
  });
});

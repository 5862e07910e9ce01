// `plumbline check` asks discovery which checked files Flux never applies only when
// mayBeNotApplied says a Flux object sits where it could make one of them so: discovery walks and
// parses every YAML file under the root (a folder of 4,250 files that the check was run from, a
// whole repository for one file). The gate must never say no where discovery would say yes.
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { discoverEnvironments, discoverNotApplied } from '../../server/src/environments/discover';
import { mayBeNotApplied } from '../../server/src/environments/notAppliedGate';

const ks = (name: string, path: string): string =>
  `apiVersion: kustomize.toolkit.fluxcd.io/v1\nkind: Kustomization\nmetadata:\n  name: ${name}\n  namespace: flux-system\nspec:\n  interval: 1h\n  prune: true\n  path: ${path}\n  sourceRef:\n    kind: GitRepository\n    name: flux-system\n`;
const helmRelease = (name: string): string => `apiVersion: helm.toolkit.fluxcd.io/v2\nkind: HelmRelease\nmetadata:\n  name: ${name}\nspec:\n  interval: 1h\n  chart:\n    spec:\n      chart: app\n      sourceRef:\n        kind: HelmRepository\n        name: charts\n`;
const service = (name: string): string => `apiVersion: v1\nkind: Service\nmetadata:\n  name: ${name}\nspec:\n  ports:\n    - port: 80\n`;

// A cluster that applies kubernetes/apps; retired apps kept in .archive/ (a Kustomization at the
// app's top, a HelmRelease a folder deeper); a folder of plain manifests beside them.
const FILES: Record<string, string> = {
  'clusters/home/flux-system/apps.yaml': ks('cluster-apps', './kubernetes/apps'),
  'kubernetes/apps/web/ks.yaml': ks('web', './kubernetes/apps/web/app'),
  'kubernetes/apps/web/app/service.yaml': service('web'),
  '.archive/old-web/ks.yaml': ks('old-web', './kubernetes/apps/web/app'),
  '.archive/old-web/app/service.yaml': service('old-web'),
  '.archive/old-db/app/helmrelease.yaml': helmRelease('old-db'),
  '.archive/old-db/app/values/service.yaml': service('old-db'),
  'plain/service.yaml': service('plain'),
  'root-service.yaml': service('root'),
};

describe('the not-applied gate of plumbline check', () => {
  let root: string;
  before(() => {
    root = mkdtempSync(join(tmpdir(), 'plumbline-gate-'));
    for (const [path, text] of Object.entries(FILES)) {
      mkdirSync(dirname(join(root, path)), { recursive: true });
      writeFileSync(join(root, path), text);
    }
  });
  after(() => rmSync(root, { recursive: true, force: true }));

  test('says yes for every file discovery finds not applied', async () => {
    const notApplied = await discoverNotApplied(root);
    assert.deepEqual(notApplied, ['.archive/old-db/app/helmrelease.yaml', '.archive/old-db/app/values/service.yaml', '.archive/old-web/app/service.yaml', '.archive/old-web/ks.yaml']);
    for (const file of notApplied) assert.equal(mayBeNotApplied(root, [join(root, file)]), true, file);
    // Without the values of ConfigMaps and Secrets, as with them.
    assert.deepEqual((await discoverEnvironments(root)).notApplied, notApplied);
  });

  test('says no for files with no Flux object in their folder or a folder above it below the root', () => {
    assert.equal(mayBeNotApplied(root, [join(root, 'root-service.yaml')]), false);
    assert.equal(mayBeNotApplied(root, [join(root, 'plain/service.yaml'), join(root, 'root-service.yaml')]), false);
    // Outside the root: never among what discovery of the root finds.
    assert.equal(mayBeNotApplied(join(root, 'plain'), [join(root, 'kubernetes/apps/web/app/service.yaml')]), false);
    // A root holding Flux objects itself: its own files are never in a folder other than the root.
    assert.equal(mayBeNotApplied(join(root, '.archive/old-web'), [join(root, '.archive/old-web/ks.yaml')]), false);
  });

  test('says yes when any of the files may be, whatever its place in the list', () => {
    assert.equal(mayBeNotApplied(root, [join(root, 'plain/service.yaml'), join(root, 'kubernetes/apps/web/app/service.yaml')]), true);
    assert.equal(mayBeNotApplied(root, [join(root, 'root-service.yaml'), join(root, '.archive/old-db/app/values/service.yaml')]), true);
  });
});

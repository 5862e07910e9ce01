// The preview's summary line on a repository of many environments (a home-lab Flux repository has
// 150 units): the environments with something to say are named, the quiet ones counted.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { formatPreview } from '../../server/src/cli/previewCommand';
import type { EnvironmentPreview, Preview } from '../../server/src/preview/preview';

const quiet = (name: string): EnvironmentPreview => ({ environment: name, state: 'ok', message: 'no changes', unchanged: 2, changes: [] });
const changed: EnvironmentPreview = {
  environment: 'home (web)',
  state: 'ok',
  message: '1 changed',
  unchanged: 0,
  changes: [{ change: 'changed', apiVersion: 'v1', kind: 'ConfigMap', name: 'web', namespace: 'web', before: 'a: 1\n', after: 'a: 2\n' }],
};
const broken: EnvironmentPreview = { environment: 'home (db)', state: 'error', message: 'working tree: kustomize failed', unchanged: 0, changes: [] };
const preview = (environments: EnvironmentPreview[]): Preview => ({ title: 'Pending changes', left: 'HEAD', right: 'working tree', environments, notes: [] });
const summary = (p: Preview): string => formatPreview(p).trimEnd().split('\n').pop() ?? '';

test('a few environments are each named, changed or not', () => {
  assert.equal(summary(preview([changed, quiet('home (api)')])), 'Summary: Pending changes (HEAD ↔ working tree) - changed: 1, added: 0, removed: 0, unchanged: 2, in home (web) (1 changed), home (api) (no changes)');
});

test('many environments: those with changes or errors are named, the ones without changes counted', () => {
  const many = Array.from({ length: 40 }, (_, i) => quiet(`home (app-${i})`));
  assert.equal(
    summary(preview([many[0]!, changed, ...many.slice(1, 20), broken, ...many.slice(20)])),
    'Summary: Pending changes (HEAD ↔ working tree) - changed: 1, added: 0, removed: 0, unchanged: 80, in home (web) (1 changed), home (db) (working tree: kustomize failed), and 40 more environments (no changes)',
  );
  assert.equal(summary(preview(many)), 'Summary: Pending changes (HEAD ↔ working tree) - changed: 0, added: 0, removed: 0, unchanged: 80, in 40 environments (no changes)');
});

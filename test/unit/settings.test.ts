// One table of settings: package.json's defaults are the engine's defaults, and every setting
// package.json offers is read by the engine (a key the engine ignored would be a silent no-op).
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { renderOptionsFromFlags } from '../../server/src/cli/renderFlags';
import { healthTimeoutFromFlags } from '../../server/src/cli/waitFlags';
import { DEFAULT_SETTINGS, sanitizeSettings } from '../../server/src/workspace/settings';
import { REPO } from '../support/paths';

interface Property { default?: unknown }
const manifest = JSON.parse(readFileSync(join(REPO, 'package.json'), 'utf8')) as { contributes: { configuration: { properties: Record<string, Property> } | { properties: Record<string, Property> }[] } };
const sections = Array.isArray(manifest.contributes.configuration) ? manifest.contributes.configuration : [manifest.contributes.configuration];
const properties = Object.fromEntries(sections.flatMap((s) => Object.entries(s.properties)));
/** Read by the client only (the language client's trace), not by the engine. */
const CLIENT_ONLY = new Set(['plumbline.trace.server']);

/** `plumbline.a.b: v` → `{ a: { b: v } }`, the shape `getConfiguration('plumbline')` returns. */
function nested(entries: [string, unknown][]): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [key, value] of entries) {
    const parts = key.replace(/^plumbline\./, '').split('.');
    let at = out;
    for (const p of parts.slice(0, -1)) at = (at[p] ??= {}) as Record<string, unknown>;
    at[parts[parts.length - 1]!] = value;
  }
  return out;
}

/** A valid value other than the default, per setting. */
const OTHER: Record<string, unknown> = {
  'plumbline.maxFileSize': 5,
  'plumbline.validation.unknownKinds': 'error',
  'plumbline.kubernetesVersion': '1.24',
  'plumbline.cluster.enabled': false,
  'plumbline.cluster.kubeconfig': '/tmp/other-kubeconfig',
  'plumbline.cluster.context': 'other',
  'plumbline.drift.enabled': false,
  'plumbline.drift.severity': 'hint',
  'plumbline.drift.manualManagers': ['my-tool'],
  'plumbline.kustomize.command': 'kustomize build',
  'plumbline.helm.command': '/opt/helm',
  'plumbline.sync.healthTimeout': 0,
};

describe('settings: one table for package.json, the server and the CLI', () => {
  const engineKeys = Object.keys(properties).filter((k) => !CLIENT_ONLY.has(k));

  test("package.json's defaults are the engine's defaults", () => {
    assert.deepEqual(sanitizeSettings(nested(engineKeys.map((k) => [k, properties[k]!.default]))), DEFAULT_SETTINGS);
    assert.deepEqual(sanitizeSettings(undefined), DEFAULT_SETTINGS);
  });

  test('every setting package.json offers changes what the engine reads', () => {
    assert.deepEqual(engineKeys.filter((k) => !(k in OTHER)), [], 'a new setting needs a value in OTHER (and the engine must read it)');
    for (const key of engineKeys) {
      const read = sanitizeSettings(nested([[key, OTHER[key]]]));
      assert.notDeepEqual(read, DEFAULT_SETTINGS, `${key} is offered by package.json but the engine ignores it`);
    }
  });

  test('the CLI reads --kustomize-command and --helm-command as the settings are read', () => {
    assert.deepEqual(renderOptionsFromFlags({}), { trusted: true, kustomize: DEFAULT_SETTINGS.kustomize.command, helm: DEFAULT_SETTINGS.helm.command });
    assert.deepEqual(renderOptionsFromFlags({ 'kustomize-command': 'kustomize build', 'helm-command': ' /opt/helm ' }), { trusted: true, kustomize: ['kustomize', 'build'], helm: ['/opt/helm'] });
    assert.deepEqual(renderOptionsFromFlags({ 'kustomize-command': '   ' }).kustomize, DEFAULT_SETTINGS.kustomize.command);
  });

  test('the CLI waits for health as plumbline.sync.healthTimeout does: --wait takes its default, --timeout a duration', () => {
    assert.equal(healthTimeoutFromFlags({}), 0);
    assert.equal(healthTimeoutFromFlags({ wait: true }), DEFAULT_SETTINGS.sync.healthTimeout * 1000);
    assert.deepEqual(['90s', '2m30s', '1h', '45', '1.5m', '0'].map((timeout) => healthTimeoutFromFlags({ timeout })), [90_000, 150_000, 3_600_000, 45_000, 90_000, 0]);
    assert.throws(() => healthTimeoutFromFlags({ timeout: '5 minutes' }), /--timeout takes a duration such as 90s, 5m or 1h, not '5 minutes'/);
  });
});

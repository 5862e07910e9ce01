// The environments tree's data for Helm chart environments, from the real language server: the
// rendered resources open their templates; a missing helm and an untrusted workspace are one
// clear status per environment. And `plumbline envs` on the same repository.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { chmodSync, existsSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { describe, test } from 'node:test';
import { EnvironmentsRequest, type EnvironmentsResult } from '../../server/src/protocol';
import { HELM_REPO, helmCommand } from '../support/helm';
import { LspHarness } from '../support/lspClient';
import { bundle } from '../support/paths';

/** The tree's data, and what else the server said: its stderr and its error messages to the user or log. */
async function environmentsOf(settings: Record<string, unknown>, options: Parameters<typeof LspHarness.start>[1] = {}): Promise<{ result: EnvironmentsResult; stderr: string; errors: unknown[] }> {
  const lsp = await LspHarness.start(settings, { workspaceFolders: [HELM_REPO], ...options });
  try {
    const result: EnvironmentsResult = await lsp.connection.sendRequest(EnvironmentsRequest);
    const errors = lsp.notifications.filter((n) => n.method === 'window/showMessage' || (n.method === 'window/logMessage' && (n.params as { type?: number }).type === 1)).map((n) => n.params);
    return { result, stderr: lsp.stderrText, errors };
  } finally {
    await lsp.stop();
  }
}

const NO_CLUSTER = { cluster: { enabled: false } };

describe('Helm environments in the language server', () => {
  test('each chart environment lists its rendered resources, and a click opens the template', async () => {
    const { result } = await environmentsOf({ ...NO_CLUSTER, helm: { command: helmCommand()[0] } });
    assert.deepEqual(result.problems, []);
    assert.deepEqual(
      result.environments.map((e) => [e.name, e.renderer, e.delivery, e.state, e.resources.length]),
      [
        ['dev', 'helm', 'direct apply', 'not-checked', 4],
        ['staging', 'helm', 'Flux HelmRelease flux-system/shop', 'not-checked', 4],
        ['prod', 'helm', 'Argo CD Application argocd/shop-prod (client-side apply)', 'not-checked', 4],
        ['eu', 'helm', 'direct apply', 'not-checked', 4],
      ],
    );
    const templates = pathToFileURL(join(HELM_REPO, 'charts', 'shop')).href;
    const staging = result.environments.find((e) => e.name === 'staging')!;
    assert.deepEqual(
      staging.resources.map((r) => [r.kind, r.name, r.source?.uri.replace(templates, '<chart>'), r.source?.line]).sort(),
      [
        ['ConfigMap', 'shop-staging-shop-cache', '<chart>/charts/cache/templates/configmap.yaml', 0],
        ['ConfigMap', 'shop-staging-shop-web-config', '<chart>/templates/config.yaml', 0],
        ['Deployment', 'shop-staging-shop-web', '<chart>/templates/deployment.yaml', 0],
        // The second document of config.yaml.
        ['Service', 'shop-staging-shop-web', '<chart>/templates/config.yaml', 7],
      ],
    );
  });

  test('without helm on the PATH: one "helm is not installed" status per environment, nothing else', async () => {
    const emptyPath = mkdtempSync(join(tmpdir(), 'plumbline-no-helm-'));
    const { result, stderr, errors } = await environmentsOf(NO_CLUSTER, { env: { PATH: emptyPath } });
    assert.deepEqual(
      result.environments.map((e) => [e.name, e.state, e.message, e.resources.length]),
      ['dev', 'staging', 'prod', 'eu'].map((name) => [name, 'render-error', 'helm is not installed: `helm` is not on the PATH (install Helm 3, or set plumbline.helm.command)', 0]),
    );
    assert.deepEqual(result.problems, []);
    assert.doesNotMatch(stderr, /ENOENT|\n\s+at /);
    assert.deepEqual(errors, []);
  });

  test('in an untrusted workspace helm does not run, even when the setting names it', async () => {
    const scratch = mkdtempSync(join(tmpdir(), 'plumbline-helm-untrusted-'));
    const marker = join(scratch, 'ran');
    const fakeHelm = join(scratch, 'helm');
    writeFileSync(fakeHelm, `#!/bin/sh\ntouch '${marker}'\n`);
    chmodSync(fakeHelm, 0o755);
    const { result } = await environmentsOf({ ...NO_CLUSTER, helm: { command: fakeHelm } }, { initializationOptions: { trusted: false } });
    assert.deepEqual(
      result.environments.map((e) => [e.name, e.state, e.message]),
      ['dev', 'staging', 'prod', 'eu'].map((name) => [name, 'render-error', 'untrusted workspace: kustomize and helm are not run']),
    );
    assert.equal(existsSync(marker), false, 'the helm command ran in an untrusted workspace');
  });
});

describe('plumbline envs', () => {
  test('shows the helm renderer, the chart, the release and the values of each environment', () => {
    const run = spawnSync(process.execPath, [bundle('cli.js'), 'envs', HELM_REPO], { encoding: 'utf8' });
    assert.equal(run.status, 0, run.stderr);
    assert.equal(
      run.stdout,
      [
        'dev',
        '  paths:    charts/shop (helm)',
        '  helm:     chart charts/shop, release shop, values charts/shop/values-dev.yaml',
        '  target:   current context',
        '  delivery: direct apply',
        '  found by: Helm chart charts/shop with values-dev.yaml',
        'staging',
        '  paths:    charts/shop (helm)',
        '  helm:     chart charts/shop, release shop-staging-shop, inline values',
        '  target:   current context, namespace shop-staging',
        '  delivery: Flux HelmRelease flux-system/shop',
        '  found by: Flux HelmRelease flux-system/shop in clusters/staging/shop.yaml',
        'prod (protected)',
        '  paths:    charts/shop (helm)',
        '  helm:     chart charts/shop, release shop, values charts/shop/values-prod.yaml, inline values, --set image.tag',
        '  target:   current context, namespace shop-prod',
        '  delivery: Argo CD Application argocd/shop-prod (client-side apply)',
        '  found by: Argo CD Application argocd/shop-prod in argocd/shop-prod.yaml; Helm chart charts/shop with values-prod.yaml; .plumbline.yaml',
        'eu',
        '  paths:    charts/shop (helm)',
        '  helm:     chart charts/shop, release shop-eu, values deploy/eu/values.yaml',
        '  target:   current context, namespace shop-eu',
        '  delivery: direct apply',
        '  found by: .plumbline.yaml',
        '',
      ].join('\n'),
    );
    const json = spawnSync(process.execPath, [bundle('cli.js'), 'envs', '-o', 'json', HELM_REPO], { encoding: 'utf8' });
    const parsed = JSON.parse(json.stdout) as { environments: { name: string; renderer: { kind: string; valuesFiles: string[] } }[] };
    assert.deepEqual(parsed.environments.find((e) => e.name === 'dev')?.renderer, { kind: 'helm', chart: 'charts/shop', valuesFiles: ['charts/shop/values-dev.yaml'], release: 'shop' });
  });
});

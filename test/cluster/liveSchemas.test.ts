// Cluster tier, issue 3: a CRD installed only in the live cluster (not in the bundled schemas/)
// is validated from the cluster's /openapi/v3 by the real language server.
//
//   npm run build && node --import tsx --test --test-reporter=spec test/cluster/liveSchemas.test.ts
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { pathToFileURL } from 'node:url';
import type { Diagnostic, MarkupContent } from 'vscode-languageserver-protocol';
import { LspHarness } from '../support/lspClient';
import { REPO } from '../support/paths';
import { startCluster, type Cluster } from './harness';

const GROUP = 'live.plumbline.dev';

const CRD = `apiVersion: apiextensions.k8s.io/v1
kind: CustomResourceDefinition
metadata:
  name: gadgets.${GROUP}
spec:
  group: ${GROUP}
  scope: Namespaced
  names: {plural: gadgets, singular: gadget, kind: Gadget, listKind: GadgetList}
  versions:
    - name: v1beta1
      served: true
      storage: true
      schema:
        openAPIV3Schema:
          type: object
          properties:
            spec:
              type: object
              required: [size]
              properties:
                size: {type: integer, description: How many gadgets to run.}
                colour: {type: string, enum: [red, green]}
`;

const gadget = (spec: string): string => `apiVersion: ${GROUP}/v1beta1
kind: Gadget
metadata:
  name: one
  namespace: default
spec:
${spec}`;

describe('a CRD only the live cluster knows, validated by the language server from /openapi/v3', { timeout: 3 * 60_000 }, () => {
  let cluster: Cluster;
  let lsp: LspHarness;
  let work: string;
  const uri = (name: string): string => pathToFileURL(join(work, name)).href;
  const errors = (d: Diagnostic[]): Diagnostic[] => d.filter((x) => x.severity === 1);

  before(async () => {
    work = mkdtempSync(join(tmpdir(), 'plumbline-live-schemas-'));
    // The premise: nothing bundled knows this group.
    const bundled = readdirSync(join(REPO, 'schemas'), { recursive: true, encoding: 'utf8' }).filter((f) => f.endsWith('.json'));
    assert.ok(bundled.length > 0);
    assert.ok(bundled.every((f) => !readFileSync(join(REPO, 'schemas', f), 'utf8').includes(GROUP)), `${GROUP} must not be in schemas/`);
    cluster = await startCluster();
    execFileSync('kubectl', ['--kubeconfig', cluster.kubeconfigPath, 'apply', '-f', '-'], { input: CRD, encoding: 'utf8' });
    execFileSync('kubectl', ['--kubeconfig', cluster.kubeconfigPath, 'wait', '--for=condition=established', '--timeout=30s', `crd/gadgets.${GROUP}`], { encoding: 'utf8' });
    lsp = await LspHarness.start({ cluster: { kubeconfig: cluster.kubeconfigPath }, drift: { enabled: false } }, { initializationOptions: { cacheDir: join(work, 'cache') } });
  });
  after(async () => {
    await lsp?.stop();
    await cluster?.stop();
    if (work !== undefined) rmSync(work, { recursive: true, force: true });
  });

  test('an unknown field of the CR is an error at its key', async () => {
    const text = gadget('  size: 2\n  colur: red\n');
    await lsp.open(uri('bad.yaml'), text);
    const diagnostics = await lsp.waitForDiagnostics(uri('bad.yaml'), (d) => errors(d).length > 0, 20_000);
    assert.deepEqual(
      errors(diagnostics).map((d) => [d.code, d.message, d.range]),
      [['schema.unknown-field', 'unknown field `colur` in Gadget spec; did you mean `colour`?', { start: { line: 7, character: 2 }, end: { line: 7, character: 7 } }]],
      lsp.stderrTail,
    );
  });

  test('a CRD installed while its document is open becomes known on a later edit', async () => {
    const text = `apiVersion: later.${GROUP}/v1\nkind: Sprocket\nmetadata:\n  name: one\nspec:\n  teeth: 3\n  colur: red\n`;
    await lsp.open(uri('later.yaml'), text);
    const before = await lsp.waitForVersion(uri('later.yaml'), 1, 20_000);
    assert.deepEqual(errors(before), [], 'no schema yet: no errors, only a note');
    execFileSync('kubectl', ['--kubeconfig', cluster.kubeconfigPath, 'apply', '-f', '-'], { input: CRD.replaceAll('gadget', 'sprocket').replaceAll('Gadget', 'Sprocket').replaceAll(GROUP, `later.${GROUP}`).replace('v1beta1', 'v1').replaceAll('size', 'teeth'), encoding: 'utf8' });
    execFileSync('kubectl', ['--kubeconfig', cluster.kubeconfigPath, 'wait', '--for=condition=established', '--timeout=30s', `crd/sprockets.later.${GROUP}`], { encoding: 'utf8' });
    // The user keeps typing; within a few edits the cluster's new schema is used.
    const deadline = Date.now() + 20_000;
    let found: Diagnostic[] = [];
    while (Date.now() < deadline) {
      await lsp.replace(uri('later.yaml'), text);
      found = errors(await lsp.waitForVersion(uri('later.yaml'), lsp.version(uri('later.yaml'))!, 10_000));
      if (found.length > 0) break;
      found = errors(await lsp.waitForDiagnostics(uri('later.yaml'), (d) => errors(d).length > 0, 500).catch(() => []));
      if (found.length > 0) break;
    }
    assert.deepEqual(found.map((d) => [d.message, d.range.start.line]), [['unknown field `colur` in Sprocket spec; did you mean `colour`?', 6]]);
  });

  test('a valid CR has no errors and no "no schema" note; hover says the schema came from the cluster', async () => {
    const text = gadget('  size: 2\n  colour: green\n');
    await lsp.open(uri('good.yaml'), text);
    const diagnostics = await lsp.waitForVersion(uri('good.yaml'), 1, 20_000);
    assert.deepEqual(diagnostics.map((d) => [d.code, d.message]), []);
    const hover = await lsp.hover(uri('good.yaml'), { line: 6, character: 3 });
    const value = (hover?.contents as MarkupContent | undefined)?.value ?? '';
    assert.match(value, /How many gadgets to run\./);
    assert.match(value, new RegExp(`schema from cluster ${cluster.adminContext} \\(${cluster.version.replace(/\./g, '\\.')}\\)`));
  });
});

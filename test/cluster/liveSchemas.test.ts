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
/** Headroom for a loaded 2-core machine over the 2 s users are promised (PLUMBLINE_LOAD_FACTOR=1 for the bare promise). */
const LOAD_FACTOR = Number(process.env['PLUMBLINE_LOAD_FACTOR'] ?? '2');

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
  // A kubectl that hangs fails the test, instead of blocking its event loop past the test's own timeout.
  const kubectl = (args: string[], input?: string): string => execFileSync('kubectl', ['--kubeconfig', cluster.kubeconfigPath, ...args], { encoding: 'utf8', timeout: 60_000, stdio: ['pipe', 'pipe', 'pipe'], ...(input !== undefined ? { input } : {}) });

  before(async () => {
    work = mkdtempSync(join(tmpdir(), 'plumbline-live-schemas-'));
    // The premise: nothing bundled knows this group.
    const bundled = readdirSync(join(REPO, 'schemas'), { recursive: true, encoding: 'utf8' }).filter((f) => f.endsWith('.json'));
    assert.ok(bundled.length > 0);
    assert.ok(bundled.every((f) => !readFileSync(join(REPO, 'schemas', f), 'utf8').includes(GROUP)), `${GROUP} must not be in schemas/`);
    cluster = await startCluster();
    kubectl(['apply', '-f', '-'], CRD);
    kubectl(['wait', '--for=condition=established', '--timeout=30s', `crd/gadgets.${GROUP}`]);
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

  test('a CRD installed while its document is open: its diagnostics update without any edit', async () => {
    const text = `apiVersion: later.${GROUP}/v1\nkind: Sprocket\nmetadata:\n  name: one\nspec:\n  teeth: 3\n  colur: red\n`;
    await lsp.open(uri('later.yaml'), text);
    const before = await lsp.waitForVersion(uri('later.yaml'), 1, 20_000);
    assert.deepEqual(errors(before), [], 'no schema yet: no errors, only a note');
    assert.ok(before.some((d) => /no schema/i.test(d.message)), `the "no schema" note first: ${JSON.stringify(before)}`);
    kubectl(['apply', '-f', '-'], CRD.replaceAll('gadget', 'sprocket').replaceAll('Gadget', 'Sprocket').replaceAll(GROUP, `later.${GROUP}`).replace('v1beta1', 'v1').replaceAll('size', 'teeth'));
    kubectl(['wait', '--for=condition=established', '--timeout=30s', `crd/sprockets.later.${GROUP}`]);
    const established = Date.now();
    // No edit: the server sees the CRD by its watch and re-validates the open document itself.
    const found = await lsp.waitForDiagnostics(uri('later.yaml'), (d) => errors(d).length > 0, 20_000);
    const tookMs = Date.now() - established;
    assert.deepEqual(errors(found).map((d) => [d.message, d.range.start.line]), [['unknown field `colur` in Sprocket spec; did you mean `colour`?', 6]]);
    assert.equal(lsp.version(uri('later.yaml')), 1, 'the document was never edited');
    // The apiserver publishes a new CRD's schema a little after Established; 2 s is the promise to users.
    assert.ok(tookMs < 2_000 * LOAD_FACTOR, `diagnostics updated ${tookMs} ms after the CRD was Established`);
  });

  test('a CRD whose schema changes while its document is open: a new required field and a removed property show at once', async () => {
    const doohickeys = (spec: string): string => CRD.replaceAll('gadget', 'doohickey').replaceAll('Gadget', 'Doohickey').replaceAll(GROUP, `change.${GROUP}`).replace(/ {14}required: \[size\]\n {14}properties:\n[\s\S]*$/, spec);
    kubectl(['apply', '-f', '-'], doohickeys('              properties:\n                size: {type: integer}\n                colour: {type: string}\n'));
    kubectl(['wait', '--for=condition=established', '--timeout=30s', `crd/doohickeys.change.${GROUP}`]);
    const text = `apiVersion: change.${GROUP}/v1beta1\nkind: Doohickey\nmetadata:\n  name: one\n  namespace: default\nspec:\n  size: 2\n  colour: red\n`;
    await lsp.open(uri('change.yaml'), text);
    const valid = await lsp.waitForDiagnostics(uri('change.yaml'), (d) => d.length === 0, 20_000);
    assert.deepEqual(valid, [], 'valid against the first schema');

    kubectl(['apply', '-f', '-'], doohickeys('              required: [model]\n              properties:\n                size: {type: integer}\n                colour: {type: string}\n                model: {type: string}\n'));
    let changed = Date.now();
    const required = await lsp.waitForDiagnostics(uri('change.yaml'), (d) => errors(d).length > 0, 20_000);
    assert.ok(Date.now() - changed < 2_000 * LOAD_FACTOR, `a new required field showed ${Date.now() - changed} ms after the change`);
    assert.deepEqual(errors(required).map((d) => [d.code, d.message]), [['schema.required', 'missing required field `model` in Doohickey spec']], JSON.stringify(required));

    kubectl(['apply', '-f', '-'], doohickeys('              properties:\n                size: {type: integer}\n'));
    changed = Date.now();
    const removed = await lsp.waitForDiagnostics(uri('change.yaml'), (d) => errors(d).some((x) => x.code === 'schema.unknown-field'), 20_000);
    assert.ok(Date.now() - changed < 2_000 * LOAD_FACTOR, `a removed property showed ${Date.now() - changed} ms after the change`);
    assert.deepEqual(errors(removed).map((d) => [d.code, d.range.start.line]), [['schema.unknown-field', 7]], JSON.stringify(removed));
    assert.equal(lsp.version(uri('change.yaml')), 1, 'the document was never edited');
  });

  test('a CRD removed while its document is open: back to "no schema"', async () => {
    // The apiserver's cleanup controller deletes a CRD's objects before the CRD itself; in one CI run on a
    // loaded machine it took 293 s to do so for this CRD, which has no objects. The test removes its
    // finalizer as that controller would, so the CRD is gone at once; what is tested is the server's answer.
    const crd = `crd/doohickeys.change.${GROUP}`;
    kubectl(['delete', crd, '--wait=false']);
    try {
      kubectl(['patch', crd, '--type=merge', '-p', '{"metadata":{"finalizers":null}}']);
    } catch (error) {
      // The controller was quicker: the CRD is gone already.
      if (!/NotFound/.test(String((error as { stderr?: unknown }).stderr))) throw error;
    }
    const gone = await lsp.waitForDiagnostics(uri('change.yaml'), (d) => errors(d).length === 0 && d.some((x) => /no schema/i.test(x.message)), 20_000);
    assert.deepEqual(errors(gone), []);
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

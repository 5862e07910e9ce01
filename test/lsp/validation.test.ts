import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { pathToFileURL } from 'node:url';
import {
  CompletionItemKind,
  DiagnosticSeverity,
  type CompletionItem,
  type CompletionList,
  type Diagnostic,
  type DocumentSymbol,
  type MarkupContent,
  type SymbolInformation,
} from 'vscode-languageserver-protocol';
import type { CaretExpectation } from '../support/carets';
import { LspHarness } from '../support/lspClient';
import { assertDiagnostics, readCaretFixture, renderWithCarets, severityName } from '../support/lspExpect';

const WORKSPACE = join(__dirname, 'fixtures', 'validation');
/** No cluster: the bundled schemas only, whatever KUBECONFIG the machine has. */
const BASE_SETTINGS = { cluster: { enabled: false } };
const BUNDLED = 'bundled schemas (Kubernetes v1.36.3)';

function uriOf(relative: string): string {
  return pathToFileURL(join(WORKSPACE, relative)).href;
}

function sameDiagnostics(got: readonly Diagnostic[], expected: readonly CaretExpectation[]): boolean {
  const key = (d: CaretExpectation): string => JSON.stringify([d.range, d.severity, d.message]);
  const a = got.map((d) => key({ range: d.range, severity: severityName(d), message: d.message })).sort();
  const b = expected.map(key).sort();
  return a.length === b.length && a.every((x, i) => x === b[i]);
}

function items(result: CompletionItem[] | CompletionList | null): CompletionItem[] {
  if (result === null) return [];
  return Array.isArray(result) ? result : result.items;
}

function markdown(hover: { contents: unknown } | null): string {
  assert.ok(hover !== null, 'expected a hover');
  const contents = hover.contents as MarkupContent;
  assert.equal(contents.kind, 'markdown');
  return contents.value;
}

describe('language server: validation rules over JSON-RPC, on a workspace on disk', () => {
  let lsp: LspHarness;
  let scratch: string;

  before(async () => {
    scratch = mkdtempSync(join(tmpdir(), 'plumbline-lsp-validation-'));
    lsp = await LspHarness.start(BASE_SETTINGS, {
      workspaceFolders: [WORKSPACE],
      env: { KUBECONFIG: join(scratch, 'no-kubeconfig'), PLUMBLINE_CACHE_DIR: join(scratch, 'cache') },
    });
  });
  after(async () => {
    await lsp.stop();
    rmSync(scratch, { recursive: true, force: true });
  });

  /**
   * Opens a fixture (markers removed) under its own file URI, or under `at` when the same text
   * should be seen at another path, and expects exactly the marked diagnostics for that version.
   */
  async function expectFixture(relative: string, options: { at?: string; keepOpen?: boolean } = {}): Promise<void> {
    const { text, expected } = readCaretFixture(join(WORKSPACE, relative));
    const uri = uriOf(options.at ?? relative);
    await lsp.open(uri, text);
    const got = await lsp.waitForVersion(uri, 1);
    assertDiagnostics(text, got, expected, options.at === undefined ? relative : `${relative} opened as ${options.at}`);
    if (options.keepOpen !== true) await lsp.close(uri);
  }

  /** Opens text under a URI and returns what the server publishes for that first version. */
  async function openText(uri: string, text: string): Promise<Diagnostic[]> {
    await lsp.open(uri, text);
    return lsp.waitForVersion(uri, 1);
  }

  describe('one rule at a time: each valid file is clean, each invalid one gets exactly the marked diagnostics', () => {
    test('YAML syntax errors, each at the exact key or character, per document', async () => {
      await expectFixture('rules/syntax.yaml');
      await expectFixture('rules/syntax-tab.yaml');
      await expectFixture('rules/syntax.ok.yaml');
    });

    test('issue 15: a deeper-indented line is the error, not the line above; List items by their own kind; half-typed objects; Flux placeholders; custom tags in other YAML', async () => {
      await expectFixture('rules/syntax-indent.yaml');
      await expectFixture('rules/lists.yaml');
      await expectFixture('rules/half-typed.yaml');
      await expectFixture('rules/flux-placeholders.yaml');
      await expectFixture('rules/flux-placeholders.ok.yaml');
      await expectFixture('rules/custom-tags.ok.yaml');
    });

    test('issue 15: YAML 1.1 booleans: a plain key kubectl reads as "true"/"false" is a warning, a plain yes/no where a string goes an error; each has a quick fix that quotes it', async () => {
      await expectFixture('rules/yaml11-booleans.yaml');
      const uri = uriOf('rules/yaml11-quick-fix.yaml');
      const text = 'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: w\ndata:\n  on: push\n';
      const [key] = await openText(uri, text);
      assert.ok(key !== undefined && key.code === 'yaml.boolean-key', JSON.stringify(key));
      const actions = (await lsp.codeActions(uri, key.range, [key])) ?? [];
      const fix = actions.find((a) => 'edit' in a && a.title === "Quote it: 'on'");
      assert.ok(fix !== undefined && 'edit' in fix, JSON.stringify(actions));
      assert.deepEqual(fix.edit?.changes?.[uri], [{ range: { start: { line: 5, character: 2 }, end: { line: 5, character: 4 } }, newText: "'on'" }]);
      // Applied, the key is a string and nothing is left to say.
      const version = await lsp.edit(uri, [{ range: key.range, text: "'on'" }]);
      assert.deepEqual(await lsp.waitForVersion(uri, version), []);
      await lsp.close(uri);
    });

    test('an incremental edit above an error moves the error with its line', async () => {
      const uri = uriOf('rules/edited.yaml');
      const text = 'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: edited\ndata:\n  a: "1"\n  a: "2"\n';
      const [first] = await openText(uri, text);
      assert.deepEqual(first?.range, { start: { line: 6, character: 2 }, end: { line: 6, character: 3 } });
      const version = await lsp.edit(uri, [{ range: { start: { line: 4, character: 0 }, end: { line: 4, character: 0 } }, text: '# moved\n' }]);
      const [moved, ...rest] = await lsp.waitForVersion(uri, version);
      assert.equal(rest.length, 0);
      assert.equal(moved?.message, 'Map keys must be unique');
      assert.deepEqual(moved?.range, { start: { line: 7, character: 2 }, end: { line: 7, character: 3 } });
      // Delete the duplicate key line (and its newline) with a second incremental edit: clean.
      const fixed = await lsp.edit(uri, [{ range: { start: { line: 7, character: 0 }, end: { line: 8, character: 0 } }, text: '' }]);
      assert.deepEqual(await lsp.waitForVersion(uri, fixed), []);
      await lsp.close(uri);
    });

    test('unknown fields are errors at the key, with a suggestion', async () => {
      await expectFixture('rules/unknown-fields.yaml');
      await expectFixture('rules/unknown-fields.ok.yaml');
    });

    test('missing required fields are reported on the parent key (on the kind at the root)', async () => {
      await expectFixture('rules/required.yaml');
      await expectFixture('rules/required.ok.yaml');
    });

    test('CEL rules of the bundled CRD schemas: a failed rule on its field, in the apiserver\'s words', async () => {
      await expectFixture('rules/cel.yaml');
      await expectFixture('rules/cel.ok.yaml');
    });

    test('a list item missing a required field gets the error on its first key, not across the whole item', async () => {
      await expectFixture('rules/required-list-item.yaml');
    });

    test('types: integer, string (with a quoting hint), boolean, object and list', async () => {
      await expectFixture('rules/types.yaml');
      await expectFixture('rules/types.ok.yaml');
    });

    test('enums, with the closest allowed value suggested', async () => {
      await expectFixture('rules/enums.yaml');
      await expectFixture('rules/enums.ok.yaml');
    });

    test('patterns (CRD URL and interval patterns)', async () => {
      await expectFixture('rules/patterns.yaml');
      await expectFixture('rules/patterns.ok.yaml');
    });

    test('formats: quantities, date-times and Flux durations', async () => {
      await expectFixture('rules/formats.yaml');
      await expectFixture('rules/formats.ok.yaml');
    });

    test('int-or-string accepts integers and strings only', async () => {
      await expectFixture('rules/int-or-string.yaml');
      await expectFixture('rules/int-or-string.ok.yaml');
    });

    test('x-kubernetes-preserve-unknown-fields takes anything, but only where the schema says so', async () => {
      await expectFixture('rules/preserve-unknown-fields.yaml');
      await expectFixture('rules/preserve-unknown-fields.ok.yaml');
    });

    test('anyOf/oneOf (CRD int-or-string, Quantity): one message when no alternative fits', async () => {
      await expectFixture('rules/any-of.yaml');
      await expectFixture('rules/any-of.ok.yaml');
    });

    test("the apiserver's metadata and list rules, in its words, at the key or value", async () => {
      await expectFixture('rules/api-metadata.yaml');
      await expectFixture('rules/api-metadata.ok.yaml');
    });

    test('a kind without a schema gets one note on `kind`, with the severity of plumbline.validation.unknownKinds', async () => {
      const relative = 'rules/unknown-kind.yaml';
      const { text, expected } = readCaretFixture(join(WORKSPACE, relative));
      const uri = uriOf(relative);
      assertDiagnostics(text, await openText(uri, text), expected, relative);
      const kinds = ['error', 'warning', 'hint'] as const;
      for (const severity of kinds) {
        await lsp.changeSettings({ ...BASE_SETTINGS, validation: { unknownKinds: severity } });
        const want = expected.map((e) => ({ ...e, severity }));
        const got = await lsp.waitForDiagnostics(uri, (d) => sameDiagnostics(d, want));
        assertDiagnostics(text, got, want, `${relative} with unknownKinds: ${severity}`);
      }
      await lsp.changeSettings({ ...BASE_SETTINGS, validation: { unknownKinds: 'ignore' } });
      assert.deepEqual(await lsp.waitForDiagnostics(uri, (d) => d.length === 0), []);
      await lsp.changeSettings(BASE_SETTINGS);
      await lsp.waitForDiagnostics(uri, (d) => sameDiagnostics(d, expected));
      await lsp.close(uri);
    });

    test('a known kind at a version no schema serves is an error that names the served apiVersion', async () => {
      await expectFixture('rules/unserved-version.yaml');
    });

    test('a kind served at several versions names each of them', async () => {
      await expectFixture('rules/unserved-version-several.yaml');
    });

    test('apiVersions the target Kubernetes version (plumbline.kubernetesVersion) no longer serves are errors, deprecated ones warnings', async () => {
      const relative = 'rules/removed-apis.yaml';
      const { text, expected } = readCaretFixture(join(WORKSPACE, relative));
      const uri = uriOf(relative);
      await openText(uri, text);
      await lsp.changeSettings({ ...BASE_SETTINGS, kubernetesVersion: '1.24' });
      assertDiagnostics(text, await lsp.waitForDiagnostics(uri, (d) => sameDiagnostics(d, expected)), expected, relative);
      // Without the setting, the bundled schemas' version: PodSecurityPolicy is gone too.
      await lsp.changeSettings(BASE_SETTINGS);
      const removed = await lsp.waitForDiagnostics(uri, (d) => d.some((x) => x.message.startsWith('policy/v1beta1 PodSecurityPolicy was removed in Kubernetes 1.25')));
      assert.deepEqual(removed.map((d) => [d.range.start.line, severityName(d)]), [[1, 'error'], [6, 'error']]);
      await lsp.close(uri);
    });

    test('the same resource twice in a file is an error on the second name', async () => {
      await expectFixture('rules/duplicates.yaml');
      // Different kinds, namespaces or names are different resources.
      await expectFixture('rules/int-or-string.ok.yaml');
    });

    test('files over plumbline.maxFileSize (in UTF-8 bytes) are skipped with one note', async () => {
      const uri = uriOf('rules/large.yaml');
      const limit = 1024 * 1024;
      // One byte over the limit, as a comment: valid YAML with nothing to report when it is checked.
      const over = `# ${'x'.repeat(limit - 1)}`;
      assert.deepEqual(await openText(uri, over), []);
      await lsp.changeSettings({ ...BASE_SETTINGS, maxFileSize: 1 });
      const [skipped, ...rest] = await lsp.waitForDiagnostics(uri, (d) => d.length > 0);
      assert.equal(rest.length, 0);
      assert.equal(skipped?.severity, DiagnosticSeverity.Information);
      assert.equal(skipped?.code, 'file.too-large');
      assert.equal(skipped?.message, 'skipped: too large (1.0 MB; the limit is 1.0 MB, see plumbline.maxFileSize)');
      assert.deepEqual(skipped?.range, { start: { line: 0, character: 0 }, end: { line: 0, character: 0 } });
      // Exactly at the limit: checked.
      const atLimit = await lsp.edit(uri, [{ range: { start: { line: 0, character: limit }, end: { line: 0, character: limit + 1 } }, text: '' }]);
      assert.deepEqual(await lsp.waitForVersion(uri, atLimit), []);
      // 524,290 characters but 1,048,578 bytes: the limit is in bytes.
      const accented = `# ${'é'.repeat(limit / 2)}`;
      await lsp.replace(uri, accented);
      const [bytes] = await lsp.waitForVersion(uri, lsp.version(uri) ?? 0);
      assert.equal(bytes?.message, 'skipped: too large (1.0 MB; the limit is 1.0 MB, see plumbline.maxFileSize)');
      await lsp.close(uri);
      await lsp.changeSettings(BASE_SETTINGS);
    });
  });

  describe('file-path rules and real-world files: no false errors', () => {
    test('kustomization.yaml is validated, field names matched without regard to case as kustomize does', async () => {
      await expectFixture('kustomize-config/kustomization.yaml');
      await expectFixture('kustomize-typos/kustomization.yaml');
      await expectFixture('apps/shop/base/kustomization.yaml');
    });

    test('strategic-merge patches named by a kustomization need no selector/template; unknown fields and types still count', async () => {
      // The overlay's kustomization is open, as in an editor: the server reads its patch list from the open text.
      await expectFixture('apps/shop/overlays/prod/kustomization.yaml', { keepOpen: true });
      await expectFixture('apps/shop/overlays/prod/deployment-patch.yaml');
      await expectFixture('apps/shop/overlays/prod/resources-patch.yaml');
      await expectFixture('apps/shop/overlays/prod/service-patch.yaml');
      // The same partial Deployment anywhere else is an incomplete resource.
      const { text } = readCaretFixture(join(WORKSPACE, 'apps/shop/overlays/prod/deployment-patch.yaml'));
      const elsewhere = await openText(uriOf('apps/shop/overlays/prod/not-a-patch.yaml'), text);
      assertDiagnostics(text, elsewhere, [
        { range: { start: { line: 6, character: 0 }, end: { line: 6, character: 4 } }, severity: 'error', message: 'missing required fields `selector`, `template` in Deployment spec' },
      ], 'deployment-patch.yaml opened as not-a-patch.yaml');
      await lsp.close(uriOf('apps/shop/overlays/prod/not-a-patch.yaml'));
      await lsp.close(uriOf('apps/shop/overlays/prod/kustomization.yaml'));
    });

    test('strategic-merge patch directives ($patch: delete, $setElementOrder) are not unknown fields', async () => {
      await expectFixture('apps/shop/overlays/prod/kustomization.yaml', { keepOpen: true });
      await expectFixture('apps/shop/overlays/prod/remove-sidecar.yaml');
      await lsp.close(uriOf('apps/shop/overlays/prod/kustomization.yaml'));
    });

    test('JSON 6902 patch files get YAML checks only', async () => {
      await expectFixture('apps/shop/overlays/prod/kustomization.yaml', { keepOpen: true });
      await expectFixture('apps/shop/overlays/prod/replicas-json6902.yaml');
      await expectFixture('apps/shop/overlays/prod/image-ops.yaml');
      const uri = uriOf('apps/shop/overlays/prod/replicas-json6902.yaml');
      const broken = '- op: replace\n  path: /spec/replicas\n  value: 3\n - op: add\n';
      const [d, ...rest] = await openText(uri, broken);
      assert.equal(rest.length, 0, JSON.stringify(rest));
      assert.equal(d?.code, 'yaml.BAD_INDENT');
      assert.equal(d?.range.start.line, 3);
      await lsp.close(uri);
      await lsp.close(uriOf('apps/shop/overlays/prod/kustomization.yaml'));
    });

    test('patch files are known from the kustomizations of the workspace folders, without opening them', async () => {
      // Only indexed from disk at start-up: nobody opens overlays/staging/kustomization.yaml.
      const relative = 'apps/shop/overlays/staging/replicas-patch.yaml';
      const { text, expected } = readCaretFixture(join(WORKSPACE, relative));
      const uri = uriOf(relative);
      await lsp.open(uri, text);
      // Start-up indexing may finish after the first publish; what the user ends up with must be right.
      const got = await lsp.waitForDiagnostics(uri, (d) => sameDiagnostics(d, expected)).catch((error: unknown) => {
        throw new Error(`${String(error)}\nlast published:\n${renderWithCarets(text, (lsp.latest.get(uri) ?? []).map((x) => ({ range: x.range, severity: severityName(x), message: x.message })))}`);
      });
      assertDiagnostics(text, got, expected, relative);
      await lsp.close(uri);
    });

    test('a base Deployment and Service next to their kustomization are full resources and valid', async () => {
      await expectFixture('apps/shop/base/deployment.yaml');
      await expectFixture('apps/shop/base/service.yaml');
    });

    test('Helm chart templates (under a chart with Chart.yaml) and .tpl files are not checked', async () => {
      await expectFixture('charts/shop/templates/deployment.yaml');
      await expectFixture('charts/shop/templates/service.yaml');
      await expectFixture('charts/shop/templates/configmap.yaml');
      await expectFixture('charts/shop/templates/_helpers.tpl');
      await expectFixture('charts/shop/Chart.yaml');
    });

    test('Helm values files are plain YAML: syntax only', async () => {
      await expectFixture('charts/shop/values.yaml');
      await expectFixture('charts/shop/values-broken.yaml');
    });

    test('unrendered {{ }} templates outside a chart get no errors, whether or not they happen to parse as YAML', async () => {
      await expectFixture('templated/deployment.yaml');
      await expectFixture('templated/service.yaml');
    });

    test('an Argo CD ApplicationSet with quoted {{path.basename}} templates is valid; a real mistake in it is not hidden', async () => {
      await expectFixture('argocd/applicationset.yaml');
      await expectFixture('argocd/applicationset-broken.yaml');
    });

    test('an ApplicationSet with unquoted {{env}} inside plain scalars (valid YAML strings) is still validated', async () => {
      await expectFixture('argocd/applicationset-unquoted.yaml');
    });

    test('a ConfigMap with a colour-printing shell script: ANSI escapes in a block scalar are text, not nesting', async () => {
      await expectFixture('configmaps/scripts.yaml');
    });

    test('a Flux HelmRepository and HelmRelease with values', async () => {
      await expectFixture('flux/podinfo.yaml');
    });

    test('SOPS-encrypted Secrets and Deployments: ENC[...] values and the sops block are accepted', async () => {
      await expectFixture('secrets/db.sops.yaml');
      await expectFixture('secrets/not-encrypted.yaml');
    });

    test('a SOPS file encrypted without encrypted_regex (apiVersion and kind are ENC[...] too) gets no notes', async () => {
      await expectFixture('secrets/fully-encrypted.sops.yaml');
    });

    test('YAML merge keys (<<: *anchor), which kubectl accepts, are not unknown fields', async () => {
      const text = [
        'apiVersion: apps/v1',
        'kind: Deployment',
        'metadata:',
        '  name: web',
        'spec:',
        '  selector:',
        '    matchLabels: &labels',
        '      app: web',
        '  template:',
        '    metadata:',
        '      labels: *labels',
        '    spec:',
        '      containers:',
        '        - &web',
        '          name: web',
        '          image: nginx:1.27',
        '          resources: &resources',
        '            limits:',
        '              memory: 128Mi',
        '        - <<: *web',
        '          name: sidecar',
        '          resources:',
        '            <<: *resources',
        '            requests:',
        '              cpu: 10m',
        '',
      ].join('\n');
      const uri = uriOf('rules/merge-keys.yaml');
      assertDiagnostics(text, await openText(uri, text), [], 'merge-keys.yaml');
      await lsp.close(uri);
    });

    test('non-Kubernetes YAML (GitHub Actions, docker-compose) gets syntax checks only', async () => {
      await expectFixture('.github/workflows/ci.yaml');
      await expectFixture('.github/workflows/broken.yaml');
      await expectFixture('compose/docker-compose.yaml');
    });
  });

  describe('outline, folding, hover and completion from the same schemas', () => {
    const DEPLOYMENT = [
      'apiVersion: apps/v1', // 0
      'kind: Deployment', // 1
      'metadata:', // 2
      '  name: web', // 3
      '  namespace: shop', // 4
      'spec:', // 5
      '  replicas: 2', // 6
      '  ', // 7
      '  selector:', // 8
      '    matchLabels:', // 9
      '      app: web', // 10
      '  template:', // 11
      '    spec:', // 12
      '      containers:', // 13
      '        - name: web', // 14
      '          imagePullPolicy: ', // 15
      '---', // 16
      'apiVersion: v1', // 17
      'kind: ConfigMap', // 18
      'metadata:', // 19
      '  name: settings', // 20
      '',
    ].join('\n');
    const uri = uriOf('assist/deployment.yaml');

    before(async () => {
      assert.deepEqual(await openText(uri, DEPLOYMENT), []);
    });
    after(async () => {
      await lsp.close(uri);
    });

    test('the outline has one entry per resource, Kind/name with apiVersion and namespace, selecting the name', async () => {
      const symbols = (await lsp.documentSymbols(uri)) as (DocumentSymbol | SymbolInformation)[] | null;
      assert.ok(symbols !== null);
      const plain = symbols.map((s) => {
        assert.ok('range' in s, 'document symbols (with ranges), not symbol information');
        return { name: s.name, detail: s.detail, range: s.range, selectionRange: s.selectionRange };
      });
      assert.deepEqual(plain, [
        {
          name: 'Deployment/web',
          detail: 'apps/v1 · shop',
          range: { start: { line: 0, character: 0 }, end: { line: 15, character: 27 } },
          selectionRange: { start: { line: 3, character: 8 }, end: { line: 3, character: 11 } },
        },
        {
          name: 'ConfigMap/settings',
          detail: 'v1',
          range: { start: { line: 16, character: 0 }, end: { line: 21, character: 0 } },
          selectionRange: { start: { line: 20, character: 8 }, end: { line: 20, character: 16 } },
        },
      ]);
    });

    test('folding: each document and each key whose value spans lines', async () => {
      const ranges = await lsp.foldingRanges(uri);
      assert.deepEqual(
        (ranges ?? []).map((r) => `${r.startLine}-${r.endLine}`),
        ['0-15', '2-4', '5-15', '8-10', '9-10', '11-15', '12-15', '13-15', '16-20', '19-20'],
      );
    });

    test('hover on a key shows its type, description and which schemas it came from', async () => {
      const replicas = markdown(await lsp.hover(uri, { line: 6, character: 4 }));
      assert.equal(
        replicas,
        '**replicas** `integer`\n\nNumber of desired pods. This is a pointer to distinguish between explicit zero and not specified. Defaults to 1.\n\n' +
          `_Deployment (apps/v1) · schema from ${BUNDLED}_`,
      );
      const policy = markdown(await lsp.hover(uri, { line: 15, character: 12 }));
      assert.match(policy, /^\*\*imagePullPolicy\*\* `string`\n\n/);
      assert.match(policy, /Allowed: `Always`, `IfNotPresent`, `Never`/);
      const data = markdown(await lsp.hover(uri, { line: 19, character: 2 }));
      assert.match(data, /^\*\*metadata\*\* `object`/);
      assert.match(data, /_ConfigMap \(v1\) · schema from bundled schemas \(Kubernetes v1\.36\.3\)_$/);
    });

    test('hover on a CRD field names the bundled schemas too; no hover where there is no field', async () => {
      const relative = 'flux/podinfo.yaml';
      const text = readFileSync(join(WORKSPACE, relative), 'utf8');
      const flux = uriOf(relative);
      assert.deepEqual(await openText(flux, text), []);
      const interval = markdown(await lsp.hover(flux, { line: 15, character: 3 }));
      assert.match(interval, /^\*\*interval\*\* `string`\n\nInterval at which to reconcile the Helm release\./);
      assert.match(interval, /_HelmRelease \(helm\.toolkit\.fluxcd\.io\/v2\) · schema from bundled schemas \(Kubernetes v1\.36\.3\)_$/);
      // Inside `values` (preserve-unknown-fields) keys have no schema of their own.
      assert.equal(await lsp.hover(flux, { line: 41, character: 6 }), null);
      // The document separator has nothing to show.
      assert.equal(await lsp.hover(flux, { line: 8, character: 0 }), null);
      await lsp.close(flux);
    });

    test('completion inside spec: the Deployment keys not yet there, with their types', async () => {
      const list = items(await lsp.completion(uri, { line: 7, character: 2 }));
      const labels = list.map((i) => i.label);
      for (const present of ['replicas', 'selector', 'template']) assert.ok(!labels.includes(present), `${present} is already there`);
      assert.deepEqual(labels.sort(), ['minReadySeconds', 'paused', 'progressDeadlineSeconds', 'revisionHistoryLimit', 'strategy']);
      const strategy = list.find((i) => i.label === 'strategy');
      assert.equal(strategy?.detail, 'object');
      assert.equal(strategy?.kind, CompletionItemKind.Property);
      assert.equal(strategy?.insertText, 'strategy:\n  $0');

      // On an empty spec line, replicas is offered as an integer and the required keys come first.
      const empty = uriOf('assist/empty-spec.yaml');
      await openText(empty, 'apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: web\nspec:\n  \n');
      const offered = items(await lsp.completion(empty, { line: 5, character: 2 }));
      const replicas = offered.find((i) => i.label === 'replicas');
      assert.equal(replicas?.detail, 'integer');
      assert.equal(replicas?.insertText, 'replicas: $0');
      assert.equal(offered.find((i) => i.label === 'selector')?.detail, 'object (required)');
      const sorted = [...offered].sort((a, b) => (a.sortText ?? a.label).localeCompare(b.sortText ?? b.label)).map((i) => i.label);
      assert.deepEqual(sorted.slice(0, 2), ['selector', 'template']);
      await lsp.close(empty);
    });

    test('completion of a value offers the enum', async () => {
      const list = items(await lsp.completion(uri, { line: 15, character: 27 }));
      assert.deepEqual(list.map((i) => [i.label, i.kind]), [
        ['Always', CompletionItemKind.Value],
        ['IfNotPresent', CompletionItemKind.Value],
        ['Never', CompletionItemKind.Value],
      ]);
    });

    test('`kind: ` offers every kind with its apiVersion as detail, Deployment as apps/v1', async () => {
      const kinds = uriOf('assist/kind.yaml');
      await openText(kinds, 'apiVersion: apps/v1\nkind: \n');
      const list = items(await lsp.completion(kinds, { line: 1, character: 6 }));
      const deployment = list.filter((i) => i.label === 'Deployment');
      assert.deepEqual(deployment.map((i) => [i.detail, i.kind, i.insertText]), [['apps/v1', CompletionItemKind.Class, 'Deployment']]);
      assert.deepEqual(list.filter((i) => i.label === 'Kustomization').map((i) => i.detail), ['kustomize.config.k8s.io/v1beta1', 'kustomize.toolkit.fluxcd.io/v1']);
      assert.equal(list.length, 92, 'one entry per bundled kind (and version)');
      await lsp.close(kinds);
    });

    test('`kind: ` after `apiVersion: apps/v1` ranks the kinds of apps/v1 first', async () => {
      const kinds = uriOf('assist/kind-ranked.yaml');
      await openText(kinds, 'apiVersion: apps/v1\nkind: \n');
      const list = items(await lsp.completion(kinds, { line: 1, character: 6 }));
      const ranked = [...list].sort((a, b) => (a.sortText ?? a.label).localeCompare(b.sortText ?? b.label));
      assert.deepEqual(
        ranked.slice(0, 5).map((i) => `${i.label} ${i.detail ?? ''}`),
        ['ControllerRevision apps/v1', 'DaemonSet apps/v1', 'Deployment apps/v1', 'ReplicaSet apps/v1', 'StatefulSet apps/v1'],
      );
      await lsp.close(kinds);
    });

    test('an empty document offers whole resources as snippets', async () => {
      const empty = uriOf('assist/new.yaml');
      await openText(empty, '');
      const list = items(await lsp.completion(empty, { line: 0, character: 0 }));
      const deployment = list.find((i) => i.label === 'Deployment (apps/v1)');
      assert.equal(deployment?.kind, CompletionItemKind.Snippet);
      assert.equal(deployment?.detail, 'new Deployment');
      assert.match(deployment?.insertText ?? '', /^apiVersion: apps\/v1\nkind: Deployment\nmetadata:\n {2}name: \$\{1:name\}\nspec:\n/);
      await lsp.close(empty);
    });
  });
});

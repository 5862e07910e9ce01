// CRDs kept in the repository are schemas: the CLI and the language server validate custom
// resources with the repository's own CRDs (ahead of the bundled ones) and say so.
import assert from 'node:assert/strict';
import { cpSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { pathToFileURL } from 'node:url';
import type { MarkupContent } from 'vscode-languageserver-protocol';
import { parseCaretFixture } from '../support/carets';
import { runCli } from '../support/cli';
import { LspHarness } from '../support/lspClient';
import { assertDiagnostics, readCaretFixture } from '../support/lspExpect';

const FIXTURE = join(__dirname, 'fixtures', 'workspace-crds');

interface JsonFinding { path: string; line: number; column: number; endColumn: number; severity: string; code: string; message: string }
interface JsonReport { schemas: string; schemaSources: { apiVersion: string; kind: string; source: string }[]; summary: { errors: number }; findings: JsonFinding[] }

/** Every file of the fixture, caret lines removed, with what each expects as `path:line:column severity message`. */
function copyRepository(to: string): string[] {
  const expected: string[] = [];
  const walk = (dir: string): void => {
    for (const name of readdirSync(dir)) {
      const from = join(dir, name);
      const rel = relative(FIXTURE, from);
      if (statSync(from).isDirectory()) {
        mkdirSync(join(to, rel), { recursive: true });
        walk(from);
        continue;
      }
      if (!/\.ya?ml$/.test(name)) {
        cpSync(from, join(to, rel));
        continue;
      }
      const { text, expected: marks } = parseCaretFixture(readFileSync(from, 'utf8'));
      writeFileSync(join(to, rel), text);
      for (const m of marks) expected.push(`${rel}:${m.range.start.line + 1}:${m.range.start.character + 1} ${m.severity} ${m.message}`);
    }
  };
  walk(FIXTURE);
  // A Git repository: its root is where the CLI looks for CRDs besides the checked paths.
  mkdirSync(join(to, '.git'));
  return expected.sort();
}

describe('workspace CRDs validate their custom resources', () => {
  let repo: string;
  let expected: string[];

  before(() => {
    repo = mkdtempSync(join(tmpdir(), 'plumbline-workspace-crds-'));
    expected = copyRepository(repo);
  });
  after(() => rmSync(repo, { recursive: true, force: true }));

  const seen = (report: JsonReport): string[] => report.findings.map((f) => `${f.path}:${f.line}:${f.column} ${f.severity} ${f.message}`).sort();

  test('plumbline check -o json: a field the older Flux CRD lacks is an error, a chart CRD validates its CRs, and the sources are named', async () => {
    // Only apps/ and one file are checked: the CRDs elsewhere in the repository are found from its root.
    const run = await runCli(['check', 'apps', 'clusters/prod/apps.yaml', '-o', 'json'], { cwd: repo });
    assert.equal(run.code, 1, run.stderr);
    const report = JSON.parse(run.stdout) as JsonReport;
    assert.deepEqual(seen(report), expected.filter((e) => e.startsWith('apps/') || e.startsWith('clusters/prod/apps.yaml')));
    assert.deepEqual(report.schemaSources, [
      { apiVersion: 'example.com/v1', kind: 'Widget', source: 'workspace CRD charts/widgets/crds/widgets.yaml' },
      { apiVersion: 'kustomize.toolkit.fluxcd.io/v1', kind: 'Kustomization', source: 'workspace CRD clusters/prod/flux-system/gotk-components.yaml' },
    ]);
    assert.equal(report.schemas, 'workspace CRDs (2 files), bundled schemas (Kubernetes v1.36.3)');
  });

  test('the whole repository, checked in worker threads or a file at a time, gives the same findings', async () => {
    // Enough files that the CLI checks in workers, which know only the bundled schemas, or a file
    // at a time in one thread, keeping no texts: the files checked before a CRD are read again.
    const many = join(repo, 'configs');
    mkdirSync(many);
    for (let i = 0; i < 80; i++) writeFileSync(join(many, `cm-${i}.yaml`), `apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: cm-${i}\ndata: {a: b}\n`);
    try {
      for (const workers of ['2', '0']) {
        const run = await runCli(['check', '.', '-o', 'json'], { cwd: repo, env: { PLUMBLINE_CHECK_WORKERS: workers } });
        assert.equal(run.code, 1, `${workers} workers: ${run.stderr}`);
        assert.deepEqual(seen(JSON.parse(run.stdout) as JsonReport), expected, `${workers} workers`);
      }
    } finally {
      rmSync(many, { recursive: true, force: true });
    }
  });
});

describe('language server: workspace CRDs', () => {
  let lsp: LspHarness;
  let scratch: string;
  let repo: string;

  before(async () => {
    scratch = mkdtempSync(join(tmpdir(), 'plumbline-lsp-crds-'));
    repo = join(scratch, 'repo');
    mkdirSync(repo);
    copyRepository(repo);
    lsp = await LspHarness.start({ cluster: { enabled: false } }, { workspaceFolders: [repo], env: { KUBECONFIG: join(scratch, 'no-kubeconfig'), PLUMBLINE_CACHE_DIR: join(scratch, 'cache') } });
  });
  after(async () => {
    await lsp.stop();
    rmSync(scratch, { recursive: true, force: true });
  });

  test('diagnostics and hover use the workspace CRD, and follow it when it changes on disk', async () => {
    const relativePath = 'clusters/prod/apps.yaml';
    const { text, expected } = readCaretFixture(join(FIXTURE, relativePath));
    const uri = pathToFileURL(join(repo, relativePath)).href;
    await lsp.open(uri, text);
    const same = (got: { message: string }[]): boolean => got.length === expected.length && got.every((d, i) => d.message === expected[i]?.message);
    assertDiagnostics(text, await lsp.waitForDiagnostics(uri, same), expected, relativePath);
    const hover = await lsp.hover(uri, { line: 7, character: 3 });
    const value = (hover?.contents as MarkupContent | undefined)?.value ?? '';
    assert.match(value, /Path to the directory containing the kustomization\.yaml file\./);
    assert.match(value, /_Kustomization \(kustomize\.toolkit\.fluxcd\.io\/v1\) · schema from workspace CRD clusters\/prod\/flux-system\/gotk-components\.yaml_/);

    // The CRD file goes: the bundled Flux schemas (which know healthCheckExprs) take over.
    const crd = join(repo, 'clusters/prod/flux-system/gotk-components.yaml');
    rmSync(crd);
    await lsp.connection.sendNotification('workspace/didChangeWatchedFiles', { changes: [{ uri: pathToFileURL(crd).href, type: 3 }] });
    const clean = await lsp.waitForDiagnostics(uri, (d) => d.length === 0);
    assert.deepEqual(clean, []);
    const after = await lsp.hover(uri, { line: 7, character: 3 });
    assert.match((after?.contents as MarkupContent | undefined)?.value ?? '', /schema from bundled schemas \(Kubernetes v1\.36\.3\)/);
  });

  test("a chart's CRD validates the custom resources elsewhere in the workspace", async () => {
    const relativePath = 'apps/widget.yaml';
    const { text, expected } = readCaretFixture(join(FIXTURE, relativePath));
    const uri = pathToFileURL(join(repo, relativePath)).href;
    await lsp.open(uri, text);
    const same = (got: { message: string }[]): boolean => got.length === expected.length;
    assertDiagnostics(text, await lsp.waitForDiagnostics(uri, same), expected, relativePath);
  });
});

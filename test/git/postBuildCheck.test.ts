// Git tier (issue 15): a file a Flux Kustomization renders with `postBuild` is validated as Flux
// substitutes it, with the values the repository holds (its inline `substitute`, the ConfigMaps and
// Secrets of `substituteFrom` nearest to it). `plumbline check` and the editor say the same thing:
// the error sits on the placeholder and names the variable, its value and where it comes from.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { pathToFileURL } from 'node:url';
import { runCli } from '../support/cli';
import { LspHarness } from '../support/lspClient';

const flux = (cluster: string): string =>
  [
    'apiVersion: kustomize.toolkit.fluxcd.io/v1',
    'kind: Kustomization',
    'metadata:',
    '  name: apps',
    '  namespace: flux-system',
    'spec:',
    '  interval: 10m',
    '  path: ./apps/shop',
    '  prune: true',
    '  sourceRef:',
    '    kind: GitRepository',
    '    name: flux-system',
    '  postBuild:',
    '    substitute:',
    `      CLUSTER: ${cluster}`,
    '    substituteFrom:',
    '      - kind: ConfigMap',
    '        name: cluster-vars',
    '      - kind: Secret',
    '        name: cluster-secrets',
    '        optional: true',
    '',
  ].join('\n');

const vars = (replicas: string): string => ['apiVersion: v1', 'kind: ConfigMap', 'metadata:', '  name: cluster-vars', '  namespace: flux-system', 'data:', `  REPLICAS: "${replicas}"`, '  PORT: "8080"', ''].join('\n');

// The lines the findings are about, by number (1-based) below.
const DEPLOYMENT = [
  'apiVersion: apps/v1',
  'kind: Deployment',
  'metadata:',
  '  name: shop',
  '  labels:',
  '    cluster: ${CLUSTER}',
  'spec:',
  '  replicas: ${REPLICAS}', // 8
  '  selector:',
  '    matchLabels: {app: shop}',
  '  template:',
  '    metadata:',
  '      labels: {app: shop}',
  '    spec:',
  '      terminationGracePeriodSeconds: ${GRACE}', // 15
  '      containers:',
  '        - name: shop',
  '          image: registry.example.com/shop:${TAG}',
  '          ports:',
  '            - containerPort: ${PORT}',
  '',
].join('\n');

const FILES: Record<string, string> = {
  'clusters/prod/apps.yaml': flux('prod'),
  'clusters/prod/cluster-vars.yaml': vars('three'),
  'clusters/prod/cluster-secrets.yaml': ['apiVersion: v1', 'kind: Secret', 'metadata:', '  name: cluster-secrets', '  namespace: flux-system', 'stringData:', '  GRACE: soon', ''].join('\n'),
  'clusters/staging/apps.yaml': flux('staging'),
  'clusters/staging/cluster-vars.yaml': vars('2'),
  'apps/shop/deployment.yaml': DEPLOYMENT,
  // Opted out of substitution: its placeholder stays as written, so no value of Git judges it.
  'apps/shop/job.yaml': ['apiVersion: batch/v1', 'kind: Job', 'metadata:', '  name: migrate', '  annotations:', '    kustomize.toolkit.fluxcd.io/substitute: disabled', 'spec:', '  backoffLimit: ${REPLICAS}', '  template:', '    spec:', '      restartPolicy: Never', '      containers:', '        - {name: migrate, image: shop}', ''].join('\n'),
};

const EXPECTED = [
  'apps/shop/deployment.yaml:8:13 error Deployment spec.replicas must be an integer, not the string "three" (`${REPLICAS}` is "three" from ConfigMap flux-system/cluster-vars in clusters/prod/cluster-vars.yaml, as Flux Kustomization flux-system/apps substitutes it)',
  'apps/shop/deployment.yaml:15:38 error Deployment spec.template.spec.terminationGracePeriodSeconds must be an integer, not the string (a value not shown) (`${GRACE}` is a value (not shown) from Secret flux-system/cluster-secrets in clusters/prod/cluster-secrets.yaml, as Flux Kustomization flux-system/apps substitutes it)',
];

describe('plumbline check fills Flux postBuild variables from Git', () => {
  let root: string;
  before(() => {
    root = mkdtempSync(join(tmpdir(), 'plumbline-postbuild-'));
    for (const [path, text] of Object.entries(FILES)) {
      mkdirSync(dirname(join(root, path)), { recursive: true });
      writeFileSync(join(root, path), text);
    }
    execFileSync('git', ['init', '-q', '-b', 'main', root]);
  });
  after(() => rmSync(root, { recursive: true, force: true }));

  test('a value in Git that makes a field invalid is an error at the placeholder, naming the variable and its source; a Secret value is not shown', async () => {
    const run = await runCli(['check', 'apps', '-o', 'json'], { cwd: root });
    assert.equal(run.code, 1, `${run.stdout}\n${run.stderr}`);
    const report = JSON.parse(run.stdout) as { findings: { path: string; line: number; column: number; severity: string; message: string }[] };
    const found = report.findings.map((f) => `${f.path}:${f.line}:${f.column} ${f.severity} ${f.message}`);
    assert.deepEqual(found, EXPECTED);
    assert.ok(!run.stdout.includes('soon'), 'the Secret value is printed');
    // Staging's REPLICAS is "2", the same placeholder is fine there; PORT is 8080 everywhere.
    assert.ok(!run.stdout.includes('staging'), run.stdout);
  });

  // A large run: in worker threads, or a file at a time in one thread, which keeps no file's text (a placeholder file is read again).
  test('a large run, in worker threads or a file at a time, the same findings', async () => {
    const many = join(root, 'apps/shop/configs');
    mkdirSync(many);
    for (let i = 0; i < 80; i++) writeFileSync(join(many, `cm-${i}.yaml`), `apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: cm-${i}\ndata: {a: b}\n`);
    try {
      for (const workers of ['2', '0']) {
        const run = await runCli(['check', 'apps', '-o', 'json'], { cwd: root, env: { PLUMBLINE_CHECK_WORKERS: workers } });
        assert.equal(run.code, 1, `${workers} workers: ${run.stdout}\n${run.stderr}`);
        const report = JSON.parse(run.stdout) as { findings: { path: string; line: number; column: number; severity: string; message: string }[] };
        assert.deepEqual(report.findings.map((f) => `${f.path}:${f.line}:${f.column} ${f.severity} ${f.message}`), EXPECTED, `${workers} workers`);
      }
    } finally {
      rmSync(many, { recursive: true, force: true });
    }
  });

  test('the editor reports the same findings on the open file', async () => {
    const lsp = await LspHarness.start({ cluster: { enabled: false } }, { workspaceFolders: [root] });
    try {
      const uri = pathToFileURL(join(root, 'apps/shop/deployment.yaml')).href;
      await lsp.open(uri, DEPLOYMENT);
      const diagnostics = await lsp.waitForVersion(uri, 1, 20_000);
      const cli = JSON.parse((await runCli(['check', 'apps/shop/deployment.yaml', '-o', 'json'], { cwd: root })).stdout) as { findings: { line: number; column: number; message: string }[] };
      assert.deepEqual(
        diagnostics.map((d) => `${d.range.start.line + 1}:${d.range.start.character + 1} ${d.message}`),
        cli.findings.map((f) => `${f.line}:${f.column} ${f.message}`),
      );
      assert.equal(diagnostics.length, 2);
    } finally {
      await lsp.stop();
    }
  });
});

describe('plumbline check on files Flux never applies (a retired app kept in .archive/)', () => {
  // As home-lab repositories keep retired apps: .archive/<app>/ks.yaml still names a path (here the
  // live app's folder, with a REPLICAS value that does not fit it) and its HelmRelease is still at
  // an apiVersion Flux no longer serves. No Kustomization of the cluster applies .archive.
  const ks = (name: string, path: string, replicas: string): string =>
    `apiVersion: kustomize.toolkit.fluxcd.io/v1\nkind: Kustomization\nmetadata:\n  name: ${name}\n  namespace: flux-system\nspec:\n  interval: 1h\n  prune: true\n  path: ${path}\n  sourceRef:\n    kind: GitRepository\n    name: flux-system\n  postBuild:\n    substitute:\n      REPLICAS: "${replicas}"\n`;
  const files: Record<string, string> = {
    'kubernetes/flux/cluster/ks.yaml': 'apiVersion: kustomize.toolkit.fluxcd.io/v1\nkind: Kustomization\nmetadata:\n  name: cluster-apps\n  namespace: flux-system\nspec:\n  interval: 1h\n  prune: true\n  path: ./kubernetes/apps\n  sourceRef:\n    kind: GitRepository\n    name: flux-system\n',
    'kubernetes/apps/kustomization.yaml': 'apiVersion: kustomize.config.k8s.io/v1beta1\nkind: Kustomization\nresources:\n  - ./web/ks.yaml\n',
    'kubernetes/apps/web/ks.yaml': ks('web', './kubernetes/apps/web/app', '2'),
    'kubernetes/apps/web/app/deployment.yaml': 'apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: web\nspec:\n  replicas: ${REPLICAS}\n  selector:\n    matchLabels: {app: web}\n  template:\n    metadata:\n      labels: {app: web}\n    spec:\n      containers:\n        - {name: web, image: web}\n',
    '.archive/kubernetes/old-web/ks.yaml': ks('old-web', './kubernetes/apps/web/app', 'three'),
    '.archive/kubernetes/old-web/app/helmrelease.yaml': 'apiVersion: helm.toolkit.fluxcd.io/v2beta2\nkind: HelmRelease\nmetadata:\n  name: old-web\nspec:\n  interval: 1h\n  chart:\n    spec:\n      chart: app-template\n      sourceRef:\n        kind: HelmRepository\n        name: charts\n',
    // A real schema error in an archived file: still shown, to whoever revives it.
    '.archive/kubernetes/old-web/app/service.yaml': 'apiVersion: v1\nkind: Service\nmetadata:\n  name: old-web\nspec:\n  ports:\n    - port: eighty\n',
  };
  let root: string;
  before(() => {
    root = mkdtempSync(join(tmpdir(), 'plumbline-archive-'));
    for (const [path, text] of Object.entries(files)) {
      mkdirSync(dirname(join(root, path)), { recursive: true });
      writeFileSync(join(root, path), text);
    }
    execFileSync('git', ['init', '-q', '-b', 'main', root]);
  });
  after(() => rmSync(root, { recursive: true, force: true }));

  test('no archived unit lends its values to a live file; errors in archived files are warnings, all still shown, and a note says how they were treated', async () => {
    const run = await runCli(['check', '.'], { cwd: root });
    assert.equal(run.code, 0, `${run.stdout}\n${run.stderr}`);
    const findings = run.stdout.split('\n').filter((l) => / (error|warning) /.test(l));
    assert.deepEqual(findings.map((l) => l.replace(/ (warning|error) .* (\[[a-z.-]+\])$/, ' $1 $2')), [
      '.archive/kubernetes/old-web/app/helmrelease.yaml:1:13 warning [schema.unknown-version]',
      '.archive/kubernetes/old-web/app/service.yaml:7:13 warning [schema.type]',
    ]);
    assert.ok(findings.every((l) => l.includes('(a warning here: no Flux Kustomization of this repository applies this file)')), findings.join('\n'));
    // The live Deployment is checked with its own unit's REPLICAS ("2"), never the archived "three".
    assert.doesNotMatch(run.stdout, /three|deployment\.yaml/);
    assert.match(run.stdout, /^note: 3 checked file\(s\) are in folders of Flux objects no cluster of this repository applies \(\.archive\/kubernetes\/old-web\): checked as plain files \(no unit renders them, no postBuild values\), 2 error\(s\) in them reported as warnings$/m);
    assert.match(run.stdout, /^Summary: .* errors: 0, warnings: 2,/m);
    // --strict fails on them, and the JSON output lists the files.
    assert.equal((await runCli(['check', '.', '--strict'], { cwd: root })).code, 1);
    const json = JSON.parse((await runCli(['check', '.', '-o', 'json'], { cwd: root })).stdout) as { notApplied: { files: string[]; downgraded: number } };
    assert.deepEqual(json.notApplied, { files: ['.archive/kubernetes/old-web/app/helmrelease.yaml', '.archive/kubernetes/old-web/app/service.yaml', '.archive/kubernetes/old-web/ks.yaml'], downgraded: 2 });
  });

  test('the editor says the same of an archived file as check of the repository: its error is a warning, with the reason', async () => {
    const lsp = await LspHarness.start({ cluster: { enabled: false } }, { workspaceFolders: [root] });
    try {
      const file = '.archive/kubernetes/old-web/app/service.yaml';
      const uri = pathToFileURL(join(root, file)).href;
      await lsp.open(uri, files[file] ?? '');
      // The first answer does not wait for the environments' index; the file is checked again once it is there.
      const diagnostics = await lsp.waitForDiagnostics(uri, (d) => d.some((x) => x.message.includes('(a warning here')), 20_000);
      const cli = JSON.parse((await runCli(['check', '.', '-o', 'json'], { cwd: root })).stdout) as { findings: { path: string; line: number; column: number; severity: string; message: string }[] };
      assert.deepEqual(
        diagnostics.map((d) => `${d.range.start.line + 1}:${d.range.start.character + 1} ${d.severity === 1 ? 'error' : d.severity === 2 ? 'warning' : 'other'} ${d.message}`),
        cli.findings.filter((f) => f.path === file).map((f) => `${f.line}:${f.column} ${f.severity} ${f.message}`),
      );
      assert.equal(diagnostics.length, 1);
    } finally {
      await lsp.stop();
    }
  });

  test('run from the folder without a repository, the same; an archived file checked alone (no Flux object of the folder it is checked from applies to it) keeps its error', async () => {
    const bare = mkdtempSync(join(tmpdir(), 'plumbline-archive-bare-'));
    try {
      for (const [path, text] of Object.entries(files)) {
        mkdirSync(dirname(join(bare, path)), { recursive: true });
        writeFileSync(join(bare, path), text);
      }
      const run = await runCli(['check', '.'], { cwd: bare });
      assert.equal(run.code, 0, `${run.stdout}\n${run.stderr}`);
      assert.match(run.stdout, /^note: 3 checked file\(s\) are in folders of Flux objects no cluster of this repository applies \(\.archive\/kubernetes\/old-web\): checked as plain files \(no unit renders them, no postBuild values\), 2 error\(s\) in them reported as warnings$/m);
      const alone = await runCli(['check', '.archive/kubernetes/old-web/app/service.yaml'], { cwd: bare });
      assert.equal(alone.code, 1);
      assert.equal(
        alone.stdout,
        '.archive/kubernetes/old-web/app/service.yaml:7:13 error Service spec.ports[eighty].port must be an integer, not the string "eighty" [schema.type]\nSummary: 1 resources found in 1 files - errors: 1, warnings: 0, skipped files: 0\n',
      );
    } finally {
      rmSync(bare, { recursive: true, force: true });
    }
  });
});

describe('plumbline check run from the folder that holds the checked files (no repository), with errors', () => {
  // As the bench's corpus folder: Flux Kustomizations with postBuild, the ConfigMaps they read and
  // the manifests side by side, and no cluster that applies any of them. Which files Flux never
  // applies is looked up (discovery walks and parses the folder) only where a Flux object could
  // make a checked file one: the output is what the full lookup gave.
  const KS = 'apiVersion: kustomize.toolkit.fluxcd.io/v1\nkind: Kustomization\nmetadata:\n  name: NAME\n  namespace: flux-system\nspec:\n  interval: 1h\n  prune: true\n  path: PATH\n  sourceRef:\n    kind: GitRepository\n    name: fleet\n';
  const layout: Record<string, string> = {
    'all.yaml': `${KS.replace('NAME', 'web').replace('PATH', './apps/web')}  postBuild:\n    substituteFrom:\n      - kind: ConfigMap\n        name: cluster-vars\n---\napiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: cluster-vars\n  namespace: flux-system\ndata:\n  REPLICAS: "2"\n---\napiVersion: v1\nkind: Service\nmetadata:\n  name: web\nspec:\n  ports:\n    - port: eighty\n`,
    'flux-system/ks.yaml': KS.replace('NAME', 'apps').replace('PATH', './apps'),
    'apps/web/deployment.yaml': 'apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: web\nspec:\n  replicas: two\n  selector:\n    matchLabels: {app: web}\n  template:\n    metadata:\n      labels: {app: web}\n    spec:\n      containers:\n        - {name: web, image: web}\n',
  };
  const SERVICE_ERROR = 'all.yaml:32:13 error Service spec.ports[eighty].port must be an integer, not the string "eighty" [schema.type]';
  const DEPLOYMENT_ERROR = 'apps/web/deployment.yaml:6:13 error Deployment spec.replicas must be an integer, not the string "two" [schema.type]';
  let root: string;
  before(() => {
    root = mkdtempSync(join(tmpdir(), 'plumbline-from-folder-'));
    for (const [path, text] of Object.entries(layout)) {
      mkdirSync(dirname(join(root, path)), { recursive: true });
      writeFileSync(join(root, path), text);
    }
  });
  after(() => rmSync(root, { recursive: true, force: true }));

  for (const [args, expected] of [
    [['all.yaml'], [SERVICE_ERROR, 'Summary: 3 resources found in 1 files - errors: 1, warnings: 0, skipped files: 0']],
    [['.'], [SERVICE_ERROR, DEPLOYMENT_ERROR, 'Summary: 5 resources found in 3 files - errors: 2, warnings: 0, skipped files: 0']],
    [['apps/web/deployment.yaml'], [DEPLOYMENT_ERROR, 'Summary: 1 resources found in 1 files - errors: 1, warnings: 0, skipped files: 0']],
  ] as const) {
    test(`plumbline check ${args.join(' ')}: the errors, no note, exit 1`, async () => {
      const run = await runCli(['check', ...args], { cwd: root });
      assert.equal(run.code, 1, run.stderr);
      assert.equal(run.stdout, `${expected.join('\n')}\n`);
      const json = JSON.parse((await runCli(['check', '-o', 'json', ...args], { cwd: root })).stdout) as Record<string, unknown>;
      assert.equal(json['notApplied'], undefined);
    });
  }
});

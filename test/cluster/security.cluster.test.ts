// Cluster tier, issue 10 item 5: a malformed kubeconfig never echoes its credentials. The attack
// is a kubeconfig that client-node's YAML parser quotes in its error (the lines around the bad
// one: a bearer token and client-key-data); the real CLI and the real language server read it.
//
//   npm run build && node --import tsx --test --test-reporter=spec test/cluster/security.cluster.test.ts
import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { pathToFileURL } from 'node:url';
import { LspHarness } from '../support/lspClient';
import { bundle } from '../support/paths';
import { startCluster, type Cluster } from './harness';

const TOKEN = 'kubeTOKENq7Zp3Xw9Lm2Rv8Ks4Ty6Ub1Nc5Jd0Hf';
const KEY_DATA = 'LS0tLS1CRUdJTiBQUklWQVRFIEtFWS0tLS0tCk1JSUV2Z0lCQURBTkJna3Foa2lHOXcwQkFRRUZBQVND';

/** A kubeconfig whose line `line` is broken by `broken`, with the credentials just above it. */
function kubeconfig(broken: string): string {
  return [
    'apiVersion: v1',
    'kind: Config',
    'clusters:',
    '- name: bench',
    '  cluster:',
    '    server: https://127.0.0.1:6443',
    'users:',
    '- name: admin',
    '  user:',
    `    token: ${TOKEN}`,
    `    client-key-data: ${KEY_DATA}`,
    broken,
    'contexts:',
    '- name: bench',
    '  context: {cluster: bench, user: admin}',
    'current-context: bench',
    '',
  ].join('\n');
}

/** Every 6-character piece of the token and the key: none may appear anywhere the user can see. */
function leaks(text: string): string[] {
  const found: string[] = [];
  for (const secret of [TOKEN, KEY_DATA]) for (let i = 0; i + 6 <= secret.length; i++) if (text.includes(secret.slice(i, i + 6))) found.push(secret.slice(i, i + 6));
  return found;
}

const STACK_FRAME = /^\s+at .+\(.*:\d+:\d+\)$|^\s+at .+:\d+:\d+$/m;

describe('a malformed kubeconfig never echoes its content (issue 10, item 5)', { timeout: 3 * 60_000 }, () => {
  let work: string;
  let badYaml: string;
  let badShape: string;
  let manifest: string;
  before(() => {
    work = mkdtempSync(join(tmpdir(), 'plumbline-kubeconfig-'));
    badYaml = join(work, 'bad-yaml.kubeconfig');
    // Line 12: one space short, so js-yaml stops there and prints lines 9 to 14.
    writeFileSync(badYaml, kubeconfig('   extra: oops: here'));
    badShape = join(work, 'bad-shape.kubeconfig');
    // Valid YAML, wrong shape: a cluster whose server is a mapping (client-node throws a TypeError).
    writeFileSync(badShape, kubeconfig('- name: other').replace('    server: https://127.0.0.1:6443', '    server: {url: https://127.0.0.1:6443}'));
    manifest = join(work, 'cm.yaml');
    writeFileSync(manifest, 'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: settings\n  namespace: default\ndata:\n  a: "1"\n');
  });
  after(() => {
    if (work !== undefined) rmSync(work, { recursive: true, force: true });
  });

  const cli = (args: string[], env: Record<string, string> = {}): { status: number | null; out: string } => {
    const r = spawnSync(process.execPath, [bundle('cli.js'), ...args], { encoding: 'utf8', env: { ...process.env, ...env }, timeout: 60_000 });
    return { status: r.status, out: `${r.stdout}\n${r.stderr}` };
  };

  const cases: [string, () => string[], () => Record<string, string>, () => string, number, RegExp][] = [
    ['diff --kubeconfig (bad YAML)', () => ['diff', '--kubeconfig', badYaml, manifest], () => ({}), () => badYaml, 12, /not valid YAML/],
    ['check --context --kubeconfig (bad YAML)', () => ['check', '--context', 'bench', '--kubeconfig', badYaml, manifest], () => ({}), () => badYaml, 12, /not valid YAML/],
    ['diff with KUBECONFIG (bad YAML)', () => ['diff', manifest], () => ({ KUBECONFIG: badYaml }), () => badYaml, 12, /not valid YAML/],
    ['diff -o json --kubeconfig (bad shape)', () => ['diff', '-o', 'json', '--kubeconfig', badShape, manifest], () => ({}), () => badShape, 6, /clusters\[0\]\.cluster\.server must be a string/],
    ['check -o sarif --context (bad shape)', () => ['check', '-o', 'sarif', '--context', 'bench', '--kubeconfig', badShape, manifest], () => ({}), () => badShape, 6, /clusters\[0\]\.cluster\.server must be a string/],
  ];
  for (const [name, args, env, file, line, what] of cases) {
    test(`plumbline ${name}: exit 2, the file and line named, no trace, no credential`, () => {
      const { status, out } = cli(args(), env());
      assert.deepEqual(leaks(out), [], `credentials in the output:\n${out}`);
      assert.equal(status, 2, out);
      assert.doesNotMatch(out, STACK_FRAME, 'no stack trace');
      assert.doesNotMatch(out, /internal error/);
      assert.ok(out.includes(`the kubeconfig ${file()} is malformed at line ${line}`), out);
      assert.match(out, what);
      assert.match(out, /fix that line, or choose another kubeconfig/);
    });
  }

  test('the language server: a clear cluster status naming the file and line; no credential in any message or log', async () => {
    const lsp = await LspHarness.start({ cluster: { kubeconfig: badYaml } }, { initializationOptions: { cacheDir: join(work, 'cache') } });
    try {
      const uri = pathToFileURL(manifest).href;
      await lsp.open(uri, 'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: settings\n  namespace: default\ndata:\n  a: "1"\n');
      const status = await lsp.waitForNotification('plumbline/clusterStatus', (p) => (p as { state?: string }).state === 'unreachable', 30_000);
      const message = (status.params as { message: string }).message;
      assert.ok(message.includes(`the kubeconfig ${badYaml} is malformed at line 12`), message);
      await lsp.waitForVersion(uri, 1, 20_000);
      const everything = `${JSON.stringify(lsp.notifications)}\n${JSON.stringify([...lsp.latest])}\n${lsp.stderrText}`;
      assert.deepEqual(leaks(everything), [], 'credentials in an LSP message or log');
      assert.doesNotMatch(everything, /internal error/);
    } finally {
      await lsp.stop();
    }
  });
});

// Issue 10, item 5: a Secret inside a `kind: List` (as `kubectl get -o yaml` writes, and kubectl
// applies item by item) is masked like any Secret in every preview and diff, text and JSON.
describe('a Secret inside a kind: List is masked everywhere (issue 10, item 5)', { timeout: 3 * 60_000 }, () => {
  let cluster: Cluster;
  let repo: string;
  const OLD = 'list-secret-in-cluster-0451';
  const NEW = 'list-secret-in-git-2187';
  const forms = [OLD, NEW, Buffer.from(OLD).toString('base64'), Buffer.from(NEW).toString('base64')];
  const list = (kind: string, value: string): string =>
    `apiVersion: v1\nkind: ${kind}\nitems:\n  - apiVersion: v1\n    kind: ConfigMap\n    metadata:\n      name: plain\n      namespace: lists\n    data:\n      colour: ${value === OLD ? 'blue' : 'green'}\n  - apiVersion: v1\n    kind: Secret\n    metadata:\n      name: db\n      namespace: lists\n    type: Opaque\n    stringData:\n      password: ${value}\n`;
  const git = (...args: string[]): string => execFileSync('git', ['-C', repo, ...args], { encoding: 'utf8' });

  before(async () => {
    cluster = await startCluster();
    repo = mkdtempSync(join(tmpdir(), 'plumbline-list-secret-'));
    execFileSync('kubectl', ['--kubeconfig', cluster.kubeconfigPath, 'create', 'namespace', 'lists']);
    mkdirSync(join(repo, 'app'));
    writeFileSync(join(repo, '.plumbline.yaml'), 'environments:\n  - name: bench\n    path: ./app\n    namespace: lists\n    delivery: direct\n');
    writeFileSync(join(repo, 'app', 'list.yaml'), list('List', OLD));
    writeFileSync(join(repo, 'app', 'secrets.yaml'), list('SecretList', OLD).replace('name: plain', 'name: plain2').replace('name: db', 'name: db2'));
    git('init', '-q', '-b', 'main');
    git('-c', 'user.name=t', '-c', 'user.email=t@example.com', 'commit', '-q', '--allow-empty', '-m', 'empty');
    git('add', '.');
    git('-c', 'user.name=t', '-c', 'user.email=t@example.com', 'commit', '-q', '-m', 'lists');
    // kubectl applies a List item by item: the Secret is live, its value in the last-applied annotation too.
    execFileSync('kubectl', ['--kubeconfig', cluster.kubeconfigPath, 'apply', '-f', join(repo, 'app', 'list.yaml'), '-f', join(repo, 'app', 'secrets.yaml')], { encoding: 'utf8' });
    writeFileSync(join(repo, 'app', 'list.yaml'), list('List', NEW));
    writeFileSync(join(repo, 'app', 'secrets.yaml'), list('SecretList', NEW).replace('name: plain', 'name: plain2').replace('name: db', 'name: db2'));
  });
  after(async () => {
    await cluster?.stop();
    if (repo !== undefined) rmSync(repo, { recursive: true, force: true });
  });

  const runs: [string, () => string[]][] = [
    ['preview --git', () => ['preview', '--git', '--repo', repo]],
    ['preview --git -o json', () => ['preview', '--git', '-o', 'json', '--repo', repo]],
    ['preview --cluster', () => ['preview', '--cluster', '--env', 'bench', '--repo', repo, '--kubeconfig', cluster.kubeconfigPath]],
    ['preview --cluster -o json', () => ['preview', '--cluster', '--env', 'bench', '-o', 'json', '--repo', repo, '--kubeconfig', cluster.kubeconfigPath]],
    ['diff', () => ['diff', '--kubeconfig', cluster.kubeconfigPath, join(repo, 'app')]],
    ['diff -o json', () => ['diff', '-o', 'json', '--kubeconfig', cluster.kubeconfigPath, join(repo, 'app')]],
    ['diff -o sarif', () => ['diff', '-o', 'sarif', '--kubeconfig', cluster.kubeconfigPath, join(repo, 'app')]],
  ];
  for (const [name, args] of runs) {
    test(`plumbline ${name}: no value of the List's Secret item`, () => {
      const r = spawnSync(process.execPath, [bundle('cli.js'), ...args()], { encoding: 'utf8', timeout: 60_000 });
      const out = `${r.stdout}\n${r.stderr}`;
      assert.deepEqual(forms.filter((f) => out.includes(f)), [], out);
      assert.doesNotMatch(out, STACK_FRAME);
      if (name.startsWith('preview --git')) assert.match(out, /‹secret [0-9a-f]{8}›/, `the change is shown, masked:\n${out}`);
    });
  }
});

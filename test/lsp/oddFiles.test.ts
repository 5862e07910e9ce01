// Issue 10, items 8–10: odd files given to `plumbline check` never hang, crash or pass silently,
// and what it prints stays readable and valid. Each case is built as a user (or a hostile
// repository) would lay it out, and run through the built CLI.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { chmodSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, truncateSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import Ajv from 'ajv-draft-04';
import addFormats from 'ajv-formats';
import { portableCli, runCli } from '../support/cli';
import { REPO } from '../support/paths';

const BAD_CONFIGMAP = 'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: demo\ndata:\n  a: "1"\ndatta:\n  b: "2"\n';
const GOOD_CONFIGMAP = 'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: fine\ndata:\n  a: "1"\n';
// Not a root user: a root test run reads every file, so unreadable files are read by this uid.
const NOBODY = 65534;

interface JsonReport {
  summary: { files: number; resources: number; errors: number; warnings: number; skipped: number };
  findings: { path: string; line: number; severity: string; code: string; message: string }[];
  skipped: { path: string; reason: string }[];
}

async function checkJson(args: string[], options: Parameters<typeof runCli>[1] = {}): Promise<{ code: number | null; report: JsonReport; stderr: string }> {
  const run = await runCli(['check', '-o', 'json', ...args], { timeoutMs: 60_000, ...options });
  assert.equal(run.stderr.trim(), '', `nothing on stderr: ${run.stderr}`);
  return { code: run.code, report: JSON.parse(run.stdout) as JsonReport, stderr: run.stderr };
}

/** UTF-32 bytes of a string, with its byte order mark. */
function utf32(text: string, littleEndian: boolean): Buffer {
  const points = [0xfeff, ...[...text].map((c) => c.codePointAt(0) ?? 0)];
  const out = Buffer.alloc(points.length * 4);
  points.forEach((p, i) => (littleEndian ? out.writeUInt32LE(p, i * 4) : out.writeUInt32BE(p, i * 4)));
  return out;
}

describe('plumbline check: odd files never hang, crash or pass silently (issue 10)', () => {
  let dir: string;
  before(() => {
    dir = mkdtempSync(join(tmpdir(), 'plumbline-odd-'));
    chmodSync(dir, 0o755);
  });
  after(() => {
    rmSync(dir, { recursive: true, force: true });
  });

  function folder(name: string): string {
    const path = join(dir, name);
    mkdirSync(path, { recursive: true });
    chmodSync(path, 0o755);
    return path;
  }

  test('a 3 GB file is skipped from its size, unread, and the rest of the run goes on', async () => {
    const root = folder('huge');
    const huge = join(root, 'huge.yaml');
    writeFileSync(huge, '');
    // Sparse: 3 GB by its size, no disk. Reading it would take seconds and gigabytes.
    truncateSync(huge, 3 * 1024 ** 3);
    writeFileSync(join(root, 'bad.yaml'), BAD_CONFIGMAP);
    const { code, report } = await checkJson([root]);
    assert.equal(code, 1, 'the real error in bad.yaml fails the run');
    const skipped = report.findings.find((f) => f.path.endsWith('huge.yaml'));
    assert.equal(skipped?.code, 'file.too-large');
    assert.match(skipped?.message ?? '', /skipped: too large \(3072\.0 MB; the limit is 20\.0 MB, see --max-file-size\)/);
    assert.deepEqual(report.skipped.map((s) => s.path.endsWith('huge.yaml')), [true], 'JSON lists the skipped file with its reason');
    assert.ok(report.findings.some((f) => f.path.endsWith('bad.yaml') && f.code === 'schema.unknown-field'), 'bad.yaml was still checked');
  });

  test('--max-file-size raises and lowers the limit; a skipped file is a warning that --strict fails', async () => {
    const root = folder('limit');
    writeFileSync(join(root, 'big.yaml'), `${GOOD_CONFIGMAP}# ${'x'.repeat(2 * 1024 * 1024)}\n`);
    const low = await checkJson([root, '--max-file-size', '1']);
    assert.equal(low.code, 0, 'a skipped file alone does not fail a normal run');
    assert.equal(low.report.summary.skipped, 1);
    assert.equal(low.report.findings[0]?.severity, 'warning');
    const strict = await checkJson([root, '--max-file-size', '1', '--strict']);
    assert.equal(strict.code, 1, '--strict fails on the skipped file');
    const high = await checkJson([root, '--max-file-size', '5']);
    assert.equal(high.code, 0);
    assert.equal(high.report.summary.skipped, 0);
    assert.equal(high.report.summary.resources, 1, 'under a raised limit the file is checked');
    const wrong = await runCli(['check', root, '--max-file-size', 'lots']);
    assert.equal(wrong.code, 2);
    assert.match(wrong.stderr, /--max-file-size takes a size in MB/);
  });

  test('FIFOs (one named kustomization.yaml), a socket-like device and /dev/zero are skipped with a reason, never read', async () => {
    const root = folder('special');
    execFileSync('mkfifo', [join(root, 'kustomization.yaml'), join(root, 'pipe.yaml')]);
    writeFileSync(join(root, 'bad.yaml'), BAD_CONFIGMAP);
    const { code, report } = await checkJson([root, '/dev/zero']);
    assert.equal(code, 1, 'finished (no hang), failed on bad.yaml');
    const reasons: Record<string, string> = Object.fromEntries(report.skipped.map((s) => [s.path.split('/').pop() ?? '', s.reason]));
    assert.match(reasons['kustomization.yaml'] ?? '', /a FIFO \(named pipe\), which is not read/);
    assert.match(reasons['pipe.yaml'] ?? '', /a FIFO/);
    assert.match(reasons['zero'] ?? '', /a character device, which is not read/);
    const direct = await checkJson([join(root, 'pipe.yaml')]);
    assert.equal(direct.code, 0, 'a FIFO given by name is skipped, not waited on');
    assert.match(direct.report.skipped[0]?.reason ?? '', /FIFO/);
  });

  test('an unreadable file and an unreadable folder are one clear problem each; the rest is checked', async () => {
    const root = folder('unreadable');
    writeFileSync(join(root, 'secret.yaml'), GOOD_CONFIGMAP);
    chmodSync(join(root, 'secret.yaml'), 0o000);
    const locked = folder('unreadable/locked');
    writeFileSync(join(locked, 'inside.yaml'), GOOD_CONFIGMAP);
    chmodSync(locked, 0o000);
    writeFileSync(join(root, 'bad.yaml'), BAD_CONFIGMAP);
    const cliPath = portableCli(dir);
    const { code, report } = await checkJson([root], { asUser: NOBODY, cliPath });
    assert.equal(code, 1);
    const unreadable = report.findings.filter((f) => f.code === 'file.unreadable');
    assert.deepEqual(unreadable.map((f) => [f.path.split('/').pop(), f.severity, f.message]), [
      ['locked', 'error', 'cannot read this folder: permission denied (EACCES)'],
      ['secret.yaml', 'error', 'cannot read: permission denied (EACCES)'],
    ]);
    assert.ok(report.findings.some((f) => f.path.endsWith('bad.yaml') && f.code === 'schema.unknown-field'), 'the run went on to bad.yaml');
    const text = await runCli(['check', root], { asUser: NOBODY, cliPath });
    assert.doesNotMatch(text.stderr, /internal error|\n\s+at /, 'no stack trace');
  });

  test('symlinked files and folders inside the folder are followed once; a loop is reported, a link out of it is not followed', async () => {
    const root = folder('links');
    const apps = folder('links/apps');
    writeFileSync(join(apps, 'bad.yaml'), BAD_CONFIGMAP);
    symlinkSync('..', join(apps, 'loop'));
    symlinkSync(join(apps, 'bad.yaml'), join(root, 'alias.yaml'));
    const shared = folder('links/shared');
    writeFileSync(join(shared, 'shared.yaml'), GOOD_CONFIGMAP);
    symlinkSync(shared, join(root, 'also-shared'));
    const outside = folder('outside');
    writeFileSync(join(outside, 'secret.yaml'), BAD_CONFIGMAP.replace('name: demo', 'name: outside'));
    symlinkSync(outside, join(root, 'elsewhere'));
    symlinkSync('/', join(root, 'everything'));
    const { code, report } = await checkJson([root]);
    assert.equal(code, 1);
    const errors = report.findings.filter((f) => f.code === 'schema.unknown-field');
    assert.equal(errors.length, 1, `bad.yaml is checked once, not again through its symlink or the loop: ${JSON.stringify(errors)}`);
    assert.ok(report.skipped.some((s) => s.path.endsWith('loop') && /a symlink to .*already read/.test(s.reason)), `the loop is named: ${JSON.stringify(report.skipped)}`);
    for (const link of ['elsewhere', 'everything']) {
      assert.ok(report.skipped.some((s) => s.path.endsWith(link) && /outside .*; it is not followed/.test(s.reason)), `${link} is named and not followed: ${JSON.stringify(report.skipped)}`);
    }
    assert.equal(report.summary.resources, 2, 'bad.yaml and shared.yaml, each once; nothing from outside');
  });

  test('UTF-16 and UTF-32 files with a byte order mark are decoded and validated at the right line', async () => {
    const root = folder('encodings');
    const withBom = `\ufeff${BAD_CONFIGMAP}`;
    writeFileSync(join(root, 'utf16le.yaml'), Buffer.from(withBom, 'utf16le'));
    writeFileSync(join(root, 'utf16be.yaml'), Buffer.from(withBom, 'utf16le').swap16());
    writeFileSync(join(root, 'utf32le.yaml'), utf32(BAD_CONFIGMAP, true));
    writeFileSync(join(root, 'utf32be.yaml'), utf32(BAD_CONFIGMAP, false));
    writeFileSync(join(root, 'utf8bom.yaml'), `\ufeff${BAD_CONFIGMAP}`);
    const { code, report } = await checkJson([root]);
    assert.equal(code, 1);
    assert.equal(report.summary.resources, 5, 'each file is read as one ConfigMap, none skipped as binary');
    const found = report.findings.filter((f) => f.code === 'schema.unknown-field').map((f) => [f.path.split('/').pop(), f.line]);
    assert.deepEqual(found.sort(), [['utf16be.yaml', 7], ['utf16le.yaml', 7], ['utf32be.yaml', 7], ['utf32le.yaml', 7], ['utf8bom.yaml', 7]]);
  });

  test('lone CR line breaks are lines, as YAML 1.2 reads them: the typo is found, nothing spurious', async () => {
    const root = folder('cr');
    writeFileSync(join(root, 'mac.yaml'), BAD_CONFIGMAP.replaceAll('\n', '\r'));
    const { code, report } = await checkJson([root]);
    assert.equal(code, 1);
    assert.deepEqual(report.findings.map((f) => [f.line, f.code]), [[7, 'schema.unknown-field']], JSON.stringify(report.findings));
  });

  test('an undefined alias is an error where it stands (kubectl refuses it)', async () => {
    const root = folder('alias');
    writeFileSync(join(root, 'nope.yaml'), 'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: demo\n  labels: *nope\n');
    const { code, report } = await checkJson([root]);
    assert.equal(code, 1);
    assert.deepEqual(report.findings.map((f) => [f.line, f.code]), [[5, 'yaml.UNRESOLVED_ALIAS']]);
    assert.match(report.findings[0]?.message ?? '', /alias \*nope names no anchor/);
  });

  test('YAML merge keys are merged before validation: a field merged into a second container is checked there too', async () => {
    const root = folder('merge');
    writeFileSync(
      join(root, 'deploy.yaml'),
      [
        'apiVersion: apps/v1',
        'kind: Deployment',
        'metadata: {name: web}',
        'spec:',
        '  selector: {matchLabels: {app: web}}',
        '  template:',
        '    metadata: {labels: {app: web}}',
        '    spec:',
        '      containers:',
        '        - &base',
        '          name: web',
        '          image: nginx',
        '          imagePullPolicy: Sometimes',
        '        - <<: *base',
        '          name: sidecar',
        '        - <<: [*base]',
        '          name: third',
        '          imagePullPolicy: Always',
        '',
      ].join('\n'),
    );
    const { code, report } = await checkJson([root]);
    assert.equal(code, 1);
    const enums = report.findings.filter((f) => f.code === 'schema.enum').map((f) => f.message.replace(/ is not allowed for Deployment spec\.template\.spec\.(containers\[\w+\]).*/, ' $1'));
    assert.deepEqual(enums, ['`Sometimes` containers[web]', '`Sometimes` containers[sidecar]'], 'the third container overrides the merged value; the second inherits it');
  });

  test('text output escapes control characters of file names: one finding, one line, no terminal sequence', async () => {
    const root = folder('names');
    const name = 'evil\n\u001b[2J\u001b[31mred.yaml';
    writeFileSync(join(root, name), BAD_CONFIGMAP);
    const run = await runCli(['check', root]);
    assert.equal(run.code, 1);
    assert.ok(!run.stdout.includes('\u001b'), 'no ESC reaches the terminal');
    const lines = run.stdout.trim().split('\n');
    assert.equal(lines.length, 2, `one line for the finding, one for the summary:\n${run.stdout}`);
    assert.match(lines[0] ?? '', /evil\\n\\x1b\[2J\\x1b\[31mred\.yaml:7:1 error unknown field `datta`/);
  });

  test("a tool's own config in apiVersion/kind form (.fluxschema.yml, a kind cluster) is no kind without a schema, --strict included; an unknown kind still is", async () => {
    // As fluxcd/flux2-kustomize-helm-example keeps it: the Flux Schema plugin's config at the repository root.
    const dir = mkdtempSync(join(tmpdir(), 'plumbline-toolconfig-'));
    try {
      writeFileSync(join(dir, '.fluxschema.yml'), 'apiVersion: schema.plugin.fluxcd.io/v1beta1\nkind: Config\nvalidate:\n  schemaLocation:\n    - ecosystem\n  skipMissingSchemas: true\n');
      writeFileSync(join(dir, 'kind-cluster.yaml'), 'apiVersion: kind.x-k8s.io/v1alpha4\nkind: Cluster\nnodes:\n  - role: control-plane\n');
      writeFileSync(join(dir, 'widget.yaml'), 'apiVersion: example.com/v1\nkind: Widget\nmetadata:\n  name: w\n');
      const { code, report } = await checkJson(['--strict', dir]);
      assert.equal(code, 1);
      assert.deepEqual(report.findings.map((f) => [f.path.split('/').pop(), f.code]), [['widget.yaml', 'schema.unknown-kind']]);
      assert.equal(report.summary.resources, 1, 'the configs are not counted as resources');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  test('SARIF is valid against the SARIF 2.1.0 schema: percent-encoded URIs, backslashes kept, UTF-16 columns', async () => {
    const root = folder('sarif');
    const names = ['with space.yaml', 'hash#1.yaml', 'per%cent.yaml', 'ünï-códe.yaml', 'back\\slash.yaml'];
    for (const n of names) writeFileSync(join(root, n), BAD_CONFIGMAP);
    const run = await runCli(['check', '-o', 'sarif', '.'], { cwd: root });
    assert.equal(run.code, 1);
    const log = JSON.parse(run.stdout) as { runs: { columnKind?: string; results: { locations: { physicalLocation: { artifactLocation: { uri: string; uriBaseId?: string } } }[] }[] }[] };
    const schema = JSON.parse(readFileSync(join(REPO, 'node_modules', '@microsoft', 'jest-sarif', 'lib', 'schemas', 'sarif-2.1.0-rtm.5.json'), 'utf8')) as object;
    // The schema's language-tag pattern is not valid with JavaScript's `u` flag; its formats (uri, uri-reference) are checked.
    const ajv = new Ajv({ allErrors: true, strict: false, unicodeRegExp: false });
    addFormats(ajv);
    const validate = ajv.compile(schema);
    assert.ok(validate(log), `SARIF schema errors: ${JSON.stringify(validate.errors, null, 2)}`);
    const run0 = log.runs[0];
    assert.equal(run0?.columnKind, 'utf16CodeUnits');
    const uris = (run0?.results ?? []).map((r) => r.locations[0]?.physicalLocation.artifactLocation.uri ?? '');
    for (const uri of uris) {
      assert.doesNotMatch(uri, /[ #\u0080-\uffff]|%(?![0-9A-F]{2})/, `${uri} is percent-encoded`);
      assert.ok(URL.canParse(uri, 'file:///src/'), `${uri} is a URI reference`);
    }
    assert.deepEqual([...new Set(uris.map(decodeURIComponent))].sort(), [...names].sort(), 'each URI decodes to the file name, backslash included');
  });
});

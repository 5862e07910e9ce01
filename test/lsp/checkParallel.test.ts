// The bundled CLI checks large inputs in worker threads; what it reports must not depend on it.
import assert from 'node:assert/strict';
import { execFile, spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { bundle } from '../support/paths';
import { crdYaml } from '../support/crdYaml';

function deployment(i: number): string {
  return [
    'apiVersion: apps/v1',
    'kind: Deployment',
    'metadata:',
    `  name: web-${i}`,
    '  namespace: shop',
    'spec:',
    // Every 97th has an unknown field, every 89th a wrong type, every 101st a syntax error.
    i % 97 === 0 ? '  replicaz: 2' : i % 89 === 0 ? '  replicas: two' : '  replicas: 2',
    '  selector:',
    '    matchLabels: {app: web}',
    '  template:',
    '    metadata:',
    '      labels: {app: web}',
    '    spec:',
    '      containers:',
    `        - name: web${i % 101 === 0 ? '\n         bad: [' : ''}`,
    `          image: registry.example.com/web:${i}`,
    '          ports:',
    '            - containerPort: 8080',
    '',
  ].join('\n');
}

// A file of thousands of documents (pieces of it go to different workers), with duplicates.
function bigFile(count: number): string {
  const docs = Array.from({ length: count }, (_, i) => deployment(i % 1500 === 7 && i > 1500 ? 7 : i));
  return docs.join('---\n');
}

// A CRD with a CEL rule, and custom resources of it: every 7th breaks the rule.
function crd(group: string): string {
  return crdYaml(
    { group, kind: 'Gadget', plural: 'gadgets' },
    `              type: object
              properties:
                min: {type: integer}
                max: {type: integer}
              x-kubernetes-validations:
                - rule: self.min <= self.max
                  message: min must not exceed max
`,
  );
}

function gadget(group: string, i: number): string {
  return `apiVersion: ${group}/v1\nkind: Gadget\nmetadata:\n  name: g-${i}\n  namespace: shop\nspec:\n  min: ${i % 7 === 0 ? 9 : 1}\n  max: 5\n`;
}

function run(args: string[], workers: string): Promise<{ code: number | null; stdout: string }> {
  return new Promise((resolve) => {
    execFile(process.execPath, [bundle('cli.js'), ...args], { env: { ...process.env, PLUMBLINE_CHECK_WORKERS: workers }, maxBuffer: 64 * 1024 * 1024 }, (error, stdout) => {
      resolve({ code: error === null ? 0 : typeof error.code === 'number' ? error.code : null, stdout });
    });
  });
}

describe('plumbline check in worker threads', () => {
  let dir: string;
  before(() => {
    dir = mkdtempSync(join(tmpdir(), 'plumbline-parallel-'));
    mkdirSync(join(dir, 'one'));
    writeFileSync(join(dir, 'one', 'all.yaml'), bigFile(3200));
    mkdirSync(join(dir, 'many'));
    for (let i = 0; i < 600; i++) writeFileSync(join(dir, 'many', `d${i}.yaml`), deployment(i % 250 === 3 && i > 250 ? 3 : i) + '---\n' + deployment(i + 100_000));
    // Files are compared with each other only when applied together (issue 15): one kustomization includes them all.
    writeFileSync(join(dir, 'many', 'kustomization.yaml'), `resources:\n${Array.from({ length: 600 }, (_, i) => `- d${i}.yaml\n`).join('')}`);
    // A templated document makes its whole file unchecked, wherever it sits in the file.
    writeFileSync(join(dir, 'many', 'templated.yaml'), `${bigFile(400)}---\nkind: ConfigMap\ndata:\n  {{ .Values.x }}\n`);
    // Workspace CRDs in workers: one read before its resources, one after them (those are checked again).
    mkdirSync(join(dir, 'crds'));
    writeFileSync(join(dir, 'crds', 'a-crd.yaml'), crd('early.example.com'));
    writeFileSync(join(dir, 'crds', 'z-crd.yaml'), crd('late.example.com'));
    for (let i = 0; i < 300; i++) writeFileSync(join(dir, 'crds', `m${i}.yaml`), `${gadget('early.example.com', i)}---\n${gadget('late.example.com', i)}`);
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  test('custom resources of workspace CRDs, read before or after them: the same report with 2 workers as in one thread', async () => {
    const args = ['check', '--strict', join(dir, 'crds')];
    const [alone, parallel] = await Promise.all([run(args, '0'), run(args, '2')]);
    assert.equal(alone.code, 1, alone.stdout.slice(-500));
    assert.match(alone.stdout, /m0\.yaml:15:1 error Gadget spec: Invalid value: min must not exceed max/);
    assert.match(alone.stdout, /Summary: 602 resources found in 302 files - errors: 86,/);
    assert.equal(parallel.stdout, alone.stdout);
  });

  test('kinds without a schema, checked while CRDs are still being read: the same words on every run, with or without workers', async () => {
    // Rounds of a large file (a batch of its own, so a worker takes it at once), a custom
    // resource no CRD defines, one named by a kind a later CRD defines under another group, then
    // a CRD: the message names the schemas searched, which once depended on how far the reading
    // had got when the file was checked ("workspace CRDs (2 files)" in one run, "(4 files)" in the next).
    const root = join(dir, 'unknown');
    mkdirSync(root);
    const rounds = 4;
    for (let r = 0; r < rounds; r++) {
      const configMaps = Array.from({ length: 2500 }, (_, i) => `apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: c${r}-${i}\ndata:\n  key: ${'v'.repeat(40)}\n`);
      writeFileSync(join(root, `${r}a-big.yaml`), configMaps.join('---\n'));
      writeFileSync(join(root, `${r}b-widget.yaml`), `apiVersion: nowhere.example.com/v1\nkind: Widget\nmetadata:\n  name: w${r}\n---\napiVersion: nowhere.example.com/v1\nkind: Part${rounds - 1}\nmetadata:\n  name: p${r}\n`);
      writeFileSync(join(root, `${r}c-crd.yaml`), crdYaml({ group: `g${r}.example.com`, kind: `Part${r}`, plural: `parts${r}` }, '              type: object\n'));
    }
    const args = ['check', '--strict', root];
    const runs = await Promise.all(['0', '2', '3', '2', '0'].map(async (workers) => ({ workers, ...(await run(args, workers)) })));
    const first = runs[0];
    assert.ok(first !== undefined);
    assert.equal(first.code, 1, first.stdout.slice(-500));
    const schemas = `workspace CRDs (${rounds} files), bundled schemas (Kubernetes v1.36.3)`;
    for (let r = 0; r < rounds; r++) {
      assert.ok(first.stdout.includes(`${join(root, `${r}b-widget.yaml`)}:2:7 error no schema for Widget (nowhere.example.com/v1) in ${schemas}; it is not validated [schema.unknown-kind]\n`), first.stdout.slice(0, 3000));
      assert.ok(first.stdout.includes(`${join(root, `${r}b-widget.yaml`)}:7:7 error no schema for Part3 (nowhere.example.com/v1) in ${schemas}; it is not validated; Part3 is known as \`g3.example.com/v1\` [schema.unknown-kind]\n`), first.stdout.slice(0, 3000));
    }
    for (const other of runs.slice(1)) assert.equal(other.stdout, first.stdout, `${other.workers} workers`);
    const json = await Promise.all(['0', '2'].map((workers) => run(['check', '--strict', '-o', 'json', root], workers)));
    assert.equal(json[1]?.stdout, json[0]?.stdout);
  });

  for (const layout of ['one', 'many']) {
    for (const format of ['text', 'json', 'sarif']) {
      test(`${layout === 'one' ? 'one large file' : 'many files'}, ${format}: the same report with 2 workers as in one thread`, async () => {
        const args = ['check', '--strict', '-o', format, join(dir, layout)];
        const [alone, parallel] = await Promise.all([run(args, '0'), run(args, '2')]);
        assert.equal(alone.code, 1, alone.stdout.slice(-500));
        assert.ok(alone.stdout.includes('replicaz') && alone.stdout.includes('duplicate resource'), alone.stdout.slice(0, 2000));
        assert.equal(parallel.code, alone.code);
        assert.equal(parallel.stdout, alone.stdout);
      });
    }
  }
});

describe('plumbline writing to a reader that stops early', () => {
  test('a closed pipe (plumbline check | head) ends the run quietly, without an EPIPE trace', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'plumbline-epipe-'));
    try {
      // Enough findings that the output outgrows the pipe after its reader is gone.
      writeFileSync(join(dir, 'all.yaml'), Array.from({ length: 3000 }, (_, i) => `apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: c${i}\ndatta: {}\n`).join('---\n'));
      const child = spawn(process.execPath, [bundle('cli.js'), 'check', dir], { stdio: ['ignore', 'pipe', 'pipe'] });
      let stderr = '';
      child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
      // Read the first bytes, then go away as `head` does.
      await new Promise<void>((resolve) => child.stdout.once('data', () => resolve()));
      child.stdout.destroy();
      const code = await new Promise<number | null>((resolve) => child.on('close', (c) => resolve(c)));
      assert.doesNotMatch(stderr, /EPIPE|Unhandled/, stderr);
      assert.ok(code === 0 || code === 1, `exit code ${String(code)}; stderr: ${stderr}`);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

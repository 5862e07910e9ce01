// `npm test`: static checks, then every test tier in order, with a count per tier.
// Tiers: unit, git, lsp, cluster, editor. Pick some with PLUMBLINE_TEST_TIERS=unit,lsp (or `npm test -- unit lsp`).
// A tier that ran no test counts as failed: nothing here passes by skipping.
import { spawn } from 'node:child_process';
import { readdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const ALL = ['unit', 'git', 'lsp', 'cluster', 'editor'];
const requested = process.argv.slice(2).filter((a) => !a.startsWith('-'));
const fromEnv = (process.env.PLUMBLINE_TEST_TIERS ?? '').split(',').filter(Boolean);
const tiers = requested.length > 0 ? requested : fromEnv.length > 0 ? fromEnv : ALL;
for (const t of tiers) if (!ALL.includes(t)) fail(`unknown tier '${t}' (tiers: ${ALL.join(', ')})`);

function fail(message) {
  console.error(`npm test: ${message}`);
  process.exit(2);
}

/** Runs a command with inherited output; resolves with its exit code. */
function run(cmd, args, opts = {}) {
  return new Promise((resolve) => {
    const child = spawn(cmd, args, { cwd: root, stdio: opts.capture ? ['ignore', 'pipe', 'inherit'] : 'inherit', env: { ...process.env, ...opts.env } });
    let out = '';
    if (opts.capture) {
      child.stdout.on('data', (chunk) => {
        out += chunk;
        process.stdout.write(chunk);
      });
    }
    child.on('close', (code, signal) => resolve({ code: code ?? (signal ? 128 : 1), out }));
    child.on('error', (error) => {
      console.error(`cannot run ${cmd}: ${error.message}`);
      resolve({ code: 127, out });
    });
  });
}

function testFiles(dir) {
  const full = join(root, 'test', dir);
  return readdirSync(full, { recursive: true })
    .map(String)
    .filter((f) => f.endsWith('.test.ts'))
    .sort()
    .map((f) => join('test', dir, f));
}

// helm, built from Go modules, renders the chart environments (unit, git, lsp and cluster tests).
const HELM = ['bash', ['scripts/install-helm.sh']];
// plumbline-kustomize, the kustomize Plumbline ships, built from Go modules (every tier renders).
const KUSTOMIZE = ['bash', ['scripts/install-kustomize.sh']];
const SETUP = {
  unit: [KUSTOMIZE, HELM],
  git: [KUSTOMIZE, HELM],
  lsp: [KUSTOMIZE, HELM],
  cluster: [KUSTOMIZE, HELM],
  // code-server and Debian's Chromium; the tier itself packages the .vsix (with plumbline-kustomize) it installs.
  editor: [KUSTOMIZE, ['bash', ['scripts/install-code-server.sh']]],
};

const results = [];
const started = Date.now();

async function step(name, cmd, args) {
  console.log(`\n▶ ${name}`);
  const { code } = await run(cmd, args);
  if (code !== 0) {
    console.error(`✖ ${name} failed (exit ${code})`);
    return false;
  }
  return true;
}

let ok = true;
ok = (await step('lint (eslint)', process.execPath, [join(root, 'node_modules/eslint/bin/eslint.js'), '.'])) && ok;
ok = (await step('typecheck (tsc --noEmit)', process.execPath, [join(root, 'node_modules/typescript/bin/tsc'), '--noEmit', '-p', '.'])) && ok;
ok = (await step('build (esbuild)', process.execPath, ['esbuild.mjs'])) && ok;

for (const tier of tiers) {
  const t0 = Date.now();
  const files = testFiles(tier === 'editor' ? 'e2e' : tier);
  const result = { tier, pass: 0, fail: 0, skipped: 0, seconds: 0, note: '' };
  results.push(result);
  if (files.length === 0) {
    result.note = 'no test files';
    continue;
  }
  let setupOk = true;
  for (const [cmd, args] of SETUP[tier] ?? []) {
    if (!(await step(`${tier}: ${[cmd === process.execPath ? 'node' : cmd, ...args].join(' ')}`, cmd, args))) {
      setupOk = false;
      result.note = 'setup failed';
      break;
    }
  }
  if (!setupOk) continue;
  console.log(`\n▶ ${tier} tier: ${files.join(' ')}`);
  const { out } = await run(
    process.execPath,
    ['--import', 'tsx', '--test', '--test-reporter=spec', '--test-concurrency=1', ...files],
    { capture: true, env: { FORCE_COLOR: '0' } },
  );
  const count = (label) => Number(new RegExp(`^ℹ ${label} (\\d+)$`, 'm').exec(out)?.[1] ?? 0);
  result.pass = count('pass');
  result.fail = count('fail') + count('cancelled');
  result.skipped = count('skipped') + count('todo');
  result.seconds = Math.round((Date.now() - t0) / 1000);
  if (result.pass + result.fail === 0) result.note = 'ran no test';
  if (result.skipped > 0) result.note = 'skipped tests count as failures';
}

console.log('\nTier      passed  failed  time');
let passed = 0;
let failed = 0;
for (const r of results) {
  // A tier that could not run, or ran nothing, is one failure on top of its failed tests.
  const broken = r.note !== '' && r.fail + r.skipped === 0 ? 1 : 0;
  passed += r.pass;
  failed += r.fail + r.skipped + broken;
  console.log(`${r.tier.padEnd(9)} ${String(r.pass).padStart(6)}  ${String(r.fail + r.skipped + broken).padStart(6)}  ${String(r.seconds).padStart(4)}s ${r.note}`);
}
if (!ok) failed += 1;
console.log(`(static checks ${ok ? 'passed' : 'FAILED'}; total ${Math.round((Date.now() - started) / 1000)}s)`);
console.log(`${passed} passed, ${failed} failed`);
process.exit(failed === 0 ? 0 : 1);

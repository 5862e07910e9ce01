// Argo CD custom health checks (issue 16): the scripts an argocd-cm holds, run in the sandboxed Lua
// worker. Each misbehaving script (an error, an endless loop, unbounded allocation, a pattern match
// that never returns inside one C call) is bounded and reported for its object alone; the scripts
// after it still run.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import { customHealthOf, healthScriptsOf, LuaHealthRunner, scriptKeyFor } from '../../server/src/health/luaHealth';
import type { KubeObject } from '../../server/src/manifests/kubeObject';
import { REPO } from '../support/paths';

const configMap = (data: Record<string, string>, resourceVersion = '1'): KubeObject => ({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'argocd-cm', namespace: 'argocd', resourceVersion }, data });

const WIDGET_HEALTH = `hs = {}
if obj.status ~= nil and obj.status.phase == "Ready" then
  hs.status = "Healthy"
  hs.message = "ready with " .. #obj.status.replicas .. " replicas of size " .. obj.status.size .. ", ratio " .. obj.status.ratio
else
  hs.status = "Progressing"
  hs.message = "waiting for " .. obj.metadata.name
end
return hs`;

let serial = 0;
const widget = (kind: string, status: Record<string, unknown>): KubeObject => ({ apiVersion: 'example.com/v1', kind, metadata: { name: `w-${kind.toLowerCase()}`, uid: `uid-${++serial}`, resourceVersion: String(serial) }, spec: { size: null }, status });

describe('argocd-cm health scripts', () => {
  const runner = new LuaHealthRunner();
  after(() => runner.dispose());

  const scripts = healthScriptsOf(
    configMap({
      'resource.customizations': 'example.com/Widget:\n  health.lua: |\n    return {status = "Degraded", message = "from the block"}\nexample.com/Gadget:\n  health.lua: |\n    return {status = "Suspended", message = "from the block"}\n',
      'resource.customizations.health.example.com_Widget': WIDGET_HEALTH,
      'resource.customizations.health.example.com_Broken': 'local spec = nil\nreturn {status = spec.phase}',
      'resource.customizations.health.example.com_Spinner': 'local n = 0\nwhile true do n = n + 1 end',
      // A mebibyte a step: past the 16 MiB bound in a few steps, so however busy the machine, the
      // memory bound stops it before the 1000 ms deadline (4 KiB steps took thousands, and timed out at load 14).
      'resource.customizations.health.example.com_Hoarder': 'local t = {}\nlocal i = 0\nwhile true do i = i + 1; t[i] = string.rep("x", 1048576) .. i end',
      'resource.customizations.health.example.com_Matcher': 'local s = string.rep("a", 5000)\nreturn {status = tostring(string.find(s, ".-.-.-.-b"))}',
      'resource.customizations.health.example.com_Prober': 'return {status = "Healthy", message = table.concat({tostring(io), tostring(os.execute), tostring(require), tostring(load), tostring(dofile), tostring(package), tostring(debug), tostring(print)}, ",")}',
      'resource.customizations.health.example.com_Leaker': 'hs = {status = "Healthy", message = seen or "fresh"}\nseen = "leaked"\nreturn hs',
      'resource.customizations.health.example.com_Liar': 'return {status = "Fine"}',
      'resource.customizations.health.*.crossplane.io_*': 'return {status = "Progressing", message = "any crossplane kind"}',
      'resource.customizations.health.Secret': 'return {status = "Healthy", message = "core group: kind alone; password " .. obj.data.password}',
      'resource.customizations.health.bad_key_here': 'return {}',
      // Standard libraries only where the argocd-cm says so, as Argo CD opens them.
      'resource.customizations.useOpenLibs.example.com_Hoarder': 'true',
      'resource.customizations.useOpenLibs.example.com_Matcher': 'T',
      'resource.customizations.health.example.com_Formatter': 'local hs = {status = "Healthy"}\nhs.message = string.format("%d/%d ready", 2, 3)\nreturn hs',
      'resource.customizations.health.example.com_Shouter': 'return {status = "Healthy", message = ("ready"):upper()}',
      'resource.customizations.health.example.com_Rounder': 'return {status = "Healthy", message = tostring(math.floor(2.5))}',
      'resource.customizations.health.example.com_Clock': 'return {status = "Healthy", message = type(os.time()) .. "," .. type(os.date("!%Y")) .. "," .. tostring(os.clock)}',
      'resource.customizations.useOpenLibs.example.com_Rounder': 'yes',
      'resource.customizations.useOpenLibs.example.com_Shouter': 'false',
    }),
  );
  // The block's flag, and a split key that turns it off again for another kind (Argo CD merges field by field).
  const open = healthScriptsOf(
    configMap({
      'resource.customizations': 'example.com/Formatter:\n  health.lua.useOpenLibs: true\n  health.lua: |\n    return {status = "Healthy", message = string.format("%d/%d ready", 2, 3) .. " " .. ("ok"):upper() .. " " .. math.floor(2.5) .. " " .. type(os.clock())}\nexample.com/Shouter:\n  health.lua.useOpenLibs: true\n  health.lua: |\n    return {status = "Healthy", message = ("ready"):upper()}\nexample.com/Quoted:\n  health.lua.useOpenLibs: "true"\n  health.lua: return {status = "Healthy"}\n',
      'resource.customizations.useOpenLibs.example.com_Shouter': '0',
    }, '3'),
  );

  test('the block and the split keys as Argo CD reads them: split keys win, core kinds by kind alone, globs after exact keys', () => {
    assert.equal(scripts.scripts.get('example.com/Widget'), WIDGET_HEALTH);
    assert.match(scripts.scripts.get('example.com/Gadget') ?? '', /from the block/);
    assert.equal(scriptKeyFor(scripts, 'v1', 'Secret'), 'Secret');
    assert.equal(scriptKeyFor(scripts, 'database.aws.crossplane.io/v1beta1', 'RDSInstance'), '*.crossplane.io/*');
    assert.equal(scriptKeyFor(scripts, 'apps/v1', 'Deployment'), undefined);
    assert.deepEqual(scripts.problems, [
      'argocd-cm resource.customizations.health.bad_key_here: expected resource.customizations.health.<group>_<kind>',
      'argocd-cm resource.customizations.useOpenLibs.example.com_Rounder: "yes" is not a boolean (Argo CD reads true, false, 1, 0, t or f)',
    ]);
    assert.deepEqual([...scripts.openLibs].sort(), ['example.com/Hoarder', 'example.com/Matcher']);
    assert.deepEqual([...open.openLibs], ['example.com/Formatter']);
    assert.deepEqual(open.problems, ['argocd-cm resource.customizations example.com/Quoted: health.lua.useOpenLibs must be true or false, not "true"']);
    assert.equal(scripts.version, 'argocd/argocd-cm@1');
  });

  test('a good script decides the health, in Argo CD words, from the object it is given', async () => {
    assert.deepEqual(await customHealthOf(scripts, widget('Widget', { phase: 'Ready', replicas: [1, 2, 3], size: 3, ratio: 0.5 }), runner), { status: 'Current', word: 'Healthy', argo: 'Healthy', message: 'ready with 3 replicas of size 3, ratio 0.5' });
    assert.deepEqual(await customHealthOf(scripts, widget('Widget', { phase: 'Pending' }), runner), { status: 'InProgress', word: 'Progressing', argo: 'Progressing', message: 'waiting for w-widget' });
    assert.equal((await customHealthOf(scripts, widget('Gadget', {}), runner))?.word, 'Suspended');
    assert.equal(await customHealthOf(scripts, { apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: 'web' } }, runner), undefined, 'no script: the built-in rules decide');
  });

  test('a script that errors, loops, allocates without bound or hangs in a C call: Unknown with the reason, for that object only', async () => {
    const started = Date.now();
    const broken = await customHealthOf(scripts, widget('Broken', {}), runner);
    assert.deepEqual(broken, { status: 'Unknown', word: 'Unknown', argo: 'Unknown', message: "health script for example.com/Broken: example.com/Broken:2: attempt to index a nil value (local 'spec')" });
    const spinner = await customHealthOf(scripts, widget('Spinner', {}), runner);
    assert.equal(spinner?.message, 'health script for example.com/Spinner: did not finish within 1000 ms');
    const hoarder = await customHealthOf(scripts, widget('Hoarder', {}), runner);
    assert.equal(hoarder?.message, 'health script for example.com/Hoarder: ran out of memory (limit 16 MiB)');
    const workers = runner.started;
    const matcher = await customHealthOf(scripts, widget('Matcher', {}), runner);
    assert.equal(matcher?.message, 'health script for example.com/Matcher: did not finish within 1000 ms (the Lua runtime was stopped)');
    // Each bounded: well under what four unbounded scripts would take (forever).
    assert.ok(Date.now() - started < 15_000, `the four took ${Date.now() - started} ms`);
    // The next object's script runs in a new worker, as if nothing had happened.
    assert.equal((await customHealthOf(scripts, widget('Widget', { phase: 'Ready', replicas: [], size: 1, ratio: 1.5 }), runner))?.message, 'ready with 0 replicas of size 1, ratio 1.5');
    assert.equal(runner.started, workers + 1, 'one new worker after the stuck one, no more');
    assert.equal((await customHealthOf(scripts, widget('Liar', {}), runner))?.message, 'health script for example.com/Liar returned status "Fine", which is not an Argo CD health');
  });

  test('without useOpenLibs a script gets what Argo CD opens (base, table, os.time and os.date): one reaching for string or math is Unknown with the error, for that resource only', async () => {
    assert.deepEqual(await customHealthOf(scripts, widget('Formatter', {}), runner), { status: 'Unknown', word: 'Unknown', argo: 'Unknown', message: "health script for example.com/Formatter: example.com/Formatter:2: attempt to index a nil value (global 'string')" });
    assert.match((await customHealthOf(scripts, widget('Shouter', {}), runner))?.message ?? '', /^health script for example\.com\/Shouter: example\.com\/Shouter:1: attempt to index a string value/);
    // An unreadable flag is no flag: Argo CD would not load it either.
    assert.equal((await customHealthOf(scripts, widget('Rounder', {}), runner))?.message, "health script for example.com/Rounder: example.com/Rounder:1: attempt to index a nil value (global 'math')");
    assert.equal((await customHealthOf(scripts, widget('Clock', {}), runner))?.message, 'number,string,nil');
    // The next script is not affected: the Widget's runs as ever.
    assert.equal((await customHealthOf(scripts, widget('Widget', { phase: 'Pending' }), runner))?.message, 'waiting for w-widget');
  });

  test('with useOpenLibs the standard libraries a computation needs (string with its methods, math, os clocks), still no files, OS or loading', async () => {
    assert.deepEqual(await customHealthOf(open, widget('Formatter', {}), runner), { status: 'Current', word: 'Healthy', argo: 'Healthy', message: '2/3 ready OK 2 number' });
    // Turned off again by the split key: string methods are gone with the library.
    assert.equal((await customHealthOf(open, widget('Shouter', {}), runner))?.word, 'Unknown');
    const prober = healthScriptsOf(configMap({ 'resource.customizations.health.example.com_Prober': 'return {status = "Healthy", message = table.concat({tostring(io), tostring(os.execute), tostring(os.getenv), tostring(require), tostring(load), tostring(string.dump), tostring(coroutine), tostring(debug)}, ",")}', 'resource.customizations.useOpenLibs.example.com_Prober': 'true' }, '4'));
    assert.equal((await customHealthOf(prober, widget('Prober', {}), runner))?.message, 'nil,nil,nil,nil,nil,nil,nil,nil');
  });

  test('a Secret reaches a script with its keys, not their values', async () => {
    const secret: KubeObject = { apiVersion: 'v1', kind: 'Secret', metadata: { name: 'db', uid: 'secret-1', resourceVersion: '7' }, data: { password: Buffer.from('hunter2-live').toString('base64') } };
    const health = await customHealthOf(scripts, secret, runner);
    assert.equal(health?.message, 'core group: kind alone; password (masked)');
    assert.ok(!JSON.stringify(health).includes(Buffer.from('hunter2-live').toString('base64')));
  });

  test('sandboxed: no io, os.execute, require, load, dofile, package, debug or print; globals do not leak between runs', async () => {
    assert.equal((await customHealthOf(scripts, widget('Prober', {}), runner))?.message, 'nil,nil,nil,nil,nil,nil,nil,nil');
    assert.equal((await customHealthOf(scripts, widget('Leaker', {}), runner))?.message, 'fresh');
    assert.equal((await customHealthOf(scripts, widget('Leaker', {}), runner))?.message, 'fresh');
  });

  test('a new argocd-cm version is compiled anew; an unchanged object is not run again', async () => {
    const object = widget('Widget', { phase: 'Ready', replicas: [1], size: 2, ratio: 0.25 });
    const v2 = healthScriptsOf(configMap({ 'resource.customizations.health.example.com_Widget': 'return {status = "Degraded", message = "version 2"}' }, '2'));
    assert.equal((await customHealthOf(scripts, object, runner))?.message, 'ready with 1 replicas of size 2, ratio 0.25');
    assert.equal((await customHealthOf(v2, object, runner))?.message, 'version 2');
    const startedBefore = runner.started;
    const t = Date.now();
    for (let i = 0; i < 100; i++) await customHealthOf(v2, object, runner);
    assert.ok(Date.now() - t < 1000, 'answered from the verdicts kept per object version');
    assert.equal(runner.started, startedBefore);
  });

  test('the worker does not keep a process alive once the work is done: a CLI run ends by itself', () => {
    const program = `
      const { healthScriptsOf, customHealthOf } = require(${JSON.stringify(join(REPO, 'server/src/health/luaHealth.ts'))});
      const scripts = healthScriptsOf({ metadata: { name: 'argocd-cm', resourceVersion: '1' }, data: { 'resource.customizations.health.example.com_Widget': 'return {status = "Healthy", message = "done"}' } });
      customHealthOf(scripts, { apiVersion: 'example.com/v1', kind: 'Widget', metadata: { name: 'w' } }).then((h) => process.stdout.write(h.message));
    `;
    const run = spawnSync(process.execPath, ['--import', 'tsx', '-e', program], { cwd: REPO, encoding: 'utf8', timeout: 60_000 });
    assert.equal(run.signal, null, `still running after 60 s: ${run.stderr}`);
    assert.equal(run.stdout, 'done', run.stderr);
    assert.equal(run.status, 0);
  });
});

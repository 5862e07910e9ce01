// The CLI as a user meets it in a terminal: every command answers --help and -h with its own
// usage, and nothing but our own messages reaches stderr.
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { runCli, type CliRun } from '../support/cli';

function cli(args: string[], cwd?: string): Promise<CliRun> {
  // No kubeconfig: a --help must answer without reaching for a cluster.
  return runCli(args, cwd === undefined ? {} : { cwd });
}

const COMMANDS = ['check', 'diff', 'envs', 'status', 'sync', 'reconcile', 'preview'] as const;

describe('plumbline <command> --help', () => {
  for (const command of COMMANDS) {
    for (const flag of ['--help', '-h']) {
      test(`${command} ${flag} prints its usage on stdout and exits 0`, async () => {
        const { code, stdout, stderr } = await cli([command, flag]);
        assert.equal(stderr, '', `nothing on stderr for ${command} ${flag}`);
        assert.equal(code, 0, `${command} ${flag} exits 0`);
        assert.match(stdout, new RegExp(`^Usage: plumbline ${command}\\b`), `${command} ${flag} starts with its own usage line:\n${stdout}`);
        assert.match(stdout, /-h, --help/, 'the usage names the help flag');
      });
    }
  }

  test('help flags after other options and arguments still answer with the usage', async () => {
    for (const args of [['sync', '--env', 'dev', '--help'], ['preview', '--cluster', '-h'], ['envs', 'some-folder', '--help']]) {
      const { code, stdout, stderr } = await cli(args);
      assert.equal(code, 0, `${args.join(' ')} exits 0 (stderr: ${stderr})`);
      assert.match(stdout, new RegExp(`^Usage: plumbline ${args[0]}\\b`));
    }
  });

  test('`plumbline help <command>` is the same as `plumbline <command> --help`', async () => {
    for (const command of COMMANDS) {
      const viaHelp = await cli(['help', command]);
      const viaFlag = await cli([command, '--help']);
      assert.equal(viaHelp.code, 0);
      assert.equal(viaHelp.stdout, viaFlag.stdout);
    }
  });

  test('the general usage lists every command and says how to get a command\'s help', async () => {
    for (const flag of ['--help', '-h', 'help']) {
      const { code, stdout } = await cli([flag]);
      assert.equal(code, 0);
      for (const command of COMMANDS) assert.match(stdout, new RegExp(`^  ${command}\\b`, 'm'), `${command} is listed`);
      assert.match(stdout, /plumbline <command> --help/);
    }
  });

  test('an unknown option still fails with exit 2 and points at the command\'s help', async () => {
    const { code, stdout, stderr } = await cli(['envs', '--frobnicate']);
    assert.equal(code, 2);
    assert.equal(stdout, '');
    assert.match(stderr, /Unknown option '--frobnicate'/);
    assert.match(stderr, /plumbline envs --help/);
  });
});

describe('no yaml library warning reaches the terminal', () => {
  let dir: string;
  before(() => {
    dir = mkdtempSync(join(tmpdir(), 'plumbline-yamlwarn-'));
    // A mapping key that is itself a collection: legal YAML, which the yaml library warns about
    // (through process.emitWarning) when it turns the document into a JavaScript object.
    const oddKey = '  ? [a, b]\n  : x\n';
    mkdirSync(join(dir, 'clusters', 'dev'), { recursive: true });
    mkdirSync(join(dir, 'apps', 'dev'), { recursive: true });
    writeFileSync(join(dir, 'clusters', 'dev', 'apps.yaml'), `apiVersion: kustomize.toolkit.fluxcd.io/v1\nkind: Kustomization\nmetadata:\n  name: apps\n  namespace: flux-system\nspec:\n  interval: 5m\n  path: ./apps/dev\n  prune: true\n  sourceRef:\n    kind: GitRepository\n    name: flux-system\n${oddKey}`);
    writeFileSync(join(dir, 'apps', 'dev', 'kustomization.yaml'), `resources:\n  - config.yaml\n`);
    writeFileSync(join(dir, 'apps', 'dev', 'config.yaml'), `apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: odd\ndata:\n${oddKey}`);
    writeFileSync(join(dir, '.plumbline.yaml'), `drift:\n  ignore: []\n${oddKey.replace(/^ {2}/gm, '')}`);
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  for (const args of [['envs', '.'], ['envs', '.', '-o', 'json'], ['check', '.'], ['check', '.', '-o', 'json']]) {
    test(`plumbline ${args.join(' ')} writes no library warning`, async () => {
      const { code, stderr } = await cli(args, dir);
      assert.doesNotMatch(stderr, /Warning|stringified|trace-warnings/, `stderr of ${args.join(' ')}:\n${stderr}`);
      assert.notEqual(code, null);
    });
  }
});

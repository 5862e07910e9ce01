// Bundles the extension-host suite (test/e2e/suite) into out/e2e/suite for VS Code to require.
import { readdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { build } from 'esbuild';
import { REPO } from '../support/paths';

const SOURCE = join(REPO, 'test', 'e2e', 'suite');
export const SUITE_OUT = join(REPO, 'out', 'e2e', 'suite');
/** The module VS Code loads as extensionTestsPath. */
export const SUITE_ENTRY = join(SUITE_OUT, 'index.js');

export async function buildSuite(): Promise<string> {
  const suites = readdirSync(SOURCE).filter((f) => f.endsWith('.suite.ts'));
  if (suites.length === 0) throw new Error(`no *.suite.ts in ${SOURCE}`);
  // index.js runs every *.suite.js it finds: start clean so a renamed suite cannot linger.
  rmSync(SUITE_OUT, { recursive: true, force: true });
  await build({
    entryPoints: [join(SOURCE, 'index.ts'), ...suites.map((f) => join(SOURCE, f))],
    outdir: SUITE_OUT,
    bundle: true,
    platform: 'node',
    format: 'cjs',
    target: 'node20',
    // vscode is the extension host's; mocha loads from the repository's node_modules (the bundle
    // runs from out/e2e/suite in this checkout).
    external: ['vscode', 'mocha'],
    sourcemap: 'inline',
    logLevel: 'warning',
  });
  return SUITE_ENTRY;
}

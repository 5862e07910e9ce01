// Extension-host test runner: VS Code (desktop via @vscode/test-electron, or the web workbench via
// code-server) requires this bundle and awaits run(). It runs every *.suite.js bundled next to it.
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import Mocha from 'mocha';

export async function run(): Promise<void> {
  const mocha = new Mocha({ ui: 'tdd', color: false, reporter: 'spec', timeout: 90_000 });
  const files = readdirSync(__dirname)
    .filter((f) => f.endsWith('.suite.js'))
    .sort();
  if (files.length === 0) throw new Error(`no *.suite.js next to ${__filename}: the suite bundle is incomplete`);
  for (const file of files) mocha.addFile(join(__dirname, file));

  const stats = await new Promise<{ passes: number; failures: number; pending: number }>((resolve, reject) => {
    try {
      const runner = mocha.run(() => resolve({ passes: runner.stats?.passes ?? 0, failures: runner.stats?.failures ?? 0, pending: runner.stats?.pending ?? 0 }));
    } catch (error: unknown) {
      // A suite file that throws while loading (a bad import) lands here.
      reject(error instanceof Error ? error : new Error(String(error)));
    }
  });
  // A skipped test is a failed one here: nothing passes by not running.
  const failed = stats.failures + stats.pending;
  console.log(`EXTENSION-HOST: ${stats.passes} passed, ${failed} failed`);
  if (stats.passes + failed === 0) throw new Error('the extension-host suite ran no test');
  if (failed > 0) throw new Error(`${failed} extension-host test(s) failed`);
}

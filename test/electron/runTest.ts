// Runs the extension-host suite (test/e2e/suite, the same one the code-server tier runs) in desktop
// VS Code through @vscode/test-electron. It downloads VS Code into .vscode-test/ on first use, so it
// needs a machine that can reach Microsoft's update servers, and a display (or xvfb-run) on Linux.
// Run: node --import tsx test/electron/runTest.ts
import { runTests, TestRunFailedError } from '@vscode/test-electron';
import { buildSuite } from '../e2e/buildSuite';
import { EXAMPLES, REPO } from '../support/paths';

/** Same VS Code as the code-server tier (code-server 4.100.3 = VS Code 1.100.3). */
const VSCODE_VERSION = process.env.PLUMBLINE_VSCODE_VERSION ?? '1.100.3';

async function main(): Promise<number> {
  const extensionTestsPath = await buildSuite();
  try {
    return await runTests({
      version: VSCODE_VERSION,
      extensionDevelopmentPath: REPO,
      extensionTestsPath,
      extensionTestsEnv: { PLUMBLINE_E2E_MODE: 'development', PLUMBLINE_E2E_REPO: REPO },
      launchArgs: [
        EXAMPLES,
        '--disable-extensions', // other installed extensions; the one under development still loads
        '--disable-workspace-trust',
        '--skip-welcome',
        '--skip-release-notes',
        ...(process.getuid?.() === 0 ? ['--no-sandbox'] : []), // Electron refuses to run as root with its sandbox
      ],
    });
  } catch (error: unknown) {
    if (error instanceof TestRunFailedError) {
      console.error(`desktop VS Code ${VSCODE_VERSION}: the extension-host suite failed (exit code ${error.code ?? '?'}, signal ${error.signal ?? 'none'})`);
      return 1;
    }
    const message = error instanceof Error ? error.message : String(error);
    console.error(
      `desktop VS Code ${VSCODE_VERSION} could not be downloaded or started: ${message}\n` +
        'This runner downloads VS Code from update.code.visualstudio.com into .vscode-test/; on a machine ' +
        'that reaches only package registries that cannot work. The same suite runs in code-server: ' +
        '`node --import tsx --test test/e2e/editor.test.ts` (npm test runs it as the editor tier).',
    );
    return 1;
  }
}

main().then(
  (code) => {
    process.exitCode = code;
  },
  (error: unknown) => {
    console.error(error);
    process.exitCode = 1;
  },
);

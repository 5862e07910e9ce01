// What every editor-tier test file needs before it opens a window: code-server and Chromium
// installed, dist/ built, the .vsix packaged, a scratch copy of examples/.
import { execFileSync } from 'node:child_process';
import { cpSync, existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { EXAMPLES, REPO } from '../support/paths';
import { makeScratchDir } from './codeServer';

/** Screenshots and logs of the editor tier. */
export const ARTIFACTS = join(REPO, 'test-results', 'e2e');

/** Runs a setup command; on failure throws with its output (which is otherwise kept quiet). */
export function setup(what: string, cmd: string, args: string[], cwd = REPO): string {
  try {
    return execFileSync(cmd, args, { cwd, stdio: 'pipe', encoding: 'utf8', timeout: 15 * 60_000 });
  } catch (error: unknown) {
    const e = error as { stdout?: string; stderr?: string; message: string };
    throw new Error(`${what} failed: ${cmd} ${args.join(' ')}\n${e.message}\n${e.stdout ?? ''}\n${e.stderr ?? ''}`);
  }
}

/** code-server and Debian's Chromium (idempotent), then dist/. */
export function ensureEditorTools(): void {
  setup('installing code-server and Chromium', 'bash', [join(REPO, 'scripts', 'install-code-server.sh')]);
  ensureBuilt();
}

/** A fresh copy of examples/ for each editor: the tests edit files, and the repository must never change. */
export function freshWorkspace(prefix = 'plumbline-e2e-workspace-'): string {
  const dir = makeScratchDir(prefix).path;
  cpSync(EXAMPLES, dir, { recursive: true });
  return dir;
}

function newestMtime(paths: string[]): number {
  let newest = 0;
  for (const p of paths) {
    if (!existsSync(p)) continue;
    const stat = statSync(p);
    if (stat.isDirectory()) {
      newest = Math.max(newest, newestMtime(readdirSync(p).map((f) => join(p, f))));
    } else {
      newest = Math.max(newest, stat.mtimeMs);
    }
  }
  return newest;
}

/** The .vsix scripts/package.mjs makes; packaged again when missing or older than the sources.
 * PLUMBLINE_E2E_VSIX=path tests that file instead (a release artifact) and packages nothing. */
let vsixPath: string | undefined;
export function ensureVsix(): string {
  const given = process.env.PLUMBLINE_E2E_VSIX;
  if (given !== undefined && given !== '') {
    if (!existsSync(given)) throw new Error(`PLUMBLINE_E2E_VSIX=${given} does not exist`);
    return given;
  }
  vsixPath ??= packageVsix();
  return vsixPath;
}

function packageVsix(): string {
  const { version } = JSON.parse(readFileSync(join(REPO, 'package.json'), 'utf8')) as { version: string };
  const vsix = join(REPO, `plumbline-${version}.vsix`);
  const sources = ['client/src', 'server/src', 'package.json', 'esbuild.mjs', '.vscodeignore', 'README.md', 'LICENSE', 'media', 'schemas', 'tools/kustomize'].map((p) => join(REPO, p));
  if (!existsSync(vsix) || statSync(vsix).mtimeMs < newestMtime(sources)) {
    setup('packaging the extension', process.execPath, [join(REPO, 'scripts', 'package.mjs')]);
    // package.mjs leaves a production build in dist/; put the development build (source maps) back.
    setup('building dist/', process.execPath, [join(REPO, 'esbuild.mjs')]);
  }
  if (!existsSync(vsix)) throw new Error(`scripts/package.mjs ran but ${vsix} does not exist`);
  return vsix;
}

export function ensureBuilt(): void {
  const bundles = ['client.js', 'server.js'].map((f) => join(REPO, 'dist', f));
  if (!bundles.every((b) => existsSync(b))) setup('building dist/', process.execPath, [join(REPO, 'esbuild.mjs')]);
  for (const b of bundles) if (!existsSync(b)) throw new Error(`${b} is missing after \`node esbuild.mjs\``);
}

// Builds minified bundles and packs them into plumbline-<version>.vsix at the repository root.
import { execFileSync } from 'node:child_process';
import { copyFileSync, mkdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const { version } = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8'));
const out = join(root, `plumbline-${version}.vsix`);
const run = (cmd, args) => execFileSync(cmd, args, { cwd: root, stdio: 'inherit' });

run(process.execPath, ['esbuild.mjs', '--production']);
// The bundled kustomize, for this machine's platform: the server finds it in dist/bin.
run('bash', ['scripts/install-kustomize.sh']);
mkdirSync(join(root, 'dist', 'bin'), { recursive: true });
copyFileSync(join(root, '.cache', 'bin', 'plumbline-kustomize'), join(root, 'dist', 'bin', 'plumbline-kustomize'));
// The bundles carry every dependency, so vsce needs none of node_modules.
run(process.execPath, [join(root, 'node_modules/@vscode/vsce/vsce'), 'package', '--no-dependencies', '--allow-missing-repository', '--no-rewrite-relative-links', '-o', out]);
console.log(`packaged ${out} (${(statSync(out).size / 1024).toFixed(0)} KiB)`);

// Installs the npm dependencies when they are missing, so `npm start` and `npm test` work on a fresh clone.
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
if (!existsSync(join(root, 'node_modules', '.bin', 'tsx')) || !existsSync(join(root, 'node_modules', 'eslint'))) {
  console.log('▶ installing npm dependencies (npm ci)');
  execFileSync('npm', ['ci', '--no-audit', '--no-fund'], { cwd: root, stdio: 'inherit' });
}

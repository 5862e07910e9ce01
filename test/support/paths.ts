import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';

/** The repository root, from the test folder. */
export const REPO = resolve(__dirname, '..', '..');
export const EXAMPLES = join(REPO, 'examples');

/** Path of a built bundle; fails with the fix when the build has not run. */
export function bundle(name: 'server.js' | 'cli.js' | 'client.js'): string {
  const path = join(REPO, 'dist', name);
  if (!existsSync(path)) throw new Error(`${path} is missing: run \`npm run build\` first (npm test does it for you)`);
  return path;
}

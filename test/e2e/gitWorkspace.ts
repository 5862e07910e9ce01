// A git workspace of examples/ for the editor tier and `npm run screenshot`: a bare repository on
// disk as `origin`, `main` pushed and tracked. The bench cluster runs no Flux controller, so dev
// is delivered by direct server-side apply (an override in the copy's .plumbline.yaml).
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { makeScratchDir } from './codeServer';
import { freshWorkspace, setup } from './setup';

/** A git repository of examples/ with a bare repository as `origin`, `main` pushed and tracked. */
export function gitWorkspace(prefix = 'plumbline-e2e-gitops-'): { workspace: string; remote: string } {
  const workspace = freshWorkspace(prefix);
  const remote = join(makeScratchDir('plumbline-e2e-remote-').path, 'shop.git');
  const config = join(workspace, '.plumbline.yaml');
  writeFileSync(config, readFileSync(config, 'utf8').replace('environments:\n', 'environments:\n  - name: dev\n    delivery: direct\n'));
  const git = (...args: string[]): string => setup(`git ${args[0] ?? ''}`, 'git', args, workspace);
  setup('git init --bare', 'git', ['init', '--quiet', '--bare', '-b', 'main', remote]);
  git('init', '--quiet', '-b', 'main');
  git('config', 'user.name', 'Plumbline E2E');
  git('config', 'user.email', 'e2e@plumbline.invalid');
  git('config', 'commit.gpgsign', 'false');
  git('add', '-A');
  git('commit', '--quiet', '-m', 'The shop, dev to prod');
  git('remote', 'add', 'origin', remote);
  git('push', '--quiet', '-u', 'origin', 'main');
  return { workspace, remote };
}

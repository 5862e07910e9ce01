import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { REPO } from './paths';

/** The helm that scripts/install-helm.sh builds from Go modules. */
export const HELM = join(REPO, '.cache', 'bin', 'helm');

/** A mini GitOps repository whose environments are one chart with values per environment. */
export const HELM_REPO = join(REPO, 'test', 'fixtures', 'helm-repo');

/** The helm command for render options; fails with the fix when helm has not been built. */
export function helmCommand(): string[] {
  if (!existsSync(HELM)) throw new Error(`${HELM} is missing: run \`bash scripts/install-helm.sh\` (npm test runs it before the unit, lsp and cluster tiers)`);
  return [HELM];
}

import { availableParallelism } from 'node:os';
import { Limiter } from '../drift/limiter';
import { discoverEnvironments } from '../environments/discover';
import { byPromotionOrder } from '../environments/stages';
import type { Environment } from '../environments/model';
import type { RenderOptions } from '../environments/render';
import { compareObjects } from './changes';
import { exportHead } from './headTree';
import { failed, type EnvironmentPreview, type PreviewResult } from './preview';
import { renderSide } from './renderSide';

/**
 * What the uncommitted changes (staged, unstaged and untracked) do to each environment's
 * rendered manifests: every environment rendered from HEAD and from the working tree. A change
 * to a base shows in every environment that renders it, because each is rendered whole.
 */
export async function previewGit(root: string, render: RenderOptions, only?: string): Promise<PreviewResult> {
  if (!render.trusted) return failed('untrusted', 'untrusted workspace: Plumbline runs neither git nor kustomize');
  const head = await exportHead(root);
  if (!head.ok) return failed(head.kind, head.message);
  try {
    const [before, after] = await Promise.all([discoverEnvironments(head.root, render), discoverEnvironments(root, render)]);
    const names = [...new Set([...after.environments, ...before.environments].map((e) => e.name))].sort(byPromotionOrder);
    const wanted = only === undefined ? names : names.filter((n) => n === only);
    if (wanted.length === 0) return failed('unknown-environment', only === undefined ? 'no environments found' : `no environment named ${only}`);
    const byName = (list: Environment[], name: string): Environment | undefined => list.find((e) => e.name === name);
    // Each render is a kustomize process: a repository with dozens of environments must not start them all at once.
    const limiter = new Limiter(Math.max(2, Math.min(8, availableParallelism())));
    const side = (tree: string, env: Environment | undefined): ReturnType<typeof renderSide> => limiter.run(() => renderSide(tree, env, render));
    const environments = await Promise.all(
      wanted.map(async (name): Promise<EnvironmentPreview> => {
        const [left, right] = await Promise.all([side(head.root, byName(before.environments, name)), side(root, byName(after.environments, name))]);
        if (!right.ok) return { environment: name, state: 'error', message: `working tree: ${right.message}`, unchanged: 0, changes: [] };
        if (!left.ok) return { environment: name, state: 'error', message: `HEAD: ${left.message.replaceAll(head.root, '<HEAD>')}`, unchanged: 0, changes: [] };
        const set = compareObjects(left.objects, right.objects);
        return { environment: name, state: 'ok', message: set.changes.length === 0 ? 'no changes' : `${set.changes.length} changed`, ...set };
      }),
    );
    const notes = head.hasCommits ? [] : ['the repository has no commits yet: everything is new'];
    return { ok: true, value: { title: 'Pending changes', left: 'HEAD', right: 'working tree', environments, notes } };
  } finally {
    await head.dispose();
  }
}

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
import { renderInputs, type RenderInputs } from '../environments/renderInputs';
import { sameEnvironment, TreeComparison } from './sameInputs';

const outside = (inputs: RenderInputs): boolean => [...inputs.files, ...inputs.trees, ...inputs.folders].some((p) => p === '..' || p.startsWith('../'));

/**
 * What the uncommitted changes (staged, unstaged and untracked) do to each environment's
 * rendered manifests: each environment rendered from HEAD and from the working tree. A change
 * to a base shows in every environment that renders it, because each is rendered whole.
 *
 * Only environments whose inputs changed are rendered: one discovered alike on both sides whose
 * files (every file its kustomizations load, its folders, chart, values files, the file of its
 * Flux steps) read the same in HEAD and in the working tree renders the same, so it is counted
 * as unchanged without running kustomize or helm. A repository of 150 units where one file
 * changed rendered 300 times for one diff.
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
    const trees = new TreeComparison(head.root, root);
    const side = (tree: string, env: Environment | undefined): ReturnType<typeof renderSide> => limiter.run(() => renderSide(tree, env, render));
    const environments = await Promise.all(
      wanted.map(async (name): Promise<EnvironmentPreview> => {
        const [was, is] = [byName(before.environments, name), byName(after.environments, name)];
        if (was !== undefined && is !== undefined && sameEnvironment(was, head.root, is, root)) {
          const inputs = await Promise.all([renderInputs(head.root, was), renderInputs(root, is)]);
          if (!inputs.some(outside) && (await trees.sameInputs(...inputs))) return { environment: name, state: 'ok', message: 'no changes (its files did not change; not rendered)', unchanged: 0, changes: [], inputsUnchanged: true };
        }
        const [left, right] = await Promise.all([side(head.root, was), side(root, is)]);
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

import type { KubeObject } from '../cluster/http';
import { discoverEnvironments } from '../environments/discover';
import type { Environment } from '../environments/model';
import type { RenderOptions } from '../environments/render';
import { compareObjects } from './changes';
import { failed, type PreviewResult } from './preview';
import { renderSide } from './renderSide';

/** The namespace an environment deploys into: its target's, else the one most of its objects name. */
export function mainNamespace(env: Environment, objects: readonly KubeObject[]): string | undefined {
  if (env.target.namespace !== undefined) return env.target.namespace;
  const counts = new Map<string, number>();
  for (const o of objects) {
    const ns = o.metadata?.namespace;
    if (ns !== undefined) counts.set(ns, (counts.get(ns) ?? 0) + 1);
  }
  return [...counts.entries()].sort(([a, x], [b, y]) => y - x || a.localeCompare(b))[0]?.[0];
}

/** The objects as they would be in namespace `to`: metadata.namespace and the Namespace object itself. */
function moved(objects: readonly KubeObject[], from: string, to: string): KubeObject[] {
  return objects.map((o) => {
    if (o.metadata?.namespace === from) return { ...o, metadata: { ...o.metadata, namespace: to } };
    if (o.apiVersion === 'v1' && o.kind === 'Namespace' && o.metadata?.name === from) return { ...o, metadata: { ...o.metadata, name: to } };
    return o;
  });
}

/**
 * What promoting `source` onto `target` would change: the target's rendered manifests (left)
 * against the source's (right). When the two deploy into different namespaces, the source's
 * objects are compared as if they were in the target's namespace, so only real differences show.
 */
export async function previewPromotion(root: string, source: string, target: string, render: RenderOptions): Promise<PreviewResult> {
  const { environments } = await discoverEnvironments(root);
  const from = environments.find((e) => e.name === source);
  const to = environments.find((e) => e.name === target);
  if (from === undefined || to === undefined) return failed('unknown-environment', `no environment named ${from === undefined ? source : target}`);
  const [left, right] = await Promise.all([renderSide(root, to, render), renderSide(root, from, render)]);
  if (!left.ok) return failed(left.kind, `${target}: ${left.message}`);
  if (!right.ok) return failed(right.kind, `${source}: ${right.message}`);
  const nsFrom = mainNamespace(from, right.objects);
  const nsTo = mainNamespace(to, left.objects);
  const notes: string[] = [];
  let promoted = right.objects;
  if (nsFrom !== undefined && nsTo !== undefined && nsFrom !== nsTo) {
    promoted = moved(right.objects, nsFrom, nsTo);
    notes.push(`${source}'s namespace ${nsFrom} is compared as ${target}'s ${nsTo}`);
  }
  const set = compareObjects(left.objects, promoted);
  return {
    ok: true,
    value: {
      title: `Promote ${source} → ${target}`,
      left: target,
      right: source,
      environments: [{ environment: target, state: 'ok', message: set.changes.length === 0 ? 'no changes' : `${set.changes.length} changed`, ...set }],
      notes,
    },
  };
}

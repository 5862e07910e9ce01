import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { parse } from 'yaml';
import type { KubeObject } from '../cluster/http';
import { KUSTOMIZATION_FILE_NAMES } from '../files/names';
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

/** The name prefix and suffix an environment adds: its overlay's `namePrefix`/`nameSuffix`, then its Flux Kustomization's. */
async function nameAffixes(root: string, env: Environment): Promise<{ prefix: string; suffix: string }> {
  let prefix = '';
  let suffix = '';
  if (env.renderer.kind === 'kustomize' && env.paths[0] !== undefined) {
    for (const name of KUSTOMIZATION_FILE_NAMES) {
      const text = await readFile(join(root, env.paths[0], name), 'utf8').catch(() => undefined);
      if (text === undefined) continue;
      try {
        const k = parse(text, { logLevel: 'silent' }) as { namePrefix?: unknown; nameSuffix?: unknown } | null;
        if (typeof k?.namePrefix === 'string') prefix = k.namePrefix;
        if (typeof k?.nameSuffix === 'string') suffix = k.nameSuffix;
      } catch {
        // A kustomization yaml cannot read has failed the render already.
      }
      break;
    }
  }
  // Flux's wrapper is outside the overlay: its prefix comes first, its suffix last.
  return { prefix: `${env.flux?.namePrefix ?? ''}${prefix}`, suffix: `${suffix}${env.flux?.nameSuffix ?? ''}` };
}

/**
 * The objects as they would be named in the target: `from`'s prefix and suffix replaced by
 * `to`'s, in names and in every field that refers to one of those names (a volume's ConfigMap).
 */
function renamed(objects: readonly KubeObject[], from: { prefix: string; suffix: string }, to: { prefix: string; suffix: string }): KubeObject[] {
  const names = new Map<string, string>();
  for (const o of objects) {
    const name = o.metadata?.name;
    if (name !== undefined && name.startsWith(from.prefix) && name.endsWith(from.suffix) && name.length >= from.prefix.length + from.suffix.length) {
      names.set(name, `${to.prefix}${name.slice(from.prefix.length, name.length - from.suffix.length)}${to.suffix}`);
    }
  }
  const walk = (node: unknown): unknown => {
    if (typeof node === 'string') return names.get(node) ?? node;
    if (Array.isArray(node)) return node.map(walk);
    if (node !== null && typeof node === 'object') return Object.fromEntries(Object.entries(node).map(([k, v]) => [k, walk(v)]));
    return node;
  };
  return objects.map((o) => walk(o) as KubeObject);
}

/**
 * What promoting `source` onto `target` would change: the target's rendered manifests (left)
 * against the source's (right). When the two deploy into different namespaces, the source's
 * objects are compared as if they were in the target's namespace, so only real differences show.
 */
export async function previewPromotion(root: string, source: string, target: string, render: RenderOptions): Promise<PreviewResult> {
  const { environments } = await discoverEnvironments(root, render);
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
  const [affixFrom, affixTo] = await Promise.all([nameAffixes(root, from), nameAffixes(root, to)]);
  if (affixFrom.prefix !== affixTo.prefix || affixFrom.suffix !== affixTo.suffix) {
    promoted = renamed(promoted, affixFrom, affixTo);
    const show = (a: { prefix: string; suffix: string }): string => `${a.prefix || '(none)'}…${a.suffix}`;
    notes.push(`${source}'s names (${show(affixFrom)}) are compared as ${target}'s (${show(affixTo)})`);
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

import type { Environment } from './model';
import type { PlacedUnit } from './fluxUnits';
import type { RenderResult } from './render';
import type { KubeObject } from '../manifests/kubeObject';

/** A Flux unit of one cluster as discovery built it: the unit as its file declares it, and its environment. */
export interface UnitEntry {
  unit: PlacedUnit;
  cluster: string | undefined;
  environment: Environment;
}

function isFluxKustomization(o: KubeObject): boolean {
  return o.kind === 'Kustomization' && o.apiVersion?.startsWith('kustomize.toolkit.fluxcd.io/') === true;
}

/**
 * Each unit as its parent applies it. kustomize-controller applies a child Kustomization as the
 * parent's build renders it — the parent's patches (often a `target: {kind: Kustomization}` patch
 * that gives every child its postBuild or decryption), name prefix, target namespace and variables
 * applied — not as its file reads. Parents are rendered before their children, to any depth; a
 * parent that cannot be rendered leaves its children as their files say. `use` gets each child
 * with its rendered object; `extra` gets the Kustomizations a parent renders that no file declares.
 */
export async function followRenderedUnits(
  entries: readonly UnitEntry[],
  appliedBy: (parent: PlacedUnit, rel: string) => boolean,
  render: (env: Environment) => Promise<RenderResult>,
  use: (child: UnitEntry, object: KubeObject) => Promise<void>,
  extra: (parent: UnitEntry, object: KubeObject) => Promise<void>,
  /** Every file that declares a Flux Kustomization, rendered here or not (one of another repository's too). */
  declaredIn: ReadonlySet<string>,
): Promise<void> {
  const childrenOf = new Map<UnitEntry, UnitEntry[]>();
  const parentsOf = new Map<UnitEntry, UnitEntry[]>();
  for (const parent of entries) {
    for (const child of entries) {
      if (child === parent || child.cluster !== parent.cluster || !appliedBy(parent.unit, child.unit.rel)) continue;
      childrenOf.set(parent, [...(childrenOf.get(parent) ?? []), child]);
      parentsOf.set(child, [...(parentsOf.get(child) ?? []), parent]);
    }
  }
  // Depth below the cluster's entry point; a cycle of Kustomizations applying each other stops at the first repeat.
  const depths = new Map<UnitEntry, number>();
  const depthOf = (e: UnitEntry, seen: Set<UnitEntry>): number => {
    const known = depths.get(e);
    if (known !== undefined) return known;
    if (seen.has(e)) return 0;
    seen.add(e);
    const depth = Math.max(0, ...(parentsOf.get(e) ?? []).map((p) => depthOf(p, seen) + 1));
    depths.set(e, depth);
    return depth;
  };
  const parents = [...childrenOf.keys()].sort((a, b) => depthOf(a, new Set()) - depthOf(b, new Set()));
  for (const parent of parents) {
    const rendered = await render(parent.environment);
    if (!rendered.ok) continue;
    const kustomizations = rendered.objects.filter((o) => isFluxKustomization(o.object));
    for (const child of childrenOf.get(parent) ?? []) {
      // The rendered object from the child's file; by name when the file declares several.
      const fromFile = kustomizations.filter((o) => o.source === child.unit.file);
      const object = fromFile.length === 1 ? fromFile[0] : fromFile.find((o) => o.object.metadata?.name === child.unit.name);
      if (object !== undefined) await use(child, object.object);
    }
    for (const o of kustomizations) if (o.source === undefined || !declaredIn.has(o.source)) await extra(parent, o.object);
  }
}

import type { KubeObject } from '../manifests/kubeObject';
import type { KStatusResult } from './kstatus';

interface Condition {
  type?: string;
  observedGeneration?: number;
  status?: string;
  reason?: string;
  message?: string;
}

type Obj = Record<string, unknown>;
const obj = (v: unknown): Obj => (v !== null && typeof v === 'object' && !Array.isArray(v) ? (v as Obj) : {});
const said = (c: Condition): string => [c.reason, c.message].filter((p) => p !== undefined && p !== '').join(': ');

function conditionsOf(live: KubeObject): Condition[] {
  const conditions = obj((live as unknown as Obj)['status'])['conditions'];
  return Array.isArray(conditions) ? conditions.map((c) => obj(c) as Condition) : [];
}

/**
 * Whether an object is Crossplane's: a managed resource (a provider's kind, with `spec.forProvider`),
 * a composite or a claim (`spec.compositionRef`, `spec.resourceRef`, `spec.crossplane`), or any kind
 * of a `*.crossplane.io` or Upbound provider group. Their `Synced` and `Ready` conditions are the
 * controller's word on them, where kstatus alone would call an object without conditions current.
 */
export function isCrossplane(live: KubeObject): boolean {
  const group = (live.apiVersion ?? '').includes('/') ? (live.apiVersion ?? '').split('/')[0]! : '';
  // Crossplane's own packages (pkg.crossplane.io) say Installed and Healthy, not Synced and Ready.
  if (group === 'pkg.crossplane.io' || group === 'apiextensions.crossplane.io') return false;
  if (group.endsWith('.crossplane.io') || group.endsWith('.upbound.io')) return true;
  const spec = obj((live as unknown as Obj)['spec']);
  return 'forProvider' in spec || 'compositionRef' in spec || 'resourceRef' in spec || 'crossplane' in spec;
}

/** The `Synced=False` reason that says Crossplane saw the external resource differ from the spec and may not update it. */
export const RECONCILE_FORBIDDEN = 'ReconcileForbidden';

/**
 * Health from Crossplane's conditions, as its reconcilers write them (crossplane-runtime's
 * `ReconcileSuccess`/`ReconcileError`/`ReconcilePaused` on Synced; `Available`/`Creating`/
 * `Deleting`/`Unavailable` on Ready). Synced says whether the last reconcile worked, Ready whether
 * the external resource is usable: an error to reconcile is a failure even while the resource is
 * still up; a pause is a choice. Undefined for objects that are not Crossplane's.
 */
export function crossplaneHealthOf(live: KubeObject): KStatusResult | undefined {
  if (!isCrossplane(live)) return undefined;
  const conditions = conditionsOf(live);
  const synced = conditions.find((c) => c.type === 'Synced');
  const ready = conditions.find((c) => c.type === 'Ready');
  if (live.metadata?.deletionTimestamp !== undefined) return { status: 'Terminating', message: ready?.reason === 'Deleting' ? said(ready) : 'Resource is being deleted' };
  // Conditions written for an older spec say nothing yet about this one.
  const generation = (live.metadata as { generation?: unknown } | undefined)?.generation;
  const stale = [synced, ready].find((c) => typeof generation === 'number' && typeof c?.observedGeneration === 'number' && c.observedGeneration < generation);
  if (stale !== undefined) return { status: 'InProgress', message: `Generation ${String(generation)} is not reconciled yet (${stale.type ?? ''} observed ${String(stale.observedGeneration)})` };
  if (synced?.status === 'False') {
    if (synced.reason === 'ReconcilePaused') return { status: 'Current', message: `Synced: ${said(synced)}`, suspended: true };
    // The external resource differs and Crossplane may not change it: drift (crossplaneDrift), and
    // whether it works is still Ready's to say.
    if (synced.reason !== RECONCILE_FORBIDDEN) return { status: 'Failed', message: `Synced: ${said(synced) || 'False'}` };
  }
  if (ready === undefined) {
    if (synced === undefined) return { status: 'InProgress', message: 'Waiting for Crossplane to report Synced and Ready' };
    return { status: 'InProgress', message: 'Waiting for Crossplane to report Ready' };
  }
  if (ready.status === 'True') return { status: 'Current', message: said(ready) || 'Available' };
  if (ready.status === 'False') {
    if (ready.reason === 'Deleting') return { status: 'Terminating', message: said(ready) };
    // The provider observed the external resource and it is not usable; Creating (and a
    // composite's waiting for its composed resources) is on its way.
    if (ready.reason === 'Unavailable') return { status: 'Failed', message: `Ready: ${said(ready)}` };
    return { status: 'InProgress', message: `Ready: ${said(ready) || 'False'}` };
  }
  return { status: 'InProgress', message: `Ready: ${said(ready) || 'Unknown'}` };
}

/**
 * Drift Crossplane found and may not correct: `Synced=False` with reason `ReconcileForbidden` (the
 * external resource differs from `spec.forProvider`, and the management policy forbids updating
 * it). The condition's message, or undefined when the object is not in that state.
 */
export function crossplaneDrift(live: KubeObject): string | undefined {
  if (!isCrossplane(live)) return undefined;
  const synced = conditionsOf(live).find((c) => c.type === 'Synced');
  if (synced?.status !== 'False' || synced.reason !== RECONCILE_FORBIDDEN) return undefined;
  return synced.message !== undefined && synced.message !== '' ? synced.message : 'the external resource differs from the spec, and the management policy forbids updating it';
}

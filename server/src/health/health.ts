import type { KubeObject } from '../manifests/kubeObject';
import type { HealthCheckExpr } from '../environments/model';
import { crossplaneHealthOf } from './crossplane';
import { exprHealthOf } from './healthExprs';
import { kstatusOf, type KStatusResult } from './kstatus';
import type { TerraformContext } from './terraform';

/** Argo CD's words for health, in its worst-of order (a unit is as healthy as its least healthy resource). */
export const ARGO_HEALTH_ORDER = ['Healthy', 'Suspended', 'Progressing', 'Missing', 'Degraded', 'Unknown'] as const;
export type ArgoHealth = (typeof ARGO_HEALTH_ORDER)[number];

/** One resource's health: kstatus's verdict, the word shown (Argo CD's for its units, kstatus's otherwise) and why. */
export interface ResourceHealth {
  status: KStatusResult['status'] | 'NotFound';
  word: string;
  /** Argo CD's word for the same verdict, which orders every roll-up. */
  argo: ArgoHealth;
  message: string;
}

function argoWord(k: KStatusResult): ArgoHealth {
  if (k.suspended === true) return 'Suspended';
  if (k.status === 'Current') return 'Healthy';
  if (k.status === 'Failed') return 'Degraded';
  if (k.status === 'Unknown') return 'Unknown';
  // Argo CD shows a pod whose image cannot be pulled as Degraded, where kstatus waits.
  if (/^(ImagePullBackOff|ErrImagePull|InvalidImageName|CreateContainerConfigError)/.test(k.message)) return 'Degraded';
  return 'Progressing';
}

/**
 * The health of a live object (undefined: not in the cluster), worded for who delivers it; a Flux
 * unit's `healthCheckExprs` decide for their kinds, Crossplane's conditions for its objects.
 * `terraform`: the revision a Terraform object's source serves, read by the caller (this stage
 * reads no cluster), so a plan made from an older one is called stale.
 */
export function healthOf(live: KubeObject | undefined, vocabulary: 'argocd' | 'kstatus', exprs: readonly HealthCheckExpr[] = [], terraform: TerraformContext = {}): ResourceHealth {
  if (live === undefined) return { status: 'NotFound', word: vocabulary === 'argocd' ? 'Missing' : 'NotFound', argo: 'Missing', message: 'not in the cluster' };
  const k = (exprs.length > 0 ? exprHealthOf(live, exprs) : undefined) ?? crossplaneHealthOf(live) ?? kstatusOf(live, terraform);
  const argo = argoWord(k);
  return { status: k.status, word: vocabulary === 'argocd' ? argo : k.suspended === true ? 'Suspended' : k.status, argo, message: k.message };
}

/** "3/5 healthy, 1 progressing": a unit's or an environment's resources at a glance, worst last. */
export function healthRollup(healths: readonly ResourceHealth[]): { worst: ArgoHealth; summary: string } | undefined {
  if (healths.length === 0) return undefined;
  const counts = new Map<ArgoHealth, number>();
  for (const h of healths) counts.set(h.argo, (counts.get(h.argo) ?? 0) + 1);
  const worst = [...counts.keys()].sort((a, b) => ARGO_HEALTH_ORDER.indexOf(b) - ARGO_HEALTH_ORDER.indexOf(a))[0]!;
  const healthy = counts.get('Healthy') ?? 0;
  const others = ARGO_HEALTH_ORDER.filter((w) => w !== 'Healthy' && (counts.get(w) ?? 0) > 0).map((w) => `${counts.get(w)} ${w.toLowerCase()}`);
  return { worst, summary: [`${healthy}/${healths.length} healthy`, ...others].join(', ') };
}

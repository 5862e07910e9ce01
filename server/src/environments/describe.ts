import type { Delivery } from './model';

/** How an environment reaches its cluster, in the words the tree and `plumbline envs` both use. */
export function describeDelivery(delivery: Delivery): string {
  if (delivery.kind === 'direct') return 'direct apply';
  if (delivery.kind === 'flux') return `Flux ${delivery.resource ?? 'Kustomization'} ${delivery.namespace}/${delivery.name}`;
  return `Argo CD Application ${delivery.namespace}/${delivery.name} (${delivery.serverSideApply === true ? 'server-side apply' : 'client-side apply'})`;
}

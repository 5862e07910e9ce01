// Puts the example repository into a bench cluster the way a GitOps controller would, then
// changes it the way people do by hand, so there is drift to see. Shared by `npm start`
// (scripts/start.ts) and the editor tier (test/e2e/gitops.test.ts).
import { join } from 'node:path';
import { kubectlFor as sharedKubectl } from '../support/kubectl';

/** kubectl against one kubeconfig, as `(args, stdin?)`: the shared helper (test/support/kubectl.ts) in this file's older shape. */
export function kubectlFor(kubeconfigPath: string): (args: string[], input?: string) => string {
  const kubectl = sharedKubectl(kubeconfigPath);
  return (args, input) => (input === undefined ? kubectl(...args) : kubectl.input(input, ...args));
}

/** Applies a kustomize folder of `examples` as Flux's kustomize-controller would (server-side apply, its field manager). */
export function applyAsFlux(kubeconfigPath: string, folder: string, namespace?: string): void {
  const kubectl = kubectlFor(kubeconfigPath);
  kubectl(['apply', '--server-side', '--field-manager=kustomize-controller', ...(namespace !== undefined ? ['-n', namespace] : []), '-f', '-'], kubectl(['kustomize', folder]));
}

/**
 * The drift `npm start` shows: the dev environment applied as Flux would, then scaled to 3 by
 * hand (the tree shows dev drifted; dev's replicas patch shows the value). With `setEnvByHand`,
 * also an env var set by hand in dev, so the base file dev builds from shows a field set by hand.
 */
export function seedExampleDrift(kubeconfigPath: string, examples: string, options: { setEnvByHand?: boolean } = {}): void {
  const kubectl = kubectlFor(kubeconfigPath);
  applyAsFlux(kubeconfigPath, join(examples, 'apps', 'shop', 'overlays', 'dev'));
  kubectl(['scale', '-n', 'shop-dev', 'deployment/shop-web', '--replicas=3']);
  if (options.setEnvByHand === true) kubectl(['set', 'env', '-n', 'shop-dev', 'deployment/shop-web', 'DEBUG=true']);
}

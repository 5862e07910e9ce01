// Puts the example repository into a bench cluster the way a GitOps controller would, then
// changes it the way people do by hand, so there is drift to see. Shared by `npm start`
// (scripts/start.ts) and the editor tier (test/e2e/gitops.test.ts).
import { execFileSync } from 'node:child_process';
import { join } from 'node:path';

/** kubectl against one kubeconfig; returns stdout, throws with kubectl's stderr on failure. */
export function kubectlFor(kubeconfigPath: string): (args: string[], input?: string) => string {
  return (args, input) => execFileSync('kubectl', ['--kubeconfig', kubeconfigPath, ...args], { encoding: 'utf8', stdio: ['pipe', 'pipe', 'pipe'], ...(input !== undefined ? { input } : {}) });
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

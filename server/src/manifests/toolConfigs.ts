import type { ResourceIdentity } from './identity';

/**
 * API groups of files that a tool reads and no apiserver serves: configuration written in the
 * Kubernetes style (apiVersion and kind) but never applied to a cluster. `.fluxschema.yml` is the
 * Flux Schema plugin's config (`schema.plugin.fluxcd.io/v1beta1` `Config`, read by `flux schema
 * validate` in CI); the others are kind, k3d and kpt files and the component configurations
 * kubeadm, the kubelet and the control plane read from disk.
 */
const TOOL_CONFIG_GROUPS = new Set([
  'schema.plugin.fluxcd.io',
  'config.kubernetes.io',
  'kpt.dev',
  'kind.x-k8s.io',
  'k3d.io',
  'kubeadm.k8s.io',
  'kubelet.config.k8s.io',
  'kubeproxy.config.k8s.io',
  'kubescheduler.config.k8s.io',
  'apiserver.config.k8s.io',
  'audit.k8s.io',
]);

/** Whether a document is a tool's configuration, not a Kubernetes object: no schema judges it, no cluster holds it. */
export function isToolConfig(identity: Pick<ResourceIdentity, 'group'>): boolean {
  return TOOL_CONFIG_GROUPS.has(identity.group);
}

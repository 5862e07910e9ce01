/**
 * Deprecated and removed built-in API versions, per Kubernetes minor release.
 *
 * Source: the Kubernetes "Deprecated API Migration Guide"
 * (https://kubernetes.io/docs/reference/using-api/deprecation-guide/), cross-checked with the
 * APILifecycleDeprecated/APILifecycleRemoved/APILifecycleReplacement functions of k8s.io/api
 * v0.34.0 `*\/zz_generated.prerelease-lifecycle.go` (and, for types no longer in k8s.io/api —
 * PodSecurityPolicy, apiextensions and apiregistration v1beta1 — the guide alone). Alpha
 * versions are left out: they are off unless a cluster turns them on.
 */

interface Lifecycle {
  /** `group/version`, `v1` style for the core group. */
  apiVersion: string;
  kinds: readonly string[];
  deprecated: string;
  removed: string;
  /** The apiVersion to move to, or why there is none. */
  replacement: string | { none: string };
}

const TABLE: readonly Lifecycle[] = [
  // v1.16
  { apiVersion: 'extensions/v1beta1', kinds: ['DaemonSet', 'Deployment', 'ReplicaSet'], deprecated: '1.8', removed: '1.16', replacement: 'apps/v1' },
  { apiVersion: 'extensions/v1beta1', kinds: ['NetworkPolicy'], deprecated: '1.9', removed: '1.16', replacement: 'networking.k8s.io/v1' },
  { apiVersion: 'extensions/v1beta1', kinds: ['PodSecurityPolicy'], deprecated: '1.11', removed: '1.16', replacement: 'policy/v1beta1' },
  { apiVersion: 'apps/v1beta1', kinds: ['Deployment', 'StatefulSet', 'ControllerRevision'], deprecated: '1.8', removed: '1.16', replacement: 'apps/v1' },
  { apiVersion: 'apps/v1beta2', kinds: ['DaemonSet', 'Deployment', 'ReplicaSet', 'StatefulSet', 'ControllerRevision'], deprecated: '1.9', removed: '1.16', replacement: 'apps/v1' },
  // v1.22
  { apiVersion: 'extensions/v1beta1', kinds: ['Ingress'], deprecated: '1.14', removed: '1.22', replacement: 'networking.k8s.io/v1' },
  { apiVersion: 'networking.k8s.io/v1beta1', kinds: ['Ingress'], deprecated: '1.19', removed: '1.22', replacement: 'networking.k8s.io/v1' },
  { apiVersion: 'networking.k8s.io/v1beta1', kinds: ['IngressClass'], deprecated: '1.19', removed: '1.22', replacement: 'networking.k8s.io/v1' },
  { apiVersion: 'admissionregistration.k8s.io/v1beta1', kinds: ['MutatingWebhookConfiguration', 'ValidatingWebhookConfiguration'], deprecated: '1.16', removed: '1.22', replacement: 'admissionregistration.k8s.io/v1' },
  { apiVersion: 'apiextensions.k8s.io/v1beta1', kinds: ['CustomResourceDefinition'], deprecated: '1.16', removed: '1.22', replacement: 'apiextensions.k8s.io/v1' },
  { apiVersion: 'apiregistration.k8s.io/v1beta1', kinds: ['APIService'], deprecated: '1.19', removed: '1.22', replacement: 'apiregistration.k8s.io/v1' },
  { apiVersion: 'authentication.k8s.io/v1beta1', kinds: ['TokenReview'], deprecated: '1.19', removed: '1.22', replacement: 'authentication.k8s.io/v1' },
  { apiVersion: 'authorization.k8s.io/v1beta1', kinds: ['LocalSubjectAccessReview', 'SelfSubjectAccessReview', 'SelfSubjectRulesReview', 'SubjectAccessReview'], deprecated: '1.19', removed: '1.22', replacement: 'authorization.k8s.io/v1' },
  { apiVersion: 'certificates.k8s.io/v1beta1', kinds: ['CertificateSigningRequest'], deprecated: '1.19', removed: '1.22', replacement: 'certificates.k8s.io/v1' },
  { apiVersion: 'coordination.k8s.io/v1beta1', kinds: ['Lease'], deprecated: '1.19', removed: '1.22', replacement: 'coordination.k8s.io/v1' },
  { apiVersion: 'rbac.authorization.k8s.io/v1beta1', kinds: ['ClusterRole', 'ClusterRoleBinding', 'Role', 'RoleBinding'], deprecated: '1.17', removed: '1.22', replacement: 'rbac.authorization.k8s.io/v1' },
  { apiVersion: 'scheduling.k8s.io/v1beta1', kinds: ['PriorityClass'], deprecated: '1.14', removed: '1.22', replacement: 'scheduling.k8s.io/v1' },
  { apiVersion: 'storage.k8s.io/v1beta1', kinds: ['CSIDriver', 'StorageClass', 'VolumeAttachment'], deprecated: '1.19', removed: '1.22', replacement: 'storage.k8s.io/v1' },
  { apiVersion: 'storage.k8s.io/v1beta1', kinds: ['CSINode'], deprecated: '1.17', removed: '1.22', replacement: 'storage.k8s.io/v1' },
  // v1.25
  { apiVersion: 'batch/v1beta1', kinds: ['CronJob'], deprecated: '1.21', removed: '1.25', replacement: 'batch/v1' },
  { apiVersion: 'discovery.k8s.io/v1beta1', kinds: ['EndpointSlice'], deprecated: '1.21', removed: '1.25', replacement: 'discovery.k8s.io/v1' },
  { apiVersion: 'events.k8s.io/v1beta1', kinds: ['Event'], deprecated: '1.22', removed: '1.25', replacement: 'events.k8s.io/v1' },
  { apiVersion: 'autoscaling/v2beta1', kinds: ['HorizontalPodAutoscaler'], deprecated: '1.22', removed: '1.25', replacement: 'autoscaling/v2' },
  { apiVersion: 'policy/v1beta1', kinds: ['PodDisruptionBudget'], deprecated: '1.21', removed: '1.25', replacement: 'policy/v1' },
  { apiVersion: 'policy/v1beta1', kinds: ['PodSecurityPolicy'], deprecated: '1.21', removed: '1.25', replacement: { none: 'no replacement: use Pod Security Admission or a third-party admission webhook' } },
  { apiVersion: 'node.k8s.io/v1beta1', kinds: ['RuntimeClass'], deprecated: '1.22', removed: '1.25', replacement: 'node.k8s.io/v1' },
  // v1.26
  { apiVersion: 'flowcontrol.apiserver.k8s.io/v1beta1', kinds: ['FlowSchema', 'PriorityLevelConfiguration'], deprecated: '1.23', removed: '1.26', replacement: 'flowcontrol.apiserver.k8s.io/v1' },
  { apiVersion: 'autoscaling/v2beta2', kinds: ['HorizontalPodAutoscaler'], deprecated: '1.23', removed: '1.26', replacement: 'autoscaling/v2' },
  // v1.27
  { apiVersion: 'storage.k8s.io/v1beta1', kinds: ['CSIStorageCapacity'], deprecated: '1.24', removed: '1.27', replacement: 'storage.k8s.io/v1' },
  // v1.29
  { apiVersion: 'flowcontrol.apiserver.k8s.io/v1beta2', kinds: ['FlowSchema', 'PriorityLevelConfiguration'], deprecated: '1.26', removed: '1.29', replacement: 'flowcontrol.apiserver.k8s.io/v1' },
  // v1.32
  { apiVersion: 'flowcontrol.apiserver.k8s.io/v1beta3', kinds: ['FlowSchema', 'PriorityLevelConfiguration'], deprecated: '1.29', removed: '1.32', replacement: 'flowcontrol.apiserver.k8s.io/v1' },
];

const byKey = new Map<string, Lifecycle>();
for (const entry of TABLE) for (const kind of entry.kinds) byKey.set(`${entry.apiVersion}/${kind}`, entry);

/** `v1.36.3`, `1.30`, `v1.30.2-gke.1` → [1, 36]; undefined when it is no version. */
export function minorVersion(version: string): [number, number] | undefined {
  const m = /^v?(\d+)\.(\d+)/.exec(version.trim());
  return m === null ? undefined : [Number(m[1]), Number(m[2])];
}

function atLeast(have: [number, number], want: string): boolean {
  const w = minorVersion(want);
  if (w === undefined) return false;
  return have[0] > w[0] || (have[0] === w[0] && have[1] >= w[1]);
}

/** Whether the table knows this apiVersion/kind: a built-in that some Kubernetes release served. */
export function hasLifecycle(apiVersion: string, kind: string): boolean {
  return byKey.has(`${apiVersion}/${kind}`);
}

export interface LifecycleFinding {
  severity: 'error' | 'warning';
  message: string;
}

/**
 * What the target Kubernetes version says of an apiVersion/kind: removed (an error naming the
 * replacement and the release that removed it), deprecated but still served (a warning with the
 * removal release), or nothing.
 */
export function apiLifecycle(apiVersion: string, kind: string, targetVersion: string): LifecycleFinding | undefined {
  const entry = byKey.get(`${apiVersion}/${kind}`);
  if (entry === undefined) return undefined;
  const target = minorVersion(targetVersion);
  if (target === undefined) return undefined;
  // A replacement removed in turn (extensions/v1beta1 → policy/v1beta1 PodSecurityPolicy): follow it.
  let replacement = entry.replacement;
  for (let hops = 0; typeof replacement === 'string' && hops < 4; hops++) {
    const next = byKey.get(`${replacement}/${kind}`);
    if (next === undefined || !atLeast(target, next.removed)) break;
    replacement = next.replacement;
  }
  const instead = typeof replacement === 'string' ? `use ${replacement}` : replacement.none;
  const against = `(target: Kubernetes ${target[0]}.${target[1]})`;
  if (atLeast(target, entry.removed)) {
    return { severity: 'error', message: `${apiVersion} ${kind} was removed in Kubernetes ${entry.removed}; ${instead} ${against}` };
  }
  if (atLeast(target, entry.deprecated)) {
    return { severity: 'warning', message: `${apiVersion} ${kind} is deprecated since Kubernetes ${entry.deprecated} and will be removed in ${entry.removed}; ${instead} ${against}` };
  }
  return undefined;
}

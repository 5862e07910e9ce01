/**
 * The name, label and annotation rules the Kubernetes apiserver enforces on every object, with
 * its own wording. Learned from k8s.io/apimachinery `pkg/util/validation` (IsDNS1123Subdomain,
 * IsDNS1123Label, IsQualifiedName, IsValidLabelValue), `pkg/api/validation` (ValidateObjectMeta,
 * ValidateAnnotations) and `pkg/api/validation/path` (IsValidPathSegmentName), and from the
 * name function each kind passes in k8s.io/kubernetes `pkg/apis/<group>/validation` (v1.34).
 */

const DNS1123_LABEL = '[a-z0-9]([-a-z0-9]*[a-z0-9])?';
const DNS1123_SUBDOMAIN = `${DNS1123_LABEL}(\\.${DNS1123_LABEL})*`;
const QUALIFIED_NAME = '([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]';
const LABEL_VALUE = `(${QUALIFIED_NAME})?`;

const dns1123LabelRe = new RegExp(`^${DNS1123_LABEL}$`);
const dns1123SubdomainRe = new RegExp(`^${DNS1123_SUBDOMAIN}$`);
const qualifiedNameRe = new RegExp(`^${QUALIFIED_NAME}$`);
const labelValueRe = new RegExp(`^${LABEL_VALUE}$`);

/** Go's validation.RegexError: the message, examples, then the regex (the double space is theirs). */
function regexError(message: string, format: string, ...examples: string[]): string {
  return `${message} (e.g. ${examples.map((e) => `'${e}', `).join(' or ')}regex used for validation is '${format}')`;
}

const maxLenError = (length: number): string => `must be no more than ${length} characters`;

/** Bytes as Go's len() counts them: UTF-8. */
const utf8Length = (value: string): number => Buffer.byteLength(value, 'utf8');

/** Most values are valid: these answer them without building messages (a passing regex means ASCII, so length is bytes). */
const NONE: readonly string[] = Object.freeze([]);

export function isDns1123Subdomain(value: string): readonly string[] {
  if (value.length <= 253 && dns1123SubdomainRe.test(value)) return NONE;
  const errors: string[] = [];
  if (utf8Length(value) > 253) errors.push(maxLenError(253));
  if (!dns1123SubdomainRe.test(value)) {
    errors.push(regexError("a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', and must start and end with an alphanumeric character", DNS1123_SUBDOMAIN, 'example.com'));
  }
  return errors;
}

export function isDns1123Label(value: string): readonly string[] {
  if (value.length <= 63 && dns1123LabelRe.test(value)) return NONE;
  const errors: string[] = [];
  if (utf8Length(value) > 63) errors.push(maxLenError(63));
  if (!dns1123LabelRe.test(value)) {
    errors.push(regexError("a lowercase RFC 1123 label must consist of lower case alphanumeric characters or '-', and must start and end with an alphanumeric character", DNS1123_LABEL, 'my-name', '123-abc'));
  }
  return errors;
}

/** IsValidPathSegmentName: what RBAC objects' names must be. */
export function isPathSegmentName(value: string, prefix: boolean): readonly string[] {
  const errors: string[] = [];
  if (!prefix) for (const bad of ['.', '..']) if (value === bad) errors.push(`may not be '${bad}'`);
  for (const bad of ['/', '%']) if (value.includes(bad)) errors.push(`may not contain '${bad}'`);
  return errors;
}

const QUALIFIED_NAME_MESSAGE = "must consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character";

/** IsQualifiedName: label keys and (lower-cased) annotation keys. */
export function isQualifiedName(value: string): readonly string[] {
  const slash = value.indexOf('/');
  if (slash === -1 ? value.length <= 63 && qualifiedNameRe.test(value) : slash === value.lastIndexOf('/') && slash > 0 && slash <= 253 && value.length - slash - 1 <= 63 && dns1123SubdomainRe.test(value.slice(0, slash)) && qualifiedNameRe.test(value.slice(slash + 1))) return NONE;
  const errors: string[] = [];
  const parts = value.split('/');
  let name: string;
  if (parts.length === 1) name = parts[0] ?? '';
  else if (parts.length === 2) {
    const prefix = parts[0] ?? '';
    name = parts[1] ?? '';
    if (prefix.length === 0) errors.push('prefix part must be non-empty');
    else for (const message of isDns1123Subdomain(prefix)) errors.push(`prefix part ${message}`);
  } else {
    return [`a qualified name ${regexError(QUALIFIED_NAME_MESSAGE, QUALIFIED_NAME, 'MyName', 'my.name', '123-abc')} with an optional DNS subdomain prefix and '/' (e.g. 'example.com/MyName')`];
  }
  if (name.length === 0) errors.push('name part must be non-empty');
  else if (utf8Length(name) > 63) errors.push(`name part ${maxLenError(63)}`);
  if (!qualifiedNameRe.test(name)) errors.push(`name part ${regexError(QUALIFIED_NAME_MESSAGE, QUALIFIED_NAME, 'MyName', 'my.name', '123-abc')}`);
  return errors;
}

export function isValidLabelValue(value: string): readonly string[] {
  if (value.length <= 63 && labelValueRe.test(value)) return NONE;
  const errors: string[] = [];
  if (utf8Length(value) > 63) errors.push(maxLenError(63));
  if (!labelValueRe.test(value)) {
    errors.push(regexError("a valid label must be an empty string or consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character", LABEL_VALUE, 'MyValue', 'my_value', '12345'));
  }
  return errors;
}

/** TotalAnnotationSizeLimitB: keys and values together, in bytes. */
export const ANNOTATIONS_SIZE_LIMIT = 256 * 1024;

export function annotationsSizeError(size: number): string | undefined {
  return size > ANNOTATIONS_SIZE_LIMIT ? `Too long: may not be more than ${ANNOTATIONS_SIZE_LIMIT} bytes` : undefined;
}

/** The apiserver's `field: Invalid value: "x": detail` with Go's %q quoting. */
export function invalidValue(field: string, value: string, detail: string): string {
  return `${field}: Invalid value: ${JSON.stringify(value)}: ${detail}`;
}

/** How a kind's metadata.name (and generateName, as a prefix) is checked. */
export type NameRule = 'dns1123-subdomain' | 'dns1123-label' | 'path-segment' | 'any';

/** API groups the kube-apiserver serves itself (k8s.io/api, apiextensions, kube-aggregator). */
const BUILT_IN_GROUPS = new Set([
  '',
  'admissionregistration.k8s.io',
  'apiextensions.k8s.io',
  'apiregistration.k8s.io',
  'apps',
  'authentication.k8s.io',
  'authorization.k8s.io',
  'autoscaling',
  'batch',
  'certificates.k8s.io',
  'coordination.k8s.io',
  'discovery.k8s.io',
  'events.k8s.io',
  'extensions',
  'flowcontrol.apiserver.k8s.io',
  'internal.apiserver.k8s.io',
  'networking.k8s.io',
  'node.k8s.io',
  'policy',
  'rbac.authorization.k8s.io',
  'resource.k8s.io',
  'scheduling.k8s.io',
  'storage.k8s.io',
  'storagemigration.k8s.io',
]);

/** Groups of files that tools read and no apiserver ever sees. */
const CLIENT_SIDE_GROUPS = new Set(['kustomize.config.k8s.io', 'config.kubernetes.io']);

/**
 * Groups of well-known aggregated APIs (OpenShift's, the metrics APIs): served by their own
 * apiservers, whose name rules are theirs (OpenShift user names hold '@'), not a CRD's.
 */
const AGGREGATED_GROUP = /(^|\.)(openshift\.io|metrics\.k8s\.io)$/;

/**
 * Whether the apiserver's metadata and list rules are known for this group: built-ins and
 * custom resources, not kustomize's own files (no apiserver sees them) nor aggregated APIs.
 */
export function apiRulesKnown(group: string): boolean {
  return BUILT_IN_GROUPS.has(group) || (!CLIENT_SIDE_GROUPS.has(group) && !AGGREGATED_GROUP.test(group));
}

export function isBuiltInGroup(group: string): boolean {
  return BUILT_IN_GROUPS.has(group);
}

/**
 * Built-in kinds whose name function is known exactly. A built-in kind not listed is not checked
 * (an error where the apiserver accepts is worse than a miss).
 */
const BUILT_IN_NAMES = new Map<string, NameRule>(Object.entries({
  // Service: DNS-1035 label unless RelaxedServiceNameValidation (KEP-5311) is on, then a DNS-1123
  // label; the weaker of the two is what every cluster rejects.
  '/Service': 'dns1123-label',
  '/Namespace': 'dns1123-label',
  'apps/StatefulSet': 'dns1123-label',
  'rbac.authorization.k8s.io/Role': 'path-segment',
  'rbac.authorization.k8s.io/ClusterRole': 'path-segment',
  'rbac.authorization.k8s.io/RoleBinding': 'path-segment',
  'rbac.authorization.k8s.io/ClusterRoleBinding': 'path-segment',
  'certificates.k8s.io/CertificateSigningRequest': 'any',
} satisfies Record<string, NameRule>));

const SUBDOMAIN_NAMED = [
  '/Pod', '/PodTemplate', '/ReplicationController', '/Node', '/LimitRange', '/ServiceAccount', '/Secret', '/ConfigMap', '/ResourceQuota', '/Endpoints',
  '/PersistentVolume', '/PersistentVolumeClaim',
  'apps/Deployment', 'apps/ReplicaSet', 'apps/DaemonSet', 'apps/ControllerRevision',
  'batch/Job', 'batch/CronJob', 'autoscaling/HorizontalPodAutoscaler',
  'networking.k8s.io/Ingress', 'networking.k8s.io/IngressClass', 'networking.k8s.io/NetworkPolicy', 'networking.k8s.io/ServiceCIDR',
  'discovery.k8s.io/EndpointSlice',
  'storage.k8s.io/StorageClass', 'storage.k8s.io/VolumeAttachment', 'storage.k8s.io/CSIDriver', 'storage.k8s.io/CSINode', 'storage.k8s.io/CSIStorageCapacity', 'storage.k8s.io/VolumeAttributesClass',
  'scheduling.k8s.io/PriorityClass', 'node.k8s.io/RuntimeClass', 'coordination.k8s.io/Lease',
  'flowcontrol.apiserver.k8s.io/FlowSchema', 'flowcontrol.apiserver.k8s.io/PriorityLevelConfiguration',
  'admissionregistration.k8s.io/ValidatingWebhookConfiguration', 'admissionregistration.k8s.io/MutatingWebhookConfiguration',
  'admissionregistration.k8s.io/ValidatingAdmissionPolicy', 'admissionregistration.k8s.io/ValidatingAdmissionPolicyBinding',
  'admissionregistration.k8s.io/MutatingAdmissionPolicy', 'admissionregistration.k8s.io/MutatingAdmissionPolicyBinding',
  'resource.k8s.io/ResourceClaim', 'resource.k8s.io/ResourceClaimTemplate', 'resource.k8s.io/DeviceClass', 'resource.k8s.io/ResourceSlice',
];
for (const key of SUBDOMAIN_NAMED) BUILT_IN_NAMES.set(key, 'dns1123-subdomain');

/**
 * The name rule of a kind, or undefined when it is not checked: custom resources are DNS-1123
 * subdomains (apiextensions-apiserver's validator), built-ins as listed above.
 */
export function nameRuleOf(group: string, kind: string): NameRule | undefined {
  if (!apiRulesKnown(group)) return undefined;
  if (!BUILT_IN_GROUPS.has(group)) return 'dns1123-subdomain';
  return BUILT_IN_NAMES.get(`${group}/${kind}`);
}

/** Go's maskTrailingDash: a generateName may end in '-', the apiserver appends the rest. */
function maskTrailingDash(name: string): string {
  return name.length > 1 && name.endsWith('-') ? `${name.slice(0, -2)}a` : name;
}

/** What is wrong with a name (or a generateName when `prefix`) under a rule. */
export function nameErrors(rule: NameRule, value: string, prefix: boolean): readonly string[] {
  switch (rule) {
    case 'dns1123-subdomain':
      return isDns1123Subdomain(prefix ? maskTrailingDash(value) : value);
    case 'dns1123-label':
      return isDns1123Label(prefix ? maskTrailingDash(value) : value);
    case 'path-segment':
      return isPathSegmentName(value, prefix);
    case 'any':
      return [];
  }
}

/** Extra length limits some kinds put on their names (CronJob: the job name gets an 11-character suffix). */
export function extraNameErrors(group: string, kind: string, value: string): readonly string[] {
  return group === 'batch' && kind === 'CronJob' && value.length > 52 ? ['must be no more than 52 characters'] : [];
}

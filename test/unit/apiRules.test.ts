import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { CheckOptions } from '../../server/src/check/checkFile';
import { indexKinds, SchemaBundle } from '../../server/src/schemas/bundle';
import { loadBundledSchemas } from '../../server/src/schemas/bundled';
import type { OpenApiSchema } from '../../server/src/schemas/openapi';
import { SchemaResolver } from '../../server/src/schemas/resolver';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileRole } from '../../server/src/check/fileRole';
import { nameRuleOf } from '../../server/src/validation/apiNames';
import { expectCheckFindings } from '../support/checkExpect';

const bundled = new SchemaResolver([loadBundledSchemas()]);
const OPTIONS: CheckOptions = { role: { kind: 'manifests' }, schemas: bundled, unknownKind: 'information' };

// A custom resource's schema as a CRD declares it: list-type map and set.
const gadget: OpenApiSchema = {
  type: 'object',
  properties: {
    apiVersion: { type: 'string' },
    kind: { type: 'string' },
    metadata: { type: 'object' },
    spec: {
      type: 'object',
      properties: {
        ports: { type: 'array', 'x-kubernetes-list-type': 'map', 'x-kubernetes-list-map-keys': ['port', 'protocol'], items: { type: 'object', properties: { port: { type: 'integer' }, protocol: { type: 'string' } } } },
        tags: { type: 'array', 'x-kubernetes-list-type': 'set', items: { type: 'string' } },
      },
    },
  },
  'x-kubernetes-group-version-kind': [{ group: 'example.com', version: 'v1', kind: 'Gadget' }],
};
const customDefinitions = { 'com.example.v1.Gadget': gadget };
const custom = new SchemaResolver([
  new SchemaBundle({ format: 1, kubernetesVersion: 'v0', sources: {}, definitions: customDefinitions, kinds: indexKinds(customDefinitions) }, { kind: 'bundled', label: 'test CRDs', kubernetesVersion: 'v0' }),
]);

function expectFindings(fixture: string, options: CheckOptions = OPTIONS): void {
  expectCheckFindings(fixture, options);
}

const SUBDOMAIN = "a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', and must start and end with an alphanumeric character (e.g. 'example.com', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*')";
const LABEL = "a lowercase RFC 1123 label must consist of lower case alphanumeric characters or '-', and must start and end with an alphanumeric character (e.g. 'my-name',  or '123-abc', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?')";
const QUALIFIED = "must consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character (e.g. 'MyName',  or 'my.name',  or '123-abc', regex used for validation is '([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]')";
const LABEL_VALUE = "a valid label must be an empty string or consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character (e.g. 'MyValue',  or 'my_value',  or '12345', regex used for validation is '(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?')";

describe('apiserver metadata rules', () => {
  test('valid names, labels and annotations have no findings', () => {
    expectFindings(`apiVersion: apps/v1
kind: Deployment
metadata:
  name: my-app.v2
  namespace: prod-1
  labels:
    app.kubernetes.io/name: My_App-1
    empty: ""
  annotations:
    Example.COM/Some-Key: "anything at all: / ? ^"
spec:
  selector: {matchLabels: {app: web}}
  template:
    metadata: {labels: {app: web}}
    spec:
      containers: [{name: web, image: nginx}]
---
apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRole
metadata:
  name: system:controller:My_Role
---
apiVersion: v1
kind: Pod
metadata:
  generateName: worker-
spec:
  containers: [{name: a, image: busybox}]
`);
  });

  test('object names by kind: subdomain, label, path segment', () => {
    expectFindings(`apiVersion: v1
kind: ConfigMap
metadata:
  name: My_App
        ^^^^^^ error: metadata.name: Invalid value: "My_App": ${SUBDOMAIN}
---
apiVersion: v1
kind: Service
metadata:
  name: web.internal
        ^^^^^^^^^^^^ error: metadata.name: Invalid value: "web.internal": ${LABEL}
---
apiVersion: v1
kind: Namespace
metadata:
  name: team.a
        ^^^^^^ error: metadata.name: Invalid value: "team.a": ${LABEL}
---
apiVersion: rbac.authorization.k8s.io/v1
kind: Role
metadata:
  name: a/b
        ^^^ error: metadata.name: Invalid value: "a/b": may not contain '/'
---
apiVersion: batch/v1
kind: CronJob
metadata:
  name: a-cron-job-whose-name-is-longer-than-fifty-two-characters
        ^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^ error: metadata.name: Invalid value: "a-cron-job-whose-name-is-longer-than-fifty-two-characters": must be no more than 52 characters
spec:
  schedule: "* * * * *"
  jobTemplate: {spec: {template: {spec: {containers: [{name: a, image: b}], restartPolicy: Never}}}}
`);
  });

  test('namespace and generateName', () => {
    expectFindings(`apiVersion: v1
kind: Secret
metadata:
  generateName: Worker-
                ^^^^^^^ error: metadata.generateName: Invalid value: "Worker-": ${SUBDOMAIN}
  namespace: Team_A
             ^^^^^^ error: metadata.namespace: Invalid value: "Team_A": ${LABEL}
`);
  });

  test('label keys and values, on the object and its pod template', () => {
    expectFindings(`apiVersion: apps/v1
kind: Deployment
metadata:
  name: web
  labels:
    my key: ok
    ^^^^^^ error: metadata.labels: Invalid value: "my key": name part ${QUALIFIED}
    Example.com/x: ok
    ^^^^^^^^^^^^^ error: metadata.labels: Invalid value: "Example.com/x": prefix part ${SUBDOMAIN}
    tier: "front end"
          ^^^^^^^^^^^ error: metadata.labels: Invalid value: "front end": ${LABEL_VALUE}
spec:
  selector: {matchLabels: {app: web}}
  template:
    metadata:
      labels:
        app: web
        version: v1.0-
                 ^^^^^ error: spec.template.metadata.labels: Invalid value: "v1.0-": ${LABEL_VALUE}
    spec:
      containers: [{name: web, image: nginx}]
`);
  });

  test('annotation keys and their total size', () => {
    const big = 'x'.repeat(256 * 1024);
    expectFindings(`apiVersion: v1
kind: ConfigMap
metadata:
  name: big
  annotations:
  ^^^^^^^^^^^ error: metadata.annotations: Too long: may not be more than 262144 bytes (these annotations take 262151 bytes)
    a/b/c: x
    ^^^^^ error: metadata.annotations: Invalid value: "a/b/c": a qualified name ${QUALIFIED} with an optional DNS subdomain prefix and '/' (e.g. 'example.com/MyName')
    k: ${big}
`);
  });

  test('duplicate containers and volumes are errors, a repeated env var is the apiserver warning', () => {
    expectFindings(`apiVersion: v1
kind: Pod
metadata:
  name: p
spec:
  containers:
    - name: web
      image: nginx
      env:
        - name: MODE
          value: a
        - name: MODE
                ^^^^ warning: spec.containers[0].env[1]: hides previous definition of "MODE", which may be dropped when using apply
          value: b
    - name: web
            ^^^ error: spec.containers[1].name: Duplicate value: "web"
      image: nginx
  volumes:
    - name: data
      emptyDir: {}
    - name: data
            ^^^^ error: spec.volumes[1].name: Duplicate value: "data"
      emptyDir: {}
`);
  });

  test('custom resources: list-type map and set items must be unique, names are subdomains', () => {
    expectFindings(`apiVersion: example.com/v1
kind: Gadget
metadata:
  name: Gadget_1
        ^^^^^^^^ error: metadata.name: Invalid value: "Gadget_1": ${SUBDOMAIN}
spec:
  ports:
    - {port: 80, protocol: TCP}
    - {port: 80, protocol: UDP}
    - {port: 80, protocol: TCP}
             ^^ error: spec.ports[2]: Duplicate value: {"port":80,"protocol":"TCP"}
  tags: [a, b, a]
               ^ error: spec.tags[2]: Duplicate value: "a"
`, { ...OPTIONS, schemas: custom });
  });

  test('patches and Flux placeholders get no false errors', () => {
    expectFindings(`apiVersion: apps/v1
kind: Deployment
metadata:
  name: not-used_by-kustomize
  labels:
    $patch: delete
spec:
  template:
    metadata:
      labels:
        version: \${APP_VERSION:=v1.0}
`, { ...OPTIONS, role: { kind: 'patch', use: 'strategic-merge' } });
    expectFindings(`apiVersion: v1
kind: ConfigMap
metadata:
  name: \${APP}-config
  namespace: \${TENANT_NAMESPACE}
  labels:
    team: \${TEAM:=Platform Team}
    shard: "{{shard_label}}"
`);
  });

  test("under a kustomization, whose namespace: rewrites them, a Namespace's name and metadata.namespace are not judged", () => {
    const dir = mkdtempSync(join(tmpdir(), 'plumbline-kustomized-'));
    try {
      writeFileSync(join(dir, 'kustomization.yaml'), 'namespace: default\nresources: [app/namespace.yaml]\n');
      mkdirSync(join(dir, 'app'));
      const role = fileRole(join(dir, 'app', 'namespace.yaml'), undefined);
      assert.deepEqual(role, { kind: 'manifests', kustomized: true });
      assert.deepEqual(fileRole(join(tmpdir(), 'plumbline-no-kustomization-here', 'a.yaml'), undefined), { kind: 'manifests' });
      expectFindings(`apiVersion: v1
kind: Namespace
metadata:
  name: _
---
apiVersion: v1
kind: ConfigMap
metadata:
  name: Settings_1
        ^^^^^^^^^^ error: metadata.name: Invalid value: "Settings_1": ${SUBDOMAIN}
  namespace: _
`, { ...OPTIONS, role });
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  test('kustomize files are not apiserver objects', () => {
    expectFindings(`apiVersion: kustomize.config.k8s.io/v1beta1
kind: Kustomization
metadata:
  name: Not_A_DNS_Name
resources: [a.yaml]
`, { ...OPTIONS, role: { kind: 'kustomization' } });
  });
});

describe('removed and deprecated apiVersions, per target Kubernetes version', () => {
  const pinned = (version: string | undefined): CheckOptions => {
    const schemas = new SchemaResolver([loadBundledSchemas()]);
    schemas.pinVersion(version);
    return { ...OPTIONS, schemas };
  };

  test('removed in the bundled version: errors naming the replacement and the removing release, all alike', () => {
    expectFindings(`apiVersion: apps/v1beta1
            ^^^^^^^^^^^^ error: apps/v1beta1 Deployment was removed in Kubernetes 1.16; use apps/v1 (target: Kubernetes 1.36)
kind: Deployment
metadata: {name: a}
---
apiVersion: extensions/v1beta1
            ^^^^^^^^^^^^^^^^^^ error: extensions/v1beta1 DaemonSet was removed in Kubernetes 1.16; use apps/v1 (target: Kubernetes 1.36)
kind: DaemonSet
metadata: {name: a}
---
apiVersion: policy/v1beta1
            ^^^^^^^^^^^^^^ error: policy/v1beta1 PodSecurityPolicy was removed in Kubernetes 1.25; no replacement: use Pod Security Admission or a third-party admission webhook (target: Kubernetes 1.36)
kind: PodSecurityPolicy
metadata: {name: a}
---
apiVersion: extensions/v1beta1
            ^^^^^^^^^^^^^^^^^^ error: extensions/v1beta1 PodSecurityPolicy was removed in Kubernetes 1.16; no replacement: use Pod Security Admission or a third-party admission webhook (target: Kubernetes 1.36)
kind: PodSecurityPolicy
metadata: {name: a}
`);
  });

  test('an older target: deprecated but served is a warning with the removal release, and no "not served" error', () => {
    expectFindings(`apiVersion: policy/v1beta1
            ^^^^^^^^^^^^^^ warning: policy/v1beta1 PodDisruptionBudget is deprecated since Kubernetes 1.21 and will be removed in 1.25; use policy/v1 (target: Kubernetes 1.24)
kind: PodDisruptionBudget
metadata: {name: a}
---
apiVersion: extensions/v1beta1
            ^^^^^^^^^^^^^^^^^^ error: extensions/v1beta1 Ingress was removed in Kubernetes 1.22; use networking.k8s.io/v1 (target: Kubernetes 1.24)
kind: Ingress
metadata: {name: a}
---
apiVersion: extensions/v1beta1
            ^^^^^^^^^^^^^^^^^^ error: extensions/v1beta1 PodSecurityPolicy was removed in Kubernetes 1.16; use policy/v1beta1 (target: Kubernetes 1.24)
kind: PodSecurityPolicy
metadata: {name: a}
`, { ...pinned('v1.24'), unknownKind: 'ignore' });
  });

  test('before its deprecation nothing is said; a live cluster version wins over the pinned one', () => {
    expectFindings(`apiVersion: batch/v1beta1
kind: CronJob
metadata: {name: a}
`, { ...pinned('1.20'), unknownKind: 'ignore' });
    const live = new SchemaBundle({ format: 1, kubernetesVersion: 'v1.22.4', sources: {}, definitions: {}, kinds: {} }, { kind: 'cluster', label: 'cluster old (v1.22.4)', kubernetesVersion: 'v1.22.4' });
    const schemas = new SchemaResolver([live, loadBundledSchemas()]);
    schemas.pinVersion('v1.15');
    expectFindings(`apiVersion: networking.k8s.io/v1beta1
            ^^^^^^^^^^^^^^^^^^^^^^^^^ error: networking.k8s.io/v1beta1 Ingress was removed in Kubernetes 1.22; use networking.k8s.io/v1 (target: Kubernetes 1.22)
kind: Ingress
metadata: {name: a}
`, { ...OPTIONS, schemas });
  });
});

test('aggregated APIs and client-side files keep their own name rules: none is applied', () => {
  assert.equal(nameRuleOf('user.openshift.io', 'User'), undefined);
  assert.equal(nameRuleOf('metrics.k8s.io', 'PodMetrics'), undefined);
  assert.equal(nameRuleOf('kustomize.config.k8s.io', 'Kustomization'), undefined);
  assert.equal(nameRuleOf('policy', 'PodDisruptionBudget'), undefined, 'a built-in kind whose name function is not known is not checked');
  assert.equal(nameRuleOf('helm.toolkit.fluxcd.io', 'HelmRelease'), 'dns1123-subdomain');
});

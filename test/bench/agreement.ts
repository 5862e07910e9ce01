// Before anything is timed: Plumbline and kubeconform (with the converted schemas) must give the
// same verdict on hand-written manifests that probe the tricky parts of the conversion
// (int-or-string, Quantity, nulls, enums, patterns, preserve-unknown-fields, strict unknown
// fields), and on every resource of the corpus.

import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import type { CorpusDocument } from './corpus';
import type { KubeconformResource } from './kubeconform';
import { REPO } from './util';

interface Fixture {
  name: string;
  valid: boolean;
  /** What the fixture probes (and, for invalid ones, the single mistake in it). */
  probes: string;
  yaml: string;
}

const DEPLOYMENT_HEAD = `apiVersion: apps/v1
kind: Deployment
metadata:
  name: web
  namespace: team-a
`;

function deployment(spec: string, containerExtra = '', specExtra = ''): string {
  return `${DEPLOYMENT_HEAD}spec:
${spec}  selector:
    matchLabels: {app: web}
  template:
    metadata:
      labels: {app: web}
    spec:
${specExtra}      containers:
        - name: web
          image: nginx:1.27
${containerExtra}`;
}

export const FIXTURES: Fixture[] = [
  {
    name: 'deployment-full',
    valid: true,
    probes: 'int-or-string (25%, 0), Quantity as number/string/exponent, named and numeric probe ports, null fields, YAML 1.1 boolean',
    yaml: deployment(
      `  replicas: 3
  strategy:
    type: RollingUpdate
    rollingUpdate: {maxSurge: 25%, maxUnavailable: 0}
`,
      `          imagePullPolicy: IfNotPresent
          ports: [{containerPort: 8080, name: http, protocol: TCP}]
          env:
            - {name: FLAG, value: "yes"}
            - {name: EMPTY}
          resources:
            requests: {cpu: 0.5, memory: 128Mi}
            limits: {cpu: "1", memory: 1e9, ephemeral-storage: 2Gi}
          livenessProbe:
            httpGet: {path: /healthz, port: http}
          readinessProbe:
            tcpSocket: {port: 8080}
          securityContext:
          volumeMounts:
            - {name: tmp, mountPath: /tmp, readOnly: yes}
`,
      `      volumes:
        - name: tmp
          emptyDir: {}
`,
    ).replace('  namespace: team-a\n', '  namespace: team-a\n  annotations:\n'),
  },
  {
    name: 'service-ports',
    valid: true,
    probes: 'targetPort as name and number, enum values',
    yaml: `apiVersion: v1
kind: Service
metadata: {name: web, labels: {tier: "1"}}
spec:
  type: NodePort
  selector: {app: web}
  ports:
    - {name: http, port: 80, targetPort: http, nodePort: 30080, protocol: TCP}
    - {name: grpc, port: 9000, targetPort: 9000}
`,
  },
  {
    name: 'configmap-blocks',
    valid: true,
    probes: 'block scalars, quoted numbers and booleans as strings',
    yaml: `apiVersion: v1
kind: ConfigMap
metadata: {name: cfg}
data:
  app.properties: |
    a=1
    b=two
  RETRIES: "3"
  DEBUG: "true"
`,
  },
  {
    name: 'flux-kustomization',
    valid: true,
    probes: 'CRD required fields, duration pattern',
    yaml: `apiVersion: kustomize.toolkit.fluxcd.io/v1
kind: Kustomization
metadata: {name: apps, namespace: flux-system}
spec:
  interval: 1h30m
  prune: true
  path: ./apps
  sourceRef: {kind: GitRepository, name: fleet}
`,
  },
  {
    name: 'helmrelease-values',
    valid: true,
    probes: 'x-kubernetes-preserve-unknown-fields (values) with arbitrary keys',
    yaml: `apiVersion: helm.toolkit.fluxcd.io/v2
kind: HelmRelease
metadata: {name: redis, namespace: cache}
spec:
  interval: 10m
  chart:
    spec:
      chart: redis
      sourceRef: {kind: HelmRepository, name: charts}
  values:
    anything: {goes: [1, two, {three: 3}]}
    replicaCount: 2
`,
  },
  {
    name: 'argo-application',
    valid: true,
    probes: 'Argo CD CRD, nested syncPolicy',
    yaml: `apiVersion: argoproj.io/v1alpha1
kind: Application
metadata: {name: guestbook, namespace: argocd}
spec:
  project: default
  source: {repoURL: https://git.example.com/guestbook.git, targetRevision: main, path: guestbook}
  destination: {server: https://kubernetes.default.svc, namespace: guestbook}
  syncPolicy:
    automated: {prune: true, selfHeal: true}
    syncOptions: [CreateNamespace=true]
`,
  },
  {
    name: 'statefulset-claims',
    valid: true,
    probes: 'volumeClaimTemplates with storage quantity, metadata.creationTimestamp date-time',
    yaml: `apiVersion: apps/v1
kind: StatefulSet
metadata: {name: db, creationTimestamp: "2026-01-31T12:00:00Z"}
spec:
  serviceName: db
  selector: {matchLabels: {app: db}}
  template:
    metadata: {labels: {app: db}}
    spec:
      containers: [{name: db, image: postgres:17}]
  volumeClaimTemplates:
    - metadata: {name: data}
      spec:
        accessModes: [ReadWriteOnce]
        resources: {requests: {storage: 10Gi}}
`,
  },
  { name: 'bad-unknown-nested', valid: false, probes: 'unknown field in a container (imagePullPolcy)', yaml: deployment('', '          imagePullPolcy: Always\n') },
  { name: 'bad-replicas-string', valid: false, probes: 'integer given as a string', yaml: deployment('  replicas: "3"\n') },
  { name: 'bad-quantity', valid: false, probes: 'Quantity that is not one (cpu: two)', yaml: deployment('', '          resources: {limits: {cpu: two}}\n') },
  {
    name: 'bad-int-or-string',
    valid: false,
    probes: 'int-or-string given a boolean',
    yaml: deployment('  strategy:\n    rollingUpdate: {maxSurge: true}\n'),
  },
  {
    name: 'bad-enum',
    valid: false,
    probes: 'Service type not in the enum',
    yaml: `apiVersion: v1
kind: Service
metadata: {name: web}
spec:
  type: Internal
  ports: [{port: 80}]
`,
  },
  {
    name: 'bad-required',
    valid: false,
    probes: 'Flux Kustomization without sourceRef',
    yaml: `apiVersion: kustomize.toolkit.fluxcd.io/v1
kind: Kustomization
metadata: {name: apps}
spec: {interval: 10m, prune: true}
`,
  },
  {
    name: 'bad-pattern',
    valid: false,
    probes: 'HelmRelease interval not matching its pattern',
    yaml: `apiVersion: helm.toolkit.fluxcd.io/v2
kind: HelmRelease
metadata: {name: redis}
spec:
  interval: ten minutes
  chart: {spec: {chart: redis, sourceRef: {kind: HelmRepository, name: charts}}}
`,
  },
  {
    name: 'bad-argo-unknown',
    valid: false,
    probes: 'unknown field in an Argo CD Application spec',
    yaml: `apiVersion: argoproj.io/v1alpha1
kind: Application
metadata: {name: guestbook}
spec:
  project: default
  sourcee: {repoURL: https://git.example.com/x.git}
  destination: {server: https://kubernetes.default.svc}
`,
  },
  {
    name: 'bad-date-time',
    valid: false,
    probes: 'metadata.creationTimestamp that is not a date-time',
    yaml: `apiVersion: v1
kind: ConfigMap
metadata: {name: cfg, creationTimestamp: yesterday}
data: {a: b}
`,
  },
  {
    name: 'bad-label-number',
    valid: false,
    probes: 'label value (additionalProperties: string) given a number',
    yaml: `apiVersion: v1
kind: ConfigMap
metadata: {name: cfg, labels: {tier: 1}}
`,
  },
  {
    name: 'bad-top-level',
    valid: false,
    probes: 'unknown top-level field on a ConfigMap',
    yaml: `apiVersion: v1
kind: ConfigMap
metadata: {name: cfg}
spec: {a: b}
`,
  },
  {
    name: 'bad-duplicate-key',
    valid: false,
    probes: 'duplicate mapping key (kubeconform -strict and Plumbline both reject it)',
    yaml: `apiVersion: v1
kind: ConfigMap
metadata: {name: cfg}
data: {a: b}
data: {c: d}
`,
  },
];

/**
 * Writes the fixtures into `dir`, each in a folder of its own (they reuse names like `web`, and
 * Plumbline reports two files of one folder declaring the same object); returns their absolute
 * paths by name.
 */
export function writeFixtures(dir: string): Map<string, string> {
  rmSync(dir, { recursive: true, force: true });
  const paths = new Map<string, string>();
  for (const f of FIXTURES) {
    mkdirSync(join(dir, f.name), { recursive: true });
    const path = join(dir, f.name, 'resource.yaml');
    writeFileSync(path, f.yaml);
    paths.set(f.name, path);
  }
  return paths;
}

/** Plumbline's `-o json` output, as much of it as the benchmark reads. */
export interface PlumblineJson {
  summary: { files: number; resources: number; errors: number; warnings: number; skipped: number };
  findings: { path: string; line: number; severity: string; code: string; message: string }[];
}

export interface Verdicts {
  /** Absolute paths (or resource keys) judged invalid, with a short reason. */
  invalid: Map<string, string>;
}

/** Files with at least one error finding in Plumbline's JSON output (paths made absolute). */
export function plumblineInvalidFiles(output: PlumblineJson): Map<string, string> {
  const out = new Map<string, string>();
  for (const f of output.findings) {
    if (f.severity !== 'error') continue;
    const path = resolve(REPO, f.path);
    if (!out.has(path)) out.set(path, `${f.message} [${f.code}]`);
  }
  return out;
}

/** Files with a resource kubeconform judged invalid or could not validate. */
export function kubeconformInvalidFiles(resources: readonly KubeconformResource[]): Map<string, string> {
  const out = new Map<string, string>();
  for (const r of resources) {
    if (r.status !== 'statusInvalid' && r.status !== 'statusError') continue;
    const path = resolve(REPO, r.filename);
    if (!out.has(path)) out.set(path, r.msg.replace(/\s+/g, ' ').slice(0, 300));
  }
  return out;
}

export interface FixtureReport {
  name: string;
  expected: 'valid' | 'invalid';
  plumbline: 'valid' | 'invalid';
  kubeconform: 'valid' | 'invalid';
  probes: string;
  plumblineSays: string | undefined;
  kubeconformSays: string | undefined;
}

export function judgeFixtures(paths: Map<string, string>, plumbline: Map<string, string>, kubeconform: Map<string, string>): FixtureReport[] {
  return FIXTURES.map((f) => {
    const path = paths.get(f.name) ?? '';
    return {
      name: f.name,
      expected: f.valid ? 'valid' : 'invalid',
      plumbline: plumbline.has(path) ? 'invalid' : 'valid',
      kubeconform: kubeconform.has(path) ? 'invalid' : 'valid',
      probes: f.probes,
      plumblineSays: plumbline.get(path),
      kubeconformSays: kubeconform.get(path),
    };
  });
}

/** The corpus document a 1-based line of the single file belongs to. */
export function documentAtLine(documents: readonly CorpusDocument[], line: number): CorpusDocument | undefined {
  let low = 0;
  let high = documents.length - 1;
  let found: CorpusDocument | undefined;
  while (low <= high) {
    const mid = (low + high) >> 1;
    const d = documents[mid];
    if (d === undefined) break;
    if (d.line <= line) {
      found = d;
      low = mid + 1;
    } else {
      high = mid - 1;
    }
  }
  return found;
}

export function documentKey(d: Pick<CorpusDocument, 'kind' | 'name'>): string {
  return `${d.kind}/${d.name}`;
}

// A deterministic (seeded) corpus of GitOps manifests for the validation benchmark: realistic
// Deployments, Services, ConfigMaps, Flux Kustomizations and HelmReleases, and Argo CD
// Applications, with a few deliberate schema errors. Written twice: one multi-document file,
// and one file per resource in a folder per namespace.

import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { stringify } from 'yaml';

/** Bump when the generator's output changes, so cached corpora are not mistaken for new ones. */
export const GENERATOR_VERSION = 1;

type Json = string | number | boolean | null | Json[] | { [key: string]: Json };
type Obj = { [key: string]: Json };

/** mulberry32: a small, fast, well-distributed 32-bit PRNG; the same seed gives the same corpus. */
class Random {
  private state: number;

  constructor(seed: number) {
    this.state = seed >>> 0;
  }

  next(): number {
    this.state = (this.state + 0x6d2b79f5) >>> 0;
    let t = this.state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  }

  int(min: number, max: number): number {
    return min + Math.floor(this.next() * (max - min + 1));
  }

  pick<T>(items: readonly T[]): T {
    const item = items[Math.floor(this.next() * items.length)];
    if (item === undefined) throw new Error('pick from an empty list');
    return item;
  }

  chance(p: number): boolean {
    return this.next() < p;
  }

  word(): string {
    return this.pick(WORDS);
  }
}

const WORDS = [
  'alpha', 'billing', 'cart', 'catalog', 'checkout', 'delta', 'edge', 'events', 'feed', 'gateway', 'graph', 'identity', 'inventory', 'ledger',
  'mailer', 'media', 'metrics', 'notify', 'orders', 'payments', 'pricing', 'profile', 'quota', 'ranking', 'reports', 'search', 'session',
  'shipping', 'storage', 'stream', 'tenant', 'thumbnails', 'tracking', 'users', 'vault', 'webhooks', 'worker', 'zeta',
] as const;
const TEAMS = ['apollo', 'borealis', 'cascade', 'dynamo', 'ember', 'fjord', 'granite', 'helios', 'ion', 'juniper', 'kestrel', 'lumen'] as const;
const REGISTRY = 'registry.example.com';
const CPU = ['50m', '100m', '250m', '500m', '750m', '1', '2', 0.5, 1] as const;
const MEMORY = ['64Mi', '128Mi', '256Mi', '512Mi', '768Mi', '1Gi', '2Gi', '1536Mi'] as const;

/** One generated resource and where it is in both layouts. */
export interface CorpusDocument {
  index: number;
  apiVersion: string;
  kind: string;
  namespace: string;
  name: string;
  /** 1-based line of the document's first line in the single file. */
  line: number;
  /** Offset of the document in the single file (UTF-16 units = bytes: the corpus is ASCII). */
  offset: number;
  /** Path of its own file, relative to the many-files folder. */
  file: string;
  /** The deliberate error in it, or undefined when it is valid. */
  error: string | undefined;
}

export interface Corpus {
  seed: number;
  generatorVersion: number;
  documents: CorpusDocument[];
  singleFile: string;
  manyDir: string;
  bytes: number;
  files: number;
  byKind: Record<string, number>;
  errors: number;
}

function envVars(r: Random, app: string, count: number): Json[] {
  const env: Json[] = [];
  for (let i = 0; i < count; i++) {
    const roll = r.next();
    const name = `${app.toUpperCase().replace(/-/g, '_')}_${r.word().toUpperCase()}_${i}`;
    if (roll < 0.55) env.push({ name, value: r.pick([`${r.word()}-${r.int(1, 999)}`, `https://${r.word()}.internal:${r.int(1000, 9999)}/v${r.int(1, 3)}`, String(r.int(1, 100000)), 'true', 'false', `${r.int(1, 60)}s`]) });
    else if (roll < 0.7) env.push({ name, valueFrom: { secretKeyRef: { name: `${app}-secrets`, key: r.word() } } });
    else if (roll < 0.85) env.push({ name, valueFrom: { configMapKeyRef: { name: `${app}-config`, key: `${r.word()}.properties`, optional: r.chance(0.3) } } });
    else if (roll < 0.95) env.push({ name, valueFrom: { fieldRef: { fieldPath: r.pick(['metadata.name', 'metadata.namespace', 'status.podIP', 'spec.nodeName']) } } });
    else env.push({ name, valueFrom: { resourceFieldRef: { containerName: app, resource: r.pick(['limits.cpu', 'limits.memory', 'requests.memory']) } } });
  }
  return env;
}

function resources(r: Random): Obj {
  return {
    requests: { cpu: r.pick(CPU), memory: r.pick(MEMORY) },
    limits: { cpu: r.pick(['500m', '1', '2', '4', 2]), memory: r.pick(['512Mi', '1Gi', '2Gi', '4Gi']) },
  };
}

function probe(r: Random, port: number | string): Obj {
  const handler: Obj =
    r.next() < 0.7
      ? { httpGet: { path: r.pick(['/healthz', '/readyz', '/livez', '/health/ready']), port, scheme: 'HTTP' } }
      : r.chance(0.5)
        ? { tcpSocket: { port } }
        : { exec: { command: ['/bin/sh', '-c', `test -f /tmp/ready-${r.int(1, 9)}`] } };
  return { ...handler, initialDelaySeconds: r.int(0, 30), periodSeconds: r.pick([5, 10, 15, 30]), timeoutSeconds: r.int(1, 5), failureThreshold: r.int(3, 6) };
}

function container(r: Random, app: string, name: string, main: boolean): Obj {
  const port = r.pick([8080, 8443, 9090, 3000, 5000]);
  const c: Obj = {
    name,
    image: `${REGISTRY}/${app}/${name}:${r.int(1, 9)}.${r.int(0, 40)}.${r.int(0, 20)}`,
    imagePullPolicy: r.pick(['IfNotPresent', 'Always']),
    ports: main
      ? [
          { name: 'http', containerPort: port, protocol: 'TCP' },
          { name: 'metrics', containerPort: 9102, protocol: 'TCP' },
        ]
      : [{ name: `${name.slice(0, 10)}-port`, containerPort: r.int(10000, 20000), protocol: r.pick(['TCP', 'UDP']) }],
    env: envVars(r, app, main ? r.int(3, 6) : 1),
    resources: resources(r),
    volumeMounts: [
      { name: 'config', mountPath: `/etc/${app}`, readOnly: true },
      { name: 'tmp', mountPath: '/tmp' },
      ...(main ? [{ name: 'data', mountPath: '/var/lib/data' }, { name: 'tls', mountPath: '/etc/tls', readOnly: true }] : []),
    ],
    securityContext: { runAsNonRoot: true, runAsUser: r.int(1000, 65000), allowPrivilegeEscalation: false, readOnlyRootFilesystem: true, capabilities: { drop: ['ALL'] } },
  };
  if (main) {
    c['args'] = [`--listen=:${port}`, `--log-level=${r.pick(['info', 'debug', 'warn'])}`, `--config=/etc/${app}/app.properties`];
    c['livenessProbe'] = probe(r, 'http');
    c['readinessProbe'] = probe(r, port);
    if (r.chance(0.15)) c['startupProbe'] = probe(r, 'http');
    if (r.chance(0.5)) c['lifecycle'] = { preStop: { exec: { command: ['/bin/sh', '-c', `sleep ${r.int(5, 20)}`] } } };
  }
  return c;
}

function deployment(r: Random, app: string, namespace: string, team: string): Obj {
  const labels = { 'app.kubernetes.io/name': app, 'app.kubernetes.io/part-of': team, 'app.kubernetes.io/version': `${r.int(1, 9)}.${r.int(0, 40)}.${r.int(0, 9)}` };
  const sidecars = r.chance(0.4) ? (r.chance(0.2) ? 2 : 1) : 0;
  const containers = [container(r, app, app, true)];
  for (let i = 0; i < sidecars; i++) containers.push(container(r, app, r.pick(['envoy', 'log-shipper', 'otel-agent', 'vault-agent']) + (i === 0 ? '' : `-${i}`), false));
  const spec: Obj = {
    replicas: r.int(1, 12),
    revisionHistoryLimit: r.int(3, 10),
    selector: { matchLabels: { 'app.kubernetes.io/name': app } },
    strategy: { type: 'RollingUpdate', rollingUpdate: { maxSurge: r.pick(['25%', 1, 2]), maxUnavailable: r.pick(['0', 0, 1, '10%']) } },
    template: {
      metadata: {
        labels,
        annotations: { 'prometheus.io/scrape': 'true', 'prometheus.io/port': '9102', 'checksum/config': hex(r, 64) },
      },
      spec: {
        serviceAccountName: app,
        terminationGracePeriodSeconds: r.pick([30, 45, 60]),
        securityContext: { fsGroup: r.int(1000, 65000), seccompProfile: { type: 'RuntimeDefault' } },
        ...(r.chance(0.2) ? { initContainers: [{ name: 'migrate', image: `${REGISTRY}/${app}/migrate:${r.int(1, 40)}`, args: ['migrate', 'up'], resources: resources(r), env: envVars(r, app, 2) }] } : {}),
        containers,
        volumes: [
          { name: 'config', configMap: { name: `${app}-config`, defaultMode: 420 } },
          { name: 'tmp', emptyDir: { sizeLimit: r.pick(['64Mi', '256Mi', '1Gi']) } },
          { name: 'data', persistentVolumeClaim: { claimName: `${app}-data` } },
          { name: 'tls', secret: { secretName: `${app}-tls`, optional: false } },
        ],
        affinity: {
          podAntiAffinity: {
            preferredDuringSchedulingIgnoredDuringExecution: [
              { weight: 100, podAffinityTerm: { topologyKey: 'kubernetes.io/hostname', labelSelector: { matchLabels: { 'app.kubernetes.io/name': app } } } },
            ],
          },
        },
        topologySpreadConstraints: [{ maxSkew: 1, topologyKey: 'topology.kubernetes.io/zone', whenUnsatisfiable: 'ScheduleAnyway', labelSelector: { matchLabels: { 'app.kubernetes.io/name': app } } }],
        tolerations: [{ key: 'dedicated', operator: 'Equal', value: team, effect: 'NoSchedule' }],
        nodeSelector: { 'kubernetes.io/os': 'linux', 'node.example.com/pool': r.pick(['general', 'compute', 'memory']) },
      },
    },
  };
  return { apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: app, namespace, labels }, spec };
}

function service(r: Random, app: string, namespace: string): Obj {
  return {
    apiVersion: 'v1',
    kind: 'Service',
    metadata: { name: app, namespace, labels: { 'app.kubernetes.io/name': app }, annotations: { 'service.example.com/owner': r.word() } },
    spec: {
      type: r.pick(['ClusterIP', 'ClusterIP', 'NodePort', 'LoadBalancer']),
      selector: { 'app.kubernetes.io/name': app },
      ports: [
        { name: 'http', port: 80, targetPort: 'http', protocol: 'TCP' },
        { name: 'metrics', port: 9102, targetPort: 9102, protocol: 'TCP' },
        ...(r.chance(0.3) ? [{ name: 'grpc', port: 9000, targetPort: r.int(9000, 9100), protocol: 'TCP', appProtocol: 'grpc' }] : []),
      ],
      sessionAffinity: r.pick(['None', 'ClientIP']),
    },
  };
}

function hex(r: Random, length: number): string {
  let out = '';
  while (out.length < length) out += Math.floor(r.next() * 0x100000000).toString(16).padStart(8, '0');
  return out.slice(0, length);
}

function configMap(r: Random, app: string, namespace: string): Obj {
  const properties: string[] = [];
  for (let i = 0; i < r.int(10, 22); i++) properties.push(`${r.word()}.${r.word()}.${r.word()}=${r.pick([String(r.int(0, 10000)), r.word(), `${r.int(1, 60)}s`, `https://${r.word()}.example.com`])}`);
  const routes: string[] = [];
  for (let i = 0; i < r.int(2, 5); i++) {
    routes.push(`  location /${r.word()}/ {\n    proxy_pass http://${r.word()}.${namespace}.svc:${r.int(80, 9000)};\n    proxy_read_timeout ${r.int(5, 120)}s;\n  }`);
  }
  return {
    apiVersion: 'v1',
    kind: 'ConfigMap',
    metadata: { name: `${app}-config`, namespace, labels: { 'app.kubernetes.io/name': app } },
    data: {
      'app.properties': `${properties.join('\n')}\n`,
      'nginx.conf': `server {\n  listen 8080;\n${routes.join('\n')}\n}\n`,
      'features.json': JSON.stringify({ flags: Object.fromEntries(Array.from({ length: r.int(5, 12) }, (_, i) => [`${r.word()}_${i}`, r.chance(0.5)])) }, null, 2),
      LOG_LEVEL: r.pick(['info', 'debug', 'warn']),
      TIMEOUT: `${r.int(1, 60)}s`,
    },
  };
}

/** The small, environment-style ConfigMap most apps carry next to their config files. */
function envConfigMap(r: Random, app: string, namespace: string): Obj {
  const data: Obj = {};
  for (let i = 0; i < r.int(4, 10); i++) data[`${r.word().toUpperCase()}_${r.word().toUpperCase()}_${i}`] = r.pick([r.word(), String(r.int(1, 5000)), `${r.int(1, 90)}s`, 'true']);
  return { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: `${app}-env`, namespace, labels: { 'app.kubernetes.io/name': app } }, data };
}

function fluxKustomization(r: Random, app: string, team: string): Obj {
  return {
    apiVersion: 'kustomize.toolkit.fluxcd.io/v1',
    kind: 'Kustomization',
    metadata: { name: `${app}-ks`, namespace: 'flux-system' },
    spec: {
      interval: r.pick(['5m', '10m', '1h', '30m0s']),
      retryInterval: '2m',
      timeout: '5m',
      path: `./apps/${team}/${app}`,
      prune: true,
      wait: r.chance(0.5),
      targetNamespace: `team-${team}`,
      sourceRef: { kind: 'GitRepository', name: 'fleet', namespace: 'flux-system' },
      dependsOn: [{ name: `${team}-infra` }],
      postBuild: { substitute: { cluster: r.pick(['prod-eu', 'prod-us', 'staging']), app }, substituteFrom: [{ kind: 'ConfigMap', name: 'cluster-vars' }] },
      healthChecks: [{ apiVersion: 'apps/v1', kind: 'Deployment', name: app, namespace: `team-${team}` }],
    },
  };
}

function helmRelease(r: Random, app: string, team: string): Obj {
  return {
    apiVersion: 'helm.toolkit.fluxcd.io/v2',
    kind: 'HelmRelease',
    metadata: { name: `${app}-hr`, namespace: `team-${team}` },
    spec: {
      interval: r.pick(['10m', '1h', '15m']),
      timeout: '5m',
      chart: { spec: { chart: r.pick(['podinfo', 'redis', 'postgresql', 'nginx']), version: `${r.int(1, 20)}.${r.int(0, 9)}.x`, sourceRef: { kind: 'HelmRepository', name: 'charts', namespace: 'flux-system' }, interval: '1h' } },
      install: { remediation: { retries: r.int(1, 5) }, createNamespace: false },
      upgrade: { remediation: { retries: r.int(1, 5), remediateLastFailure: true }, cleanupOnFail: true },
      values: {
        replicaCount: r.int(1, 5),
        image: { repository: `${REGISTRY}/${app}`, tag: `${r.int(1, 9)}.${r.int(0, 40)}.${r.int(0, 9)}` },
        resources: resources(r),
        ingress: { enabled: r.chance(0.5), hosts: [{ host: `${app}.example.com`, paths: [{ path: '/', pathType: 'Prefix' }] }] },
        podAnnotations: { 'team.example.com/owner': team },
      },
      valuesFrom: [{ kind: 'ConfigMap', name: `${app}-values`, valuesKey: 'values.yaml' }],
    },
  };
}

function argoApplication(r: Random, app: string, team: string): Obj {
  return {
    apiVersion: 'argoproj.io/v1alpha1',
    kind: 'Application',
    metadata: { name: `${app}-app`, namespace: 'argocd', finalizers: ['resources-finalizer.argocd.argoproj.io'], labels: { team } },
    spec: {
      project: team,
      source: {
        repoURL: 'https://git.example.com/platform/fleet.git',
        targetRevision: 'main',
        path: `apps/${team}/${app}`,
        kustomize: { namePrefix: `${team}-`, commonLabels: { team } },
      },
      destination: { server: 'https://kubernetes.default.svc', namespace: `team-${team}` },
      syncPolicy: {
        automated: { prune: true, selfHeal: r.chance(0.7) },
        syncOptions: ['CreateNamespace=true', 'ServerSideApply=true'],
        retry: { limit: r.int(2, 10), backoff: { duration: '5s', factor: 2, maxDuration: '3m' } },
      },
      ignoreDifferences: [{ group: 'apps', kind: 'Deployment', jsonPointers: ['/spec/replicas'] }],
    },
  };
}

type Spec = { [key: string]: Json };

function child(value: Json | undefined): Spec {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) throw new Error('corpus generator: expected an object');
  return value;
}

function str(value: Json | undefined): string {
  if (typeof value !== 'string') throw new Error('corpus generator: expected a string');
  return value;
}

function first(value: Json | undefined): Spec {
  if (!Array.isArray(value)) throw new Error('corpus generator: expected a list');
  return child(value[0]);
}

/** Each kind's deliberate errors, each a single schema violation; applied in rotation. */
const ERRORS: Record<string, { name: string; apply: (o: Obj) => void }[]> = {
  Deployment: [
    { name: 'unknown field spec.replica', apply: (o) => { const s = child(o['spec']); s['replica'] = s['replicas'] ?? 1; delete s['replicas']; } },
    { name: 'containerPort is a string', apply: (o) => { first(first(child(child(child(o['spec'])['template'])['spec'])['containers'])['ports'])['containerPort'] = '8080'; } },
    { name: 'memory is not a quantity', apply: (o) => { child(child(first(child(child(child(o['spec'])['template'])['spec'])['containers'])['resources'])['requests'])['memory'] = '1.5Gb'; } },
    { name: 'container without name', apply: (o) => { delete first(child(child(child(o['spec'])['template'])['spec'])['containers'])['name']; } },
    { name: 'imagePullPolicy not in enum', apply: (o) => { first(child(child(child(o['spec'])['template'])['spec'])['containers'])['imagePullPolicy'] = 'Sometimes'; } },
  ],
  Service: [
    { name: 'targetPort is a boolean', apply: (o) => { first(child(o['spec'])['ports'])['targetPort'] = true; } },
    { name: 'protocol not in enum', apply: (o) => { first(child(o['spec'])['ports'])['protocol'] = 'HTTP'; } },
    { name: 'port missing', apply: (o) => { delete first(child(o['spec'])['ports'])['port']; } },
  ],
  ConfigMap: [
    { name: 'data value is a number', apply: (o) => { child(o['data'])['RETRIES'] = 3; } },
    { name: 'unknown field datas', apply: (o) => { o['datas'] = { key: 'value' }; } },
  ],
  Kustomization: [
    { name: 'interval does not match the pattern', apply: (o) => { child(o['spec'])['interval'] = '5 minutes'; } },
    { name: 'prune missing', apply: (o) => { delete child(o['spec'])['prune']; } },
  ],
  HelmRelease: [
    { name: 'unknown field spec.value', apply: (o) => { const s = child(o['spec']); s['value'] = s['values'] ?? {}; delete s['values']; } },
    { name: 'interval is a number', apply: (o) => { child(o['spec'])['interval'] = 10; } },
  ],
  Application: [
    { name: 'destination missing', apply: (o) => { delete child(o['spec'])['destination']; } },
    { name: 'automated.prune is a string', apply: (o) => { child(child(child(o['spec'])['syncPolicy'])['automated'])['prune'] = 'enabled'; } },
  ],
};

export interface CorpusOptions {
  seed: number;
  /** Applications; each contributes a Deployment, a Service, two ConfigMaps and one GitOps object. */
  apps: number;
  /** One document in this many carries a deliberate error (200 → 0.5%). */
  errorEvery: number;
}

export const DEFAULT_CORPUS: CorpusOptions = { seed: 0x9e3779b9, apps: 850, errorEvery: 200 };

/** Generates the corpus and writes both layouts below `dir` (replacing what was there). */
export function writeCorpus(dir: string, options: CorpusOptions = DEFAULT_CORPUS): Corpus {
  const r = new Random(options.seed);
  const objects: { object: Obj; team: string; namespace: string }[] = [];
  for (let i = 0; i < options.apps; i++) {
    const team = TEAMS[i % TEAMS.length] ?? 'apollo';
    const app = `${r.word()}-${r.word()}-${i}`;
    const namespace = `team-${team}`;
    objects.push({ object: deployment(r, app, namespace, team), team, namespace });
    objects.push({ object: service(r, app, namespace), team, namespace });
    objects.push({ object: configMap(r, app, namespace), team, namespace });
    objects.push({ object: envConfigMap(r, app, namespace), team, namespace });
    const gitops = i % 3 === 0 ? fluxKustomization(r, app, team) : i % 3 === 1 ? helmRelease(r, app, team) : argoApplication(r, app, team);
    objects.push({ object: gitops, team, namespace: str(child(gitops['metadata'])['namespace']) });
  }

  const errorCounters = new Map<string, number>();
  const documents: CorpusDocument[] = [];
  const texts: string[] = [];
  let offset = 0;
  let line = 1;
  rmSync(dir, { recursive: true, force: true });
  const manyDir = join(dir, 'many');
  for (const [index, { object, namespace }] of objects.entries()) {
    const kind = str(object['kind']);
    let error: string | undefined;
    // One error per block of `errorEvery` documents, shifted by one each block so it lands on every kind in turn.
    const block = Math.floor(index / options.errorEvery);
    if (index % options.errorEvery === Math.floor(options.errorEvery / 2) + (block % 5)) {
      const variants = ERRORS[kind] ?? [];
      const at = errorCounters.get(kind) ?? 0;
      const variant = variants[at % Math.max(variants.length, 1)];
      if (variant !== undefined) {
        variant.apply(object);
        error = variant.name;
        errorCounters.set(kind, at + 1);
      }
    }
    const name = str(child(object['metadata'])['name']);
    // YAML 1.1 quoting (`"yes"`, `"on"`, `"1:20"`) so kubeconform's YAML 1.1 parser reads the same values as Plumbline's YAML 1.2.
    const text = `---\n${stringify(object, { version: '1.1', lineWidth: 0, aliasDuplicateObjects: false })}`;
    const file = join(namespace, `${kind.toLowerCase()}-${name}.yaml`);
    documents.push({ index, apiVersion: str(object['apiVersion']), kind, namespace, name, line, offset, file, error });
    texts.push(text);
    offset += text.length;
    for (let at = text.indexOf('\n'); at !== -1; at = text.indexOf('\n', at + 1)) line++;
  }
  const single = texts.join('');
  const singleFile = join(dir, 'single', 'all.yaml');
  mkdirSync(join(dir, 'single'), { recursive: true });
  writeFileSync(singleFile, single);
  const folders = new Set(documents.map((d) => join(manyDir, d.namespace)));
  for (const folder of folders) mkdirSync(folder, { recursive: true });
  for (const [i, d] of documents.entries()) writeFileSync(join(manyDir, d.file), texts[i] ?? '');
  const byKind: Record<string, number> = {};
  for (const d of documents) byKind[d.kind] = (byKind[d.kind] ?? 0) + 1;
  return {
    seed: options.seed,
    generatorVersion: GENERATOR_VERSION,
    documents,
    singleFile,
    manyDir,
    bytes: Buffer.byteLength(single, 'utf8'),
    files: documents.length,
    byKind,
    errors: documents.filter((d) => d.error !== undefined).length,
  };
}

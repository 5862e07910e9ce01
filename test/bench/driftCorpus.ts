// The drift benchmark's corpus: a deterministic (seeded) GitOps repository of Deployments,
// Services and ConfigMaps across several namespaces, one resource per file, and the hand-made
// changes ("drift") done to a fixed share of them in the cluster after applying Git.

import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { stringify } from 'yaml';

type Json = string | number | boolean | null | Json[] | { [key: string]: Json };
type Obj = { [key: string]: Json };

export type DriftKind = 'Deployment' | 'Service' | 'ConfigMap';

export interface DriftResource {
  kind: DriftKind;
  namespace: string;
  name: string;
  /** Path of its file, relative to the manifests folder. */
  file: string;
  object: Obj;
}

/** What a person did to a resource in the cluster, and the finding code Plumbline should report for it. */
export interface DriftChange {
  resource: DriftResource;
  what: 'scale' | 'env-by-hand' | 'configmap-value' | 'annotation';
  /** The request that makes the change. */
  method: 'PATCH';
  path: string;
  body: string;
  contentType: string;
  expectedCode: 'drift.value' | 'drift.set-by-hand';
}

export const NAMESPACES = ['payments', 'checkout', 'catalog', 'search', 'identity', 'notifications', 'analytics', 'platform'] as const;

/** mulberry32: small, fast, and the same seed always gives the same corpus. */
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
    return items[Math.floor(this.next() * items.length)] as T;
  }
  chance(p: number): boolean {
    return this.next() < p;
  }
  shuffle<T>(items: readonly T[]): T[] {
    const out = [...items];
    for (let i = out.length - 1; i > 0; i--) {
      const j = Math.floor(this.next() * (i + 1));
      [out[i], out[j]] = [out[j] as T, out[i] as T];
    }
    return out;
  }
}

const WORDS = ['api', 'worker', 'gateway', 'ledger', 'orders', 'pricing', 'profile', 'quota', 'ranking', 'reports', 'session', 'shipping', 'stream', 'tenant', 'tracking', 'webhooks'];
const TEAMS = ['apollo', 'borealis', 'cascade', 'dynamo', 'ember', 'fjord', 'granite', 'helios'];
/** Requests and limits that go together (requests never above limits). */
const SIZES: { requests: Obj; limits: Obj }[] = [
  { requests: { cpu: '50m', memory: '64Mi' }, limits: { cpu: '500m', memory: '256Mi' } },
  { requests: { cpu: '100m', memory: '128Mi' }, limits: { cpu: '1', memory: '512Mi' } },
  { requests: { cpu: '250m', memory: '256Mi' }, limits: { cpu: '1', memory: '1Gi' } },
  { requests: { cpu: '500m', memory: '512Mi' }, limits: { cpu: '2', memory: '2Gi' } },
];
const LOG_LEVELS = ['debug', 'info', 'warn'];

export function apiPath(r: { kind: DriftKind; namespace: string; name: string }): string {
  const ns = encodeURIComponent(r.namespace);
  const name = encodeURIComponent(r.name);
  switch (r.kind) {
    case 'Deployment':
      return `/apis/apps/v1/namespaces/${ns}/deployments/${name}`;
    case 'Service':
      return `/api/v1/namespaces/${ns}/services/${name}`;
    case 'ConfigMap':
      return `/api/v1/namespaces/${ns}/configmaps/${name}`;
  }
}

/** A stable key for a resource: Kind/namespace/name. */
export function keyOf(r: { kind: string; namespace: string; name: string }): string {
  return `${r.kind}/${r.namespace}/${r.name}`;
}

function labels(app: string, namespace: string, team: string): Obj {
  return { 'app.kubernetes.io/name': app, 'app.kubernetes.io/part-of': namespace, 'app.kubernetes.io/managed-by': 'flux', team };
}

function deployment(rng: Random, app: string, namespace: string, team: string): Obj {
  const env: Json[] = [
    { name: 'APP_NAME', value: app },
    { name: 'APP_ENV', value: 'production' },
    { name: 'LOG_LEVEL', valueFrom: { configMapKeyRef: { name: app, key: 'LOG_LEVEL', optional: true } } },
    { name: 'POD_NAMESPACE', valueFrom: { fieldRef: { fieldPath: 'metadata.namespace' } } },
  ];
  for (let i = rng.int(1, 6); i > 0; i--) env.push({ name: `FEATURE_${rng.pick(WORDS).toUpperCase()}_${i}`, value: rng.chance(0.5) ? 'true' : 'false' });
  const containers: Json[] = [
    {
      name: 'app',
      image: `registry.example.com/${namespace}/${app}:1.${rng.int(0, 40)}.${rng.int(0, 9)}`,
      imagePullPolicy: 'IfNotPresent',
      args: ['--config=/etc/app/config.yaml', '--listen=:8080', '--metrics=:9090'],
      ports: [
        { name: 'http', containerPort: 8080, protocol: 'TCP' },
        { name: 'metrics', containerPort: 9090, protocol: 'TCP' },
      ],
      env,
      resources: rng.pick(SIZES),
      readinessProbe: { httpGet: { path: '/readyz', port: 'http' }, periodSeconds: 10, failureThreshold: 3 },
      livenessProbe: { httpGet: { path: '/healthz', port: 'http' }, initialDelaySeconds: 15, periodSeconds: 20 },
      volumeMounts: [
        { name: 'config', mountPath: '/etc/app', readOnly: true },
        { name: 'tmp', mountPath: '/tmp' },
      ],
      securityContext: { allowPrivilegeEscalation: false, readOnlyRootFilesystem: true, capabilities: { drop: ['ALL'] } },
    },
  ];
  if (rng.chance(0.3)) {
    containers.push({
      name: 'proxy',
      image: 'registry.example.com/platform/envoy:1.31.2',
      args: ['--config-path', '/etc/envoy/envoy.yaml'],
      ports: [{ name: 'proxy', containerPort: 15001, protocol: 'TCP' }],
      resources: { requests: { cpu: '50m', memory: '64Mi' }, limits: { cpu: '500m', memory: '256Mi' } },
    });
  }
  return {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: {
      name: app,
      namespace,
      labels: labels(app, namespace, team),
      annotations: { 'bench.plumbline.dev/owner': `${team}@example.com`, 'bench.plumbline.dev/runbook': `https://runbooks.example.com/${namespace}/${app}` },
    },
    spec: {
      replicas: rng.int(1, 5),
      revisionHistoryLimit: 5,
      selector: { matchLabels: { 'app.kubernetes.io/name': app } },
      strategy: { type: 'RollingUpdate', rollingUpdate: { maxSurge: '25%', maxUnavailable: 0 } },
      template: {
        metadata: {
          labels: { 'app.kubernetes.io/name': app, team },
          annotations: { 'prometheus.io/scrape': 'true', 'prometheus.io/port': '9090' },
        },
        spec: {
          securityContext: { runAsNonRoot: true, runAsUser: 10001, fsGroup: 10001 },
          terminationGracePeriodSeconds: 30,
          containers,
          volumes: [
            { name: 'config', configMap: { name: app } },
            { name: 'tmp', emptyDir: {} },
          ],
        },
      },
    },
  };
}

function service(rng: Random, app: string, namespace: string, team: string): Obj {
  const ports: Json[] = [{ name: 'http', port: 80, targetPort: 'http', protocol: 'TCP' }];
  if (rng.chance(0.6)) ports.push({ name: 'metrics', port: 9090, targetPort: 'metrics', protocol: 'TCP' });
  return {
    apiVersion: 'v1',
    kind: 'Service',
    metadata: {
      name: app,
      namespace,
      labels: labels(app, namespace, team),
      annotations: { 'bench.plumbline.dev/owner': `${team}@example.com`, 'prometheus.io/scrape': 'true' },
    },
    spec: { type: 'ClusterIP', selector: { 'app.kubernetes.io/name': app }, ports },
  };
}

function configMap(rng: Random, app: string, namespace: string, team: string): Obj {
  const lines = [`server:`, `  listen: ":8080"`, `  readTimeout: ${rng.int(5, 60)}s`, `  writeTimeout: ${rng.int(5, 60)}s`, `upstreams:`];
  for (let i = rng.int(3, 12); i > 0; i--) {
    const up = rng.pick(WORDS);
    lines.push(`  - name: ${up}-${i}`, `    url: http://${up}.${rng.pick(NAMESPACES)}.svc.cluster.local:80`, `    timeout: ${rng.int(100, 3000)}ms`, `    retries: ${rng.int(0, 5)}`);
  }
  lines.push('features:');
  for (let i = rng.int(2, 10); i > 0; i--) lines.push(`  ${rng.pick(WORDS)}_${i}: ${rng.chance(0.5)}`);
  const properties = Array.from({ length: rng.int(4, 16) }, (_, i) => `${app}.${rng.pick(WORDS)}.setting${i}=${rng.int(0, 100000)}`).join('\n');
  return {
    apiVersion: 'v1',
    kind: 'ConfigMap',
    metadata: { name: app, namespace, labels: labels(app, namespace, team) },
    data: {
      LOG_LEVEL: rng.pick(LOG_LEVELS),
      CACHE_TTL: `${rng.int(10, 600)}s`,
      MAX_CONNECTIONS: String(rng.int(10, 500)),
      'config.yaml': `${lines.join('\n')}\n`,
      'application.properties': `${properties}\n`,
    },
  };
}

/**
 * `total` resources: Deployments (35%), Services and ConfigMaps (the rest, split evenly), one
 * "app" each, spread round-robin over NAMESPACES. Names are unique across namespaces.
 */
export function generateCorpus(total: number, seed = 20_260_522): DriftResource[] {
  const rng = new Random(seed);
  const deployments = Math.round(total * 0.35);
  const services = Math.floor((total - deployments) / 2);
  const configMaps = total - deployments - services;
  const apps = Math.max(deployments, services, configMaps);
  const out: DriftResource[] = [];
  for (let i = 0; i < apps; i++) {
    const namespace = NAMESPACES[i % NAMESPACES.length] as string;
    const app = `${rng.pick(WORDS)}-${String(i).padStart(4, '0')}`;
    const team = rng.pick(TEAMS);
    const add = (kind: DriftKind, object: Obj): void => {
      out.push({ kind, namespace, name: app, file: join(namespace, `${app}.${kind.toLowerCase()}.yaml`), object });
    };
    if (i < deployments) add('Deployment', deployment(rng, app, namespace, team));
    if (i < services) add('Service', service(rng, app, namespace, team));
    if (i < configMaps) add('ConfigMap', configMap(rng, app, namespace, team));
  }
  return out;
}

/** Writes one YAML file per resource below `dir` (emptied first), in a folder per namespace. */
export function writeCorpus(dir: string, resources: readonly DriftResource[]): { files: number; bytes: number } {
  rmSync(dir, { recursive: true, force: true });
  for (const ns of new Set(resources.map((r) => r.namespace))) mkdirSync(join(dir, ns), { recursive: true });
  let bytes = 0;
  for (const r of resources) {
    const text = stringify(r.object, { lineWidth: 0 });
    bytes += Buffer.byteLength(text);
    writeFileSync(join(dir, r.file), text);
  }
  return { files: resources.length, bytes };
}

/**
 * Picks `fraction` of the resources and says how each is changed by hand: Deployments scaled
 * (kubectl scale) or given an env var (kubectl edit), a ConfigMap value changed (kubectl edit),
 * a Service annotation changed (kubectl annotate). Excludes `keep` (resources the caller needs in sync).
 */
export function planDrift(resources: readonly DriftResource[], fraction: number, keep: ReadonlySet<string> = new Set(), seed = 7): DriftChange[] {
  const rng = new Random(seed);
  const count = Math.round(resources.length * fraction);
  const byKind = (kind: DriftKind): DriftResource[] => rng.shuffle(resources.filter((r) => r.kind === kind && !keep.has(keyOf(r))));
  const deployments = byKind('Deployment');
  const configMaps = byKind('ConfigMap');
  const services = byKind('Service');
  const scaled = Math.round(count * 0.35);
  const envs = Math.round(count * 0.25);
  const cms = Math.round(count * 0.2);
  const annotations = count - scaled - envs - cms;
  const changes: DriftChange[] = [];
  for (const r of deployments.slice(0, scaled)) {
    const replicas = ((r.object['spec'] as Obj)['replicas'] as number) + 3;
    changes.push({
      resource: r,
      what: 'scale',
      method: 'PATCH',
      path: `${apiPath(r)}/scale?fieldManager=kubectl-scale`,
      body: JSON.stringify({ spec: { replicas } }),
      contentType: 'application/merge-patch+json',
      expectedCode: 'drift.value',
    });
  }
  for (const r of deployments.slice(scaled, scaled + envs)) {
    changes.push({
      resource: r,
      what: 'env-by-hand',
      method: 'PATCH',
      path: `${apiPath(r)}?fieldManager=kubectl-edit`,
      body: JSON.stringify({ spec: { template: { spec: { containers: [{ name: 'app', env: [{ name: 'DEBUG_HOTFIX', value: '1' }] }] } } } }),
      contentType: 'application/strategic-merge-patch+json',
      expectedCode: 'drift.set-by-hand',
    });
  }
  for (const r of configMaps.slice(0, cms)) {
    changes.push({
      resource: r,
      what: 'configmap-value',
      method: 'PATCH',
      path: `${apiPath(r)}?fieldManager=kubectl-edit`,
      body: JSON.stringify({ data: { LOG_LEVEL: 'trace' } }),
      contentType: 'application/merge-patch+json',
      expectedCode: 'drift.value',
    });
  }
  for (const r of services.slice(0, annotations)) {
    changes.push({
      resource: r,
      what: 'annotation',
      method: 'PATCH',
      path: `${apiPath(r)}?fieldManager=kubectl-annotate`,
      body: JSON.stringify({ metadata: { annotations: { 'bench.plumbline.dev/owner': 'someone-else@example.com' } } }),
      contentType: 'application/merge-patch+json',
      expectedCode: 'drift.value',
    });
  }
  if (changes.length !== count) throw new Error(`planned ${changes.length} changes, wanted ${count} (not enough resources of some kind)`);
  return changes;
}

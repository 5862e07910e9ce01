import { healthOf, healthRollup, type ArgoHealth, type ResourceHealth } from '../health/health';
import { crossplaneDrift } from '../health/crossplane';
import { argoHealthScripts, customHealthOf } from '../health/luaHealth';
import { isTerraform, terraformFacts, type TerraformContext } from '../health/terraform';
import { sourceRevision } from '../terraform/sourceRevision';
import type { KubeObject } from '../manifests/kubeObject';
import type { Result } from '../cluster/result';
import type { ClusterSession } from '../cluster/session';
import { DriftEngine, withoutIgnored } from '../drift/engine';
import type { Applier } from '../drift/appliers';
import type { IgnoreRule } from '../drift/ignore';
import { undeclaredLive, type UndeclaredObject } from '../drift/undeclared';
import { parseApiVersion, type ResourceIdentity } from '../manifests/identity';
import { fileHeads, forgetFileHeads } from '../files/fileHeads';
import type { Environment } from '../environments/model';
import { renderEnvironment, type RenderOptions, type RenderResult } from '../environments/render';

export type ResourceState = 'in-sync' | 'drifted' | 'missing' | 'rejected' | 'unknown';

export interface ResourceStatus {
  kind: string;
  apiVersion: string;
  name: string;
  namespace: string | undefined;
  state: ResourceState;
  /** Drifted fields, for the tree's description. */
  drifted: number;
  source: { path: string; line: number } | undefined;
  /** The namespace it was compared in (its own or the context's default); undefined for cluster-scoped kinds. */
  clusterNamespace?: string | undefined;
  /** Whether it works, from its live object: set once the cluster was read. */
  health?: ResourceHealth;
  /** Drift its controller found outside the cluster and may not correct (Crossplane's ReconcileForbidden), in the controller's words; counted as one drifted field. */
  external?: string;
}

export interface EnvironmentStatus {
  environment: Environment;
  state: 'in-sync' | 'drifted' | 'missing' | 'unreachable' | 'render-error' | 'not-rendered' | 'not-checked';
  message: string;
  resources: ResourceStatus[];
  /** Live objects the environment's applier manages that Git no longer declares. */
  undeclared: UndeclaredObject[];
  /** Its resources' health at a glance ("3/5 healthy, 1 progressing"), once the cluster was read. */
  health?: { worst: ArgoHealth; summary: string };
}

function identityOf(apiVersion: string, kind: string, name: string, namespace: string | undefined): ResourceIdentity {
  return { apiVersion, ...parseApiVersion(apiVersion), kind, name, ...(namespace !== undefined ? { namespace } : {}) };
}

/**
 * Lines of declarations in source files, each file read and parsed once however many objects
 * it declares (a kustomize build can trace thousands of objects to a handful of files).
 */
export class SourceLines {
  private readonly files = new Map<string, Promise<Map<string, number>>>();

  // Made from the file's heads, which fileHeads keeps while the file's size and time are the same: the tree asks again on every change.
  private index(path: string): Promise<Map<string, number>> {
    let pending = this.files.get(path);
    if (pending === undefined) {
      pending = this.parse(path);
      this.files.set(path, pending);
    }
    return pending;
  }

  private async parse(path: string): Promise<Map<string, number>> {
    // Only each document's kind, name and first line are needed: read line by line when the layout is plain.
    const lines = new Map<string, number>();
    for (const head of (await fileHeads(path)) ?? []) {
      if (!lines.has('')) lines.set('', head.line);
      if (head.kind === undefined) continue;
      // A Helm template's name is a `{{ }}` expression: then the first document of that kind.
      for (const key of [`${head.kind}/${head.name ?? ''}`, `${head.kind}/`]) if (!lines.has(key)) lines.set(key, head.line);
    }
    return lines;
  }

  /** Forgets every file read (a benchmark comparing first reads). */
  static forget(): void {
    forgetFileHeads();
  }

  /** The line of the document in `path` that declares kind/name (the first document when none does). */
  async lineOf(path: string, kind: string, name: string): Promise<number> {
    return SourceLines.lookUp(await this.index(path), kind, name);
  }

  /** The indexes of `paths`, read once each, for lookUp without a promise per object. */
  async indexes(paths: Iterable<string>): Promise<Map<string, Map<string, number>>> {
    const unique = [...new Set(paths)];
    const found = await Promise.all(unique.map((path) => this.index(path)));
    return new Map(unique.map((path, i) => [path, found[i]!]));
  }

  static lookUp(lines: Map<string, number>, kind: string, name: string): number {
    return lines.get(`${kind}/${name}`) ?? lines.get(`${kind}/`) ?? lines.get('') ?? 0;
  }
}

export interface StatusOptions {
  /** A long-lived engine (its live watches stay open between requests); otherwise one is made and disposed. */
  engine?: () => Promise<Result<DriftEngine>>;
  /** Renders the environment (a cache that renders again only what changed); `renderEnvironment` otherwise. */
  render?: (root: string, env: Environment, options: RenderOptions) => Promise<RenderResult>;
}

/** What puts an environment's objects into the cluster, as the objects' labels name it. */
export function applierOf(env: Environment): Applier {
  if (env.delivery.kind === 'argocd') return { kind: 'argocd', name: env.delivery.name, namespace: env.delivery.namespace };
  if (env.delivery.kind === 'flux') return { kind: env.delivery.resource === 'HelmRelease' ? 'flux-helm' : 'flux', name: env.delivery.name, namespace: env.delivery.namespace };
  return { kind: 'direct', environment: env.name };
}

/** Renders an environment and compares every object with its cluster: the tree's content. */
export async function environmentStatus(root: string, env: Environment, session: ClusterSession | undefined, render: RenderOptions, rules: readonly IgnoreRule[], options: StatusOptions = {}): Promise<EnvironmentStatus> {
  const rendered = await (options.render ?? renderEnvironment)(root, env, render);
  const status = await compared(env, rendered, session, rules, options);
  // What the render left undone (Flux variables whose values Git does not hold) goes with every answer.
  return rendered.ok && rendered.notes !== undefined ? { ...status, message: [status.message, ...rendered.notes].join(' · ') } : status;
}

async function compared(env: Environment, rendered: RenderResult, session: ClusterSession | undefined, rules: readonly IgnoreRule[], options: StatusOptions): Promise<EnvironmentStatus> {
  if (!rendered.ok) return { environment: env, state: rendered.kind === 'elsewhere' ? 'not-rendered' : 'render-error', message: rendered.message, resources: [], undeclared: [] };
  // Each source file's index once, then every object synchronously: a promise per object was most
  // of an unchanged tree answer's time on a 5,000-object fleet.
  const indexes = await new SourceLines().indexes(rendered.objects.flatMap(({ source, line }) => (source !== undefined && line === undefined ? [source] : [])));
  const resources: ResourceStatus[] = rendered.objects.map(({ object, source, line }) => ({
    kind: object.kind ?? '',
    apiVersion: object.apiVersion ?? '',
    name: object.metadata?.name ?? '',
    namespace: object.metadata?.namespace,
    state: 'unknown',
    drifted: 0,
    source: source === undefined ? undefined : { path: source, line: line ?? SourceLines.lookUp(indexes.get(source)!, object.kind ?? '', object.metadata?.name ?? '') },
  }));
  if (session === undefined) return { environment: env, state: 'not-checked', message: 'cluster access is off', resources, undeclared: [] };
  const shared = options.engine !== undefined;
  const engine = options.engine !== undefined ? await options.engine() : await DriftEngine.forSession(session);
  if (!engine.ok) return { environment: env, state: 'unreachable', message: engine.error.message, resources, undeclared: [] };
  // An environment delivered by an Argo CD Application is that Application's: its ignoreDifferences
  // apply even where the tracking annotation is not (yet) on the live object.
  const owners: Applier[] = [applierOf(env)];
  // Argo CD users read Healthy/Progressing/Degraded; Flux users kstatus's Current/InProgress/Failed.
  const vocabulary = env.delivery.kind === 'argocd' ? 'argocd' : 'kstatus';
  // The user's own Argo CD health checks, from the live argocd-cm, decide for the kinds they name.
  const scripts = env.delivery.kind === 'argocd' ? await argoHealthScripts(configMapReader(engine.value), env.delivery.namespace) : undefined;
  try {
    let unreachable: string | undefined;
    await Promise.all(
      rendered.objects.map(async ({ object }, i) => {
        const r = resources[i]!;
        const identity = identityOf(r.apiVersion, r.kind, r.name, r.namespace ?? env.target.namespace);
        const report = withoutIgnored(await engine.value.compare(identity, object), rules, identity, owners);
        if (report.state === 'in-sync' || report.state === 'drifted' || report.state === 'not-in-cluster') r.clusterNamespace = report.namespace;
        if (report.state === 'in-sync' || report.state === 'drifted') {
          r.health = (scripts !== undefined ? await customHealthOf(scripts, report.live) : undefined) ?? healthOf(report.live, vocabulary, env.flux?.healthCheckExprs, await terraformContext(engine.value, report.live));
          const external = crossplaneDrift(report.live);
          if (external !== undefined) r.external = external;
        } else if (report.state === 'not-in-cluster') r.health = healthOf(undefined, vocabulary);
        if (report.state === 'in-sync' && r.external === undefined) r.state = 'in-sync';
        else if (report.state === 'in-sync' || report.state === 'drifted') {
          r.state = 'drifted';
          r.drifted = (report.state === 'drifted' ? report.values.length + report.handSet.length : 0) + (r.external !== undefined ? 1 : 0);
        } else if (report.state === 'not-in-cluster') r.state = 'missing';
        else if (report.state === 'rejected') r.state = 'rejected';
        else unreachable ??= report.error.message;
      }),
    );
    if (unreachable !== undefined && resources.every((r) => r.state === 'unknown')) return { environment: env, state: 'unreachable', message: unreachable, resources, undeclared: [] };
    const rollup = healthRollup(resources.flatMap((r) => (r.health !== undefined ? [r.health] : [])));
    const health = rollup !== undefined ? { health: rollup } : {};
    const found = await undeclaredLive(engine.value.client, [applierOf(env)], rendered.objects.map((o) => o.object), { discovery: engine.value.discovery, ...(env.target.namespace !== undefined ? { defaultNamespace: env.target.namespace } : {}) });
    const undeclared = found.ok ? found.value.objects : [];
    const drifted = resources.filter((r) => r.state === 'drifted').length;
    const fields = resources.reduce((n, r) => n + r.drifted, 0);
    const missing = resources.filter((r) => r.state === 'missing').length;
    // Nothing of it in the cluster: one word for the environment, not one warning per resource.
    if (missing > 0 && missing === resources.length && undeclared.length === 0) return { environment: env, state: 'missing', message: `not deployed: ${count(missing, 'resource')}`, resources, undeclared };
    // The same words everywhere: resources drifted, and how many fields (the CodeLens counts fields).
    const parts = [drifted > 0 ? `${count(drifted, 'resource')} drifted (${count(fields, 'field')})` : '', missing > 0 ? `${missing} missing` : '', undeclared.length > 0 ? `${undeclared.length} in the cluster, not in Git` : ''].filter((p) => p !== '');
    const message = parts.join(', ');
    if (drifted > 0 || (undeclared.length > 0 && missing === 0)) return { environment: env, state: 'drifted', message, resources, undeclared, ...health };
    if (missing > 0) return { environment: env, state: 'missing', message, resources, undeclared, ...health };
    return { environment: env, state: 'in-sync', message: 'in sync', resources, undeclared, ...health };
  } finally {
    if (!shared) engine.value.dispose();
  }
}

/**
 * What a Terraform object's health needs from its source: the revision it serves now, so that a
 * plan made from an older one is stale here as it is in the editor's diagnostic. Read only when a
 * plan waits (only then can it be stale), and not for other kinds.
 */
async function terraformContext(engine: DriftEngine, live: KubeObject): Promise<TerraformContext> {
  if (!isTerraform(live.apiVersion, live.kind)) return {};
  const facts = terraformFacts(live);
  if (facts.pendingPlan === undefined) return {};
  const revision = await sourceRevision(engine.client, facts);
  return revision !== undefined ? { sourceRevision: revision } : {};
}

/** Reads an `argocd-cm` through the engine's watched store: a changed ConfigMap is seen without asking again. */
export function configMapReader(engine: DriftEngine): (namespace: string) => Promise<KubeObject | undefined> {
  return async (namespace) => {
    const info = await engine.discovery.resource('', 'v1', 'ConfigMap');
    if (!info.ok || engine.live === undefined) return undefined;
    const got = await engine.live.get(info.value, namespace, 'argocd-cm');
    return got.ok ? got.value : undefined;
  };
}

const count = (n: number, noun: string): string => `${n} ${noun}${n === 1 ? '' : 's'}`;

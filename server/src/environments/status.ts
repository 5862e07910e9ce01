import { readFile } from 'node:fs/promises';
import type { ClusterSession } from '../cluster/session';
import { DriftEngine, withoutIgnored } from '../drift/engine';
import type { Applier } from '../drift/appliers';
import type { IgnoreRule } from '../drift/ignore';
import { undeclaredLive, type UndeclaredObject } from '../drift/undeclared';
import { parseApiVersion, type ResourceIdentity } from '../manifests/identity';
import { ManifestParser } from '../manifests/parse';
import type { Environment } from './model';
import { renderEnvironment, type RenderOptions } from './render';

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
}

export interface EnvironmentStatus {
  environment: Environment;
  state: 'in-sync' | 'drifted' | 'missing' | 'unreachable' | 'render-error' | 'not-checked';
  message: string;
  resources: ResourceStatus[];
  /** Live objects the environment's applier manages that Git no longer declares. */
  undeclared: UndeclaredObject[];
}

function identityOf(apiVersion: string, kind: string, name: string, namespace: string | undefined): ResourceIdentity {
  return { apiVersion, ...parseApiVersion(apiVersion), kind, name, ...(namespace !== undefined ? { namespace } : {}) };
}

/** The line of the document in `path` that declares kind/name, so the tree can open it. */
async function lineOf(path: string, kind: string, name: string): Promise<number> {
  const text = await readFile(path, 'utf8').catch(() => '');
  const file = new ManifestParser().parse(text);
  // A Helm template's name is a `{{ }}` expression: then the first document of that kind.
  const d = file.documents.find((doc) => doc.identity?.kind === kind && doc.identity.name === name) ?? file.documents.find((doc) => doc.identity?.kind === kind) ?? file.documents[0];
  // The object itself, not the `---` or comments above it.
  return d === undefined ? 0 : file.lines.positionAt(d.base + (d.doc.contents?.range[0] ?? d.doc.range[0] ?? 0)).line;
}

/** What puts an environment's objects into the cluster, as the objects' labels name it. */
export function applierOf(env: Environment): Applier {
  if (env.delivery.kind === 'argocd') return { kind: 'argocd', name: env.delivery.name, namespace: env.delivery.namespace };
  if (env.delivery.kind === 'flux') return { kind: env.delivery.resource === 'HelmRelease' ? 'flux-helm' : 'flux', name: env.delivery.name, namespace: env.delivery.namespace };
  return { kind: 'direct', environment: env.name };
}

/** Renders an environment and compares every object with its cluster: the tree's content. */
export async function environmentStatus(root: string, env: Environment, session: ClusterSession | undefined, render: RenderOptions, rules: readonly IgnoreRule[]): Promise<EnvironmentStatus> {
  const rendered = await renderEnvironment(root, env, render);
  if (!rendered.ok) return { environment: env, state: 'render-error', message: rendered.message, resources: [], undeclared: [] };
  const resources: ResourceStatus[] = await Promise.all(
    rendered.objects.map(async ({ object, source }) => ({
      kind: object.kind ?? '',
      apiVersion: object.apiVersion ?? '',
      name: object.metadata?.name ?? '',
      namespace: object.metadata?.namespace,
      state: 'unknown' as ResourceState,
      drifted: 0,
      source: source === undefined ? undefined : { path: source, line: await lineOf(source, object.kind ?? '', object.metadata?.name ?? '') },
    })),
  );
  if (session === undefined) return { environment: env, state: 'not-checked', message: 'cluster access is off', resources, undeclared: [] };
  const engine = await DriftEngine.forSession(session);
  if (!engine.ok) return { environment: env, state: 'unreachable', message: engine.error.message, resources, undeclared: [] };
  // An environment delivered by an Argo CD Application is that Application's: its ignoreDifferences
  // apply even where the tracking annotation is not (yet) on the live object.
  const owners: Applier[] = [applierOf(env)];
  try {
    let unreachable: string | undefined;
    await Promise.all(
      rendered.objects.map(async ({ object }, i) => {
        const r = resources[i]!;
        const identity = identityOf(r.apiVersion, r.kind, r.name, r.namespace ?? env.target.namespace);
        const report = withoutIgnored(await engine.value.compare(identity, object), rules, identity, owners);
        if (report.state === 'in-sync') r.state = 'in-sync';
        else if (report.state === 'drifted') {
          r.state = 'drifted';
          r.drifted = report.values.length + report.handSet.length;
        } else if (report.state === 'not-in-cluster') r.state = 'missing';
        else if (report.state === 'rejected') r.state = 'rejected';
        else unreachable ??= report.error.message;
      }),
    );
    if (unreachable !== undefined && resources.every((r) => r.state === 'unknown')) return { environment: env, state: 'unreachable', message: unreachable, resources, undeclared: [] };
    const found = await undeclaredLive(engine.value.client, [applierOf(env)], rendered.objects.map((o) => o.object), { discovery: engine.value.discovery, ...(env.target.namespace !== undefined ? { defaultNamespace: env.target.namespace } : {}) });
    const undeclared = found.ok ? found.value.objects : [];
    const drifted = resources.filter((r) => r.state === 'drifted').length;
    const missing = resources.filter((r) => r.state === 'missing').length;
    const parts = [drifted > 0 ? `${drifted} drifted` : '', missing > 0 ? `${missing} missing` : '', undeclared.length > 0 ? `${undeclared.length} in the cluster, not in Git` : ''].filter((p) => p !== '');
    const message = parts.join(', ');
    if (drifted > 0 || (undeclared.length > 0 && missing === 0)) return { environment: env, state: 'drifted', message, resources, undeclared };
    if (missing > 0) return { environment: env, state: 'missing', message, resources, undeclared };
    return { environment: env, state: 'in-sync', message: 'in sync', resources, undeclared };
  } finally {
    engine.value.dispose();
  }
}

import type { KubeObject } from '../cluster/http';
import { formatPath } from '../manifests/fieldPath';
import type { ClusterSession } from '../cluster/session';
import { DriftEngine } from '../drift/engine';
import { normalize } from '../drift/normalize';
import { pruneCandidates } from '../delivery/converge';
import type { Environment } from '../environments/model';
import { renderEnvironment, type RenderOptions } from '../environments/render';
import { parseApiVersion, type ResourceIdentity } from '../manifests/identity';
import type { ResourceChange } from './changes';
import { failed, type PreviewResult } from './preview';
import { stableYaml } from './stableYaml';

function describe(object: KubeObject, namespace: string | undefined): Pick<ResourceChange, 'apiVersion' | 'kind' | 'name' | 'namespace'> {
  return { apiVersion: object.apiVersion ?? '', kind: object.kind ?? '', name: object.metadata?.name ?? '', namespace };
}

/**
 * What a sync of `env` would change in its cluster: for every rendered object, the live object
 * against what the cluster would hold after a server-side apply (dry-run); objects to create;
 * and objects a prune would delete. Everything goes through stableYaml, so Secrets are masked.
 */
export async function previewCluster(root: string, env: Environment, session: ClusterSession | undefined, render: RenderOptions): Promise<PreviewResult> {
  if (session === undefined) return failed(render.trusted ? 'cluster-off' : 'untrusted', render.trusted ? 'cluster access is off (plumbline.cluster.enabled)' : 'untrusted workspace: Plumbline contacts no cluster');
  const rendered = await renderEnvironment(root, env, render);
  if (!rendered.ok) return failed(rendered.kind, rendered.message);
  const engine = await DriftEngine.forSession(session);
  if (!engine.ok) return failed(engine.error.kind === 'forbidden' ? 'forbidden' : 'unreachable', engine.error.message);
  try {
    const changes: ResourceChange[] = [];
    const notes: string[] = [];
    const unavailable: { kind: string; message: string }[] = [];
    let unchanged = 0;
    // Where an object without a namespace lands: a direct apply uses the context's default
    // namespace; Flux and Argo CD put it in the environment's target namespace.
    const defaultNamespace = env.delivery.kind === 'direct' ? undefined : env.target.namespace;
    await Promise.all(
      rendered.objects.map(async ({ object }) => {
        const apiVersion = object.apiVersion ?? '';
        const namespace = object.metadata?.namespace ?? defaultNamespace;
        const identity: ResourceIdentity = { apiVersion, ...parseApiVersion(apiVersion), kind: object.kind ?? '', name: object.metadata?.name ?? '', ...(namespace !== undefined ? { namespace } : {}) };
        const report = await engine.value.compare(identity, object);
        const what = `${identity.kind}/${identity.name ?? ''}`;
        if (report.state === 'in-sync' || report.state === 'drifted') {
          const before = stableYaml(normalize(report.live));
          const after = stableYaml(normalize(report.predicted));
          if (before === after) unchanged++;
          else changes.push({ change: 'changed', ...describe(object, report.namespace), before, after });
          // They look alike on both sides, since applying Git keeps them: said, or the drift after a sync surprises.
          if (report.state === 'drifted' && report.handSet.length > 0) {
            const fields = report.handSet.map((h) => `${formatPath(h.path)} (by ${h.manager})`).join(', ');
            notes.push(`${what}: set by hand and kept by a sync, which removes no field that someone else set: ${fields}; take ${report.handSet.length === 1 ? 'it' : 'them'} into Git or remove ${report.handSet.length === 1 ? 'it' : 'them'} in the cluster`);
          }
        } else if (report.state === 'not-in-cluster') {
          const created = report.namespace === undefined ? object : { ...object, metadata: { ...object.metadata, namespace: report.namespace } };
          changes.push({ change: 'added', ...describe(object, report.namespace), before: '', after: stableYaml(created) });
        } else if (report.state === 'rejected') {
          notes.push(`${what}: the cluster would reject it: ${report.message}`);
        } else {
          unavailable.push({ kind: report.error.kind, message: `${what}: ${report.error.message}` });
        }
      }),
    );
    if (unavailable.length > 0 && unavailable.length === rendered.objects.length) {
      const first = unavailable[0]!;
      return failed(first.kind === 'forbidden' ? 'forbidden' : 'unreachable', first.message);
    }
    notes.push(...unavailable.map((u) => `not compared: ${u.message}`));
    const candidates = await pruneCandidates(engine.value.client, env.name, rendered.objects);
    if (!candidates.ok) notes.push(`what a prune would delete could not be listed: ${candidates.error.message}`);
    else {
      for (const c of candidates.value) {
        const live = await engine.value.client.request<KubeObject>(c.path);
        if (!live.ok) {
          if (live.error.kind !== 'not-found') notes.push(`${c.kind}/${c.name} would be pruned but could not be read: ${live.error.message}`);
          continue;
        }
        changes.push({ change: 'removed', apiVersion: c.apiVersion, kind: c.kind, name: c.name, namespace: c.namespace, before: stableYaml(normalize(live.value)), after: '' });
      }
      if (candidates.value.length > 0) notes.push(`${candidates.value.length} object(s) Git no longer declares are deleted only if you confirm pruning`);
    }
    const order = { changed: 0, added: 1, removed: 2 };
    changes.sort((x, y) => order[x.change] - order[y.change] || x.kind.localeCompare(y.kind) || x.name.localeCompare(y.name));
    return {
      ok: true,
      value: {
        title: `Cluster changes for ${env.name}`,
        left: `cluster (${session.contextName ?? 'current context'})`,
        right: 'after sync',
        environments: [{ environment: env.name, state: 'ok', message: changes.length === 0 ? 'in sync' : `${changes.length} changed`, unchanged, changes }],
        notes,
      },
    };
  } finally {
    engine.value.dispose();
  }
}

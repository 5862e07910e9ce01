import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { Connection } from 'vscode-languageserver/node';
import { ClusterSession } from '../cluster/session';
import { readIgnoreRules } from '../drift/ignore';
import { discoverEnvironments } from '../environments/discover';
import { environmentStatus } from '../environments/status';
import { EnvironmentsRequest, type EnvironmentNode, type EnvironmentsResult, type PlumblineSettings } from '../protocol';

/** Serves the environments tree: discovery, rendering and drift per environment, one session per context. */
export function registerEnvironments(connection: Connection, root: () => string | undefined, settings: () => PlumblineSettings, trusted: () => boolean, cacheDir: () => string | undefined): void {
  const sessions = new Map<string, ClusterSession>();
  const sessionFor = (context: string | undefined): ClusterSession | undefined => {
    const s = settings();
    if (!trusted() || !s.cluster.enabled) return undefined;
    const key = context ?? s.cluster.context ?? '';
    let session = sessions.get(key);
    if (session === undefined) {
      const ctx = context ?? s.cluster.context;
      session = new ClusterSession({ ...(s.cluster.kubeconfig !== undefined ? { kubeconfigPath: s.cluster.kubeconfig } : {}), ...(ctx !== undefined ? { context: ctx } : {}) }, cacheDir());
      sessions.set(key, session);
    }
    return session;
  };

  connection.onRequest(EnvironmentsRequest, async (): Promise<EnvironmentsResult> => {
    const folder = root();
    if (folder === undefined) return { environments: [], problems: [] };
    const { environments, problems } = await discoverEnvironments(folder);
    const rules = readIgnoreRules(await readFile(join(folder, '.plumbline.yaml'), 'utf8').catch(() => ''));
    const statuses = await Promise.all(environments.map((env) => environmentStatus(folder, env, sessionFor(env.target.context), { trusted: trusted(), kustomize: ['kubectl', 'kustomize'] }, rules)));
    return {
      problems,
      environments: statuses.map((s): EnvironmentNode => ({
        name: s.environment.name,
        paths: s.environment.paths,
        renderer: s.environment.renderer.kind,
        context: s.environment.target.context,
        namespace: s.environment.target.namespace,
        delivery: s.environment.delivery.kind === 'direct' ? 'direct apply' : `${s.environment.delivery.kind === 'flux' ? 'Flux' : 'Argo CD'} ${s.environment.delivery.namespace}/${s.environment.delivery.name}`,
        protected: s.environment.protected,
        foundBy: s.environment.foundBy,
        state: s.state,
        message: s.message,
        resources: s.resources.map((r) => ({ kind: r.kind, name: r.name, namespace: r.namespace, state: r.state, drifted: r.drifted, source: r.source === undefined ? undefined : { uri: pathToFileURL(r.source.path).href, line: r.source.line } })),
      })),
    };
  });
}

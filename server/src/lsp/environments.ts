import { readFile } from 'node:fs/promises';
import { join, relative } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { CancellationToken, Connection } from 'vscode-languageserver/node';
import type { ClusterTarget } from '../cluster/http';
import type { ClusterSession } from '../cluster/session';
import { clusterTargetOf, type ClusterRegistry } from '../workspace/clusters';
import { renderOptionsOf } from '../workspace/settings';
import { workspaceIgnore } from '../drift/gitopsIgnore';
import { discoverEnvironments } from '../environments/discover';
import { environmentStatus } from '../delivery/status';
import type { Environment } from '../environments/model';
import { describeDelivery } from '../environments/describe';
import { RenderCache } from '../environments/renderCache';
import type { RenderOptions, RenderResult } from '../environments/render';
import { syncEnvironment } from '../delivery/sync';
import { validateEnvironment } from '../environments/validate';
import { pendingSummary } from '../git/commit';
import { environmentBranchStates, type EnvironmentBranchState } from '../git/environmentBranch';
import { pushTarget } from '../git/push';
import { EnvironmentsWatch } from './environmentsWatch';
import { registerReconcile } from './reconcile';
import { registerPreviews } from './previews';
import {
  EnvironmentsChangedNotification,
  EnvironmentsRequest,
  SyncPlanRequest,
  SyncProgressNotification,
  SyncRequest,
  type EnvironmentNode,
  type EnvironmentsResult,
  type PlumblineSettings,
  type SyncParams,
  type SyncPlan,
  type SyncPlanError,
  type SyncPlanParams,
  type SyncResult,
} from '../protocol';
import { PLUMBLINE_CONFIG_FILE } from '../files/names';
import { asOneAnswer } from '../files/stamped';

/** What the tree shows where the branch would be, when Plumbline may not run git. */
const GIT_UNTRUSTED = 'Git status needs a trusted workspace';

function gitNode(b: EnvironmentBranchState | undefined, trusted: boolean): Pick<EnvironmentNode, 'git' | 'gitUnavailable'> {
  if (!trusted) return { gitUnavailable: GIT_UNTRUSTED };
  if (b === undefined) return {};
  return { git: { branch: b.branch, upstream: b.upstream, ahead: b.ahead, behind: b.behind, uncommitted: b.files, uncommittedElsewhere: b.elsewhere, ...(b.operation !== undefined ? { operation: b.operation } : {}) } };
}

/** A unit's place in its cluster, for the tree: only for a cluster with several units (one is the environment itself). */
function unitFields(env: Environment): Pick<EnvironmentNode, 'cluster' | 'unit' | 'dependsOn' | 'source'> {
  const source = env.delivery.kind === 'flux' && env.delivery.source !== undefined ? `${env.delivery.source.kind} ${env.delivery.source.namespace}/${env.delivery.source.name}` : undefined;
  const several = env.cluster !== undefined && env.name !== env.cluster;
  return {
    // `<cluster> (<unit>)`: the unit is what the brackets hold ("atuin, HelmRelease" beside the Kustomization "atuin").
    ...(several ? { cluster: env.cluster, unit: env.name.startsWith(`${env.cluster} (`) && env.name.endsWith(')') ? env.name.slice(env.cluster!.length + 2, -1) : env.name } : {}),
    ...(env.dependsOn !== undefined ? { dependsOn: env.dependsOn } : {}),
    ...(source !== undefined ? { source } : {}),
  };
}

/** Serves the environments tree: discovery, rendering and drift per environment, one session per context. */
export function registerEnvironments(connection: Connection, root: () => string | undefined, settings: () => PlumblineSettings, trusted: () => boolean, clusters: ClusterRegistry): { dispose(): void } {
  const targetFor = (env: Environment | undefined): ClusterTarget | undefined => {
    const s = settings();
    return !trusted() || !s.cluster.enabled ? undefined : clusterTargetOf(s.cluster, env);
  };
  const sessionFor = (env: Environment | undefined): ClusterSession | undefined => {
    const target = targetFor(env);
    return target === undefined ? undefined : clusters.session(target);
  };

  registerPreviews(connection, { root, trusted, settings, sessionFor });
  // The tree asks again on every change; only environments whose files changed are rendered again.
  const renders = new RenderCache();

  const find = async (name: string): Promise<{ folder: string; env: Environment } | string> => {
    const folder = root();
    if (folder === undefined) return 'no workspace folder is open';
    const { environments } = await discoverEnvironments(folder, renderOptionsOf(settings(), trusted()));
    const env = environments.find((e) => e.name === name);
    return env === undefined ? `no environment named ${name}` : { folder, env };
  };

  const watch = new EnvironmentsWatch(
    (params) => void connection.sendNotification(EnvironmentsChangedNotification, params).catch(() => undefined),
    (message) => connection.console.warn(message),
    clusters,
  );
  registerReconcile(connection, find, settings, trusted);

  connection.onRequest(SyncPlanRequest, async (params: SyncPlanParams): Promise<SyncPlan | SyncPlanError> => {
    const found = await find(params.environment);
    if (typeof found === 'string') return { error: found };
    const { folder, env } = found;
    // The repository's own config can make any git command run a program of its choosing.
    if (!trusted()) return { error: `untrusted workspace: Plumbline runs no git, so it cannot say what Commit and Sync would commit; ${GIT_UNTRUSTED}` };
    // Before anything else: a folder that is no Git repository has nothing to commit or push.
    const target = await pushTarget(folder);
    if (!target.ok) {
      return target.error.kind === 'not-a-repository'
        ? { error: `${folder} is not a Git repository, so ${env.name} cannot be committed and pushed. Initialise a repository there, or open the folder of the repository that holds it`, reason: 'not-a-repository' }
        : { error: `Commit and Sync of ${env.name} cannot start: ${target.error.message}` };
    }
    const pending = await pendingSummary(folder, env);
    const reports = await validateEnvironment(folder, env);
    const validationErrors = reports.flatMap((r) => r.findings.filter((f) => f.severity === 'error').map((f) => `${relative(folder, r.path)}:${f.range.start.line + 1}: ${f.message}`));
    return {
      environment: env.name,
      files: pending.ok ? pending.value.files : [],
      message: pending.ok && pending.value.message !== '' ? pending.value.message : `${env.name}: sync`,
      validationErrors,
      protected: env.protected,
      delivery: env.delivery.kind,
      repository: target.value,
    };
  });

  connection.onRequest(SyncRequest, async (params: SyncParams, token: CancellationToken): Promise<SyncResult> => {
    const found = await find(params.environment);
    if (typeof found === 'string') return { ok: false, steps: [{ step: 'plan', ok: false, message: found }] };
    if (!trusted()) return { ok: false, steps: [{ step: 'plan', ok: false, message: 'untrusted workspace: Plumbline does not push or apply' }] };
    const abort = new AbortController();
    token.onCancellationRequested(() => abort.abort());
    const s = settings();
    const report = await syncEnvironment({
      root: found.folder,
      env: found.env,
      message: params.message,
      cluster: { ...(s.cluster.kubeconfig !== undefined ? { kubeconfigPath: s.cluster.kubeconfig } : {}), ...(s.cluster.context !== undefined ? { context: s.cluster.context } : {}) },
      render: { trusted: true, kustomize: s.kustomize.command, helm: s.helm.command },
      progress: (message) => void connection.sendNotification(SyncProgressNotification, { environment: params.environment, message }).catch(() => undefined),
      signal: abort.signal,
      healthTimeoutMs: s.sync.healthTimeout * 1000,
    });
    for (const step of report.steps) {
      if (step.ok) connection.console.info(`sync ${params.environment}: ${step.step}: ${step.message}`);
      else connection.console.error(`sync ${params.environment} stopped at ${step.step}: ${step.message}`);
    }
    return { ok: report.ok, steps: report.steps, ...(report.pullRequestUrl !== undefined ? { pullRequestUrl: report.pullRequestUrl } : {}) };
  });

  connection.onRequest(EnvironmentsRequest, (): Promise<EnvironmentsResult> => asOneAnswer(() => answer()));
  const answer = async (): Promise<EnvironmentsResult> => {
    const folder = root();
    if (folder === undefined) return { environments: [], problems: [] };
    // Both read the whole workspace, through caches of their own: side by side.
    const [{ environments, problems }, ignore] = await Promise.all([
      discoverEnvironments(folder, renderOptionsOf(settings(), trusted())),
      readFile(join(folder, PLUMBLINE_CONFIG_FILE), 'utf8')
        .catch(() => undefined)
        .then((config) => workspaceIgnore(folder, config)),
    ]);
    // No git at all in an untrusted workspace: its .git/config (core.fsmonitor, hooks) would run commands.
    const gitAllowed = trusted();
    const git = gitAllowed ? environmentBranchStates(folder, environments) : undefined;
    const statuses = await Promise.all(
      environments.map((env) => {
        const target = targetFor(env);
        const session = target === undefined ? undefined : clusters.session(target);
        const render = (root: string, e: Environment, options: RenderOptions): Promise<RenderResult> => renders.render(root, e, options);
        return environmentStatus(folder, env, session, renderOptionsOf(settings(), trusted()), ignore.rules, target === undefined ? { render } : { engine: () => clusters.engine(target), render });
      }),
    );
    watch.track(statuses);
    if (gitAllowed) await watch.watchGit(folder);
    const branches = await git;
    // Thousands of resources come from a few hundred files: each file's URI is made once.
    const uris = new Map<string, string>();
    const uriOf = (path: string): string => {
      let uri = uris.get(path);
      if (uri === undefined) uris.set(path, (uri = pathToFileURL(path).href));
      return uri;
    };
    return {
      problems: [...problems, ...ignore.problems],
      environments: statuses.map((s): EnvironmentNode => ({
        name: s.environment.name,
        ...unitFields(s.environment),
        paths: s.environment.paths,
        renderer: s.environment.renderer.kind,
        // The context the comparison used, by its real name (the kubeconfig's current one when none was named).
        context: sessionFor(s.environment)?.contextName ?? s.environment.target.context,
        namespace: s.environment.target.namespace,
        delivery: describeDelivery(s.environment.delivery),
        protected: s.environment.protected,
        foundBy: s.environment.foundBy,
        state: s.state,
        message: s.message,
        resources: s.resources.map((r) => ({ kind: r.kind, name: r.name, namespace: r.namespace, state: r.state, drifted: r.drifted, source: r.source === undefined ? undefined : { uri: uriOf(r.source.path), line: r.source.line }, ...(r.health !== undefined ? { health: { word: r.health.word, argo: r.health.argo, message: r.health.message } } : {}), ...(r.external !== undefined ? { external: r.external } : {}) })),
        ...(s.health !== undefined ? { health: s.health } : {}),
        ...gitNode(branches?.ok === true ? branches.value.get(s.environment.name) : undefined, gitAllowed),
        undeclared: s.undeclared.map((u) => ({ apiVersion: u.apiVersion, kind: u.kind, name: u.name, namespace: u.namespace, managedBy: u.managedBy })),
      })),
    };
  };
  return {
    dispose: () => {
      watch.dispose();
      renders.clear();
    },
  };
}

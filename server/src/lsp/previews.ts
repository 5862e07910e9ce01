import type { Connection } from 'vscode-languageserver/node';
import type { ClusterSession } from '../cluster/session';
import { discoverEnvironments } from '../environments/discover';
import type { Environment } from '../environments/model';
import type { RenderOptions } from '../environments/render';
import { renderOptionsOf } from '../workspace/settings';
import { previewCluster } from '../preview/clusterPreview';
import { previewGit } from '../preview/gitPreview';
import type { PreviewResult } from '../preview/preview';
import { previewPromotion } from '../preview/promotionPreview';
import { PreviewRequest, type PlumblineSettings, type PreviewParams, type PreviewResponse } from '../protocol';

export interface PreviewDeps {
  root: () => string | undefined;
  trusted: () => boolean;
  settings: () => PlumblineSettings;
  /** The cluster session of a kubeconfig context (undefined: cluster access is off or untrusted). */
  sessionFor: (env: Environment) => ClusterSession | undefined;
}

function response(result: PreviewResult): PreviewResponse {
  return result.ok ? { ok: true, ...result.value } : { ok: false, kind: result.error.kind, message: result.error.message };
}

/** Serves `plumbline/preview`: Git, cluster and promotion previews, computed by the engine. */
export function registerPreviews(connection: Connection, deps: PreviewDeps): void {
  connection.onRequest(PreviewRequest, async (params: PreviewParams): Promise<PreviewResponse> => {
    const folder = deps.root();
    if (folder === undefined) return { ok: false, kind: 'not-a-repository', message: 'no workspace folder is open' };
    const s = deps.settings();
    const render: RenderOptions = renderOptionsOf(s, deps.trusted());
    const started = Date.now();
    let result: PreviewResult;
    if (params.kind === 'git') result = await previewGit(folder, render, params.environment);
    else if (params.kind === 'promotion') result = await previewPromotion(folder, params.environment, params.against, render);
    else {
      const env = (await discoverEnvironments(folder, render)).environments.find((e) => e.name === params.environment);
      if (env === undefined) return { ok: false, kind: 'unknown-environment', message: `no environment named ${params.environment}` };
      result = await previewCluster(folder, env, deps.sessionFor(env), render);
    }
    const changed = result.ok ? result.value.environments.reduce((n, e) => n + e.changes.length, 0) : 0;
    connection.console.info(`preview ${params.kind} ${params.environment ?? '(all)'}: ${result.ok ? `${changed} changed` : `failed: ${result.error.message}`} in ${Date.now() - started} ms`);
    return response(result);
  });
}

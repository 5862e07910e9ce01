import { basename, relative, sep } from 'node:path';
import type { KubeObject } from '../manifests/kubeObject';
import { renderEnvironment, type RenderOptions, type RenderResult } from './render';
import type { Environment } from './model';

// A template that writes an Argo CD Application or ApplicationSet (the object's own `kind:` line, at any indent a `range` gives it).
const ARGO_APP_KIND = /^\s*kind:\s*["']?(Application|ApplicationSet)["']?\s*$/m;

/** Whether a chart template's text writes Argo CD Applications: its chart is an app of apps. */
export function templatesArgoApplications(text: string): boolean {
  return text.includes('argoproj.io') && ARGO_APP_KIND.test(text);
}

/** An Application or ApplicationSet that exists only once a chart is rendered. */
export interface RenderedApplication {
  object: KubeObject;
  /** Repository-relative: the template that writes it (the chart folder when helm did not say). */
  template: string;
}

/**
 * The Applications and ApplicationSets an app-of-apps chart renders to, by `helm template` with the
 * chart's own values (as the parent Application would render it without overrides). Helm runs only
 * where renders may: an untrusted workspace, or a caller that does not render, gets a reason instead.
 */
export async function applicationsOfChart(
  root: string,
  chart: string,
  render: RenderOptions | undefined,
  /** A render cache's, so discovery after an unrelated edit does not run helm again. */
  renderWith: (root: string, env: Environment, options: RenderOptions) => Promise<RenderResult> = renderEnvironment,
): Promise<{ applications: RenderedApplication[] } | { problem: string }> {
  const what = `chart ${chart} templates Argo CD Applications (an app of apps)`;
  if (render === undefined || !render.trusted) return { problem: `${what}: they are listed once Plumbline may run helm (a trusted workspace)` };
  const rendered = await renderWith(root, {
    name: basename(chart),
    paths: [chart],
    renderer: { kind: 'helm', chart, valuesFiles: [], release: basename(chart) },
    // Argo CD's own namespace: where Applications live when a template names none.
    target: { context: undefined, namespace: 'argocd' },
    delivery: { kind: 'direct' },
    protected: false,
    foundBy: [],
  }, render);
  if (!rendered.ok) return { problem: `${what}, but they could not be listed: ${rendered.message}` };
  const applications = rendered.objects
    .filter((o) => o.object.apiVersion?.startsWith('argoproj.io/') === true && (o.object.kind === 'Application' || o.object.kind === 'ApplicationSet'))
    .map((o) => ({ object: o.object, template: o.source !== undefined ? relative(root, o.source).split(sep).join('/') : chart }));
  return { applications };
}

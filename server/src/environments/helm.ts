import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { basename, join, resolve } from 'node:path';
import { promisify } from 'node:util';
import type { KubeObject } from '../manifests/kubeObject';
import { ManifestParser } from '../manifests/parse';
import { kubectlValue } from '../manifests/kubectlRead';
import type { Environment, HelmRenderer } from './model';

const run = promisify(execFile);

/** An object a chart renders to, and the template that declares it (absolute path). */
export interface HelmObject {
  object: KubeObject;
  source: string | undefined;
}

export type HelmResult = { ok: true; objects: HelmObject[] } | { ok: false; kind: 'missing-binary' | 'render-error'; message: string };

/** The chart folder of a helm environment, repository-relative. */
export function chartOf(env: Environment, renderer: HelmRenderer): string {
  return renderer.chart ?? env.paths[0] ?? '.';
}

/**
 * The `helm template` arguments for an environment (the values file for inline values is passed in).
 * Every option is one `--flag=value` word and the release name and chart come after `--`, so no
 * value from a workspace file can be read as another option (`--post-renderer` runs a program).
 * renderEnvironment has validated the values themselves before this runs.
 */
export function helmTemplateArgs(root: string, env: Environment, renderer: HelmRenderer, inlineValuesFile: string | undefined): string[] {
  const chart = resolve(root, chartOf(env, renderer));
  const args = ['template', `--namespace=${env.target.namespace ?? 'default'}`, '--skip-tests'];
  for (const file of renderer.valuesFiles) args.push(`--values=${resolve(root, file)}`);
  if (inlineValuesFile !== undefined) args.push(`--values=${inlineValuesFile}`);
  for (const p of renderer.parameters ?? []) args.push(`${p.forceString === true ? '--set-string' : '--set'}=${p.name}=${p.value}`);
  args.push('--', renderer.release ?? basename(chart), chart);
  return args;
}

/**
 * Splits `helm template` output into objects, each mapped to its template through the
 * `# Source: <chart>/templates/x.yaml` line helm writes above every document. A template of a
 * packaged subchart (no folder on disk) has no source.
 */
export function parseHelmOutput(stdout: string, chartDir: string): HelmObject[] {
  const objects: HelmObject[] = [];
  for (const chunk of stdout.split(/^---[ \t]*$/m)) {
    const from = /^# Source: ([^\n]+)$/m.exec(chunk)?.[1]?.trim();
    // The first segment is the chart's name from Chart.yaml, not necessarily its folder's.
    const inChart = from?.split('/').slice(1).join('/');
    const candidate = inChart !== undefined && inChart !== '' ? join(chartDir, inChart) : undefined;
    const source = candidate !== undefined && existsSync(candidate) ? candidate : undefined;
    const file = new ManifestParser().parse(chunk);
    for (const d of file.documents) {
      if (d.identity === undefined || d.syntax.some((p) => p.severity === 'error')) continue;
      // Helm reads its output as kubectl does (YAML 1.1 scalars: a template's `defaultMode: 0644` is 420).
      objects.push({ object: kubectlValue(file, d, 100) as KubeObject, source });
    }
  }
  return objects;
}

/** Renders a chart with `helm template`; a missing helm is one clear message, not a throw. */
export async function renderHelm(root: string, env: Environment, renderer: HelmRenderer, command: readonly string[]): Promise<HelmResult> {
  const chartDir = resolve(root, chartOf(env, renderer));
  if (!existsSync(join(chartDir, 'Chart.yaml'))) return { ok: false, kind: 'render-error', message: `no Chart.yaml in ${chartOf(env, renderer)}` };
  let scratch: string | undefined;
  try {
    let inline: string | undefined;
    if (renderer.values !== undefined && Object.keys(renderer.values).length > 0) {
      scratch = await mkdtemp(join(tmpdir(), 'plumbline-helm-'));
      inline = join(scratch, 'values.json');
      // JSON is YAML: helm reads it as a values file.
      await writeFile(inline, JSON.stringify(renderer.values));
    }
    const [binary = 'helm', ...pre] = command;
    let stdout: string;
    try {
      ({ stdout } = await run(binary, [...pre, ...helmTemplateArgs(root, env, renderer, inline)], { maxBuffer: 256 * 1024 * 1024, timeout: 120_000 }));
    } catch (error: unknown) {
      const e = error as NodeJS.ErrnoException & { stderr?: string };
      if (e.code === 'ENOENT' || e.code === 'EACCES') {
        return { ok: false, kind: 'missing-binary', message: `helm is not installed: \`${command.join(' ')}\` is not on the PATH (install Helm 3, or set plumbline.helm.command)` };
      }
      const detail = (e.stderr !== undefined && e.stderr.trim() !== '' ? e.stderr : e.message).trim();
      return { ok: false, kind: 'render-error', message: `helm template failed for ${chartOf(env, renderer)}: ${scratch !== undefined ? detail.replaceAll(scratch, '<inline values>') : detail}` };
    }
    return { ok: true, objects: parseHelmOutput(stdout, chartDir) };
  } finally {
    if (scratch !== undefined) await rm(scratch, { recursive: true, force: true });
  }
}

import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, relative, resolve } from 'node:path';
import { promisify } from 'node:util';
import type { KubeObject } from '../cluster/http';
import { isKustomizationFile } from '../kustomize/patchIndex';
import { ManifestParser } from '../manifests/parse';
import { collectYamlFiles } from '../workspace/files';
import { renderHelm } from './helm';
import type { Environment } from './model';

const run = promisify(execFile);
const ORIGIN = 'config.kubernetes.io/origin';

/** An object an environment renders to, and the file that declares it. */
export interface RenderedObject {
  object: KubeObject;
  /** Absolute path of the source file (from kustomize's origin annotation, or the plain file). */
  source: string | undefined;
}

export type RenderResult = { ok: true; objects: RenderedObject[] } | { ok: false; kind: 'untrusted' | 'missing-binary' | 'render-error'; message: string };

export interface RenderOptions {
  /** False in an untrusted workspace: no binary runs. */
  trusted: boolean;
  /** The kustomize command, e.g. ['kubectl', 'kustomize'] or ['kustomize', 'build']. */
  kustomize: string[];
  /** The helm command, e.g. ['helm'] or ['/opt/helm/bin/helm']; `helm` when absent. */
  helm?: string[];
}

export const DEFAULT_RENDER_OPTIONS: RenderOptions = { trusted: true, kustomize: ['kubectl', 'kustomize'], helm: ['helm'] };

function objectsOf(text: string, source: string | undefined): RenderedObject[] {
  const file = new ManifestParser().parse(text);
  return file.documents.flatMap((d) => {
    if (d.identity === undefined || d.syntax.some((p) => p.severity === 'error')) return [];
    return [{ object: d.doc.toJS({ maxAliasCount: 100 }) as KubeObject, source }];
  });
}

/**
 * Renders an environment to the objects a sync would apply. kustomize runs through a wrapper
 * kustomization that turns on origin annotations, so each object maps back to its file.
 */
export async function renderEnvironment(root: string, env: Environment, options: RenderOptions = DEFAULT_RENDER_OPTIONS): Promise<RenderResult> {
  if (env.renderer.kind === 'plain') {
    const objects: RenderedObject[] = [];
    for (const file of await collectYamlFiles(env.paths.map((p) => join(root, p)))) {
      if (isKustomizationFile(file)) continue;
      objects.push(...objectsOf(await readFile(file, 'utf8'), file));
    }
    return { ok: true, objects };
  }
  if (!options.trusted) return { ok: false, kind: 'untrusted', message: 'untrusted workspace: kustomize and helm are not run' };
  if (env.renderer.kind === 'helm') return renderHelm(root, env, env.renderer, options.helm ?? ['helm']);
  const wrapper = await mkdtemp(join(tmpdir(), 'plumbline-render-'));
  try {
    const resources = env.paths.map((p) => relative(wrapper, resolve(root, p)));
    await writeFile(join(wrapper, 'kustomization.yaml'), `resources:\n${resources.map((r) => `  - ${JSON.stringify(r)}`).join('\n')}\nbuildMetadata: [originAnnotations]\n`);
    const [command = 'kubectl', ...args] = options.kustomize;
    let stdout: string;
    try {
      ({ stdout } = await run(command, [...args, '--load-restrictor=LoadRestrictionsNone', wrapper], { maxBuffer: 256 * 1024 * 1024, timeout: 120_000 }));
    } catch (error: unknown) {
      const e = error as NodeJS.ErrnoException & { stderr?: string };
      if (e.code === 'ENOENT') return { ok: false, kind: 'missing-binary', message: `\`${options.kustomize.join(' ')}\` is not on the PATH (set plumbline.kustomize.command)` };
      const detail = (e.stderr ?? e.message).replace(/^E\d{4} [\d:.]+\s+\d+ run\.go:\d+\] /, '').trim();
      return { ok: false, kind: 'render-error', message: `kustomize failed for ${env.paths.join(', ')}: ${detail.replaceAll(wrapper, '<wrapper>')}` };
    }
    const objects = objectsOf(stdout, undefined).map(({ object }) => {
      const annotations = object.metadata?.annotations;
      const origin = annotations?.[ORIGIN];
      let source: string | undefined;
      if (origin !== undefined) {
        const path = /^path:\s*(.+)$/m.exec(origin)?.[1]?.trim();
        if (path !== undefined) source = resolve(wrapper, path);
        // The annotation is ours, not the user's desired state.
        delete annotations![ORIGIN];
        if (Object.keys(annotations!).length === 0) delete object.metadata!.annotations;
      }
      return { object, source };
    });
    return { ok: true, objects };
  } finally {
    await rm(wrapper, { recursive: true, force: true });
  }
}

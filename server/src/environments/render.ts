import { execFile } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, relative, resolve } from 'node:path';
import { promisify } from 'node:util';
import type { KubeObject } from '../manifests/kubeObject';
import { isKustomizationFile } from '../kustomize/patchIndex';
import { documentLine } from '../manifests/documentLine';
import { ManifestParser } from '../manifests/parse';
import { collectYamlFiles, readTextIfSane } from '../files/files';
import { RepositoryRoot } from '../files/insideRoot';
import { renderHelm } from './helm';
import { environmentInputProblem } from './inputCheck';
import type { Environment } from './model';

const run = promisify(execFile);
const ORIGIN = 'config.kubernetes.io/origin';

/** An object an environment renders to, and the file that declares it. */
export interface RenderedObject {
  object: KubeObject;
  /** Absolute path of the source file (from kustomize's origin annotation, or the plain file). */
  source: string | undefined;
  /** Zero-based line of its document in `source`, when the renderer parsed that file itself. */
  line?: number;
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
    const rendered: RenderedObject = { object: d.doc.toJS({ maxAliasCount: 100 }) as KubeObject, source };
    if (source !== undefined) rendered.line = documentLine(file, d);
    return [rendered];
  });
}

/**
 * The objects of kustomize's output, parsed some documents at a time with a turn of the event
 * loop between, so a build of thousands of objects does not stop the server answering. kustomize
 * writes one `---` line between documents, which no indented block scalar can contain.
 */
async function objectsInBatches(text: string, perBatch = 100): Promise<RenderedObject[]> {
  const documents = text.split(/^---\n/m);
  const out: RenderedObject[] = [];
  for (let i = 0; i < documents.length; i += perBatch) {
    out.push(...objectsOf(documents.slice(i, i + perBatch).join('---\n'), undefined));
    await new Promise((resolve) => setImmediate(resolve));
  }
  return out;
}

/**
 * Renders an environment to the objects a sync would apply. kustomize runs through a wrapper
 * kustomization that turns on origin annotations, so each object maps back to its file.
 */
export async function renderEnvironment(root: string, env: Environment, options: RenderOptions = DEFAULT_RENDER_OPTIONS): Promise<RenderResult> {
  if (env.renderer.kind === 'plain') {
    const refused = await environmentInputProblem(root, env);
    if (refused !== undefined) return { ok: false, kind: 'render-error', message: refused };
    const objects: RenderedObject[] = [];
    const repository = new RepositoryRoot(root);
    for (const file of await collectYamlFiles(env.paths.map((p) => join(root, p)))) {
      if (isKustomizationFile(file)) continue;
      const verdict = await repository.check(file);
      if (!verdict.inside) return { ok: false, kind: 'render-error', message: `not rendered: ${repository.display(file)} leads outside the repository (a symlink); files an environment reads must be inside it` };
      const text = await readTextIfSane(file);
      if (text === undefined) return { ok: false, kind: 'render-error', message: `not rendered: ${repository.display(file)} is not a regular file within the size limit, or cannot be read` };
      objects.push(...objectsOf(text, file));
      // Parsing is synchronous: between files, let the server answer other requests.
      await new Promise((resolve) => setImmediate(resolve));
    }
    return { ok: true, objects };
  }
  if (!options.trusted) return { ok: false, kind: 'untrusted', message: 'untrusted workspace: kustomize and helm are not run' };
  const refused = await environmentInputProblem(root, env);
  if (refused !== undefined) return { ok: false, kind: 'render-error', message: refused };
  if (env.renderer.kind === 'helm') return renderHelm(root, env, env.renderer, options.helm ?? ['helm']);
  const wrapper = await mkdtemp(join(tmpdir(), 'plumbline-render-'));
  try {
    const resources = env.paths.map((p) => relative(wrapper, resolve(root, p)));
    await writeFile(join(wrapper, 'kustomization.yaml'), `resources:\n${resources.map((r) => `  - ${JSON.stringify(r)}`).join('\n')}\nbuildMetadata: [originAnnotations]\n`);
    const [command = 'kubectl', ...args] = options.kustomize;
    let stdout: string;
    try {
      // None, not RootOnly: environmentInputProblem has checked every file the kustomizations
      // load against the repository root (see kustomize/loadCheck.ts for why not kustomize's own).
      ({ stdout } = await run(command, [...args, '--load-restrictor=LoadRestrictionsNone', wrapper], { maxBuffer: 256 * 1024 * 1024, timeout: 120_000 }));
    } catch (error: unknown) {
      const e = error as NodeJS.ErrnoException & { stderr?: string };
      if (e.code === 'ENOENT') return { ok: false, kind: 'missing-binary', message: `\`${options.kustomize.join(' ')}\` is not on the PATH (set plumbline.kustomize.command)` };
      const detail = (e.stderr ?? e.message).replace(/^E\d{4} [\d:.]+\s+\d+ run\.go:\d+\] /, '').trim();
      return { ok: false, kind: 'render-error', message: `kustomize failed for ${env.paths.join(', ')}: ${detail.replaceAll(wrapper, '<wrapper>')}` };
    }
    const objects = (await objectsInBatches(stdout)).map(({ object }) => {
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

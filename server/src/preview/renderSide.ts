import { existsSync } from 'node:fs';
import { join } from 'node:path';
import type { KubeObject } from '../cluster/http';
import type { Environment } from '../environments/model';
import { renderEnvironment, type RenderFailureKind, type RenderOptions } from '../environments/render';

export type SideResult = { ok: true; objects: KubeObject[] } | { ok: false; kind: RenderFailureKind; message: string };

/** An environment's objects in one tree; an environment whose paths are not there renders to nothing. */
export async function renderSide(root: string, env: Environment | undefined, options: RenderOptions): Promise<SideResult> {
  if (env === undefined || !env.paths.some((p) => existsSync(join(root, p)))) return { ok: true, objects: [] };
  const rendered = await renderEnvironment(root, { ...env, paths: env.paths.filter((p) => existsSync(join(root, p))) }, options);
  return rendered.ok ? { ok: true, objects: rendered.objects.map((o) => o.object) } : rendered;
}

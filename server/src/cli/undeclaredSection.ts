import { existsSync } from 'node:fs';
import { stat } from 'node:fs/promises';
import { dirname, join, resolve, sep } from 'node:path';
import type { Finding } from '../manifests/problem';
import type { DriftEngine } from '../drift/engine';
import { undeclaredLive, type UndeclaredObject } from '../drift/undeclared';
import { discoverEnvironments } from '../environments/discover';
import { renderEnvironment, type RenderOptions } from '../environments/render';
import { applierOf } from '../delivery/status';
import type { FileResult } from './formats';
import { DEFAULT_SETTINGS, renderOptionsOf } from '../workspace/settings';
import { KUSTOMIZATION_FILE_NAMES } from '../files/names';

/** A live object no Git file declares, with the environment whose applier manages it. */
export interface UndeclaredEntry extends Omit<UndeclaredObject, 'applier' | 'path'> {
  environment: string;
  /** The environment's folder, where a SARIF note can point. */
  where: string;
}

const inside = (path: string, folder: string): boolean => path === folder || path.startsWith(folder.endsWith(sep) ? folder : folder + sep);

/**
 * For every environment that the diffed paths cover completely (a partial diff would call the
 * files left out "not in Git"), the live objects its applier manages that its rendered Git
 * objects do not declare.
 */
export async function undeclaredForPaths(paths: readonly string[], configFile: string | undefined, engine: DriftEngine, render: RenderOptions = renderOptionsOf(DEFAULT_SETTINGS, true)): Promise<{ entries: UndeclaredEntry[]; notes: string[] }> {
  const given = paths.map((p) => resolve(p));
  const roots = configFile !== undefined ? [dirname(resolve(configFile))] : (await Promise.all(given.map(async (p) => ((await stat(p).catch(() => undefined))?.isDirectory() === true ? p : undefined)))).filter((p) => p !== undefined);
  const entries: UndeclaredEntry[] = [];
  const notes: string[] = [];
  for (const root of [...new Set(roots)]) {
    const { environments } = await discoverEnvironments(root, render);
    for (const env of environments) {
      if (!env.paths.every((p) => given.some((g) => inside(resolve(root, p), g)))) continue;
      // Only environments in the cluster being diffed (another kubeconfig is another cluster).
      if (env.target.kubeconfig !== undefined || (env.target.context !== undefined && env.target.context !== engine.client.context)) continue;
      const rendered = await renderEnvironment(root, env, render);
      if (!rendered.ok) {
        notes.push(`environment ${env.name}: cannot tell what is in the cluster but not in Git: ${rendered.message}`);
        continue;
      }
      const found = await undeclaredLive(engine.client, [applierOf(env)], rendered.objects.map((o) => o.object), { discovery: engine.discovery, ...(env.target.namespace !== undefined ? { defaultNamespace: env.target.namespace } : {}) });
      if (!found.ok) {
        notes.push(`environment ${env.name}: cannot list what its applier manages: ${found.error.message}`);
        continue;
      }
      notes.push(...found.value.skipped.map((s) => `environment ${env.name}: not listed (${s})`));
      const folder = join(root, env.paths[0] ?? '.');
      const where = KUSTOMIZATION_FILE_NAMES.map((f) => join(folder, f)).find((f) => existsSync(f)) ?? folder;
      for (const { applier: _applier, path: _path, ...o } of found.value.objects) entries.push({ ...o, environment: env.name, where });
    }
  }
  return { entries, notes };
}

/** "ConfigMap shop-dev/old-flags", as the text section lists it. */
export function describeUndeclared(e: UndeclaredEntry): string {
  return `${e.kind} ${e.namespace === undefined ? '' : `${e.namespace}/`}${e.name} (environment ${e.environment}, managed by ${e.managedBy})`;
}

/** Notes on the environment's folder (its kustomization when there is one), for SARIF. */
export function undeclaredFindings(entries: readonly UndeclaredEntry[]): FileResult[] {
  const byFile = new Map<string, Finding[]>();
  for (const e of entries) {
    const findings = byFile.get(e.where) ?? [];
    findings.push({
      range: { start: { line: 0, character: 0 }, end: { line: 0, character: 0 } },
      severity: 'information',
      code: 'drift.not-in-git',
      message: `${describeUndeclared(e)} is in the cluster but no longer in Git`,
    });
    byFile.set(e.where, findings);
  }
  return [...byFile].map(([path, findings]) => ({ path, findings }));
}

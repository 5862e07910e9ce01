import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { basename, dirname, join, relative, sep } from 'node:path';
import { ManifestParser } from '../manifests/parse';
import { collectYamlFiles } from '../workspace/files';
import type { Delivery, Environment, Renderer } from './model';
import { readEnvironmentConfig } from './config';

const OVERLAY_PARENTS = new Set(['overlays', 'envs', 'environments']);

function toRepoPath(root: string, path: string): string {
  return relative(root, path).split(sep).join('/') || '.';
}

function cleanPath(path: string): string {
  return path.replace(/^\.\//, '').replace(/\/+$/, '') || '.';
}

function rendererFor(root: string, path: string): Renderer {
  const dir = join(root, path);
  if (['kustomization.yaml', 'kustomization.yml', 'Kustomization'].some((f) => existsSync(join(dir, f)))) return { kind: 'kustomize' };
  if (existsSync(join(dir, 'Chart.yaml'))) return { kind: 'helm', valuesFiles: [] };
  return { kind: 'plain' };
}

function str(value: unknown): string | undefined {
  return typeof value === 'string' && value !== '' ? value : undefined;
}

function get(object: unknown, ...keys: string[]): unknown {
  let current = object;
  for (const key of keys) current = current !== null && typeof current === 'object' ? (current as Record<string, unknown>)[key] : undefined;
  return current;
}

/**
 * Finds the environments of a repository from the conventions users already follow — Flux
 * `clusters/<env>/` Kustomizations, Argo CD Applications, kustomize overlays — and applies
 * `.plumbline.yaml` on top. Environments found several ways (same path) are merged.
 */
export async function discoverEnvironments(root: string): Promise<{ environments: Environment[]; problems: string[] }> {
  const byPath = new Map<string, Environment>();
  const problems: string[] = [];
  const add = (name: string, path: string, delivery: Delivery, foundBy: string, target: Environment['target']): void => {
    const existing = byPath.get(path);
    if (existing !== undefined) {
      existing.foundBy.push(foundBy);
      // A GitOps controller is a better way to converge than a direct apply.
      if (existing.delivery.kind === 'direct' && delivery.kind !== 'direct') existing.delivery = delivery;
      existing.target.namespace ??= target.namespace;
      return;
    }
    byPath.set(path, { name, paths: [path], renderer: rendererFor(root, path), target, delivery, protected: false, foundBy: [foundBy] });
  };

  const files = await collectYamlFiles([root]);
  for (const file of files) {
    const rel = toRepoPath(root, file);
    const parts = rel.split('/');
    // kustomize overlays: overlays/<env>/kustomization.yaml
    if (/^(kustomization\.ya?ml|Kustomization)$/.test(basename(file)) && parts.length >= 3 && OVERLAY_PARENTS.has(parts[parts.length - 3] ?? '')) {
      const env = parts[parts.length - 2] ?? '';
      add(env, toRepoPath(root, dirname(file)), { kind: 'direct' }, `kustomize overlay ${toRepoPath(root, dirname(file))}`, { context: undefined, namespace: undefined });
      continue;
    }
    const text = await readFile(file, 'utf8').catch(() => '');
    if (!text.includes('kind: Kustomization') && !text.includes('kind: Application')) continue;
    const parsed = new ManifestParser().parse(text);
    for (const d of parsed.documents) {
      const id = d.identity;
      if (id === undefined || d.syntax.some((p) => p.severity === 'error')) continue;
      let object: unknown;
      try {
        object = d.doc.toJS({ maxAliasCount: 50 });
      } catch {
        continue;
      }
      const name = id.name ?? '';
      const namespace = id.namespace ?? (id.group === 'argoproj.io' ? 'argocd' : 'flux-system');
      if (id.group === 'kustomize.toolkit.fluxcd.io' && id.kind === 'Kustomization') {
        const path = str(get(object, 'spec', 'path'));
        if (path === undefined) continue;
        const clustersAt = parts.indexOf('clusters');
        const env = clustersAt !== -1 && parts.length > clustersAt + 2 ? (parts[clustersAt + 1] ?? name) : name;
        const sourceKind = str(get(object, 'spec', 'sourceRef', 'kind')) ?? 'GitRepository';
        const sourceName = str(get(object, 'spec', 'sourceRef', 'name'));
        const delivery: Delivery = {
          kind: 'flux',
          name,
          namespace,
          ...(sourceName !== undefined ? { source: { kind: sourceKind, name: sourceName, namespace: str(get(object, 'spec', 'sourceRef', 'namespace')) ?? namespace } } : {}),
        };
        add(env, cleanPath(path), delivery, `Flux Kustomization ${namespace}/${name} in ${rel}`, { context: undefined, namespace: str(get(object, 'spec', 'targetNamespace')) });
      } else if (id.group === 'argoproj.io' && id.kind === 'Application') {
        const path = str(get(object, 'spec', 'source', 'path'));
        if (path === undefined) continue;
        add(name, cleanPath(path), { kind: 'argocd', name, namespace }, `Argo CD Application ${namespace}/${name} in ${rel}`, {
          context: undefined,
          namespace: str(get(object, 'spec', 'destination', 'namespace')),
        });
      }
    }
  }

  const environments = [...byPath.values()];
  const configPath = join(root, '.plumbline.yaml');
  if (existsSync(configPath)) {
    const config = readEnvironmentConfig(await readFile(configPath, 'utf8'));
    problems.push(...config.problems.map((p) => `.plumbline.yaml: ${p}`));
    for (const entry of config.environments) {
      const existing = environments.find((e) => e.name === entry.name || (entry.paths !== undefined && e.paths.join() === entry.paths.join()));
      if (existing !== undefined) {
        existing.name = entry.name;
        if (entry.paths !== undefined) existing.paths = entry.paths;
        if (entry.context !== undefined) existing.target.context = entry.context;
        if (entry.namespace !== undefined) existing.target.namespace = entry.namespace;
        if (entry.protected !== undefined) existing.protected = entry.protected;
        if (entry.delivery !== undefined) existing.delivery = entry.delivery;
        existing.foundBy.push('.plumbline.yaml');
      } else if (entry.paths !== undefined) {
        environments.push({
          name: entry.name,
          paths: entry.paths,
          renderer: rendererFor(root, entry.paths[0] ?? '.'),
          target: { context: entry.context, namespace: entry.namespace },
          delivery: entry.delivery ?? { kind: 'direct' },
          protected: entry.protected ?? false,
          foundBy: ['.plumbline.yaml'],
        });
      } else {
        problems.push(`.plumbline.yaml: environment ${entry.name} has no paths and matches no discovered environment`);
      }
    }
  }
  // The same name found twice (two apps' dev overlays): keep both, told apart by path.
  const counts = new Map<string, number>();
  for (const e of environments) counts.set(e.name, (counts.get(e.name) ?? 0) + 1);
  for (const e of environments) if ((counts.get(e.name) ?? 0) > 1 && e.foundBy.every((f) => f !== '.plumbline.yaml')) e.name = `${e.name} (${e.paths[0] ?? ''})`;
  environments.sort((a, b) => a.name.localeCompare(b.name));
  return { environments, problems };
}

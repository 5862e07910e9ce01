import { parseDocument } from 'yaml';
import { YAML_LOG } from '../manifests/yamlLog';
import type { Delivery } from './model';

/** One `environments:` entry of `.plumbline.yaml`, as the user wrote it (validated). */
export interface EnvironmentEntry {
  name: string;
  paths?: string[];
  context?: string;
  /** A kubeconfig file of its own (as written: relative to the repository, or `~/…`). */
  kubeconfig?: string;
  namespace?: string;
  protected?: boolean;
  delivery?: Delivery;
  /** Helm values files (repository-relative) for a chart environment, in `-f` order. */
  values?: string[];
  /** Helm release name for a chart environment. */
  release?: string;
}

/**
 * `.plumbline.yaml`'s `repositoryURLs`: URLs that name this repository too, beside its remotes —
 * after a transfer or rename the cluster's GitRepository says github.com/new-owner/repo while an
 * older clone's origin still says github.com/old-owner/repo. Never guessed: written by the user.
 */
function readRepositoryUrls(raw: unknown, problems: string[]): string[] {
  if (raw === undefined) return [];
  if (Array.isArray(raw) && raw.every((u) => typeof u === 'string' && u !== '')) return raw as string[];
  problems.push('`repositoryURLs` must be a list of Git URLs (this repository as the cluster\'s objects name it)');
  return [];
}

/** Reads `.plumbline.yaml`'s environments and repository URLs; every mistake becomes a readable problem, never a throw. */
export function readEnvironmentConfig(text: string): { environments: EnvironmentEntry[]; problems: string[]; repositoryUrls: string[] } {
  const doc = parseDocument(text, YAML_LOG);
  if (doc.errors.length > 0) return { environments: [], problems: doc.errors.map((e) => e.message), repositoryUrls: [] };
  const js = doc.toJS({ maxAliasCount: 50 }) as { environments?: unknown; repositoryURLs?: unknown } | null;
  const problems: string[] = [];
  const repositoryUrls = readRepositoryUrls(js?.repositoryURLs, problems);
  const raw = js?.environments;
  if (raw === undefined) return { environments: [], problems, repositoryUrls };
  if (!Array.isArray(raw)) return { environments: [], problems: [...problems, '`environments` must be a list'], repositoryUrls };
  const environments = raw.flatMap((item: unknown, i): EnvironmentEntry[] => {
    if (item === null || typeof item !== 'object') {
      problems.push(`environments[${i}] must be an object`);
      return [];
    }
    const o = item as Record<string, unknown>;
    if (typeof o['name'] !== 'string' || o['name'] === '') {
      problems.push(`environments[${i}] needs a name`);
      return [];
    }
    const entry: EnvironmentEntry = { name: o['name'] };
    const paths = typeof o['path'] === 'string' ? [o['path']] : o['paths'];
    if (paths !== undefined) {
      if (Array.isArray(paths) && paths.every((p) => typeof p === 'string')) entry.paths = paths.map((p: string) => p.replace(/^\.\//, '').replace(/\/+$/, ''));
      else problems.push(`environments[${i}].paths must be a list of folders`);
    }
    const values = typeof o['values'] === 'string' ? [o['values']] : o['values'];
    if (values !== undefined) {
      if (Array.isArray(values) && values.every((v) => typeof v === 'string')) entry.values = values.map((v: string) => v.replace(/^\.\//, ''));
      else problems.push(`environments[${i}].values must be a list of Helm values files`);
    }
    if (typeof o['release'] === 'string' && o['release'] !== '') entry.release = o['release'];
    if (typeof o['context'] === 'string') entry.context = o['context'];
    if (typeof o['kubeconfig'] === 'string' && o['kubeconfig'] !== '') entry.kubeconfig = o['kubeconfig'];
    if (typeof o['namespace'] === 'string') entry.namespace = o['namespace'];
    if (typeof o['protected'] === 'boolean') entry.protected = o['protected'];
    const delivery = o['delivery'];
    if (delivery === 'direct') entry.delivery = { kind: 'direct' };
    else if (delivery !== undefined && typeof delivery === 'object' && delivery !== null) {
      const d = delivery as Record<string, unknown>;
      const name = typeof d['name'] === 'string' ? d['name'] : undefined;
      if ((d['kind'] === 'flux' || d['kind'] === 'argocd') && name !== undefined) {
        const namespace = typeof d['namespace'] === 'string' ? d['namespace'] : d['kind'] === 'flux' ? 'flux-system' : 'argocd';
        // `resource: HelmRelease` for an environment Flux delivers through a HelmRelease.
        entry.delivery = d['kind'] === 'flux' && d['resource'] === 'HelmRelease' ? { kind: 'flux', name, namespace, resource: 'HelmRelease' } : { kind: d['kind'], name, namespace };
      } else problems.push(`environments[${i}].delivery must be "direct" or {kind: flux|argocd, name, namespace}`);
    } else if (delivery !== undefined) problems.push(`environments[${i}].delivery must be "direct" or {kind: flux|argocd, name, namespace}`);
    return [entry];
  });
  return { environments, problems, repositoryUrls };
}

import { existsSync } from 'node:fs';
import { basename, dirname, join, posix } from 'node:path';
import type { Delivery, Environment, HelmRenderer } from './model';
import { get, str } from './objectFields';

/** What discovery learns from one place; discover.ts merges these into environments. */
export interface HelmFinding {
  name: string;
  path: string;
  delivery: Delivery;
  foundBy: string;
  target: Environment['target'];
  renderer: HelmRenderer;
  /** What the rendering cannot reproduce, for discovery's problems. */
  problem?: string;
}

const VALUES_FOR_ENV = /^values[-.]([A-Za-z0-9][\w.-]*?)\.ya?ml$/;

function record(value: unknown): Record<string, unknown> | undefined {
  return value !== null && typeof value === 'object' && !Array.isArray(value) ? (value as Record<string, unknown>) : undefined;
}

/**
 * True for a `<chart>/values-<env>.yaml` of another environment: it is in the chart's folder
 * but this environment does not render with it, so its changes are not this environment's.
 */
export function isOtherEnvironmentsValues(env: Environment, path: string): boolean {
  if (env.renderer.kind !== 'helm') return false;
  const chart = env.renderer.chart ?? env.paths[0] ?? '.';
  return posix.dirname(path) === chart && VALUES_FOR_ENV.test(posix.basename(path)) && !env.renderer.valuesFiles.includes(path);
}

/** A repository-relative path, normalized: `./charts/shop/` → `charts/shop`. */
function repoPath(path: string): string {
  const normal = posix.normalize(path.replace(/^\/+/, ''));
  return normal === '' || normal === './' ? '.' : normal.replace(/\/+$/, '');
}

/** True when `dir` (repository-relative) holds a chart. */
export function isChart(root: string, dir: string): boolean {
  return existsSync(join(root, dir, 'Chart.yaml'));
}

/**
 * The convention `<chart>/values-<env>.yaml` (also `values.<env>.yaml`): one environment per
 * file, rendered with the chart's own values.yaml and that file. Subcharts (a chart inside
 * another chart's `charts/` folder) are part of their parent, not environments.
 */
export function chartValuesFinding(root: string, rel: string): HelmFinding | undefined {
  const env = VALUES_FOR_ENV.exec(basename(rel))?.[1];
  const chart = dirname(rel);
  if (env === undefined || !isChart(root, chart)) return undefined;
  const parts = chart.split('/');
  if (parts.length >= 3 && parts[parts.length - 2] === 'charts' && isChart(root, parts.slice(0, -2).join('/'))) return undefined;
  return {
    name: env,
    path: chart,
    delivery: { kind: 'direct' },
    foundBy: `Helm chart ${chart} with ${basename(rel)}`,
    target: { context: undefined, namespace: undefined },
    renderer: { kind: 'helm', chart, valuesFiles: [rel], release: basename(chart) },
  };
}

/**
 * A Flux HelmRelease whose chart is a folder of a GitRepository (this repository): the chart,
 * its `valuesFiles` and inline `values`, the release name and namespace Flux would use.
 */
export function helmReleaseFinding(root: string, object: unknown, rel: string, id: { name: string; namespace: string }): HelmFinding | undefined {
  const chartSpec = get(object, 'spec', 'chart', 'spec');
  const sourceKind = str(get(chartSpec, 'sourceRef', 'kind'));
  const chartPath = str(get(chartSpec, 'chart'));
  if (sourceKind !== 'GitRepository' || chartPath === undefined) return undefined;
  const chart = repoPath(chartPath);
  if (!isChart(root, chart)) return undefined;
  const parts = rel.split('/');
  const clustersAt = parts.indexOf('clusters');
  const name = clustersAt !== -1 && parts.length > clustersAt + 2 ? (parts[clustersAt + 1] ?? id.name) : id.name;
  const targetNamespace = str(get(object, 'spec', 'targetNamespace'));
  const valuesFiles = get(chartSpec, 'valuesFiles');
  const values = record(get(object, 'spec', 'values'));
  const sourceName = str(get(chartSpec, 'sourceRef', 'name'));
  return {
    name,
    path: chart,
    delivery: {
      kind: 'flux',
      resource: 'HelmRelease',
      name: id.name,
      namespace: id.namespace,
      ...(sourceName !== undefined ? { source: { kind: sourceKind, name: sourceName, namespace: str(get(chartSpec, 'sourceRef', 'namespace')) ?? id.namespace } } : {}),
    },
    foundBy: `Flux HelmRelease ${id.namespace}/${id.name} in ${rel}`,
    // Flux installs into targetNamespace, else the HelmRelease's own namespace.
    target: { context: undefined, namespace: targetNamespace ?? id.namespace },
    renderer: {
      kind: 'helm',
      chart,
      valuesFiles: Array.isArray(valuesFiles) ? valuesFiles.filter((f): f is string => typeof f === 'string').map(repoPath) : [],
      // Flux's default release name: <targetNamespace>-<name> when a target namespace is set.
      release: str(get(object, 'spec', 'releaseName')) ?? (targetNamespace !== undefined ? `${targetNamespace}-${id.name}` : id.name),
      ...(values !== undefined ? { values } : {}),
    },
  };
}

function deepMerge(base: Record<string, unknown>, over: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = { ...base };
  for (const [k, v] of Object.entries(over)) {
    const b = out[k];
    out[k] = b !== null && typeof b === 'object' && !Array.isArray(b) && v !== null && typeof v === 'object' && !Array.isArray(v) ? deepMerge(b as Record<string, unknown>, v as Record<string, unknown>) : v;
  }
  return out;
}

/**
 * A HelmRelease's `spec.valuesFrom` as helm-controller merges them — in order, each ConfigMap's or
 * Secret's `valuesKey` (default `values.yaml`) as YAML, or one value at `targetPath` — with
 * `spec.values` on top, from the objects Git holds. A source Git does not hold (made in the
 * cluster, a SOPS-encrypted Secret) is named, unless `optional`.
 */
export function withValuesFrom(object: unknown, namespace: string, inline: Record<string, unknown> | undefined, lookup: (kind: 'ConfigMap' | 'Secret', namespace: string, name: string) => Record<string, unknown> | undefined, parseValues: (text: string) => Record<string, unknown> | undefined): { values: Record<string, unknown> | undefined; notInGit: string[] } {
  const entries = get(object, 'spec', 'valuesFrom');
  if (!Array.isArray(entries) || entries.length === 0) return { values: inline, notInGit: [] };
  let values: Record<string, unknown> = {};
  const notInGit: string[] = [];
  for (const entry of entries as unknown[]) {
    const kind = get(entry, 'kind');
    const name = str(get(entry, 'name'));
    if ((kind !== 'ConfigMap' && kind !== 'Secret') || name === undefined) continue;
    const found = lookup(kind, namespace, name);
    const label = `${kind} ${namespace}/${name}`;
    if (found === undefined || found['sops'] !== undefined) {
      if (get(entry, 'optional') !== true) notInGit.push(found === undefined ? label : `${label} (encrypted with SOPS)`);
      continue;
    }
    const key = str(get(entry, 'valuesKey')) ?? 'values.yaml';
    const raw = get(found, 'data', key) ?? get(found, 'stringData', key);
    if (typeof raw !== 'string') continue;
    const text = kind === 'Secret' && get(found, 'data', key) !== undefined ? Buffer.from(raw, 'base64').toString('utf8') : raw;
    const targetPath = str(get(entry, 'targetPath'));
    if (targetPath !== undefined) {
      // One value at a dotted path.
      const at: Record<string, unknown> = {};
      let cursor = at;
      const keys = targetPath.split('.');
      keys.forEach((k, i) => {
        if (i === keys.length - 1) cursor[k] = text;
        else cursor = cursor[k] = {} as Record<string, unknown>;
      });
      values = deepMerge(values, at);
    } else {
      const parsed = parseValues(text);
      if (parsed !== undefined) values = deepMerge(values, parsed);
    }
  }
  if (Object.keys(values).length === 0) return { values: inline, notInGit };
  return { values: inline !== undefined ? deepMerge(values, inline) : values, notInGit };
}

/**
 * The renderer of an Argo CD Application whose `spec.source.path` is a chart: `helm.valueFiles`
 * (relative to the chart; remote and `$ref` ones are skipped), `values`/`valuesObject`,
 * `parameters` and `releaseName` (the Application's name by default).
 */
export function argoHelmRenderer(source: unknown, chart: string, appName: string, parseValues: (text: string) => Record<string, unknown> | undefined, refs: ReadonlyMap<string, string | undefined> = new Map()): HelmRenderer {
  const helm = record(get(source, 'helm')) ?? {};
  const written = Array.isArray(helm['valueFiles']) ? helm['valueFiles'].filter((f): f is string => typeof f === 'string' && !/^[a-z]+:\/\//.test(f)) : [];
  // `$values/envs/prod.yaml`: a file of the source whose `ref` is `values` — this repository's, or skipped.
  const valueFiles = written.flatMap((f) => {
    const ref = /^\$([^/]+)\/(.+)$/.exec(f);
    if (ref === null) return [repoPath(posix.join(chart, f))];
    const base = refs.get(ref[1]!);
    return base === undefined ? [] : [repoPath(posix.join(base || '.', ref[2]!))];
  });
  const inlineText = str(helm['values']);
  const values = record(helm['valuesObject']) ?? (inlineText !== undefined ? parseValues(inlineText) : undefined);
  const parameters = Array.isArray(helm['parameters'])
    ? helm['parameters'].flatMap((p: unknown) => {
        const name = str(get(p, 'name'));
        const value = get(p, 'value');
        if (name === undefined || (typeof value !== 'string' && typeof value !== 'number' && typeof value !== 'boolean')) return [];
        return [{ name, value: String(value), ...(get(p, 'forceString') === true ? { forceString: true } : {}) }];
      })
    : [];
  return {
    kind: 'helm',
    chart,
    valuesFiles: valueFiles,
    release: str(helm['releaseName']) ?? appName,
    ...(values !== undefined ? { values } : {}),
    ...(parameters.length > 0 ? { parameters } : {}),
  };
}

import { posix } from 'node:path';
import type { KubeObject } from '../manifests/kubeObject';
import type { FluxBuild, HealthCheckExpr, SubstituteValueSource } from './model';
import { get, records, str } from './objectFields';
import { substituteVariables } from './substitute';

/** `spec.postBuild.substituteFrom` as written: where the variables' values live. */
export interface SubstituteSource {
  kind: 'ConfigMap' | 'Secret';
  name: string;
  optional: boolean;
}

const SUBSTITUTE_DISABLED = 'kustomize.toolkit.fluxcd.io/substitute';

function stringMap(value: unknown): Record<string, string> {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) return {};
  return Object.fromEntries(Object.entries(value).flatMap(([k, v]) => (typeof v === 'string' ? [[k, v]] : typeof v === 'number' || typeof v === 'boolean' ? [[k, String(v)]] : [])));
}

/**
 * The build steps of a Flux Kustomization (`spec` of `kustomize.toolkit.fluxcd.io`), with the
 * repository-relative `path` they apply to; undefined when it asks for none. Values of
 * `substituteFrom` are filled in by `withSubstituteSources` once the repository has been read.
 */
export function readFluxBuild(object: unknown, path: string): { build: FluxBuild; from: SubstituteSource[] } | undefined {
  const spec = get(object, 'spec');
  const patches = records(get(spec, 'patches')).flatMap((p) => {
    const patch = str(p['patch']);
    if (patch === undefined) return [];
    const target = p['target'];
    return [{ patch, ...(target !== null && typeof target === 'object' && !Array.isArray(target) ? { target: target as Record<string, unknown> } : {}) }];
  });
  const components = (Array.isArray(get(spec, 'components')) ? (get(spec, 'components') as unknown[]) : []).flatMap((c) => (typeof c === 'string' && c !== '' ? [posix.normalize(posix.join(path, c))] : []));
  const common = get(spec, 'commonMetadata');
  const postBuild = get(spec, 'postBuild');
  const from = records(get(postBuild, 'substituteFrom')).flatMap((s): SubstituteSource[] => {
    const kind = s['kind'];
    const name = str(s['name']);
    return (kind === 'ConfigMap' || kind === 'Secret') && name !== undefined ? [{ kind, name, optional: s['optional'] === true }] : [];
  });
  const build: FluxBuild = { patches, images: records(get(spec, 'images')), components };
  const namePrefix = str(get(spec, 'namePrefix'));
  const nameSuffix = str(get(spec, 'nameSuffix'));
  const targetNamespace = str(get(spec, 'targetNamespace'));
  if (namePrefix !== undefined) build.namePrefix = namePrefix;
  if (nameSuffix !== undefined) build.nameSuffix = nameSuffix;
  if (targetNamespace !== undefined) build.targetNamespace = targetNamespace;
  if (common !== undefined) build.commonMetadata = { labels: stringMap(get(common, 'labels')), annotations: stringMap(get(common, 'annotations')) };
  if (postBuild !== undefined) build.substitute = { vars: stringMap(get(postBuild, 'substitute')), notInGit: [] };
  const healthCheckExprs = records(get(spec, 'healthCheckExprs')).flatMap((e): HealthCheckExpr[] => {
    const apiVersion = str(e['apiVersion']);
    const kind = str(e['kind']);
    const current = str(e['current']);
    if (apiVersion === undefined || kind === undefined || current === undefined) return [];
    const inProgress = str(e['inProgress']);
    const failed = str(e['failed']);
    return [{ apiVersion, kind, current, ...(inProgress !== undefined ? { inProgress } : {}), ...(failed !== undefined ? { failed } : {}) }];
  });
  if (healthCheckExprs.length > 0) build.healthCheckExprs = healthCheckExprs;
  const empty = patches.length === 0 && build.images.length === 0 && components.length === 0 && namePrefix === undefined && nameSuffix === undefined && targetNamespace === undefined && common === undefined && postBuild === undefined && healthCheckExprs.length === 0;
  return empty ? undefined : { build, from };
}

/**
 * Fills `substituteFrom` from ConfigMaps and Secrets found in Git (namespace of the Flux
 * Kustomization). In `spec.postBuild.substitute` order of precedence: later sources win over
 * earlier ones, inline `substitute` over all; a source Git does not hold (made in the cluster,
 * or a SOPS-encrypted Secret) is named, not guessed.
 */
export function withSubstituteSources(build: FluxBuild, from: readonly SubstituteSource[], namespace: string, lookup: (kind: 'ConfigMap' | 'Secret', namespace: string, name: string) => { object: KubeObject; file: string } | undefined): FluxBuild {
  if (build.substitute === undefined) return build;
  const vars: Record<string, string> = {};
  const sources: Record<string, SubstituteValueSource> = {};
  const notInGit: string[] = [];
  for (const source of from) {
    const found = lookup(source.kind, namespace, source.name);
    const object = found?.object;
    const label = `${source.kind} ${namespace}/${source.name}`;
    if (found === undefined || object === undefined) {
      if (!source.optional) notInGit.push(label);
      continue;
    }
    const raw = object as Record<string, unknown>;
    if (raw['sops'] !== undefined) {
      notInGit.push(`${label} (encrypted with SOPS)`);
      continue;
    }
    const data = stringMap(raw['data']);
    const values = source.kind === 'ConfigMap' ? data : { ...Object.fromEntries(Object.entries(data).map(([k, v]) => [k, Buffer.from(v, 'base64').toString('utf8')])), ...stringMap(raw['stringData']) };
    Object.assign(vars, values);
    for (const variable of Object.keys(values)) sources[variable] = { kind: source.kind, namespace, name: source.name, file: found.file };
  }
  // The Kustomization's own values win: theirs is the place to name.
  for (const name of Object.keys(build.substitute.vars)) delete sources[name];
  return { ...build, substitute: { vars: { ...vars, ...build.substitute.vars }, notInGit, from: sources } };
}

/** Whether the steps need a kustomization around the path (the ones kustomize itself performs). */
export function needsKustomize(build: FluxBuild | undefined): boolean {
  return build !== undefined && (build.patches.length > 0 || build.images.length > 0 || build.components.length > 0 || build.namePrefix !== undefined || build.nameSuffix !== undefined || build.targetNamespace !== undefined);
}

/** The kustomization fields for the steps kustomize performs; component folders relative to `from`. */
export function kustomizeFields(build: FluxBuild, relativeFolder: (repoPath: string) => string): Record<string, unknown> {
  return {
    ...(build.targetNamespace !== undefined ? { namespace: build.targetNamespace } : {}),
    ...(build.namePrefix !== undefined ? { namePrefix: build.namePrefix } : {}),
    ...(build.nameSuffix !== undefined ? { nameSuffix: build.nameSuffix } : {}),
    ...(build.patches.length > 0 ? { patches: build.patches } : {}),
    ...(build.images.length > 0 ? { images: build.images } : {}),
    ...(build.components.length > 0 ? { components: build.components.map(relativeFolder) } : {}),
  };
}

/**
 * The steps after the build, on each object: `commonMetadata` (labels and annotations on the
 * object's own metadata, not on selectors), then `postBuild` substitution — skipped for an object
 * that opts out with `kustomize.toolkit.fluxcd.io/substitute: disabled`. Returns the names of
 * variables no value was found for.
 */
export function afterBuild(object: KubeObject, build: FluxBuild): { object: KubeObject; unresolved: Set<string> } {
  let out = object;
  if (build.commonMetadata !== undefined && (Object.keys(build.commonMetadata.labels).length > 0 || Object.keys(build.commonMetadata.annotations).length > 0)) {
    const metadata = { ...(out.metadata ?? {}) };
    if (Object.keys(build.commonMetadata.labels).length > 0) metadata.labels = { ...(metadata.labels ?? {}), ...build.commonMetadata.labels };
    if (Object.keys(build.commonMetadata.annotations).length > 0) metadata.annotations = { ...(metadata.annotations ?? {}), ...build.commonMetadata.annotations };
    out = { ...out, metadata };
  }
  const disabled = out.metadata?.labels?.[SUBSTITUTE_DISABLED] === 'disabled' || out.metadata?.annotations?.[SUBSTITUTE_DISABLED] === 'disabled';
  if (build.substitute === undefined || disabled) return { object: out, unresolved: new Set() };
  const done = substituteVariables(out, new Map(Object.entries(build.substitute.vars)));
  return { object: done.value as KubeObject, unresolved: done.unresolved };
}

/** One line per step the controller adds, for `plumbline envs`. */
export function describeFluxBuild(build: FluxBuild): string[] {
  const steps: string[] = [];
  if (build.patches.length > 0) steps.push(`${build.patches.length} patch${build.patches.length === 1 ? '' : 'es'}`);
  if (build.images.length > 0) steps.push(`images ${build.images.map((i) => str(i['name']) ?? '?').join(', ')}`);
  if (build.namePrefix !== undefined) steps.push(`namePrefix ${build.namePrefix}`);
  if (build.nameSuffix !== undefined) steps.push(`nameSuffix ${build.nameSuffix}`);
  if (build.targetNamespace !== undefined) steps.push(`targetNamespace ${build.targetNamespace}`);
  if (build.components.length > 0) steps.push(`components ${build.components.join(', ')}`);
  if (build.commonMetadata !== undefined) steps.push('commonMetadata');
  if (build.healthCheckExprs !== undefined) steps.push(`healthCheckExprs ${build.healthCheckExprs.map((e) => e.kind).join(', ')}`);
  if (build.substitute !== undefined) {
    const names = Object.keys(build.substitute.vars);
    steps.push(`postBuild ${names.length} variable${names.length === 1 ? '' : 's'}${build.substitute.notInGit.length > 0 ? ` (not in Git: ${build.substitute.notInGit.join(', ')})` : ''}`);
  }
  return steps;
}

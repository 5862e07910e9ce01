import { posix } from 'node:path';
import { globRegExp } from '../files/glob';
import { get, str } from './objectFields';

/** An Argo CD directory source of this repository that keeps files out of what it syncs. */
export interface ArgoExclusion {
  /** The repository-relative file of the Application or ApplicationSet that declares it. */
  declaredIn: string;
  /** Who declares it, as `plumbline envs` names it. */
  declarer: string;
  /** Its path; a template (`{{…}}`) is known only up to its first placeholder. */
  path: string;
  recurse: boolean;
  include?: string;
  exclude?: string;
}

function sourcesOf(spec: unknown): unknown[] {
  const many = get(spec, 'sources');
  return [get(spec, 'source'), ...(Array.isArray(many) ? (many as unknown[]) : [])].filter((s) => s !== undefined);
}

/**
 * The directory sources with `include` or `exclude` of an Application, or of an ApplicationSet's
 * template (expanded or not: a path from a cluster's annotations is a template), whose repository
 * is this one or not known until generated.
 */
export function argoExclusions(object: unknown, kind: string, declaredIn: string, declarer: string, isWorkspace: (url: string) => boolean): ArgoExclusion[] {
  const spec = kind === 'ApplicationSet' ? get(object, 'spec', 'template', 'spec') : get(object, 'spec');
  return sourcesOf(spec).flatMap((source): ArgoExclusion[] => {
    const repoURL = str(get(source, 'repoURL'));
    const path = str(get(source, 'path'));
    const directory = get(source, 'directory');
    const include = str(get(directory, 'include'));
    const exclude = str(get(directory, 'exclude'));
    if (path === undefined || (include === undefined && exclude === undefined)) return [];
    if (repoURL !== undefined && !repoURL.includes('{{') && !isWorkspace(repoURL)) return [];
    return [{ declaredIn, declarer, path, recurse: get(directory, 'recurse') === true, ...(include !== undefined ? { include } : {}), ...(exclude !== undefined ? { exclude } : {}) }];
  });
}

/** The folders a source's path may be, among a file's ancestors: the path itself, or, for a template, each ancestor below its fixed start. */
function basesFor(path: string, file: string): string[] {
  const clean = path.replace(/^\.\//, '').replace(/\/+$/, '') || '.';
  const ancestors: string[] = [];
  for (let d = posix.dirname(file); ; d = posix.dirname(d)) {
    ancestors.push(d);
    if (d === '.') break;
  }
  const at = clean.indexOf('{{');
  if (at < 0) return ancestors.includes(clean) ? [clean] : [];
  const fixed = clean.slice(0, at);
  return ancestors.filter((a) => (a === '.' ? '' : `${a}/`).startsWith(fixed));
}

/** Whether this source, with some folder its path may be, keeps `file` out by its `exclude` (or an `include` it does not match, for a path known in full). */
export function keepsOut(source: ArgoExclusion, file: string): boolean {
  const templated = source.path.includes('{{');
  return basesFor(source.path, file).some((base) => {
    const rel = base === '.' ? file : posix.relative(base, file);
    if (!source.recurse && rel.includes('/')) return false;
    if (source.exclude !== undefined && globRegExp(source.exclude, { crossSegments: true }).test(rel)) return true;
    return !templated && source.include !== undefined && !globRegExp(source.include, { crossSegments: true }).test(rel);
  });
}

/**
 * Why Argo CD does not sync the Argo CD objects of `file`: a directory source of this repository
 * keeps it out (gitops-bridge keeps `exclude/` folders out of every recursion, `exclude: exclude/*`)
 * and no source declared in the file itself does — a bootstrap that excludes its own file is
 * applied by hand and stays. Undefined when nothing keeps it out.
 */
export function excludedFromSync(file: string, exclusions: readonly ArgoExclusion[]): ArgoExclusion | undefined {
  const keeping = exclusions.filter((e) => keepsOut(e, file));
  if (keeping.length === 0 || keeping.some((e) => e.declaredIn === file)) return undefined;
  return keeping[0];
}

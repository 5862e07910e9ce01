import { fileStamp, StampedCache } from '../files/stamped';
import { relative } from 'node:path';
import { ManifestParser } from '../manifests/parse';
import { collectYamlFiles, readTextIfSane } from '../files/files';
import type { Applier } from './appliers';
import { readIgnoreRules, type IgnoreRule } from './ignore';

/** Ignore rules users wrote for Argo CD and Flux, and what of them Plumbline cannot honour. */
export interface GitOpsIgnore {
  rules: IgnoreRule[];
  /** Readable notes, e.g. that jqPathExpressions are not supported. */
  problems: string[];
}

const str = (v: unknown): string | undefined => (typeof v === 'string' && v !== '' ? v : undefined);
const strings = (v: unknown): string[] => (Array.isArray(v) ? v.filter((s): s is string => typeof s === 'string') : []);
const record = (v: unknown): Record<string, unknown> | undefined => (v !== null && typeof v === 'object' && !Array.isArray(v) ? (v as Record<string, unknown>) : undefined);

/** `/spec/replicas`: Flux and Argo CD pointers are RFC 6901; a missing leading slash is a user slip we forgive. */
const pointer = (p: string): string => (p.startsWith('/') ? p : `/${p}`);

/**
 * The JSON pointer a jq path expression selects, for the part of jq that only selects fields:
 * plain paths (`.spec.replicas`, `.metadata.annotations["example.com/x"]`, `.spec.ports[0]`) and
 * list items picked by a key (`.spec.template.spec.containers[] | select(.name == "app") | .image`).
 * Undefined for anything else, which Plumbline does not evaluate.
 */
export function jqPathPointer(expression: string): string | undefined {
  const stages = expression.split('|').map((p) => p.trim());
  const segments: string[] = [];
  for (let i = 0; i < stages.length; i++) {
    const stage = stages[i]!;
    const picked = /^select\(\s*\.([A-Za-z_][\w-]*)\s*==\s*"((?:[^"\\]|\\.)*)"\s*\)$/.exec(stage);
    if (picked !== null) {
      // Only right after a list's `[]`: the item whose key has that value.
      if (segments[segments.length - 1] !== '[]') return undefined;
      segments[segments.length - 1] = `${picked[1]!}=${JSON.parse(`"${picked[2]!}"`) as string}`;
      continue;
    }
    const steps = jqSteps(stage);
    if (steps === undefined || (steps.length === 0 && stage !== '.')) return undefined;
    segments.push(...steps);
  }
  if (segments.length === 0 || segments.includes('[]')) return undefined;
  return segments.map((s) => `/${s.replaceAll('~', '~0').replaceAll('/', '~1')}`).join('');
}

/** The steps of a plain jq path (`.a.b["c.d"][0][]`); `[]` stands for a list's items. */
function jqSteps(text: string): string[] | undefined {
  const steps: string[] = [];
  const step = /\.([A-Za-z_][\w-]*)|\[\s*"((?:[^"\\]|\\.)*)"\s*\]|\[\s*(\d+)\s*\]|\.\s*"((?:[^"\\]|\\.)*)"|(\[\s*\])/y;
  let at = 0;
  while (at < text.length) {
    step.lastIndex = at;
    const m = step.exec(text);
    if (m === null) return text === '.' ? [] : undefined;
    const quoted = m[2] ?? m[4];
    steps.push(m[1] ?? m[3] ?? (m[5] !== undefined ? '[]' : (JSON.parse(`"${quoted ?? ''}"`) as string)));
    at = step.lastIndex;
  }
  return steps;
}

/** Argo CD Application `spec.ignoreDifferences`, scoped to the Application's resources. */
function fromApplication(object: Record<string, unknown>, where: string): GitOpsIgnore {
  const metadata = record(object['metadata']);
  const name = str(metadata?.['name']);
  if (name === undefined) return { rules: [], problems: [] };
  const namespace = str(metadata?.['namespace']) ?? 'argocd';
  const scope: Applier = { kind: 'argocd', name, namespace };
  const origin = `Argo CD Application ${namespace}/${name}${where}`;
  const entries = record(object['spec'])?.['ignoreDifferences'];
  if (!Array.isArray(entries)) return { rules: [], problems: [] };
  const rules: IgnoreRule[] = [];
  const problems: string[] = [];
  entries.forEach((raw: unknown, i) => {
    const e = record(raw);
    if (e === undefined) return;
    const jq = strings(e['jqPathExpressions']);
    const fromJq = jq.map((expression) => ({ expression, pointer: jqPathPointer(expression) }));
    const outside = fromJq.filter((j) => j.pointer === undefined).map((j) => j.expression);
    if (outside.length > 0) problems.push(`${origin}: ignoreDifferences[${i}].jqPathExpressions (${outside.join(', ')}) are outside what Plumbline evaluates (plain paths such as .spec.replicas or .metadata.annotations["example.com/x"]); use jsonPointers so the editor and \`plumbline diff\` ignore those fields too`);
    const jsonPointers = [...strings(e['jsonPointers']).map(pointer), ...fromJq.flatMap((j) => (j.pointer === undefined ? [] : [j.pointer]))];
    const managers = strings(e['managedFieldsManagers']);
    if (jsonPointers.length === 0 && managers.length === 0) return;
    const rule: IgnoreRule = { jsonPointers, scope, origin, group: typeof e['group'] === 'string' ? e['group'] : '' };
    if (managers.length > 0) rule.managers = managers;
    for (const key of ['kind', 'name', 'namespace'] as const) {
      const v = str(e[key]);
      if (v !== undefined) rule[key] = v;
    }
    rules.push(rule);
  });
  return { rules, problems };
}

/** Flux HelmRelease `spec.driftDetection.ignore`, scoped to the release's objects. */
function fromHelmRelease(object: Record<string, unknown>, where: string): GitOpsIgnore {
  const metadata = record(object['metadata']);
  const name = str(metadata?.['name']);
  if (name === undefined) return { rules: [], problems: [] };
  const namespace = str(metadata?.['namespace']) ?? 'default';
  const entries = record(record(object['spec'])?.['driftDetection'])?.['ignore'];
  return fluxIgnoreRules(entries, { kind: 'flux-helm', name, namespace }, `Flux HelmRelease ${namespace}/${name}${where}`, 'driftDetection.ignore');
}

/** Flux Kustomization `spec.ignore` (kustomize-controller 1.9), scoped to the Kustomization's objects. */
function fromKustomization(object: Record<string, unknown>, where: string): GitOpsIgnore {
  const metadata = record(object['metadata']);
  const name = str(metadata?.['name']);
  if (name === undefined) return { rules: [], problems: [] };
  const namespace = str(metadata?.['namespace']) ?? 'default';
  return fluxIgnoreRules(record(object['spec'])?.['ignore'], { kind: 'flux', name, namespace }, `Flux Kustomization ${namespace}/${name}${where}`, 'ignore');
}

/** Flux's ignore entries (JSON pointer `paths` and an optional `target` selector), as helm- and kustomize-controller share them. */
function fluxIgnoreRules(entries: unknown, scope: Applier, origin: string, field: string): GitOpsIgnore {
  if (!Array.isArray(entries)) return { rules: [], problems: [] };
  const rules: IgnoreRule[] = [];
  const problems: string[] = [];
  entries.forEach((raw: unknown, i) => {
    const e = record(raw);
    const jsonPointers = strings(e?.['paths']).map(pointer);
    if (e === undefined || jsonPointers.length === 0) return;
    const rule: IgnoreRule = { jsonPointers, scope, origin };
    const target = record(e['target']);
    if (target !== undefined) {
      for (const key of ['group', 'kind', 'name', 'namespace'] as const) {
        const v = typeof target[key] === 'string' ? target[key] : undefined;
        if (v !== undefined) rule[key] = v;
      }
      if (str(target['labelSelector']) !== undefined || str(target['annotationSelector']) !== undefined) {
        problems.push(`${origin}: ${field}[${i}].target label and annotation selectors are not supported by Plumbline; the entry applies to every object it otherwise selects`);
      }
    }
    rules.push(rule);
  });
  return { rules, problems };
}

/** The ignore rules written in Argo CD Applications and Flux HelmReleases among these objects. */
export function gitOpsIgnoreRules(objects: readonly { object: unknown; file?: string }[]): GitOpsIgnore {
  const out: GitOpsIgnore = { rules: [], problems: [] };
  for (const { object, file } of objects) {
    const o = record(object);
    if (o === undefined) continue;
    const apiVersion = str(o['apiVersion']) ?? '';
    const where = file === undefined ? '' : ` (${file})`;
    let found: GitOpsIgnore | undefined;
    if (o['kind'] === 'Application' && apiVersion.startsWith('argoproj.io/')) found = fromApplication(o, where);
    else if (o['kind'] === 'HelmRelease' && apiVersion.startsWith('helm.toolkit.fluxcd.io/')) found = fromHelmRelease(o, where);
    else if (o['kind'] === 'Kustomization' && apiVersion.startsWith('kustomize.toolkit.fluxcd.io/')) found = fromKustomization(o, where);
    if (found === undefined) continue;
    out.rules.push(...found.rules);
    out.problems.push(...found.problems);
  }
  return out;
}

/**
 * Reads the Applications and HelmReleases of the workspace (Git: what users write and review,
 * available offline and without RBAC on argoproj.io) for their ignore rules.
 */
export async function readGitOpsIgnore(paths: readonly string[], root: string): Promise<GitOpsIgnore> {
  const files = await collectYamlFiles(paths);
  const read = await Promise.all(files.map((file) => objectsWithRules(file)));
  const objects = files.flatMap((file, i) => read[i]!.map((object) => ({ object, file: relative(root, file) || file })));
  return gitOpsIgnoreRules(objects);
}

/** Objects of files as last read, kept while a file's size and time stay the same: the tree reads the rules on every answer. */
const rulesRead = new StampedCache<unknown[]>(50_000);

/** The documents of a file that can hold ignore rules (Applications, HelmReleases); none for most files. */
async function objectsWithRules(file: string): Promise<unknown[]> {
  return rulesRead.get(file, await fileStamp(file), () => readObjectsWithRules(file));
}

function readObjectsWithRules(file: string): Promise<unknown[]> {
  // The read the diff and discovery share within one answer; a FIFO or an oversized file holds no rules.
  return readTextIfSane(file)
    .then((read) => {
      const text = read ?? '';
      // Cheap gate: only files that can hold such rules are parsed. The regular expression only
      // where its word occurs (most files have none): it tried every line of every file.
      if (!text.includes('ignoreDifferences') && !text.includes('driftDetection') && !(text.includes('ignore:') && /^\s+ignore:/m.test(text))) return [];
      return new ManifestParser().parse(text).documents.flatMap((d) => {
        if (d.syntax.some((p) => p.severity === 'error')) return [];
        try {
          return [d.doc.toJS({ maxAliasCount: 50 }) as unknown];
        } catch {
          return [];
        }
      });
    });
}

/** Every ignore rule of a workspace: `.plumbline.yaml`'s and those in its Applications and HelmReleases. */
export async function workspaceIgnore(root: string, configText: string | undefined): Promise<GitOpsIgnore> {
  const own = configText === undefined ? [] : readIgnoreRules(configText);
  const gitops = await readGitOpsIgnore([root], root).catch((): GitOpsIgnore => ({ rules: [], problems: [] }));
  return { rules: [...own, ...gitops.rules], problems: gitops.problems };
}

/**
 * The editor asks for the rules on every drift run; walking the workspace each time would cost
 * more than the comparison. One walk serves the runs of the next `maxAgeMs`.
 */
export class GitOpsIgnoreCache {
  // Kept until a YAML file changes: re-reading the whole workspace on a timer stalled live drift
  // updates for hundreds of milliseconds in a workspace of 2,000 files.
  private cached: { root: string; value: Promise<GitOpsIgnore> } | undefined;

  get(root: string): Promise<GitOpsIgnore> {
    if (this.cached === undefined || this.cached.root !== root) {
      this.cached = { root, value: readGitOpsIgnore([root], root).catch((): GitOpsIgnore => ({ rules: [], problems: [] })) };
    }
    return this.cached.value;
  }

  /** Forgets the rules; the next `get` reads the workspace again. */
  invalidate(): void {
    this.cached = undefined;
  }
}

import { readdirSync, readFileSync } from 'node:fs';
import { basename, dirname, join, posix } from 'node:path';
import { parse } from 'yaml';
import { YAML_LOG } from '../manifests/yamlLog';
import { get, records, str } from './objectFields';
import { globRegExp } from '../files/glob';

/** One set of generator parameters: nested for Go templates, flattened (`a.b`) for `{{a.b}}`. */
type Params = Record<string, unknown>;

/** The Applications an ApplicationSet generates here, or why it cannot be expanded without a cluster or network. */
export type Expansion = { applications: Record<string, unknown>[] } | { unexpanded: string };

const MAX_APPLICATIONS = 500;

/** Every folder (or file) of the repository, repository-relative, `.git` and dot-folders left out. */
function walk(root: string, files: boolean): string[] {
  const out: string[] = [];
  const visit = (rel: string): void => {
    let entries;
    try {
      entries = readdirSync(join(root, rel), { withFileTypes: true });
    } catch {
      return;
    }
    for (const e of entries) {
      if (e.name.startsWith('.')) continue;
      const path = rel === '' ? e.name : `${rel}/${e.name}`;
      if (e.isDirectory()) {
        if (!files) out.push(path);
        if (out.length > 20_000) return;
        visit(path);
      } else if (files && e.isFile()) out.push(path);
    }
  };
  visit('');
  return out.sort();
}

const normalized = (name: string): string => name.toLowerCase().replace(/[^a-z0-9-]/g, '-');

function pathParams(path: string, file?: string): Params {
  const segments = path.split('/');
  const nested: Params = { path, basename: basename(path), basenameNormalized: normalized(basename(path)), segments };
  if (file !== undefined) {
    nested['filename'] = file;
    nested['filenameNormalized'] = normalized(file);
  }
  const flat: Params = { path, 'path.basename': basename(path), 'path.basenameNormalized': normalized(basename(path)) };
  segments.forEach((s, i) => (flat[`path[${i}]`] = s));
  if (file !== undefined) {
    flat['path.filename'] = file;
    flat['path.filenameNormalized'] = normalized(file);
  }
  return { ...flat, __go: { path: nested } };
}

function flatten(value: unknown, prefix: string, out: Params): void {
  if (value !== null && typeof value === 'object' && !Array.isArray(value)) {
    for (const [k, v] of Object.entries(value)) flatten(v, prefix === '' ? k : `${prefix}.${k}`, out);
  } else out[prefix] = value;
}

/** Parameters of a list element or a file: flat keys for `{{a.b}}`, the value itself for `{{.a.b}}`. */
function valueParams(value: Record<string, unknown>): Params {
  const flat: Params = {};
  flatten(value, '', flat);
  return { ...flat, __go: value };
}

function merge(a: Params, b: Params): Params {
  return { ...a, ...b, __go: { ...(a['__go'] as Params | undefined), ...(b['__go'] as Params | undefined) } };
}

/** The parameter sets of one generator; a string says why it cannot be computed here. */
function generate(root: string, generator: Record<string, unknown>, isWorkspace: (url: string) => boolean, depth: number): Params[] | string {
  const list = get(generator, 'list');
  if (list !== undefined) {
    const elements = records(get(list, 'elements'));
    const yamlText = str(get(list, 'elementsYaml'));
    if (yamlText !== undefined) return 'a list generator with elementsYaml (a template) is not expanded';
    return elements.map(valueParams);
  }
  const git = get(generator, 'git');
  if (git !== undefined) {
    const repoURL = str(get(git, 'repoURL'));
    if (repoURL !== undefined && !isWorkspace(repoURL)) return `its git generator reads another repository (${repoURL})`;
    const directories = records(get(git, 'directories'));
    if (directories.length > 0) {
      const folders = walk(root, false);
      const include = directories.filter((d) => d['exclude'] !== true).map((d) => globRegExp(str(d['path']) ?? ''));
      const exclude = directories.filter((d) => d['exclude'] === true).map((d) => globRegExp(str(d['path']) ?? ''));
      return folders.filter((f) => include.some((r) => r.test(f)) && !exclude.some((r) => r.test(f))).map((f) => pathParams(f));
    }
    const files = records(get(git, 'files'));
    if (files.length > 0) {
      const all = walk(root, true);
      const patterns = files.map((f) => globRegExp(str(f['path']) ?? ''));
      const out: Params[] = [];
      for (const file of all.filter((f) => patterns.some((r) => r.test(f)))) {
        let content: unknown;
        try {
          content = parse(readFileSync(join(root, file), 'utf8'), YAML_LOG);
        } catch {
          return `its git file generator cannot read ${file}`;
        }
        const folder = dirname(file) === '.' ? '' : dirname(file);
        const base = pathParams(folder, posix.basename(file));
        for (const item of Array.isArray(content) ? content : [content]) {
          if (item !== null && typeof item === 'object' && !Array.isArray(item)) out.push(merge(base, valueParams(item as Record<string, unknown>)));
        }
      }
      return out;
    }
    return 'its git generator names neither directories nor files';
  }
  for (const kind of ['matrix', 'merge'] as const) {
    const combined = get(generator, kind);
    if (combined === undefined) continue;
    if (depth > 2) return `a ${kind} generator nested deeper than Argo CD allows`;
    const children = records(get(combined, 'generators'));
    if (children.length !== 2 && kind === 'matrix') return 'a matrix generator needs exactly two generators';
    const sets: Params[][] = [];
    for (const child of children) {
      const r = generate(root, child, isWorkspace, depth + 1);
      if (typeof r === 'string') return r;
      sets.push(r);
    }
    if (kind === 'matrix') return sets[0]!.flatMap((a) => sets[1]!.map((b) => merge(a, b)));
    const keys = (Array.isArray(get(combined, 'mergeKeys')) ? (get(combined, 'mergeKeys') as unknown[]) : []).filter((k): k is string => typeof k === 'string');
    const [base = [], ...rest] = sets;
    return base.map((p) => rest.reduce((acc, set) => merge(acc, set.find((q) => keys.every((k) => q[k] === acc[k])) ?? {}), p));
  }
  const kind = Object.keys(generator).find((k) => k !== 'selector' && k !== 'template') ?? 'unknown';
  return `its ${kind} generator needs the cluster or a network (${kind === 'clusters' ? 'the clusters Argo CD knows' : 'an SCM or pull-request API'}), which Plumbline does not ask`;
}

/** A parameter's text, for a scalar; undefined for anything else. */
function scalarText(value: unknown): string | undefined {
  if (typeof value === 'string') return value;
  if (typeof value === 'number' || typeof value === 'boolean' || value === null) return String(value);
  return undefined;
}

/** Fills one template string; undefined when it holds an expression this evaluator does not know. */
function fill(text: string, params: Params, goTemplate: boolean): string | undefined {
  let unknownExpression = false;
  const out = text.replace(/\{\{-?\s*(.*?)\s*-?\}\}/g, (whole, expression: string) => {
    if (goTemplate) {
      const go = params['__go'];
      const index = /^index\s+\.([\w.]+)\s+(\d+)$/.exec(expression);
      const field = /^\.([\w.]+)$/.exec(expression);
      let value: unknown;
      if (index !== null) value = (get(go, ...index[1]!.split('.')) as unknown[] | undefined)?.[Number(index[2])];
      else if (field !== null) value = get(go, ...field[1]!.split('.'));
      else {
        unknownExpression = true;
        return whole;
      }
      const text = scalarText(value);
      if (text === undefined) {
        unknownExpression = true;
        return whole;
      }
      return text;
    }
    // fasttemplate leaves an unknown parameter as written.
    return scalarText(params[expression]) ?? whole;
  });
  return unknownExpression ? undefined : out;
}

/** A generator's own template over the ApplicationSet's: its fields win, field by field. */
function overlay(base: unknown, over: unknown): unknown {
  if (base === null || typeof base !== 'object' || Array.isArray(base) || over === null || typeof over !== 'object' || Array.isArray(over)) return over === undefined || over === '' ? base : over;
  const out: Record<string, unknown> = { ...(base as Record<string, unknown>) };
  for (const [k, v] of Object.entries(over)) out[k] = overlay(out[k], v);
  return out;
}

function render(node: unknown, params: Params, goTemplate: boolean): unknown {
  if (typeof node === 'string') {
    const filled = fill(node, params, goTemplate);
    if (filled === undefined) throw new Error(`the template expression in "${node}" is not one Plumbline evaluates (it knows .field, index .field N)`);
    return filled;
  }
  if (Array.isArray(node)) return node.map((n) => render(n, params, goTemplate));
  if (node !== null && typeof node === 'object') return Object.fromEntries(Object.entries(node).map(([k, v]) => [k, render(v, params, goTemplate)]));
  return node;
}

/**
 * The Applications an ApplicationSet generates from this repository: list, git directory and git
 * file generators (this repository only), and matrix/merge of those, through its template
 * (`{{param}}`, or `goTemplate` with `{{.field}}` and `{{index .field N}}`). Generators that need
 * the cluster or a network (clusters, SCM, pull requests) and other template functions are named.
 */
export function expandApplicationSet(root: string, object: unknown, isWorkspace: (url: string) => boolean): Expansion {
  const template = get(object, 'spec', 'template');
  if (template === undefined) return { unexpanded: 'it has no template' };
  const goTemplate = get(object, 'spec', 'goTemplate') === true;
  const applications: Record<string, unknown>[] = [];
  for (const generator of records(get(object, 'spec', 'generators'))) {
    const sets = generate(root, generator, isWorkspace, 0);
    if (typeof sets === 'string') return { unexpanded: sets };
    const own = get(generator, Object.keys(generator).find((k) => k !== 'selector') ?? '', 'template');
    for (const params of sets) {
      try {
        const spec = render(own !== undefined ? overlay(template, own) : template, params, goTemplate) as Record<string, unknown>;
        applications.push({ apiVersion: 'argoproj.io/v1alpha1', kind: 'Application', ...spec });
      } catch (error: unknown) {
        return { unexpanded: error instanceof Error ? error.message : String(error) };
      }
      if (applications.length > MAX_APPLICATIONS) return { unexpanded: `it generates more than ${MAX_APPLICATIONS} Applications` };
    }
  }
  return { applications };
}

import { isMap, isScalar, isSeq, type Document } from 'yaml';
import type { KubeObject } from '../manifests/kubeObject';
import { valueAt, matchesKeys, type FieldPath } from '../manifests/fieldPath';
import { locate } from '../manifests/sourceMap';
import { identityOf, parseApiVersion } from '../manifests/identity';
import type { KustomizationNode, PatchRef, PatchTarget } from './tree';

/** How a field of a rendered object came to be. */
export type OriginVia = 'resource' | 'strategic-merge' | 'json6902' | 'transformer' | 'generator';

/** The file, document and YAML path that declares a field of a rendered object. */
export interface FieldOrigin {
  file: string;
  /** Index of the YAML document in that file. */
  document: number;
  /** Path inside that document, for `locate` (a kustomization's `namePrefix`, a patch's `spec.replicas`, a JSON patch's `[2, value]`). */
  path: FieldPath;
  /** False when only an ancestor of the field is declared there (a field set by hand in the cluster). */
  exact: boolean;
  via: OriginVia;
}

interface Claim {
  path: FieldPath;
  exact: boolean;
  depth: number;
}

/** One writer of fields in kustomize's order: the resource, then each patch and transformer that applies. */
interface Step {
  file: string;
  document: number;
  via: OriginVia;
  claim(path: FieldPath): Claim | undefined;
}

/** The writers of one rendered object's fields; the last writer of a field is its origin. */
export class ObjectOrigins {
  constructor(
    /** The file that declares the object itself (its resource file, or the kustomization that generates it). */
    readonly source: { file: string; document: number } | undefined,
    private readonly steps: readonly Step[],
  ) {}

  /** Every file that writes some field of the object. */
  get files(): Set<string> {
    return new Set(this.steps.map((s) => s.file));
  }

  /** The documents of `file` that write some field of the object, in order. */
  documentsIn(file: string): number[] {
    return [...new Set(this.steps.filter((s) => s.file === file).map((s) => s.document))];
  }

  /**
   * Where a field comes from: the last writer that declares it exactly; when none does (a
   * field only the cluster has), the writer that declares the deepest ancestor, earliest first.
   */
  originOf(path: FieldPath): FieldOrigin | undefined {
    let best: { step: Step; claim: Claim } | undefined;
    for (let i = this.steps.length - 1; i >= 0; i--) {
      const step = this.steps[i]!;
      const claim = step.claim(path);
      if (claim === undefined) continue;
      if (claim.exact) return { file: step.file, document: step.document, path: claim.path, exact: true, via: step.via };
      if (best === undefined || claim.depth >= best.claim.depth) best = { step, claim };
    }
    return best === undefined ? undefined : { file: best.step.file, document: best.step.document, path: best.claim.path, exact: false, via: best.step.via };
  }
}

const IDENTITY_PATHS = [['apiVersion'], ['kind'], ['metadata', 'name'], ['metadata', 'namespace']].map((p) => JSON.stringify(p));

/** A YAML document as a writer of every field it states (a resource or a strategic-merge patch). */
function documentClaim(doc: Document, kind: string, path: FieldPath, identityIsWrite: boolean): Claim | undefined {
  if (!identityIsWrite && IDENTITY_PATHS.includes(JSON.stringify(path))) return undefined;
  const spot = locate(doc, path);
  if (kind === 'Secret' && path[0] === 'data' && spot?.exact !== true) {
    const fromStringData = locate(doc, ['stringData', ...path.slice(1)]);
    if (fromStringData?.exact === true) return { path: ['stringData', ...path.slice(1)], exact: true, depth: path.length };
  }
  if (spot === undefined) return undefined;
  // A patch stating only `spec:` declares nothing below it worth pointing at.
  if (!spot.exact && !identityIsWrite && spot.depth < 2) return undefined;
  return { path, exact: spot.exact, depth: spot.depth };
}

function unescapePointer(segment: string): string {
  return segment.replaceAll('~1', '/').replaceAll('~0', '~');
}

/** The JSON pointer segments of a field path on a concrete object: list items by merge key become indices. */
function pointerSegments(object: unknown, path: FieldPath): string[] | undefined {
  const out: string[] = [];
  let current: unknown = object;
  for (const step of path) {
    if (typeof step === 'string') {
      out.push(step);
      current = current !== null && typeof current === 'object' ? (current as Record<string, unknown>)[step] : undefined;
    } else if (typeof step === 'number') {
      out.push(String(step));
      current = Array.isArray(current) ? current[step] : undefined;
    } else {
      if (!Array.isArray(current)) return undefined;
      const at = current.findIndex((item) => (step.keys['$value'] !== undefined ? item === step.keys['$value'] : matchesKeys(item, step.keys)));
      if (at === -1) return undefined;
      out.push(String(at));
      current = current[at];
    }
  }
  return out;
}

/** A JSON 6902 patch as a writer: each add/replace operation declares its path and what its value holds. */
function json6902Claim(doc: Document, rendered: KubeObject, path: FieldPath): Claim | undefined {
  const ops = doc.contents;
  if (!isSeq(ops)) return undefined;
  const concrete = pointerSegments(rendered, path);
  if (concrete === undefined) return undefined;
  for (let i = ops.items.length - 1; i >= 0; i--) {
    const op = ops.items[i];
    if (!isMap(op)) continue;
    const kind = op.get('op');
    const target = op.get('path');
    if ((kind !== 'add' && kind !== 'replace') || typeof target !== 'string') continue;
    const segments = target.split('/').slice(1).map(unescapePointer);
    if (segments.length > concrete.length || !segments.every((s, k) => s === concrete[k] || (s === '-' && k === segments.length - 1))) continue;
    const inner: FieldPath = [i, 'value', ...path.slice(segments.length)];
    const spot = locate(doc, inner);
    if (spot === undefined) continue;
    return { path: spot.exact ? inner : [i, 'value'], exact: spot.exact, depth: segments.length + (spot.depth - 2) };
  }
  return undefined;
}

/** The labels paths a label transformer writes for a kind. */
function labelPlace(kind: string, path: FieldPath): 'metadata' | 'selector' | 'template' | undefined {
  const at = JSON.stringify(path.slice(0, -1));
  if (at === '["metadata","labels"]') return 'metadata';
  if (at === '["spec","selector","matchLabels"]' || (kind === 'Service' && at === '["spec","selector"]')) return 'selector';
  if (at === '["spec","template","metadata","labels"]' || at === '["spec","jobTemplate","spec","template","metadata","labels"]') return 'template';
  return undefined;
}

function imageRepository(image: string): string {
  const digest = image.indexOf('@');
  const withoutDigest = digest === -1 ? image : image.slice(0, digest);
  const colon = withoutDigest.lastIndexOf(':');
  return colon > withoutDigest.lastIndexOf('/') ? withoutDigest.slice(0, colon) : withoutDigest;
}

interface Simulated {
  kind: string;
  group: string;
  version: string;
  /** Every name the object has had so far: kustomize matches patches by current or original name. */
  names: Set<string>;
  name: string;
  namespace: string | undefined;
}

/** A kustomization's name, namespace, label, annotation, image and replica transformers as a writer. */
function transformerClaim(k: KustomizationNode, object: Simulated, rendered: KubeObject, path: FieldPath): Claim | undefined {
  const root = k.doc.contents;
  if (!isMap(root)) return undefined;
  const found = (p: FieldPath): Claim | undefined => (locate(k.doc, p)?.exact === true ? { path: p, exact: true, depth: path.length } : undefined);
  const key = JSON.stringify(path);
  if (key === '["metadata","name"]') return found(['namePrefix']) ?? found(['nameSuffix']);
  // A Flux Kustomization's spec (its node has a prefix) says targetNamespace and commonMetadata where kustomize says namespace and commonLabels.
  const flux = k.prefix !== undefined;
  if (key === '["metadata","namespace"]') return found([flux ? 'targetNamespace' : 'namespace']);
  const last = path[path.length - 1];
  if (flux && typeof last === 'string' && path.length === 3 && path[0] === 'metadata' && (path[1] === 'labels' || path[1] === 'annotations')) {
    const claim = found(['commonMetadata', path[1], last]);
    if (claim !== undefined) return claim;
  }
  if (typeof last === 'string') {
    const place = labelPlace(object.kind, path);
    if (place !== undefined) {
      const common = found(['commonLabels', last]);
      if (common !== undefined) return common;
      const labels = root.get('labels', true);
      if (isSeq(labels)) {
        for (let i = labels.items.length - 1; i >= 0; i--) {
          const entry = labels.items[i];
          if (!isMap(entry)) continue;
          const selectors = entry.get('includeSelectors') === true;
          const templates = selectors || entry.get('includeTemplates') === true;
          if (place === 'selector' && !selectors) continue;
          if (place === 'template' && !templates) continue;
          const claim = found(['labels', i, 'pairs', last]);
          if (claim !== undefined) return claim;
        }
      }
    }
    const parent = JSON.stringify(path.slice(0, -1));
    if (parent === '["metadata","annotations"]' || parent === '["spec","template","metadata","annotations"]') {
      const claim = found(['commonAnnotations', last]);
      if (claim !== undefined) return claim;
    }
  }
  if (key === '["spec","replicas"]') {
    const replicas = root.get('replicas', true);
    if (isSeq(replicas)) {
      for (let i = replicas.items.length - 1; i >= 0; i--) {
        const entry = replicas.items[i];
        if (isMap(entry) && typeof entry.get('name') === 'string' && object.names.has(entry.get('name') as string)) return found(['replicas', i, 'count']);
      }
    }
  }
  if (last === 'image' && typeof path[path.length - 2] === 'object' && (path[path.length - 3] === 'containers' || path[path.length - 3] === 'initContainers')) {
    const image = valueAt(rendered, path);
    const images = root.get('images', true);
    if (typeof image === 'string' && isSeq(images)) {
      const repository = imageRepository(image);
      for (let i = images.items.length - 1; i >= 0; i--) {
        const entry = images.items[i];
        if (!isMap(entry)) continue;
        const name = entry.get('newName') ?? entry.get('name');
        if (name !== repository) continue;
        for (const field of ['newTag', 'digest', 'newName']) {
          const claim = found(['images', i, field]);
          if (claim !== undefined) return claim;
        }
      }
    }
  }
  return undefined;
}

/** A `configMapGenerator`/`secretGenerator` entry as the writer of the keys its literals state. */
function generatorClaim(k: KustomizationNode, object: Simulated, path: FieldPath): Claim | undefined {
  if (path.length !== 2 || (path[0] !== 'data' && path[0] !== 'stringData') || typeof path[1] !== 'string') return undefined;
  const key = object.kind === 'Secret' ? 'secretGenerator' : 'configMapGenerator';
  const list = isMap(k.doc.contents) ? k.doc.contents.get(key, true) : undefined;
  if (!isSeq(list)) return undefined;
  for (let i = list.items.length - 1; i >= 0; i--) {
    const entry = list.items[i];
    if (!isMap(entry) || !object.names.has(String(entry.get('name')))) continue;
    const literals = entry.get('literals', true);
    if (!isSeq(literals)) continue;
    for (let j = literals.items.length - 1; j >= 0; j--) {
      const literal = literals.items[j];
      if (isScalar(literal) && typeof literal.value === 'string' && literal.value.split('=')[0] === path[1]) return { path: [key, i, 'literals', j], exact: true, depth: 2 };
    }
  }
  return undefined;
}

function regexMatch(pattern: string, value: string): boolean {
  try {
    return new RegExp(`^(?:${pattern})$`).test(value);
  } catch {
    return pattern === value;
  }
}

function selectorMatches(selector: string, values: Record<string, string> | undefined): boolean {
  return selector
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s !== '')
    .every((term) => {
      const not = /^(.+?)\s*!=\s*(.*)$/.exec(term);
      if (not !== null) return values?.[not[1]!] !== not[2];
      const eq = /^(.+?)\s*==?\s*(.*)$/.exec(term);
      if (eq !== null) return values?.[eq[1]!] === eq[2];
      return term.startsWith('!') ? values?.[term.slice(1)] === undefined : values?.[term] !== undefined;
    });
}

function targetMatches(target: PatchTarget, object: Simulated, rendered: KubeObject): boolean {
  if (target.kind !== undefined && target.kind !== object.kind) return false;
  if (target.group !== undefined && target.group !== object.group) return false;
  if (target.version !== undefined && target.version !== object.version) return false;
  if (target.name !== undefined && ![...object.names].some((n) => regexMatch(target.name!, n))) return false;
  if (target.namespace !== undefined && target.namespace !== object.namespace) return false;
  if (target.labelSelector !== undefined && !selectorMatches(target.labelSelector, rendered.metadata?.labels)) return false;
  if (target.annotationSelector !== undefined && !selectorMatches(target.annotationSelector, rendered.metadata?.annotations)) return false;
  return true;
}

/** The documents of a patch that apply to the object, with their index in the patch. */
function patchDocuments(patch: PatchRef, object: Simulated, rendered: KubeObject): { doc: Document; index: number }[] {
  if (patch.use === 'json6902' || patch.target !== undefined) {
    if (patch.target === undefined || !targetMatches(patch.target, object, rendered)) return [];
    return patch.documents.map((doc, index) => ({ doc, index }));
  }
  return patch.documents.flatMap((doc, index) => {
    const id = identityOf(doc);
    if (id === undefined || id.kind !== object.kind || id.group !== object.group || id.name === undefined || !object.names.has(id.name)) return [];
    if (id.namespace !== undefined && id.namespace !== object.namespace) return [];
    return [{ doc, index }];
  });
}

/** The kustomizations from the one that lists `file` out to `node`, innermost first. */
function chainTo(node: KustomizationNode, has: (k: KustomizationNode) => boolean): KustomizationNode[] | undefined {
  if (has(node)) return [node];
  for (const child of [...node.children, ...node.components]) {
    const chain = chainTo(child, has);
    if (chain !== undefined) return [...chain, node];
  }
  return undefined;
}

/** Adds a kustomization's writers for the object, in kustomize's order, and applies its renames. */
function stepsOf(k: KustomizationNode, object: Simulated, rendered: KubeObject, steps: Step[], skipComponent: KustomizationNode | undefined): void {
  for (const component of k.components) if (component !== skipComponent) stepsOf(component, object, rendered, steps, undefined);
  // A Flux Kustomization's spec stands for a kustomization: its claims are reported under `spec` of its document.
  const document = k.document ?? 0;
  const own = (claim: (path: FieldPath) => Claim | undefined) => (path: FieldPath): Claim | undefined => {
    const c = claim(path);
    return c === undefined || k.prefix === undefined ? c : { ...c, path: [...k.prefix, ...c.path] };
  };
  steps.push({ file: k.path, document, via: 'generator', claim: own((path) => generatorClaim(k, object, path)) });
  const patchSteps = (use: PatchRef['use'], declaredJson: boolean): void => {
    for (const patch of k.patches) {
      const isJson = patch.entry[0] === 'patchesJson6902';
      if (patch.use !== use || isJson !== declaredJson) continue;
      for (const { doc, index } of patchDocuments(patch, object, rendered)) {
        const claim = patch.use === 'json6902' ? (path: FieldPath) => json6902Claim(doc, rendered, path) : (path: FieldPath) => documentClaim(doc, object.kind, path, false);
        if (patch.file !== undefined) steps.push({ file: patch.file, document: index, via: patch.use, claim });
        // An inline patch points at its entry in the kustomization: its text is a string there.
        else steps.push({ file: k.path, document, via: patch.use, claim: own((path) => (claim(path)?.exact === true ? { path: patch.entry, exact: true, depth: path.length } : undefined)) });
      }
    }
  };
  patchSteps('strategic-merge', false);
  patchSteps('json6902', false);
  const snapshot: Simulated = { ...object, names: new Set(object.names) };
  steps.push({ file: k.path, document, via: 'transformer', claim: own((path) => transformerClaim(k, snapshot, rendered, path)) });
  const root = k.doc.contents;
  if (isMap(root)) {
    const prefix = root.get('namePrefix');
    const suffix = root.get('nameSuffix');
    const namespace = root.get(k.prefix !== undefined ? 'targetNamespace' : 'namespace');
    if (typeof prefix === 'string' || typeof suffix === 'string') {
      object.name = `${typeof prefix === 'string' ? prefix : ''}${object.name}${typeof suffix === 'string' ? suffix : ''}`;
      object.names.add(object.name);
    }
    // The namespace transformer renames a Namespace object instead; patches never target it by namespace.
    if (typeof namespace === 'string' && object.kind !== 'Namespace') object.namespace = namespace;
  }
  patchSteps('json6902', true);
}

/** The field origins of one rendered object, from the kustomization trees of its environment. */
export function originsOf(roots: readonly KustomizationNode[], rendered: KubeObject, source: string | undefined, documentsOf: (file: string) => readonly Document[] | undefined): ObjectOrigins {
  const kind = rendered.kind ?? '';
  const { group, version } = parseApiVersion(rendered.apiVersion ?? '');
  const finalName = rendered.metadata?.name ?? '';
  // Objects a generator makes carry no resource file: they get no field origins (their drift is not placed).
  if (source === undefined) return new ObjectOrigins(undefined, []);
  // A plain folder (no kustomization) is its own only writer.
  let chain: KustomizationNode[] | undefined = roots.length === 0 ? [] : undefined;
  for (const root of roots) {
    chain = chainTo(root, (k) => k.files.includes(source));
    if (chain !== undefined) break;
  }
  if (chain === undefined) return new ObjectOrigins({ file: source, document: 0 }, []);
  const docs = documentsOf(source) ?? [];
  const candidates = docs.map((doc, index) => ({ doc, index, id: identityOf(doc) })).filter((c) => c.id?.kind === kind && c.id.group === group);
  const simulate = (name: string, namespace: string | undefined): { object: Simulated; steps: Step[] } => {
    const object: Simulated = { kind, group, version, names: new Set([name]), name, namespace };
    const steps: Step[] = [];
    // A component on the way to the file already added its own writers.
    chain.forEach((k, i) => stepsOf(k, object, rendered, steps, chain[i - 1]));
    return { object, steps };
  };
  for (const candidate of candidates) {
    const { object, steps } = simulate(candidate.id?.name ?? '', candidate.id?.namespace);
    if (object.name !== finalName && candidates.length > 1) continue;
    const doc = candidate.doc;
    const resource: Step = { file: source, document: candidate.index, via: 'resource', claim: (path) => documentClaim(doc, kind, path, true) };
    return new ObjectOrigins({ file: source, document: candidate.index }, [resource, ...steps]);
  }
  return new ObjectOrigins({ file: source, document: 0 }, []);
}

import { isToolConfig } from '../manifests/toolConfigs';
import type { Document, Node } from 'yaml';
import { isMap, isScalar, isSeq, valueOf } from '../manifests/yamlNodes';
import { identityOfNode, parseApiVersion, type ResourceIdentity } from '../manifests/identity';
import { mayHaveYaml11Keys } from '../manifests/quickParse';
import { needsFullParseToReport, parseChunk, type ManifestFile, type ParsedChunk, type ParsedDocument, type PlacedChunk } from '../manifests/parse';
import type { SchemaResolver } from '../schemas/resolver';
import { validateDocument } from '../validation/validateDocument';
import { apiRulesKnown } from '../validation/apiNames';
import { apiLifecycle, hasLifecycle } from '../validation/apiLifecycle';
import type { FileRole } from './fileRole';
import { looksTemplated } from './fileRole';
import { DEFAULT_LIMITS, tooLargeReason, type CheckLimits } from '../files/limits';
import { plumblineConfigProblems } from '../validation/plumblineConfig';
import { crdRuleCostProblems } from '../validation/cel/crdRuleCost';
import { yaml11KeyProblems } from '../validation/yaml11Keys';
import { FILE_START, type Finding, type Problem, type Severity } from '../manifests/problem';
import type { PostBuildValues } from '../manifests/placeholders';

export interface CheckOptions {
  role: FileRole;
  /** Without schemas only YAML syntax is checked. */
  schemas?: SchemaResolver;
  /** Severity of the note on a kind that no schema describes; 'ignore' drops it. */
  unknownKind: Severity | 'ignore';
  /**
   * The object as the cluster holds it (JSON), when the caller already knows it: CEL transition
   * rules then run as on an update, with ratcheting. `generation` changes whenever an answer may.
   */
  liveObjects?: { lookup: (identity: ResourceIdentity) => unknown; generation: number };
  /** The post-build variables, with their values in Git, of a Flux Kustomization that renders this file. */
  variables?: PostBuildValues;
}

export const DEFAULT_CHECK_OPTIONS: CheckOptions = { role: { kind: 'manifests' }, unknownKind: 'information' };

const KUSTOMIZATION_IDENTITY: ResourceIdentity = {
  apiVersion: 'kustomize.config.k8s.io/v1beta1',
  group: 'kustomize.config.k8s.io',
  version: 'v1beta1',
  kind: 'Kustomization',
};

function place(file: ManifestFile, base: number, problem: Problem): Finding {
  return {
    range: file.lines.rangeOf(base + problem.start, base + problem.end),
    severity: problem.severity,
    code: problem.code,
    message: problem.message,
    ...(problem.data !== undefined ? { data: problem.data } : {}),
  };
}

/**
 * Problems per parsed chunk (offsets relative to the chunk), reused while its text, the schemas
 * and the options stay the same: an edit to one document of a large file checks that one.
 */
const chunkCache = new WeakMap<ParsedChunk, StampedProblems>();

/** A chunk's problems under one stamp, then (rarely) under others: one object for most chunks, as many chunks as a file has. */
interface StampedProblems {
  stamp: string;
  problems: Problem[];
  older?: StampedProblems;
}

/**
 * Stamps kept per chunk and per file: one for most files, one per Flux Kustomization for a file
 * several render with their own post-build values (checkFileAs), so none evicts another's.
 */
const STAMPS_KEPT = 4;

/** Keeps `value` under `stamp`, dropping the oldest stamp beyond STAMPS_KEPT. */
function remember<T>(map: Map<string, T>, stamp: string, value: T): void {
  map.delete(stamp);
  map.set(stamp, value);
  const oldest = map.keys().next();
  if (map.size > STAMPS_KEPT && oldest.done !== true) map.delete(oldest.value);
}

function valueNodeOf(root: unknown, key: string): Node | null {
  if (!isMap(root)) return null;
  return valueOf(root, key) ?? null;
}

function problemAt(node: Node | null, severity: Severity, code: string, message: string): Problem {
  const start = node?.range?.[0] ?? 0;
  return { start, end: node?.range?.[1] ?? start, severity, code, message };
}

function hasSops(doc: Document): boolean {
  const root = doc.contents;
  return isMap(root) && isMap(valueOf(root, 'sops'));
}

function schemaProblems(document: ParsedDocument, options: CheckOptions, schemas: SchemaResolver): Problem[] {
  let identity = document.identity;
  if (identity === undefined && options.role.kind === 'kustomization' && isMap(document.doc.contents)) identity = KUSTOMIZATION_IDENTITY;
  // Not a Kubernetes object (CI workflow, Helm values, compose file…): nothing to validate, unless it is one missing half its type.
  if (identity === undefined) return options.role.kind === 'manifests' ? halfTypedProblems(document.doc.contents, schemas) : [];
  if (options.role.kind === 'manifests') {
    const items = listItems(identity, document.doc.contents, schemas);
    if (items !== undefined) return items.flatMap((item) => (item.identity === undefined ? untypedItemProblems(item.node, schemas) : objectProblems(document.doc, item.node, item.identity, options, schemas)));
  }
  return objectProblems(document.doc, document.doc.contents, identity, options, schemas);
}

/** One object's problems against its schema: the document's root, or an item of a list. */
function objectProblems(doc: Document.Parsed, node: Node | null, identity: ResourceIdentity, options: CheckOptions, schemas: SchemaResolver): Problem[] {
  // A kustomize transformer or generator config (`apiVersion: builtin`): read by kustomize, never sent to a cluster.
  if (identity.apiVersion === 'builtin') return [];
  // A tool's own configuration (.fluxschema.yml, a kind cluster, kubeadm): no apiserver serves it, so "no schema" says nothing.
  if (isToolConfig(identity)) return [];
  // SOPS without encrypted_regex encrypts apiVersion and kind too: nothing to look up.
  if ((identity.apiVersion.startsWith('ENC[') || identity.kind.startsWith('ENC[')) && hasSops(doc)) return [];
  const lifecycle = apiLifecycle(identity.apiVersion, identity.kind, schemas.targetVersion());
  const apiNode = (): Node | null => valueNodeOf(node, 'apiVersion') ?? node;
  // Not served by the target version: its schema (if any layer still has one) would mislead.
  if (lifecycle?.severity === 'error') return [problemAt(apiNode(), 'error', 'api.removed', lifecycle.message)];
  const deprecation = lifecycle === undefined ? [] : [problemAt(apiNode(), lifecycle.severity, 'api.deprecated', lifecycle.message)];
  const resolved = schemas.resolve(identity);
  if (resolved === undefined) {
    const others = schemas.otherVersions(identity);
    const kindNode = valueNodeOf(node, 'kind');
    // Served by the target release but not by these schemas' (older apiVersions, newer bundle): no claim that it is not served.
    if (others.length > 0 && !hasLifecycle(identity.apiVersion, identity.kind)) {
      const served = others.map((v) => `\`${identity.group === '' ? v : `${identity.group}/${v}`}\``).join(' or ');
      // The bundled Flux or Argo CD CRDs are one release: an older one the cluster runs may still serve the version.
      const older = schemas.onlyBundledProjectKnows(identity.group)
        ? '; if your clusters run an older release that still serves it, keep that release\'s CRDs in the repository (for Flux: `flux install --export`) or validate against the cluster'
        : '';
      return [...deprecation, problemAt(valueNodeOf(node, 'apiVersion') ?? kindNode ?? node, 'error', 'schema.unknown-version', `${identity.kind} is not served as \`${identity.apiVersion}\` by ${schemas.describe(identity.group)}; use ${served}${older}`)];
    }
    if (options.unknownKind === 'ignore') return deprecation;
    const elsewhere = schemas.apiVersionsOfKind(identity.kind);
    const hint = elsewhere.length > 0 ? `; ${identity.kind} is known as \`${elsewhere.join('` or `')}\`` : '';
    return [...deprecation, problemAt(kindNode ?? node, options.unknownKind, 'schema.unknown-kind', `no schema for ${identity.kind} (${identity.apiVersion}) in ${schemas.describe()}; it is not validated${hint}`)];
  }
  // Every option present, undefined where it does not apply: one object shape for every document (no spreads).
  const role = options.role;
  const problems = validateDocument(
    resolved.view,
    doc,
    resolved.schema,
    identity.kind,
    {
      partial: role.kind === 'patch',
      sops: hasSops(doc),
      caseInsensitiveKeys: identity.group === 'kustomize.config.k8s.io',
      supplied: role.kind === 'manifests' && role.selectorsAdded === true && identity.group === 'apps' && SELECTED_WORKLOADS.has(identity.kind) ? SELECTOR : undefined,
      apiGroup: apiRulesKnown(identity.group) ? identity.group : undefined,
      kustomized: role.kind === 'manifests' && role.kustomized === true,
      oldObject: options.liveObjects?.lookup(identity),
      variables: options.variables !== undefined && !substitutionDisabled(node) ? options.variables : undefined,
    },
    node,
  );
  // kubectl reads plain keys as YAML 1.1 (`on:` becomes "true"); kustomize reads YAML 1.2 and keeps them.
  if (role.kind === 'manifests' && role.kustomized !== true && mayHaveYaml11Keys(doc)) {
    const keyProblems = yaml11KeyProblems(node);
    for (let i = 0; i < keyProblems.length; i++) problems.push(keyProblems[i] as Problem);
  }
  // The apiserver estimates a CRD's CEL rules when it is created and refuses one that is too costly.
  if (identity.group === 'apiextensions.k8s.io' && identity.kind === 'CustomResourceDefinition' && options.role.kind === 'manifests') problems.push(...crdRuleCostProblems(doc, node));
  const hinted = identity.group === 'kustomize.config.k8s.io' ? problems.map(withPatchHint) : problems;
  return deprecation.length === 0 ? hinted : [...deprecation, ...hinted];
}

const SUBSTITUTE_OPT_OUT = 'kustomize.toolkit.fluxcd.io/substitute';

/** An object that opts out of Flux's post-build substitution: its placeholders stay as written. */
function substitutionDisabled(node: Node | null): boolean {
  const metadata = valueNodeOf(node, 'metadata');
  return ['labels', 'annotations'].some((field) => {
    const map = valueNodeOf(metadata, field);
    return isMap(map) && map.get(SUBSTITUTE_OPT_OUT) === 'disabled';
  });
}

// The workloads whose `spec.selector.matchLabels` kustomize's commonLabels create (its default fieldSpecs, `create: true`).
const SELECTED_WORKLOADS = new Set(['Deployment', 'StatefulSet', 'DaemonSet', 'ReplicaSet']);
const SELECTOR: ReadonlySet<string> = new Set(['spec.selector']);

const BARE_PATCH = /^Kustomization patches\[\d+\] must be an object, not the string "([^"\n]*)"$/;

/** A file name written straight under `patches:` (as under the old patchesStrategicMerge): say how kustomize wants it. */
function withPatchHint(problem: Problem): Problem {
  const file = BARE_PATCH.exec(problem.message)?.[1];
  return file === undefined ? problem : { ...problem, message: `${problem.message}; write \`- path: ${file}\`` };
}

/**
 * The items of a list object, each with the identity it is validated as: `v1 List` items carry
 * their own apiVersion and kind; a typed list (`apps/v1 DeploymentList`) may leave them out, as the
 * API server does, and its items are objects of the list's apiVersion and kind without `List`.
 * Undefined when the object is not a list: a kind ending in `List` that a schema describes as
 * itself (a custom resource named `…AllowList`) is validated as what it is.
 */
export function listItems(identity: ResourceIdentity, root: unknown, schemas?: SchemaResolver): { node: Node; identity: ResourceIdentity | undefined }[] | undefined {
  if (!identity.kind.endsWith('List') || !isMap(root)) return undefined;
  const items = root.get('items', true);
  if (!isSeq(items)) return undefined;
  if (schemas?.resolve(identity) !== undefined) return undefined;
  const typed = identity.kind === 'List' ? undefined : identity.kind.slice(0, -'List'.length);
  // A typed list of a kind no schema knows is noted once, as the list, not once per item.
  if (typed !== undefined && schemas !== undefined && schemas.resolve({ ...identity, kind: typed }) === undefined) return undefined;
  const out: { node: Node; identity: ResourceIdentity | undefined }[] = [];
  for (const item of items.items) {
    if (!isMap(item)) continue;
    const own = identityOfNode(item);
    if (own !== undefined || typed === undefined) {
      out.push({ node: item, identity: own });
      continue;
    }
    const apiVersion = typeof item.get('apiVersion') === 'string' ? String(item.get('apiVersion')) : identity.apiVersion;
    const kind = typeof item.get('kind') === 'string' ? String(item.get('kind')) : typed;
    out.push({ node: item, identity: { apiVersion, ...parseApiVersion(apiVersion), kind } });
  }
  return out;
}

/** How many objects a file holds: a list counts its items, each validated as a resource. */
export function resourcesIn(file: ManifestFile): number {
  let n = 0;
  const documents = file.documents;
  for (let i = 0; i < documents.length; i++) {
    const d = documents[i] as ManifestFile['documents'][number];
    if (d.identity === undefined || isToolConfig(d.identity)) continue;
    n += listItems(d.identity, d.doc.contents)?.length ?? 1;
  }
  return n;
}

/** An item of a `v1 List` without its type: half-typed, or with neither apiVersion nor kind (reported on its first key). */
function untypedItemProblems(item: Node, schemas: SchemaResolver): Problem[] {
  if (!isMap(item) || item.has('apiVersion') || item.has('kind')) return halfTypedProblems(item, schemas);
  const first = item.items[0]?.key;
  return [problemAt(isScalar(first) ? first : item, 'error', 'resource.missing-kind', 'this List item has no apiVersion and kind, so it is not validated and kubectl refuses it; add both')];
}

/** Whether a document has either `apiVersion` or `kind` at its root. */
function halfTyped(doc: Document): boolean {
  const root = doc.contents;
  return isMap(root) && (root.has('apiVersion') || root.has('kind'));
}

/**
 * An object with `metadata` and only one of `apiVersion` and `kind`: kubectl refuses it ("Object
 * 'Kind' is missing" / "apiVersion not set"), so it is an error rather than a document skipped
 * as not Kubernetes. Without `metadata` it is taken for other YAML: a Helm values file may well
 * have a top-level `kind: DaemonSet`.
 */
function halfTypedProblems(root: unknown, schemas: SchemaResolver): Problem[] {
  if (!isMap(root) || !isMap(root.get('metadata', true))) return [];
  const kindNode = valueNodeOf(root, 'kind');
  const apiNode = valueNodeOf(root, 'apiVersion');
  const kind = isScalar(kindNode) && typeof kindNode.value === 'string' ? kindNode.value : undefined;
  const apiVersion = isScalar(apiNode) && typeof apiNode.value === 'string' ? apiNode.value : undefined;
  if (kind !== undefined && apiNode === null) {
    const known = schemas.apiVersionsOfKind(kind);
    const hint = known.length > 0 ? `add \`apiVersion: ${known[0]}\`${known.length > 1 ? ` (or ${known.slice(1).map((v) => `\`${v}\``).join(', ')})` : ''}` : 'add the apiVersion of its API group';
    return [problemAt(kindNode, 'error', 'resource.missing-apiVersion', `${kind} has no apiVersion, so it is not validated and kubectl refuses it; ${hint}`)];
  }
  if (apiVersion !== undefined && kindNode === null) {
    return [problemAt(apiNode, 'error', 'resource.missing-kind', `object of \`${apiVersion}\` has no kind, so it is not validated and kubectl refuses it; add the kind of this object`)];
  }
  return [];
}

/**
 * Syntax and schema problems of one chunk's documents, in order. A quick parse builds the same
 * tree, but where its ranges are not yaml's (empty values, block scalars) and there is something
 * to report, the full parse words and places it, so the messages cannot depend on which parser ran.
 */
function chunkProblems(chunk: ParsedChunk, options: CheckOptions): Problem[] {
  const problems = documentProblems(chunk, options);
  return problems.length > 0 && needsFullParseToReport(chunk) ? documentProblems(parseChunk(chunk.text), options) : problems;
}

function documentProblems(chunk: ParsedChunk, options: CheckOptions): Problem[] {
  const role = options.role;
  const problems: Problem[] = [];
  const documents = chunk.documents;
  for (let i = 0; i < documents.length; i++) {
    const document = documents[i] as ParsedDocument;
    const syntax = document.syntax;
    if (syntax.length > 0) {
      // Custom tags (`!Ref`, `!reference`, `!vault`) belong to the tool that reads a file that is not
      // Kubernetes (CloudFormation, GitLab CI, Ansible); in a Kubernetes object they stay a warning.
      const foreign = document.identity === undefined && role.kind !== 'kustomization' && !halfTyped(document.doc);
      problems.push(...(foreign ? syntax.filter((p) => p.code !== 'yaml.TAG_RESOLVE_FAILED') : syntax));
    }
    const schemas = options.schemas;
    if (schemas === undefined || (syntax.length > 0 && syntax.some((p) => p.severity === 'error'))) continue;
    if (role.kind === 'patch' && role.use === 'json6902') continue;
    const found = schemaProblems(document, options, schemas);
    for (let k = 0; k < found.length; k++) problems.push(found[k] as Problem);
  }
  return problems;
}

/** Whether a chunk looks like an unrendered template, computed once per parsed chunk. */
const templatedCache = new WeakMap<ParsedChunk, boolean>();

function chunkTemplated(chunk: ParsedChunk | undefined): boolean {
  if (chunk === undefined) return false;
  let templated = templatedCache.get(chunk);
  if (templated === undefined) {
    templated = looksTemplated(chunk.text);
    templatedCache.set(chunk, templated);
  }
  return templated;
}

/** Whether any document of the file looks like an unrendered template (then nothing in it is checked). */
export function looksTemplatedFile(file: ManifestFile): boolean {
  return file.chunks.some((c) => chunkTemplated(c.parsed));
}

/** A file version's findings per chunk, so the next version re-places only the edited chunks'. */
interface FileChecks {
  readonly stamp: string;
  readonly perChunk: readonly (readonly Finding[])[];
  /** How many chunks look templated (then nothing in the file is checked). */
  readonly templated: number;
}

const fileChecks = new WeakMap<ManifestFile, Map<string, FileChecks>>();

function chunkFindings(file: ManifestFile, { start, parsed }: PlacedChunk, options: CheckOptions, stamp: string): readonly Finding[] {
  const latest = chunkCache.get(parsed);
  let problems: Problem[] | undefined;
  let kept = 0;
  for (let c = latest; c !== undefined && problems === undefined; c = c.older) {
    if (c.stamp === stamp) problems = c.problems;
    kept++;
  }
  if (problems === undefined) {
    problems = chunkProblems(parsed, options);
    // The newest first; beyond STAMPS_KEPT the oldest goes.
    const entry: StampedProblems = { stamp, problems, ...(latest !== undefined && kept < STAMPS_KEPT ? { older: latest } : {}) };
    chunkCache.set(parsed, entry);
  }
  return problems.length === 0 ? NONE : problems.map((problem) => place(file, start, problem));
}

const NONE: readonly Finding[] = [];

/** The same findings `lines` further down (chunks start at line starts, so characters stay). */
function shifted(findings: readonly Finding[], lines: number): readonly Finding[] {
  if (lines === 0 || findings.length === 0) return findings;
  return findings.map((f) => ({
    ...f,
    range: { start: { line: f.range.start.line + lines, character: f.range.start.character }, end: { line: f.range.end.line + lines, character: f.range.end.character } },
  }));
}

/** Findings per chunk of `file`, carried over from the previous version outside an edit's span. */
function checksOf(file: ManifestFile, options: CheckOptions, stamp: string): FileChecks {
  const known = fileChecks.get(file)?.get(stamp);
  if (known !== undefined) return known;
  const edit = file.edit;
  const before = edit === undefined ? undefined : fileChecks.get(edit.previous)?.get(stamp);
  let checks: FileChecks;
  if (edit !== undefined && before !== undefined && before.stamp === stamp && before.perChunk.length === edit.previous.chunks.length) {
    const { previous, from, oldTo, newTo } = edit;
    let templated = before.templated;
    for (let i = from; i < oldTo; i++) if (chunkTemplated(previous.chunks[i]?.parsed)) templated--;
    for (let i = from; i < newTo; i++) if (chunkTemplated(file.chunks[i]?.parsed)) templated++;
    const perChunk = before.perChunk.slice(0, from);
    for (let i = from; i < newTo; i++) {
      const chunk = file.chunks[i];
      perChunk.push(chunk === undefined ? NONE : chunkFindings(file, chunk, options, stamp));
    }
    const lines = oldTo < previous.chunks.length ? file.firstLineOf(newTo) - previous.firstLineOf(oldTo) : 0;
    for (let i = oldTo; i < before.perChunk.length; i++) perChunk.push(shifted(before.perChunk[i] ?? NONE, lines));
    checks = { stamp, perChunk, templated };
  } else {
    const templated = file.chunks.reduce((n, c) => n + (chunkTemplated(c.parsed) ? 1 : 0), 0);
    checks = { stamp, perChunk: templated > 0 ? [] : file.chunks.map((c) => chunkFindings(file, c, options, stamp)), templated };
  }
  // Only the latest version is edited further; the previous one's results can go.
  if (edit !== undefined) fileChecks.get(edit.previous)?.delete(stamp);
  let byStamp = fileChecks.get(file);
  if (byStamp === undefined) {
    byStamp = new Map();
    fileChecks.set(file, byStamp);
  }
  remember(byStamp, stamp, checks);
  return checks;
}

/** `.plumbline.yaml`: its syntax, then what Plumbline would ignore or misread in it. A small file: parsed fully each time. */
function configFindings(file: ManifestFile): Finding[] {
  const findings: Finding[] = [];
  for (const chunk of file.chunks) {
    for (const d of parseChunk(chunk.parsed.text).documents) {
      const problems = d.syntax.some((p) => p.severity === 'error') ? d.syntax : [...d.syntax, ...plumblineConfigProblems(d.doc)];
      for (const p of [...problems].sort((a, b) => a.start - b.start)) findings.push({ range: file.lines.rangeOf(chunk.start + p.start, chunk.start + p.end), severity: p.severity, code: p.code, message: p.message });
    }
  }
  return findings;
}

/** Everything Plumbline reports for one parsed file, in document order. */
export function checkFile(file: ManifestFile, options: CheckOptions = DEFAULT_CHECK_OPTIONS): Finding[] {
  const role = options.role;
  if (role.kind === 'helm-template') return [];
  if (role.kind === 'plumbline-config') return configFindings(file);
  // An unrendered template outside a chart folder: whether or not it parses, it is not the YAML
  // that gets applied. The pattern is line-local and chunks start at line starts, so asking
  // chunk by chunk gives the same answer as asking of the whole text.
  const stamp = `${options.schemas?.generation ?? '-'}|${role.kind}|${role.kind === 'patch' ? role.use : role.kind === 'manifests' ? `${role.selectorsAdded === true ? 's' : ''}${role.kustomized === true ? 'k' : ''}` : ''}|${options.unknownKind}|${options.liveObjects?.generation ?? '-'}|${options.variables === undefined ? '-' : variablesStamp(options.variables)}`;
  const checks = checksOf(file, options, stamp);
  if (checks.templated > 0) return [];
  const findings: Finding[] = [];
  for (const list of checks.perChunk) for (const f of list) findings.push(f);
  return findings;
}

/**
 * checkFile of a file checked once (`plumbline check`, its workers): the same findings, without
 * keeping problems and templated answers per chunk for the next version of the file, which a
 * check never parses. `templated` is whether a chunk looks like an unrendered template (then
 * nothing is reported), for the caller that needs to know it too.
 */
export function checkFileOnce(file: ManifestFile, options: CheckOptions): { findings: Finding[]; templated: boolean } {
  const chunks = file.chunks;
  let templated = false;
  for (let i = 0; i < chunks.length && !templated; i++) templated = looksTemplated((chunks[i] as PlacedChunk).parsed.text);
  const role = options.role;
  if (role.kind === 'helm-template') return { findings: [], templated };
  if (role.kind === 'plumbline-config') return { findings: configFindings(file), templated };
  if (templated) return { findings: [], templated };
  const findings: Finding[] = [];
  for (let i = 0; i < chunks.length; i++) {
    const { start, parsed } = chunks[i] as PlacedChunk;
    const problems = chunkProblems(parsed, options);
    for (let k = 0; k < problems.length; k++) findings.push(place(file, start, problems[k] as Problem));
  }
  return { findings, templated: false };
}

const variableIds = new WeakMap<PostBuildValues, number>();
let nextVariablesId = 0;

/** One number per set of variables: findings made with other values are not reused. */
function variablesStamp(variables: PostBuildValues): number {
  let id = variableIds.get(variables);
  if (id === undefined) {
    id = ++nextVariablesId;
    variableIds.set(variables, id);
  }
  return id;
}

/**
 * A file's findings under each Flux Kustomization that renders it with post-build variables
 * known in Git: those of each, once (a finding the values do not touch is the same under all).
 */
export function checkFileAs(file: ManifestFile, options: CheckOptions, units: readonly PostBuildValues[]): Finding[] {
  if (units.length === 0) return checkFile(file, options);
  const seen = new Set<string>();
  const out: Finding[] = [];
  for (const variables of units) {
    for (const f of checkFile(file, { ...options, variables })) {
      const key = `${f.range.start.line}:${f.range.start.character}:${f.range.end.line}:${f.range.end.character}|${f.code}|${f.message}`;
      if (seen.has(key)) continue;
      seen.add(key);
      out.push(f);
    }
  }
  return out.sort((a, b) => a.range.start.line - b.range.start.line || a.range.start.character - b.range.start.character);
}

/** A finding for a file that is not checked because of its size, or undefined when it may be. */
export function sizeFinding(byteLength: number, limits: CheckLimits = DEFAULT_LIMITS): Finding | undefined {
  if (byteLength <= limits.maxFileBytes) return undefined;
  return { range: FILE_START, severity: 'information', code: 'file.too-large', message: tooLargeReason(byteLength, limits.maxFileBytes, 'plumbline.maxFileSize') };
}


import { isMap, type Document, type Node } from 'yaml';
import type { ResourceIdentity } from '../manifests/identity';
import { isQuickChunk, parseChunk, type ManifestFile, type ParsedChunk, type ParsedDocument, type PlacedChunk } from '../manifests/parse';
import type { SchemaResolver } from '../schemas/resolver';
import { validateDocument } from '../validation/validateDocument';
import type { FileRole } from './fileRole';
import { looksTemplated } from './fileRole';
import { DEFAULT_LIMITS, tooLargeReason, type CheckLimits } from '../files/limits';
import { plumblineConfigProblems } from '../validation/plumblineConfig';
import { FILE_START, type Finding, type Problem, type Severity } from '../manifests/problem';

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
  };
}

/**
 * Problems per parsed chunk (offsets relative to the chunk), reused while its text, the schemas
 * and the options stay the same: an edit to one document of a large file checks that one.
 */
const chunkCache = new WeakMap<ParsedChunk, { stamp: string; problems: Problem[] }>();

function valueNode(doc: Document, key: string): Node | null {
  const root = doc.contents;
  if (!isMap(root)) return null;
  const node = root.get(key, true) as Node | undefined;
  return node ?? null;
}

function problemAt(node: Node | null, severity: Severity, code: string, message: string): Problem {
  const start = node?.range?.[0] ?? 0;
  return { start, end: node?.range?.[1] ?? start, severity, code, message };
}

function hasSops(doc: Document): boolean {
  const root = doc.contents;
  return isMap(root) && isMap(root.get('sops', true));
}

function schemaProblems(document: ParsedDocument, options: CheckOptions, schemas: SchemaResolver): Problem[] {
  let identity = document.identity;
  if (identity === undefined && options.role.kind === 'kustomization' && isMap(document.doc.contents)) identity = KUSTOMIZATION_IDENTITY;
  // Not a Kubernetes object (CI workflow, Helm values, compose file…): nothing to validate.
  if (identity === undefined) return [];
  // SOPS without encrypted_regex encrypts apiVersion and kind too: nothing to look up.
  if (hasSops(document.doc) && (identity.apiVersion.startsWith('ENC[') || identity.kind.startsWith('ENC['))) return [];
  const resolved = schemas.resolve(identity);
  if (resolved === undefined) {
    const others = schemas.otherVersions(identity);
    const kindNode = valueNode(document.doc, 'kind');
    if (others.length > 0) {
      const apiNode = valueNode(document.doc, 'apiVersion');
      const served = others.map((v) => `\`${identity.group === '' ? v : `${identity.group}/${v}`}\``).join(' or ');
      return [problemAt(apiNode, 'error', 'schema.unknown-version', `${identity.kind} is not served as \`${identity.apiVersion}\` by ${schemas.describe()}; use ${served}`)];
    }
    if (options.unknownKind === 'ignore') return [];
    const elsewhere = schemas.apiVersionsOfKind(identity.kind);
    const hint = elsewhere.length > 0 ? `; ${identity.kind} is known as \`${elsewhere.join('` or `')}\`` : '';
    return [problemAt(kindNode, options.unknownKind, 'schema.unknown-kind', `no schema for ${identity.kind} (${identity.apiVersion}) in ${schemas.describe()}; it is not validated${hint}`)];
  }
  return validateDocument(resolved.view, document.doc, resolved.schema, identity.kind, {
    partial: options.role.kind === 'patch',
    sops: hasSops(document.doc),
    caseInsensitiveKeys: identity.group === 'kustomize.config.k8s.io',
    oldObject: options.liveObjects?.lookup(identity),
  });
}

/**
 * Syntax and schema problems of one chunk's documents, in order. A quick parse builds the same
 * tree, but where there is something to report the full parse words and places it, so the
 * messages cannot depend on which parser ran.
 */
function chunkProblems(chunk: ParsedChunk, options: CheckOptions): Problem[] {
  const problems = documentProblems(chunk, options);
  return problems.length > 0 && isQuickChunk(chunk) ? documentProblems(parseChunk(chunk.text), options) : problems;
}

function documentProblems(chunk: ParsedChunk, options: CheckOptions): Problem[] {
  const role = options.role;
  const problems: Problem[] = [];
  for (const document of chunk.documents) {
    problems.push(...document.syntax);
    const schemas = options.schemas;
    if (schemas === undefined || document.syntax.some((p) => p.severity === 'error')) continue;
    if (role.kind === 'patch' && role.use === 'json6902') continue;
    problems.push(...schemaProblems(document, options, schemas));
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

const fileChecks = new WeakMap<ManifestFile, FileChecks>();

function chunkFindings(file: ManifestFile, { start, parsed }: PlacedChunk, options: CheckOptions, stamp: string): readonly Finding[] {
  let cached = chunkCache.get(parsed);
  if (cached === undefined || cached.stamp !== stamp) {
    cached = { stamp, problems: chunkProblems(parsed, options) };
    chunkCache.set(parsed, cached);
  }
  return cached.problems.length === 0 ? NONE : cached.problems.map((problem) => place(file, start, problem));
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
  const known = fileChecks.get(file);
  if (known !== undefined && known.stamp === stamp) return known;
  const edit = file.edit;
  const before = edit === undefined ? undefined : fileChecks.get(edit.previous);
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
  if (edit !== undefined) fileChecks.delete(edit.previous);
  fileChecks.set(file, checks);
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
  const stamp = `${options.schemas?.generation ?? '-'}|${role.kind}|${role.kind === 'patch' ? role.use : ''}|${options.unknownKind}|${options.liveObjects?.generation ?? '-'}`;
  const checks = checksOf(file, options, stamp);
  if (checks.templated > 0) return [];
  const findings: Finding[] = [];
  for (const list of checks.perChunk) for (const f of list) findings.push(f);
  return findings;
}

/** A finding for a file that is not checked because of its size, or undefined when it may be. */
export function sizeFinding(byteLength: number, limits: CheckLimits = DEFAULT_LIMITS): Finding | undefined {
  if (byteLength <= limits.maxFileBytes) return undefined;
  return { range: FILE_START, severity: 'information', code: 'file.too-large', message: tooLargeReason(byteLength, limits.maxFileBytes, 'plumbline.maxFileSize') };
}


import { isMap, type Document, type Node } from 'yaml';
import type { ResourceIdentity } from '../manifests/identity';
import type { ManifestFile, ParsedChunk, ParsedDocument } from '../manifests/parse';
import type { SchemaResolver } from '../schemas/resolver';
import { validateDocument } from '../validation/validateDocument';
import type { FileRole } from './fileRole';
import { looksTemplated } from './fileRole';
import { DEFAULT_LIMITS, type CheckLimits } from './limits';
import type { Finding, Problem, Severity } from './problem';

export interface CheckOptions {
  role: FileRole;
  /** Without schemas only YAML syntax is checked. */
  schemas?: SchemaResolver;
  /** Severity of the note on a kind that no schema describes; 'ignore' drops it. */
  unknownKind: Severity | 'ignore';
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
  });
}

/** Syntax and schema problems of one chunk's documents, in order. */
function chunkProblems(chunk: ParsedChunk, options: CheckOptions): Problem[] {
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

function chunkTemplated(chunk: ParsedChunk): boolean {
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

/** Everything Plumbline reports for one parsed file, in document order. */
export function checkFile(file: ManifestFile, options: CheckOptions = DEFAULT_CHECK_OPTIONS): Finding[] {
  const role = options.role;
  if (role.kind === 'helm-template') return [];
  const findings: Finding[] = [];
  // An unrendered template outside a chart folder: whether or not it parses, it is not the YAML
  // that gets applied. The pattern is line-local and chunks start at line starts, so asking
  // chunk by chunk gives the same answer as asking of the whole text.
  if (looksTemplatedFile(file)) return [];
  const stamp = `${options.schemas?.generation ?? '-'}|${role.kind}|${role.kind === 'patch' ? role.use : ''}|${options.unknownKind}`;
  for (const { start, parsed } of file.chunks) {
    let cached = chunkCache.get(parsed);
    if (cached === undefined || cached.stamp !== stamp) {
      cached = { stamp, problems: chunkProblems(parsed, options) };
      chunkCache.set(parsed, cached);
    }
    for (const problem of cached.problems) findings.push(place(file, start, problem));
  }
  return findings;
}

/** A finding for a file that is not checked because of its size, or undefined when it may be. */
export function sizeFinding(byteLength: number, limits: CheckLimits = DEFAULT_LIMITS): Finding | undefined {
  if (byteLength <= limits.maxFileBytes) return undefined;
  const mb = (n: number): string => `${(n / (1024 * 1024)).toFixed(1)} MB`;
  return {
    range: { start: { line: 0, character: 0 }, end: { line: 0, character: 0 } },
    severity: 'information',
    code: 'file.too-large',
    message: `skipped: too large (${mb(byteLength)}; the limit is ${mb(limits.maxFileBytes)}, see plumbline.maxFileSize)`,
  };
}


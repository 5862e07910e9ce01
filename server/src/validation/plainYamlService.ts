import { existsSync } from 'node:fs';
import { readBoundedFile } from '../files/files';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import type { CompletionList, Diagnostic, Hover, Position } from 'vscode-languageserver-types';
import type { TextDocument as TextDocumentType } from 'vscode-languageserver-textdocument';
import type { Finding, Severity } from '../manifests/problem';
import { chartValuesSchema, isValuesFile, modelines } from '../schemas/yamlFileSchemas';
import type * as YamlLanguageParts from './yamlLanguageParts';

/**
 * JSON-schema validation, completion and hover for YAML that is not Kubernetes (Helm values
 * with the chart's `values.schema.json`, files with a `yaml-language-server: $schema=` modeline),
 * done by yaml-language-server's language service: its schema service, validator, completer and
 * hover, without its formatter, links or code lenses. YAML syntax errors are Plumbline's own
 * (checkFile), so only schema findings come from here.
 */

type Parts = typeof YamlLanguageParts;

/**
 * yaml-language-server's parts, on first use. Bundled, they are yamlService.js beside this file:
 * a require the bundler cannot follow keeps them out of server.js; from the sources it finds the module.
 */
function loadParts(): Parts {
  const bundled = join(__dirname, 'yamlService.js');
  const load = createRequire(__filename);
  return load(existsSync(bundled) ? bundled : './yamlLanguageParts') as Parts;
}

/** Schema files larger than this are not read (a schema is kilobytes; this is a broken file). */
const MAX_SCHEMA_BYTES = 20 * 1024 * 1024;

const SEVERITY: Record<number, Severity> = { 1: 'error', 2: 'warning', 3: 'information', 4: 'hint' };

/**
 * Schemas come from disk only. A URL is refused without a request: the language server reads
 * no network, and a schema that changes under a user's feet would make the same file pass and fail.
 */
async function readSchema(uri: string): Promise<string> {
  if (!uri.startsWith('file:')) throw new Error(`${uri} is not fetched (Plumbline reads schemas from disk only)`);
  const path = fileURLToPath(uri);
  // Bounded and regular files only: a modeline naming /dev/zero or a FIFO must not exhaust or hang the server.
  const read = await readBoundedFile(path, MAX_SCHEMA_BYTES, 'the schema size limit');
  if (!read.ok) throw new Error(`${path}: ${read.skipped.reason}`);
  return read.bytes.toString('utf8');
}

/** A file this service judges: a values file of a chart with a schema, or one with a modeline. */
export function hasYamlSchema(path: string | undefined, text: string): boolean {
  return modelines(text).length > 0 || (path !== undefined && chartValuesSchema(path) !== undefined);
}

type YamlVersion = '1.1' | '1.2';

/**
 * Helm reads values with sigs.k8s.io/yaml, as YAML 1.1 (`enabled: yes` is true); any other file
 * as yaml-language-server reads it by default, YAML 1.2.
 */
function yamlVersionOf(uri: string): YamlVersion {
  return uri.startsWith('file:') && isValuesFile(fileURLToPath(uri)) ? '1.1' : '1.2';
}

interface Readers {
  completer: InstanceType<Parts['YamlCompletion']>;
  hover: InstanceType<Parts['YAMLHover']>;
}

export class PlainYamlService {
  private service: { parts: Parts; schemas: InstanceType<Parts['YAMLSchemaService']>; readers: Record<YamlVersion, Readers> } | undefined;
  /** URIs yaml-language-server holds a parse of. */
  private readonly parsed = new Set<string>();

  private ready(): NonNullable<PlainYamlService['service']> {
    if (this.service !== undefined) return this.service;
    const parts = loadParts();
    const schemas = new parts.YAMLSchemaService(readSchema, { resolveRelativePath: (relative: string, resource: string) => new URL(relative, resource).toString() });
    // A values file's schema is its chart's; everything else answers to its modeline only.
    schemas.registerCustomSchemaProvider((uri: string) => {
      const schema = uri.startsWith('file:') ? chartValuesSchema(fileURLToPath(uri)) : undefined;
      return Promise.resolve(schema === undefined ? [] : pathToFileURL(schema).toString());
    });
    const readers = (yamlVersion: YamlVersion): Readers => {
      // Hover names the schema a description comes from.
      const settings = { validate: true, completion: true, hover: true, hoverSchemaSource: true, yamlVersion, customTags: [], isKubernetes: false };
      const completer = new parts.YamlCompletion(schemas, {}, parts.yamlDocumentsCache);
      completer.configure(settings);
      const hover = new parts.YAMLHover(schemas);
      hover.configure(settings);
      return { completer, hover };
    };
    this.service = { parts, schemas, readers: { '1.1': readers('1.1'), '1.2': readers('1.2') } };
    return this.service;
  }

  private document(parts: Parts, uri: string, version: number, text: string): TextDocumentType {
    this.parsed.add(uri);
    return parts.TextDocument.create(uri, 'yaml', version, text);
  }

  /**
   * Schema findings of a file: each YAML document against the schema its modeline or its chart
   * gives; a modeline with a URL is one information finding (not fetched), a schema that cannot
   * be read one warning where it is named.
   */
  async findings(uri: string, version: number, text: string): Promise<Finding[]> {
    const { parts, schemas } = this.ready();
    const document = this.document(parts, uri, version, text);
    const lines = modelines(text);
    const out: Finding[] = lines
      .filter((m) => m.remote)
      .map((m) => ({ range: m.range, severity: 'information', code: 'schema.remote', message: `schema ${m.ref} is not fetched: Plumbline reads no network; keep a copy in the repository and name its path here to validate this file against it` }));
    const yaml = parts.yamlDocumentsCache.getYamlDocument(document, { customTags: [], yamlVersion: yamlVersionOf(uri) }, true);
    for (const [index, doc] of yaml.documents.entries()) {
      const ref = parts.getSchemaFromModeline(doc);
      if (ref !== undefined && /^https?:\/\//i.test(ref)) continue;
      doc.isKubernetes = false;
      doc.currentDocIndex = index;
      doc.uri = uri;
      doc.disableAdditionalProperties = false;
      const resolved = await schemas.getSchemaForResource(uri, doc);
      if (resolved === null || resolved === undefined) continue;
      const [error] = resolved.errors;
      if (error !== undefined) {
        const named = lines.find((m) => m.ref === ref);
        const at = named?.range ?? { start: document.positionAt(doc.root?.offset ?? 0), end: document.positionAt(doc.root?.offset ?? 0) };
        out.push({ range: at, severity: 'warning', code: 'schema.unreadable', message: `not validated: ${error.message}` });
        continue;
      }
      out.push(...doc.validate(document, resolved.schema).map((d) => toFinding(d, ref === undefined)));
    }
    return out;
  }

  complete(uri: string, version: number, text: string, position: Position): Promise<CompletionList> {
    const { parts, readers } = this.ready();
    return readers[yamlVersionOf(uri)].completer.doComplete(this.document(parts, uri, version, text), position, false, true);
  }

  hoverAt(uri: string, version: number, text: string, position: Position): Promise<Hover | null> {
    const { parts, readers } = this.ready();
    return readers[yamlVersionOf(uri)].hover.doHover(this.document(parts, uri, version, text), position, false);
  }

  /**
   * A document closed: yaml-language-server keeps each URI's last parse until told to forget,
   * and can only forget all of them (the open ones are parsed again when next asked, small files).
   */
  closed(uri: string): void {
    if (this.service !== undefined && this.parsed.delete(uri)) this.service.parts.yamlDocumentsCache.clear();
  }

  /** A file changed on disk: a schema read from it is read again on next use. */
  changed(path: string): void {
    this.service?.schemas.onResourceChange(pathToFileURL(path).toString());
  }
}

/** `chart`: the schema is the chart's values.schema.json, which Helm enforces on install (an error, not advice). */
function toFinding(d: Diagnostic, chart: boolean): Finding {
  const severity = SEVERITY[d.severity ?? 1] ?? 'error';
  return { range: d.range, severity: chart && severity === 'warning' ? 'error' : severity, code: 'schema.json-schema', message: d.message };
}

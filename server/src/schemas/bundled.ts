import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { SchemaBundle, type SchemaBundleData } from './bundle';
import type { OpenApiSchema } from './openapi';

/** File name of the bundled schema set inside `schemas/`. */
export const BUNDLED_FILE = 'bundled.json';

/** Finds the `schemas/` folder next to the bundle (dist/) or the sources (server/src/schemas). */
export function findSchemaDir(start: string = __dirname): string | undefined {
  let dir = start;
  for (let i = 0; i < 6; i++) {
    const candidate = join(dir, 'schemas');
    if (existsSync(join(candidate, BUNDLED_FILE))) return candidate;
    const parent = dirname(dir);
    if (parent === dir) break;
    dir = parent;
  }
  return undefined;
}

let bundled: SchemaBundle | undefined;

/** The schemas shipped with Plumbline, loaded once on first use. */
export function loadBundledSchemas(schemaDir: string | undefined = findSchemaDir()): SchemaBundle {
  if (bundled !== undefined) return bundled;
  if (schemaDir === undefined) throw new Error(`bundled schemas not found (looked for schemas/${BUNDLED_FILE} above ${__dirname}); run \`npm run schemas\``);
  const data = lazyBundleData(readFileSync(join(schemaDir, BUNDLED_FILE)));
  bundled = new SchemaBundle(data, {
    kind: 'bundled',
    label: `bundled schemas (Kubernetes ${data.kubernetesVersion})`,
    kubernetesVersion: data.kubernetesVersion,
    groupLabels: projectGroupLabels(data.sources),
  });
  return bundled;
}

/** The API groups of the projects whose CRDs are bundled, with the Go module each came from (SOURCES.md). */
const PROJECT_GROUPS: readonly { group: string; project: string; module: string }[] = [
  { group: 'source.toolkit.fluxcd.io', project: 'Flux source-controller', module: 'github.com/fluxcd/source-controller' },
  { group: 'kustomize.toolkit.fluxcd.io', project: 'Flux kustomize-controller', module: 'github.com/fluxcd/kustomize-controller' },
  { group: 'helm.toolkit.fluxcd.io', project: 'Flux helm-controller', module: 'github.com/fluxcd/helm-controller' },
  { group: 'notification.toolkit.fluxcd.io', project: 'Flux notification-controller', module: 'github.com/fluxcd/notification-controller/api' },
  { group: 'image.toolkit.fluxcd.io', project: 'Flux image controllers', module: 'github.com/fluxcd/image-reflector-controller/api' },
  { group: 'infra.contrib.fluxcd.io', project: 'tofu-controller', module: 'github.com/flux-iac/tofu-controller' },
  { group: 'argoproj.io', project: 'Argo CD', module: 'github.com/argoproj/argo-cd/v3' },
];

/** "bundled schemas (Flux source-controller v1.10.1)" per group whose project's version the bundle records. */
export function projectGroupLabels(sources: Readonly<Record<string, string>>): Map<string, string> {
  const labels = new Map<string, string>();
  for (const { group, project, module } of PROJECT_GROUPS) {
    const version = sources[module];
    if (version !== undefined) labels.set(group, `bundled schemas (${project} ${version})`);
  }
  return labels;
}

const QUOTE = 0x22;
const BACKSLASH = 0x5c;
const OPEN_BRACE = 0x7b;
const CLOSE_BRACE = 0x7d;
const OPEN_BRACKET = 0x5b;
const CLOSE_BRACKET = 0x5d;
const COLON = 0x3a;
const COMMA = 0x2c;

function skipSpace(json: Buffer, at: number): number {
  let i = at;
  for (let c = json[i]; c === 0x20 || c === 0x0a || c === 0x0d || c === 0x09; c = json[++i]);
  return i;
}

/** The offset just after the string that starts at `at` (its opening quote). */
function skipString(json: Buffer, at: number): number {
  for (let i = json.indexOf(QUOTE, at + 1); i !== -1; i = json.indexOf(QUOTE, i + 1)) {
    let backslashes = 0;
    while (json[i - 1 - backslashes] === BACKSLASH) backslashes++;
    if (backslashes % 2 === 0) return i + 1;
  }
  throw new SyntaxError('bundled schemas: unterminated string');
}

/** The offset just after the JSON value that starts at `at`. */
function skipValue(json: Buffer, at: number): number {
  const first = json[at];
  if (first === QUOTE) return skipString(json, at);
  if (first !== OPEN_BRACE && first !== OPEN_BRACKET) {
    let i = at;
    for (let c = json[i]; c !== undefined && c !== COMMA && c !== CLOSE_BRACE && c !== CLOSE_BRACKET; c = json[++i]);
    return i;
  }
  let depth = 0;
  for (let i = at; i < json.length; ) {
    const c = json[i];
    if (c === QUOTE) {
      i = skipString(json, i);
      continue;
    }
    if (c === OPEN_BRACE || c === OPEN_BRACKET) depth++;
    else if (c === CLOSE_BRACE || c === CLOSE_BRACKET) {
      depth--;
      if (depth === 0) return i + 1;
    }
    i++;
  }
  throw new SyntaxError('bundled schemas: unterminated object');
}

/** Calls `member` with each key of the JSON object at `at` and where its value starts and ends. */
function eachMember(json: Buffer, at: number, member: (key: string, start: number, end: number) => void): void {
  let i = skipSpace(json, at);
  if (json[i] !== OPEN_BRACE) throw new SyntaxError('bundled schemas: an object was expected');
  i = skipSpace(json, i + 1);
  if (json[i] === CLOSE_BRACE) return;
  for (;;) {
    if (json[i] !== QUOTE) throw new SyntaxError('bundled schemas: a key was expected');
    const keyEnd = skipString(json, i);
    const key = JSON.parse(json.toString('utf8', i, keyEnd)) as string;
    i = skipSpace(json, keyEnd);
    if (json[i] !== COLON) throw new SyntaxError('bundled schemas: a colon was expected');
    const start = skipSpace(json, i + 1);
    const end = skipValue(json, start);
    member(key, start, end);
    i = skipSpace(json, end);
    if (json[i] === CLOSE_BRACE) return;
    if (json[i] !== COMMA) throw new SyntaxError('bundled schemas: a comma was expected');
    i = skipSpace(json, i + 1);
  }
}

/**
 * The bundle's data with each definition parsed from the file's bytes when it is first read: a
 * check of a few kinds reads a quarter of the definitions, and the whole set parsed is 7 MB of
 * heap in every thread that validates (the language server, the CLI and each of its workers).
 * `definitions` is an object of enumerable getters, so lookups, `Object.keys` and JSON.stringify
 * behave as on a parsed one; a definition parsed once is the same object on every read (the
 * caches of compiled schemas are keyed by it).
 */
export function lazyBundleData(json: Buffer): SchemaBundleData {
  const data: Record<string, unknown> = {};
  eachMember(json, 0, (key, start, end) => {
    if (key !== 'definitions') {
      data[key] = JSON.parse(json.toString('utf8', start, end));
      return;
    }
    const definitions: Record<string, OpenApiSchema> = {};
    eachMember(json, start, (name, from, to) => {
      Object.defineProperty(definitions, name, {
        configurable: true,
        enumerable: true,
        get: () => {
          const schema = JSON.parse(json.toString('utf8', from, to)) as OpenApiSchema;
          Object.defineProperty(definitions, name, { value: schema, writable: true, configurable: true, enumerable: true });
          return schema;
        },
        // As on a plain object: an assignment through an object that inherits these (a workspace
        // CRD's bundle) gives that object its own property.
        set(this: object, value: OpenApiSchema) {
          Object.defineProperty(this, name, { value, writable: true, configurable: true, enumerable: true });
        },
      });
    });
    data[key] = definitions;
  });
  return data as unknown as SchemaBundleData;
}

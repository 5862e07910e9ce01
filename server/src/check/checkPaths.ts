import { existsSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { checkFileAs, looksTemplatedFile, resourcesIn, type CheckOptions } from './checkFile';
import { mayHavePlaceholder, type PostBuildValues } from '../manifests/placeholders';
import { declarations, PlacedDeclaration, repeatedDeclarations, type Declaration } from './duplicates';
import { applyScopes, appliedFoldersOf, FolderLookup, mayApplyFolders, scopedDuplicateFindings, unitPathsIn, unitPathsOfText, type AppliedFolder, type UnitPath } from './duplicateScopes';
import { fileRole, type FileRole } from './fileRole';
import { DEFAULT_MAX_FILE_BYTES } from '../files/limits';
import { CheckWorkers, ParallelCheck, worthParallel } from './parallelCheck';
import { FILE_START, type Finding } from '../manifests/problem';
import { isKustomizationFile, PatchIndex } from '../kustomize/patchIndex';
import { ManifestParser } from '../manifests/parse';
import type { SchemaResolver } from '../schemas/resolver';
import { loadBundledSchemas } from '../schemas/bundled';
import { WorkspaceCrds } from '../schemas/workspaceCrds';
import { checkPiece } from './checkPiece';
import { hasYamlSchema, PlainYamlService } from '../validation/plainYamlService';
import { pathToFileURL } from 'node:url';
import { decodeManifest } from '../files/decode';
import { collectYamlPaths, displayPath, readBoundedFile, readBoundedFileSync, readListedFileWith, readTextIfSane, type FileRead, type SkippedPath } from '../files/files';

export interface FileReport {
  path: string;
  documents: number;
  /** Resources validated against a schema. */
  resources: number;
  skipped: string | undefined;
  findings: Finding[];
}

export interface CheckRun {
  /** Chooses the schemas once the files are parsed and the group/versions in use are known. */
  schemas: (groupVersions: { group: string; version: string }[]) => Promise<SchemaResolver | undefined>;
  unknownKind: CheckOptions['unknownKind'];
  /**
   * Workers to check with when the schemas are the bundled ones whatever the files hold (they
   * load those themselves); 0 checks in this thread. Given (0 included), the files are checked
   * a piece at a time as they are read, holding no parse tree longer than its piece; absent,
   * the schemas depend on the apiVersions in the files, which are all parsed first.
   */
  workers?: number;
  /**
   * Those workers, when the caller started them ahead of the run (CheckWorkers of `workers`
   * threads), so they load while the files are listed; the run stops them when it ends.
   */
  pool?: CheckWorkers;
  /**
   * Read files synchronously: a quarter of the time for a folder of small files, for a
   * command-line run that has nothing else to serve meanwhile (the language server has).
   */
  syncReads?: boolean;
  /**
   * Called once, before the first file of LARGE_FILE_BYTES or more is checked in this thread:
   * the CLI tunes V8's heap for it (heap.ts, optimizeHeapForSize).
   */
  beforeLargeFile?: () => void;
  /** Files larger than this are skipped unread (default 20 MB). */
  maxFileBytes?: number;
  /** The setting or flag that raises the limit, named in the skip message. */
  maxFileSizeName?: string;
  /**
   * Folders searched for CustomResourceDefinitions besides the checked files (the repository
   * root), so a CRD kept elsewhere in the repository validates the resources checked here.
   */
  crdRoots?: readonly string[];
  /** Receives the CRDs found, which validate their custom resources (default: a fresh set). */
  workspaceCrds?: WorkspaceCrds;
  /**
   * The Flux Kustomizations with post-build values that render a file (by absolute path), asked
   * once, and only when a checked file holds a `${…}`: its placeholders are then validated as
   * the values Git holds, as the editor does.
   */
  postBuild?: () => Promise<(path: string) => readonly PostBuildValues[]>;
}

/** Kustomizations among the files and beside them, so patch files are known before they are checked. */
async function buildPatchIndex(files: readonly string[]): Promise<{ index: PatchIndex; kustomizations: string[] }> {
  const index = new PatchIndex();
  const kustomizations = new Set(files.filter(isKustomizationFile).map((f) => resolve(f)));
  for (const dir of new Set(files.map((f) => dirname(resolve(f))))) {
    for (const name of ['kustomization.yaml', 'kustomization.yml', 'Kustomization']) {
      const candidate = join(dir, name);
      if (existsSync(candidate)) kustomizations.add(candidate);
    }
  }
  // A FIFO named kustomization.yaml must not hang the run: only regular files of sane size are read.
  for (const path of kustomizations) index.update(path, await readTextIfSane(path));
  return { index, kustomizations: [...kustomizations] };
}

/** A file this large holds hundreds of documents: see CheckRun.beforeLargeFile. */
const LARGE_FILE_BYTES = 1024 * 1024;

// Files read at once: one at a time, a folder of small files spends most of its time waiting.
const READ_AHEAD = 32;

/** The files' contents in order: read READ_AHEAD at a time, or each when its turn comes with `sync`. */
function* readAhead<T>(files: readonly string[], sync: boolean, read: (path: string) => Promise<T>, readSync: (path: string) => T): Generator<[string, Promise<T>]> {
  if (sync) {
    for (const path of files) yield [path, Promise.resolve(readSync(path))];
    return;
  }
  const pending: (Promise<T> | undefined)[] = [];
  const start = (i: number): void => {
    const path = files[i];
    if (path !== undefined) pending[i] = read(path);
  };
  for (let i = 0; i < READ_AHEAD; i++) start(i);
  for (let i = 0; i < files.length; i++) {
    start(i + READ_AHEAD);
    const next = pending[i];
    const path = files[i];
    if (next === undefined || path === undefined) continue;
    pending[i] = undefined;
    yield [path, next];
  }
}

/** A file read and decoded: its text (or why it has none) and how many bytes it had. */
type DecodedRead = { ok: true; byteLength: number; decoded: ReturnType<typeof decodeManifest> } | { ok: false; skipped: SkippedPath };

/**
 * Decodes a file as soon as it is read, so that its bytes are not held while its text is
 * checked: the bench's 7.2 MB file was both a Buffer and a string for the whole check.
 */
function decodedRead(got: FileRead): DecodedRead {
  return got.ok ? { ok: true, byteLength: got.bytes.byteLength, decoded: decodeManifest(got.bytes) } : got;
}

/** A listed file (collectYamlPaths), read and decoded where its bytes were read, without a copy of them. */
function decodedListedRead(path: string, maxBytes: number, limitName: string): DecodedRead {
  const got = readListedFileWith(path, maxBytes, limitName, (bytes) => ({ byteLength: bytes.byteLength, decoded: decodeManifest(bytes) }));
  return got.ok ? { ok: true, ...got.value } : got;
}

/** A path that was not read, as the report of a file: one finding that says why. */
function skippedReport(s: SkippedPath): FileReport {
  return { path: s.path, documents: 0, resources: 0, skipped: s.reason.replace(/^skipped: /, ''), findings: [{ range: FILE_START, severity: s.severity, code: s.code, message: s.reason }] };
}

/** A file's text read once more, as it was decoded for its check; undefined if it can no longer be read. */
function textAgain(path: string, maxBytes: number, limitName: string): string | undefined {
  const got = readBoundedFileSync(path, maxBytes, limitName);
  if (!got.ok) return undefined;
  const decoded = decodeManifest(got.bytes);
  return 'finding' in decoded ? undefined : decoded.text;
}

/** Checks every YAML file below the given paths; expected failures become findings, not throws. */
export async function checkPaths(paths: readonly string[], run: CheckRun): Promise<FileReport[]> {
  const started: { pool?: CheckWorkers } = run.pool === undefined ? {} : { pool: run.pool };
  try {
    return await checkAllPaths(paths, run, started);
  } finally {
    await started.pool?.close();
  }
}

async function checkAllPaths(paths: readonly string[], run: CheckRun, started: { pool?: CheckWorkers }): Promise<FileReport[]> {
  // As a user asked: links inside the given folders are followed (once), links out of them are not.
  const { files, skipped } = await collectYamlPaths(paths, { followLinks: true });
  const { index: patches, kustomizations } = await buildPatchIndex(files);
  const crds = run.workspaceCrds ?? new WorkspaceCrds(loadBundledSchemas(), displayPath);
  await readOtherCrds(run.crdRoots ?? [], new Set(files.map((f) => resolve(f))), crds);
  const reports = await checkFiles(files, patches, kustomizations, { ...run, workspaceCrds: crds }, started);
  return [...reports, ...skipped.map(skippedReport)].sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
}

/** Findings whose words depend on every schema known: they name the layers searched and the kinds they hold. */
const SCHEMA_LOOKUP_CODES: ReadonlySet<string> = new Set(['schema.unknown-kind', 'schema.unknown-version']);

/** A file that declares a CRD says so on a line of its own. */
const MAY_HOLD_CRD = 'CustomResourceDefinition';

/** CRDs in the YAML files below `roots` that are not among the checked files (those are read as they are checked). */
async function readOtherCrds(roots: readonly string[], checked: ReadonlySet<string>, crds: WorkspaceCrds): Promise<void> {
  if (roots.length === 0) return;
  const { files } = await collectYamlPaths(roots, { followLinks: false });
  const others = files.filter((path) => !checked.has(resolve(path)));
  // A few reads at once: one at a time, a large repository spends its time waiting.
  const texts = new Map<string, string>();
  let next = 0;
  const reader = async (): Promise<void> => {
    for (let i = next++; i < others.length; i = next++) {
      const path = others[i];
      if (path === undefined) continue;
      const text = await readTextIfSane(path);
      if (text?.includes(MAY_HOLD_CRD) === true) texts.set(path, text);
    }
  };
  await Promise.all(Array.from({ length: 16 }, reader));
  // In path order, so the first file that defines a kind is the same on every run.
  for (const path of others) {
    const text = texts.get(path);
    if (text !== undefined) crds.update(resolve(path), text);
  }
}

/** The resolver for this run, with the workspace's CRDs in it when there are any. */
function withCrds(schemas: SchemaResolver | undefined, crds: WorkspaceCrds | undefined): SchemaResolver | undefined {
  if (schemas !== undefined && crds !== undefined && crds.size > 0) schemas.setWorkspaceCrds(crds.bundles());
  return schemas;
}

/** The post-build values that render a file with placeholders; the lookup is made on the first such file. */
function postBuildOf(run: CheckRun): (path: string, text: string) => Promise<readonly PostBuildValues[]> {
  let lookup: Promise<(path: string) => readonly PostBuildValues[]> | undefined;
  return async (path, text) => {
    if (run.postBuild === undefined || !mayHavePlaceholder(text)) return [];
    lookup ??= run.postBuild();
    return (await lookup)(resolve(path));
  };
}

async function checkFiles(files: readonly string[], patches: PatchIndex, kustomizations: readonly string[], run: CheckRun, started: { pool?: CheckWorkers }): Promise<FileReport[]> {
  const postBuild = postBuildOf(run);
  const appliedFolders: AppliedFolder[] = [];
  // The paths the Flux Kustomizations and Argo CD Applications checked in pieces apply, made folders only when duplicates are looked for.
  const unitPathsOf: { path: string; paths: UnitPath[] }[] = [];
  const folderLookup = new FolderLookup();
  const reports: FileReport[] = [];
  const toCheck: { report: FileReport; text: string; role: FileRole }[] = [];
  // Once workers are started, files go to them as they are read; those read before wait in toCheck.
  let parallel: ParallelCheck | undefined;
  // Without workers, the schemas files are checked with as they are read (the bundled ones and the CRDs found so far).
  let inlineSchemas: SchemaResolver | undefined;
  const inParallel: FileReport[] = [];
  // A file checked inline keeps no text: the rare later uses (a CRD read after it, post-build values) read it again.
  const parallelInputs: { text: string | undefined; role: FileRole; placeholder: boolean }[] = [];
  const workers = run.workers ?? 0;
  let bytesRead = 0;
  let largeFileSeen = false;
  const maxBytes = run.maxFileBytes ?? DEFAULT_MAX_FILE_BYTES;
  const limitName = run.maxFileSizeName ?? 'plumbline.maxFileSize';
  // YAML that is not Kubernetes but names a JSON schema (a chart's values file, a modeline): judged
  // by yaml-language-server's service, as the editor judges it, once everything else is checked.
  const plain: { report: FileReport; text: string }[] = [];
  const reading = readAhead(
    files,
    run.syncReads === true,
    (path) => readBoundedFile(path, maxBytes, limitName).then(decodedRead),
    // Listed as regular files by collectYamlPaths: read without a stat first.
    (path) => decodedListedRead(path, maxBytes, limitName),
  );
  for (const [path, read] of reading) {
    const got = await read;
    if (!got.ok) {
      reports.push(skippedReport(got.skipped));
      continue;
    }
    const report: FileReport = { path, documents: 0, resources: 0, skipped: undefined, findings: [] };
    reports.push(report);
    bytesRead += got.byteLength;
    // Enough to check that workers pay off: start them now, they load while the rest is read.
    // Without workers, large input is checked in pieces too: one file's parse trees never all live at once.
    if (parallel === undefined && run.workers !== undefined && (worthParallel(bytesRead, workers, files.length) || (workers === 0 && worthParallel(bytesRead, 1, files.length)))) {
      started.pool ??= new CheckWorkers(workers);
      if (workers === 0) {
        inlineSchemas = await run.schemas([]);
        if (inlineSchemas === undefined) throw new Error('checks without workers need the bundled schemas');
        withCrds(inlineSchemas, run.workspaceCrds);
      }
      parallel = new ParallelCheck(started.pool, run.unknownKind, inlineSchemas);
      if (run.workspaceCrds !== undefined && run.workspaceCrds.size > 0) parallel.setCrds(parallel.checksInline ? [] : run.workspaceCrds.snapshot());
    }
    if (got.byteLength >= LARGE_FILE_BYTES && parallel?.checksInline === true && !largeFileSeen) {
      largeFileSeen = true;
      run.beforeLargeFile?.();
    }
    const decoded = got.decoded;
    if ('finding' in decoded) {
      report.findings.push(decoded.finding);
      report.skipped = decoded.finding.code === 'file.binary' ? 'binary' : undefined;
      continue;
    }
    // Workers get a CRD as soon as it is read: the files after it are checked with it there.
    const absolute = resolve(path);
    if (decoded.text.includes(MAY_HOLD_CRD) && run.workspaceCrds?.update(absolute, decoded.text) === true) {
      parallel?.setCrds(parallel.checksInline ? [] : run.workspaceCrds.snapshot());
      if (inlineSchemas !== undefined) withCrds(inlineSchemas, run.workspaceCrds);
    }
    const role = fileRole(absolute, patches.useOf(path, absolute), patches.selectorsAdded(path, absolute));
    if (role.kind === 'helm-template') {
      if (mayApplyFolders(decoded.text)) appliedFolders.push(...(await appliedFoldersOf(path, unitPathsOfText(decoded.text), folderLookup)));
      report.skipped = 'Helm template';
      continue;
    }
    // As the editor: a kustomization or a patch has its own schema, and a modeline on it is not a second one.
    if (role.kind === 'manifests' && hasYamlSchema(path, decoded.text)) plain.push({ report, text: decoded.text });
    toCheck.push({ report, text: decoded.text, role });
    if (parallel !== undefined) {
      for (const file of toCheck.splice(0)) {
        const inline = parallel.checksInline;
        // The path alone in the closure: capturing `file` would keep its text to the end of the check.
        const checked = file.report.path;
        const again = (): string | undefined => textAgain(checked, maxBytes, limitName);
        parallel.add(file.text, file.role, inline ? again : undefined);
        inParallel.push(file.report);
        parallelInputs.push({ text: inline ? undefined : file.text, role: file.role, placeholder: mayHavePlaceholder(file.text) });
      }
      // Synchronous reads never reach the event loop: let workers that finished pick up the next batch.
      if (inParallel.length % 64 === 0) await new Promise<void>((resolve) => setImmediate(resolve));
    }
  }
  const declared: Declaration[] = [];
  if (parallel !== undefined) {
    // The schemas do not depend on the files here: the bundled ones and the workspace's CRDs, as in the workers.
    const bundled = inlineSchemas ?? (await run.schemas([]));
    if (bundled === undefined) throw new Error('parallel checks need the bundled schemas');
    const schemas = withCrds(bundled, run.workspaceCrds) ?? bundled;
    const results = await parallel.finish(schemas);
    // A file checked before the last CRD was read is checked again here with every CRD when they
    // could change what it says: it names a CRD's group, or it has a kind without a schema (whose
    // message names the schemas searched, "workspace CRDs (N files)", and may suggest a kind a
    // later CRD defines). Else the report would depend on how far the reading had got when a
    // worker took the file, and differ from run to run.
    const crdGroups = run.workspaceCrds !== undefined && run.workspaceCrds.size > 0 ? run.workspaceCrds.groups() : [];
    const full = crdGroups.length > 0 ? schemas : undefined;
    const checkedEarly = parallel.checkedBeforeLastCrds();
    inParallel.forEach((report, i) => {
      const r = results[i];
      if (r === undefined) return;
      report.documents = r.documents;
      report.resources = r.resources;
      report.findings = r.findings;
      const input = parallelInputs[i];
      const text = full !== undefined && input !== undefined && checkedEarly.has(i) ? (input.text ?? textAgain(report.path, maxBytes, limitName)) : undefined;
      if (full !== undefined && input !== undefined && text !== undefined && (r.findings.some((f) => SCHEMA_LOOKUP_CODES.has(f.code)) || crdGroups.some((g) => text.includes(`${g}/`)))) {
        const again = checkPiece({ text, role: input.role, unknownKind: run.unknownKind }, full);
        report.findings = again.templated ? [] : again.findings;
      }
      for (const d of r.declarations) declared.push(new PlacedDeclaration(report.path, d, 0, r.lines));
    });
    inParallel.forEach((report, i) => {
      const paths = results[i]?.unitPaths ?? [];
      if (paths.length > 0) unitPathsOf.push({ path: report.path, paths });
    });
    // Workers know no post-build values: a file a Flux Kustomization substitutes in is checked again here with them.
    for (const [i, report] of inParallel.entries()) {
      const input = parallelInputs[i];
      if (input === undefined || !input.placeholder) continue;
      const text = input.text ?? textAgain(report.path, maxBytes, limitName);
      if (text === undefined) continue;
      const units = await postBuild(report.path, text);
      if (units.length === 0) continue;
      const file = new ManifestParser({ quick: true }).parse(text);
      report.findings = looksTemplatedFile(file) ? [] : checkFileAs(file, { role: input.role, schemas: withCrds(schemas, run.workspaceCrds), unknownKind: run.unknownKind }, units);
    }
  } else {
    const parsed = toCheck.map(({ report, text, role }) => {
      const file = new ManifestParser({ quick: true }).parse(text);
      report.documents = file.documents.length;
      report.resources = resourcesIn(file);
      return { report, file, role, text };
    });
    const groupVersions = new Map<string, { group: string; version: string }>();
    for (const { file } of parsed) {
      for (const d of file.documents) if (d.identity !== undefined) groupVersions.set(d.identity.apiVersion, { group: d.identity.group, version: d.identity.version });
    }
    const schemas = withCrds(await run.schemas([...groupVersions.values()]), run.workspaceCrds);
    for (const { report, file, role, text } of parsed) {
      if (mayApplyFolders(text)) appliedFolders.push(...(await appliedFoldersOf(report.path, unitPathsIn(file.documents.map((d) => d.doc.contents)), folderLookup)));
      report.findings = checkFileAs(file, { role, schemas, unknownKind: run.unknownKind }, await postBuild(report.path, text));
      if (role.kind === 'manifests') declared.push(...declarations(report.path, file));
    }
  }
  if (plain.length > 0) {
    const service = new PlainYamlService();
    for (const { report, text } of plain) report.findings.push(...(await service.findings(pathToFileURL(resolve(report.path)).href, 1, text)));
  }
  // Only a resource declared more than once can be a duplicate: without one (most runs), the
  // scopes are not worked out, and the 4,250 files of the bench were a fifth of its peak heap.
  const repeated = repeatedDeclarations(declared);
  if (repeated.length === 0) return reports;
  for (const { path, paths } of unitPathsOf) appliedFolders.push(...(await appliedFoldersOf(path, paths, folderLookup)));
  // Only files applied together can fight over an object: within a file, a kustomization's build, a Flux Kustomization's or Argo CD Application's path.
  const scopes = await applyScopes(kustomizations, appliedFolders, files);
  const found = scopedDuplicateFindings(repeated, scopes, displayPath);
  if (found.size === 0) return reports;
  const byPath = new Map<string, FileReport>();
  for (const r of reports) {
    const absolute = resolve(r.path);
    if (!byPath.has(absolute)) byPath.set(absolute, r);
  }
  for (const [path, findings] of found) {
    byPath.get(resolve(path))?.findings.push(...findings);
  }
  return reports;
}

interface Totals {
  files: number;
  resources: number;
  errors: number;
  warnings: number;
  skipped: number;
}

export function totals(reports: readonly FileReport[]): Totals {
  const t: Totals = { files: reports.length, resources: 0, errors: 0, warnings: 0, skipped: 0 };
  for (const r of reports) {
    t.resources += r.resources;
    if (r.skipped !== undefined) t.skipped++;
    for (const f of r.findings) {
      if (f.severity === 'error') t.errors++;
      else if (f.severity === 'warning') t.warnings++;
    }
  }
  return t;
}

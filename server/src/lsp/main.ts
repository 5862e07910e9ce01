import { stopKustomizeServers } from '../environments/kustomizeServer';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import {
  createConnection,
  FileChangeType,
  ProposedFeatures,
  TextDocuments,
  TextDocumentSyncKind,
  type InitializeResult,
} from 'vscode-languageserver/node';
import { readFile } from 'node:fs/promises';
import { checkFileAs, sizeFinding } from '../check/checkFile';
import type { PostBuildValues } from '../manifests/placeholders';
import type { Environment } from '../environments/model';
import { postBuildValuesOf } from '../environments/postBuildValues';
import { asNotApplied } from '../environments/notAppliedGate';
import { fileDuplicateFindings } from '../check/duplicates';
import { fileRole } from '../check/fileRole';
import type { Finding } from '../manifests/problem';
import { isKustomizationFile, PatchIndex } from '../kustomize/patchIndex';
import { ManifestParser, type ManifestFile } from '../manifests/parse';
import { fileIncludes } from '../manifests/fileWords';
import type { ResourceIdentity } from '../manifests/identity';
import { DEFAULT_SETTINGS, EnvironmentsChangedNotification, sanitizeSettings, YamlExtensionNotification, type EnvironmentsChangedParams, type InitializationOptions, type PlumblineSettings } from '../protocol';
import { loadBundledSchemas } from '../schemas/bundled';
import { SchemaResolver } from '../schemas/resolver';
import { PLUMBLINE_VERSION } from '../version';
import { collectYamlFiles, readBoundedOnce } from '../files/files';
import { WorkspaceCrds } from '../schemas/workspaceCrds';
import { ClusterRegistry } from '../workspace/clusters';
import { renderOptionsOf } from '../workspace/settings';
import { isUntracked } from '../git/tracked';
import { registerAssist } from './assist';
import { ClusterState } from './clusterState';
import { registerDriftFeatures } from './driftFeatures';
import { PLUMBLINE_CONFIG_FILE } from '../files/names';
import { GitOpsIgnoreCache } from '../drift/gitopsIgnore';
import { readIgnoreRules, readManualManagers, type IgnoreRule } from '../drift/ignore';
import { DriftState } from './driftState';
import { EnvironmentRenders } from '../workspace/environmentRenders';
import { registerEnvironments } from './environments';
import { registerClusterContexts } from './clusterContexts';
import { registerTerraform } from './terraform';
import { toDiagnostic } from './convert';
import { ValidationQueue } from './validationQueue';
import { EditWindows } from './editWindows';
import { hasYamlSchema, PlainYamlService } from '../validation/plainYamlService';
import { isValuesFile } from '../schemas/yamlFileSchemas';

const connection = createConnection(ProposedFeatures.all);

// One bad document or a lost client reply must never take the server down with it.
process.on('unhandledRejection', (reason: unknown) => {
  connection.console.error(`unhandled rejection: ${reason instanceof Error ? (reason.stack ?? reason.message) : String(reason)}`);
});

const editWindows = new EditWindows();
const documents = new TextDocuments(editWindows.documents);
const parsers = new Map<string, ManifestParser>();
const patches = new PatchIndex();
let settings: PlumblineSettings = DEFAULT_SETTINGS;
/** The repository's own manual managers (`drift.manualManagers` in .plumbline.yaml), added to the setting's. */
let repositoryManagers: string[] = [];
/** Every cluster the workspace talks to, one session and drift engine each: editor, tree and previews share them. */
const clusters = new ClusterRegistry(() => ({ manualManagers: [...settings.drift.manualManagers, ...repositoryManagers] }), () => initOptions.cacheDir);
let canPullConfiguration = false;
let workspaceFolders: string[] = [];
let schemas: SchemaResolver | undefined;
let schemaError: string | undefined;
let cluster: ClusterState | undefined;
let initOptions: InitializationOptions = {};
let drift: DriftState | undefined;
let settingsLoaded = false;
/** Settles once the client's settings are first read (or could not be): requests that depend on them wait for it. */
let settingsRead: () => void = () => undefined;
const firstSettings = new Promise<void>((resolve) => (settingsRead = resolve));
const validationResults = new Map<string, { version: number; findings: Finding[] }>();
/** What was last sent per open document, so a check that changed nothing sends nothing. */
const lastPublished = new Map<string, { version: number; key: string }>();
/** JSON schemas of YAML that is not Kubernetes (Helm values, modelines), through yaml-language-server's service. */
const plainYaml = new PlainYamlService();
/** Text larger than this is not given to yaml-language-server: its parse and validation would hold up every edit. */
const PLAIN_YAML_MAX_CHARS = 2 * 1024 * 1024;

/**
 * The text, when this document's JSON schema is Plumbline's to apply: not when the
 * redhat.vscode-yaml extension is there, which applies the same schemas (twice the diagnostics).
 */
function plainYamlText(path: string | undefined, text: { length: number; toString(): string }, file: ManifestFile): string | undefined {
  if (initOptions.yamlExtension === true || text.length > PLAIN_YAML_MAX_CHARS) return undefined;
  // Most files are neither: asked of the parsed documents, so their text is not joined (nor read whole) on every edit.
  if ((path === undefined || !isValuesFile(path)) && !fileIncludes(file, 'yaml-language-server')) return undefined;
  const whole = text.toString();
  return hasYamlSchema(path, whole) ? whole : undefined;
}
/** Environments' renders with field origins: drift of the files they read is per environment. */
const renders = new EnvironmentRenders(() => workspaceFolders[0], () => renderOptionsOf(settings, initOptions.trusted !== false), (m) => connection.console.info(m), () => schemas);
renders.onDidChange(() => {
  for (const d of documents.all()) drift?.request(d.uri);
  // Post-build values may have changed with the environments (a ConfigMap of substituteFrom saved).
  revalidateAll();
});

function describeError(error: unknown): string {
  return error instanceof Error ? (error.stack ?? error.message) : String(error);
}

function pathOf(uri: string): string | undefined {
  return uri.startsWith('file:') ? fileURLToPath(uri) : undefined;
}

/** Loads the bundled schemas on first use; without them we still report YAML errors. */
function schemaResolver(): SchemaResolver | undefined {
  if (schemas === undefined && schemaError === undefined) {
    try {
      const bundled = loadBundledSchemas();
      schemas = new SchemaResolver([bundled]);
      schemas.pinVersion(settings.kubernetesVersion);
      schemas.setWorkspaceCrds(crds().bundles());
      cluster = new ClusterState(connection, schemas, bundled, revalidateAll, (target) => clusters.session(target));
      // Configured once the client's settings are in (onInitialized); until then, bundled schemas only.
      if (settingsLoaded) cluster.configure(settings, initOptions.trusted !== false);
      drift = new DriftState({
        connection,
        file: driftInput,
        settings: () => settings,
        session: () => cluster?.session,
        clusters,
        publish,
        revalidate: (uri) => queue.request(uri),
        ignoreRules: workspaceIgnoreRules,
        reachability: (error) => cluster?.noteReachability(error),
        environments: renders,
        // No git in an untrusted workspace: its config could run programs.
        untracked: (path) => (initOptions.trusted === false ? Promise.resolve(false) : isUntracked(path)),
      });
    } catch (error: unknown) {
      schemaError = describeError(error);
      connection.console.error(`schemas unavailable, only YAML syntax is checked: ${schemaError}`);
    }
  }
  return schemas;
}

/** The parse of a document's current text; cheap when validation already parsed this version. */
function parsed(uri: string): ManifestFile | undefined {
  const document = documents.get(uri);
  if (document === undefined) return undefined;
  // A file skipped as too large is never parsed, whoever asks (outline, hover, drift…).
  if (document.snapshot.length > settings.maxFileSizeMB * 1024 * 1024) return undefined;
  const last = lastParse.get(uri);
  if (last !== undefined && last.version === document.version) return last.file;
  let parser = parsers.get(uri);
  if (parser === undefined) {
    parser = new ManifestParser();
    parsers.set(uri, parser);
  }
  const file = parser.parse(document.snapshot, editWindows.take(uri));
  lastParse.set(uri, { version: document.version, file });
  return file;
}

/** The parse of each document's latest version: validation, drift and requests share it. */
const lastParse = new Map<string, { version: number; file: ManifestFile }>();

/**
 * The post-build variables, with their values in Git, of each Flux Kustomization that renders a
 * file with placeholders: they are validated as those values, as `plumbline check` does.
 */
async function postBuildValues(path: string | undefined, file: ManifestFile): Promise<PostBuildValues[]> {
  const root = workspaceFolders[0];
  if (path === undefined || root === undefined || !fileIncludes(file, '${')) return [];
  await renders.ready();
  return renders.using(path).flatMap((environment) => {
    // One object per indexed environment: validation reuses its findings while the values are the same object.
    if (!knownValues.has(environment)) knownValues.set(environment, postBuildValuesOf(environment, (p) => relative(root, p)));
    return knownValues.get(environment) ?? [];
  });
}

const knownValues = new WeakMap<Environment, PostBuildValues | undefined>();

/** Validates the current version and publishes; queued so bursts of edits coalesce. */
async function validate(uri: string): Promise<void> {
  const document = documents.get(uri);
  if (document === undefined) return Promise.resolve();
  const version = document.version;
  // Read by parts: joining a large file's text on every edit is most of an edit's cost.
  const text = document.snapshot;
  const path = pathOf(uri);
  const tooLarge = sizeFinding(editWindows.byteLength(uri, text), { maxFileBytes: settings.maxFileSizeMB * 1024 * 1024 });
  let findings: Finding[];
  if (tooLarge !== undefined) {
    parsers.delete(uri);
    findings = [tooLarge];
  } else if (editWindows.hasNul(uri, text)) {
    // The same note the CLI gives: binary content is not a manifest.
    findings = [{ range: { start: { line: 0, character: 0 }, end: { line: 0, character: 0 } }, severity: 'information', code: 'file.binary', message: 'skipped: binary file (contains NUL bytes)' }];
  } else {
    if (path !== undefined && isKustomizationFile(path)) patches.update(path, text.toString());
    const role = fileRole(path, path === undefined ? undefined : patches.useOf(path), path !== undefined && patches.selectorsAdded(path));
    const file = parsed(uri);
    const units = file === undefined ? [] : await postBuildValues(path, file);
    if (documents.get(uri)?.version !== version) return;
    findings =
      file === undefined
        ? []
        : checkFileAs(file, {
            role,
            schemas: schemaResolver(),
            unknownKind: settings.unknownKinds,
            // CEL transition rules compare with the object in the cluster, once drift has read it.
            ...(drift !== undefined ? { liveObjects: { lookup: (identity: ResourceIdentity) => drift?.liveObject(uri, identity), generation: drift.liveGeneration(uri) } } : {}),
          }, units);
    if (file !== undefined) cluster?.noteFile(file);
    if (file !== undefined && role.kind === 'manifests') findings.push(...fileDuplicateFindings(uri, file));
    const plain = file === undefined || role.kind !== 'manifests' ? undefined : plainYamlText(path, text, file);
    if (plain !== undefined) findings.push(...(await plainYaml.findings(uri, version, plain)));
  }
  if (path !== undefined && findings.some((f) => f.severity === 'error')) findings = neverAppliedFindings(uri, path, findings);
  // A newer version arrived while we worked: its own run will publish.
  if (documents.get(uri)?.version !== version) return;
  validationResults.set(uri, { version, findings });
  publish(uri);
  drift?.request(uri);
}

/**
 * Errors in a file Flux never applies are warnings with the reason, as `plumbline check` reports
 * them. Known once the environments are indexed: the first answer is not held back for that, and
 * the file is checked again when the index is there.
 */
function neverAppliedFindings(uri: string, path: string, findings: Finding[]): Finding[] {
  const never = renders.neverApplied(path);
  if (never === undefined) {
    renders
      .ready()
      .then(() => queue.request(uri))
      .catch(() => undefined);
    return findings;
  }
  return never ? findings.map(asNotApplied) : findings;
}

/** Sends validation and drift findings of the current version together. */
function publish(uri: string): void {
  const document = documents.get(uri);
  const validated = validationResults.get(uri);
  if (document === undefined || validated === undefined || validated.version !== document.version) return;
  const all = [...validated.findings, ...(drift?.findings(uri, document.version) ?? [])];
  const diagnostics = all.map(toDiagnostic);
  // Every version gets one answer, but checking the same version again (settings read, environments
  // rendered, CRDs indexed) repeats it: the Problems panel would redraw its rows under the user's click.
  const key = JSON.stringify(diagnostics);
  const last = lastPublished.get(uri);
  if (last?.version === document.version && last.key === key) return;
  lastPublished.set(uri, { version: document.version, key });
  connection.sendDiagnostics({ uri, version: document.version, diagnostics }).catch(() => undefined);
}

const queue = new ValidationQueue(validate, (uri, error) => {
  connection.console.error(`validation of ${uri} failed: ${describeError(error)}`);
  // Every version gets an answer: say that checking failed rather than leave old diagnostics.
  const document = documents.get(uri);
  if (document === undefined) return;
  const message = error instanceof RangeError ? 'not checked: this document is too deeply nested or too large to check' : `not checked: internal error (${error instanceof Error ? error.message : String(error)}); see the Plumbline output`;
  validationResults.set(uri, { version: document.version, findings: [{ range: { start: { line: 0, character: 0 }, end: { line: 0, character: 0 } }, severity: 'error', code: 'plumbline.internal', message }] });
  publish(uri);
});

function revalidateAll(): void {
  for (const d of documents.all()) queue.request(d.uri);
}

async function loadSettings(): Promise<void> {
  if (!canPullConfiguration) return;
  const raw: unknown = await connection.workspace.getConfiguration('plumbline');
  settings = sanitizeSettings(raw);
  schemas?.pinVersion(settings.kubernetesVersion);
}

let workspaceCrds: WorkspaceCrds | undefined;

/** The CRDs found in the workspace's files, which validate their custom resources (named by path in the folder). */
function crds(): WorkspaceCrds {
  workspaceCrds ??= new WorkspaceCrds(loadBundledSchemas(), (path) => {
    const folder = workspaceFolders.find((f) => !relative(f, path).startsWith('..'));
    return folder === undefined ? path : relative(folder, path);
  });
  return workspaceCrds;
}

/** Reads a YAML file again for CRDs (undefined text: it is gone); true when the workspace's CRDs changed. */
async function rereadCrds(path: string, gone: boolean): Promise<boolean> {
  const read = gone ? undefined : await readBoundedOnce(path, settings.maxFileSizeMB * 1024 * 1024).catch(() => undefined);
  const bytes = read?.ok === true ? read.bytes : undefined;
  // A file that never held a CRD and does not now: nothing to do, without decoding or parsing it,
  // and without loading the bundled schemas a workspace of no CRDs never needs for this.
  if ((bytes === undefined || !bytes.includes('CustomResourceDefinition')) && workspaceCrds?.holds(path) !== true) return false;
  return crds().update(path, bytes?.toString('utf8'));
}

function applyCrds(): void {
  schemas?.setWorkspaceCrds(crds().bundles());
}

/** Reads every kustomization in the workspace so patch files are recognised before they are opened, and every CRD. */
async function indexKustomizations(): Promise<void> {
  const files = await collectYamlFiles(workspaceFolders).catch(() => []);
  for (const path of files.filter(isKustomizationFile)) patches.update(path, await readFile(path, 'utf8').catch(() => undefined));
  revalidateAll();
  // Then every file for CRDs (more reading): what their custom resources showed meanwhile was checked with the other schemas.
  let found = false;
  for (const path of files) if (await rereadCrds(path, false)) found = true;
  if (!found) return;
  applyCrds();
  connection.console.info(`schemas: CRDs of ${crds().size} workspace file(s): ${crds().kinds().map((k) => `${k.apiVersion} ${k.kind}`).join(', ')}`);
  revalidateAll();
}

connection.onInitialize((params): InitializeResult => {
  canPullConfiguration = params.capabilities.workspace?.configuration === true;
  initOptions = (params.initializationOptions ?? {}) as InitializationOptions;
  workspaceFolders = (params.workspaceFolders ?? []).flatMap((f) => pathOf(f.uri) ?? []);
  return {
    capabilities: {
      textDocumentSync: { openClose: true, change: TextDocumentSyncKind.Incremental, save: { includeText: false } },
      completionProvider: { triggerCharacters: [':', ' '] },
      hoverProvider: true,
      documentSymbolProvider: true,
      foldingRangeProvider: true,
      codeLensProvider: { resolveProvider: false },
      codeActionProvider: { codeActionKinds: ['quickfix'] },
    },
    serverInfo: { name: 'plumbline', version: PLUMBLINE_VERSION },
  };
});

/** `drift.manualManagers` of the workspace's .plumbline.yaml; none without a folder or a file. */
async function repositoryManagersOnDisk(): Promise<string[]> {
  const root = workspaceFolders[0];
  if (root === undefined) return [];
  return readFile(join(root, PLUMBLINE_CONFIG_FILE), 'utf8').then(readManualManagers, () => []);
}

/**
 * Reads `drift.manualManagers` of .plumbline.yaml; when they changed, the drift engines are made
 * again with them, and what the editor and the tree show is compared again.
 */
async function readRepositoryManagers(): Promise<void> {
  const managers = await repositoryManagersOnDisk();
  if (JSON.stringify(managers) === JSON.stringify(repositoryManagers)) return;
  repositoryManagers = managers;
  clusters.reset();
  cluster?.configure(settings, initOptions.trusted !== false);
  drift?.reset();
  revalidateAll();
  connection.sendNotification(EnvironmentsChangedNotification, { reason: 'settings' } satisfies EnvironmentsChangedParams).catch(() => undefined);
}

connection.onInitialized(() => {
  loadSettings()
    .then(async () => {
      settingsLoaded = true;
      // Before any engine exists, so the first comparisons already use them.
      repositoryManagers = await repositoryManagersOnDisk();
      settingsRead();
      cluster?.configure(settings, initOptions.trusted !== false);
      return indexKustomizations();
    })
    .catch((error: unknown) => connection.console.warn(`startup: ${describeError(error)}`))
    .finally(() => settingsRead());
});

connection.onDidChangeConfiguration(() => {
  loadSettings()
    .then(() => {
      // Every session and watch closes; the next request connects with the new settings.
      clusters.reset();
      // The kustomize and helm commands are settings too: render again with the new ones.
      renders.invalidate();
      cluster?.configure(settings, initOptions.trusted !== false);
      drift?.reset();
      revalidateAll();
      // The tree answers from the settings too (cluster access, context, kustomize): once they are read, it asks again.
      const changed: EnvironmentsChangedParams = { reason: 'settings' };
      connection.sendNotification(EnvironmentsChangedNotification, changed).catch(() => undefined);
    })
    .catch((error: unknown) => connection.console.warn(`could not read settings: ${describeError(error)}`));
});

connection.onNotification(YamlExtensionNotification, (params) => {
  if (params.present === (initOptions.yamlExtension === true)) return;
  connection.console.info(`redhat.vscode-yaml ${params.present ? 'is present: JSON schemas of Helm values and modelines are left to it' : 'is gone: Plumbline applies JSON schemas of Helm values and modelines'}`);
  initOptions = { ...initOptions, yamlExtension: params.present };
  revalidateAll();
});

connection.onDidChangeWatchedFiles((params) => {
  gitOpsIgnore.invalidate();
  // A values.schema.json or a modeline's schema changed: files judged by it are judged again.
  const schemaFiles = params.changes.flatMap((c) => {
    const path = pathOf(c.uri);
    return path !== undefined && /\.(json|ya?ml)$/i.test(path) ? [path] : [];
  });
  for (const path of schemaFiles) plainYaml.changed(path);
  if (schemaFiles.some((p) => p.endsWith('.json'))) revalidateAll();
  // What follows is about manifests: a JSON file is none of its business.
  params = { changes: params.changes.filter((c) => !/\.json$/i.test(c.uri)) };
  if (params.changes.length === 0) return;
  // Open documents too: `git checkout`, `git restore` or another tool rewrites a file the editor
  // shows without a save, and the environments that render it must render it again (a save
  // that also arrives here is debounced into the same render).
  for (const c of params.changes) {
    const path = pathOf(c.uri);
    if (path !== undefined) renders.changed(path).catch((error: unknown) => connection.console.warn(`environments: ${describeError(error)}`));
  }
  if (params.changes.some((c) => pathOf(c.uri)?.endsWith(PLUMBLINE_CONFIG_FILE) === true)) readRepositoryManagers().catch((error: unknown) => connection.console.warn(`${PLUMBLINE_CONFIG_FILE}: ${describeError(error)}`));
  // The tree (and an open preview, which follows it) shows renders of these files.
  if (params.changes.length > 0) connection.sendNotification(EnvironmentsChangedNotification, { reason: 'files' } satisfies EnvironmentsChangedParams).catch(() => undefined);
  // A CRD added, edited or removed in the workspace: its custom resources are validated with what it says now.
  Promise.all(params.changes.flatMap((c) => {
    const path = pathOf(c.uri);
    return path === undefined || !/\.ya?ml$/i.test(path) ? [] : [rereadCrds(path, c.type === FileChangeType.Deleted)];
  }))
    .then((results) => {
      if (!results.some(Boolean)) return;
      applyCrds();
      revalidateAll();
    })
    .catch((error: unknown) => connection.console.warn(`workspace CRDs: ${describeError(error)}`));
  const changed = params.changes.filter((c) => isKustomizationFile(c.uri));
  if (changed.length === 0) return;
  Promise.all(
    changed.map(async (c) => {
      const path = pathOf(c.uri);
      if (path === undefined) return;
      patches.update(path, c.type === FileChangeType.Deleted ? undefined : await readFile(path, 'utf8').catch(() => undefined));
    }),
  )
    .then(revalidateAll)
    .catch((error: unknown) => connection.console.warn(`kustomization update: ${describeError(error)}`));
});

const gitOpsIgnore = new GitOpsIgnoreCache();
const toldProblems = new Set<string>();

/** Ignore rules from the workspace's `.plumbline.yaml` and its Argo CD Applications and Flux HelmReleases. */
async function workspaceIgnoreRules(): Promise<IgnoreRule[]> {
  const root = workspaceFolders[0];
  if (root === undefined) return [];
  const text = await readFile(join(root, PLUMBLINE_CONFIG_FILE), 'utf8').catch(() => undefined);
  const gitops = await gitOpsIgnore.get(root);
  for (const p of gitops.problems) if (!toldProblems.has(p) && toldProblems.add(p)) connection.console.warn(p);
  return [...(text === undefined ? [] : readIgnoreRules(text)), ...gitops.rules];
}

/** What drift needs of an open document: its parse, its version, and whether it is a whole object. */
function driftInput(uri: string): { file: ManifestFile; version: number; eligible: boolean } | undefined {
  const document = documents.get(uri);
  const file = document === undefined ? undefined : parsed(uri);
  if (document === undefined || file === undefined) return undefined;
  const path = pathOf(uri);
  const role = fileRole(path, path === undefined ? undefined : patches.useOf(path));
  return { file, version: document.version, eligible: role.kind === 'manifests' };
}

registerAssist(connection, parsed, schemaResolver, () => drift, (uri) => fileRole(pathOf(uri), undefined), (uri) => {
  const document = documents.get(uri);
  const path = pathOf(uri);
  if (document === undefined || fileRole(path, undefined).kind !== 'manifests') return undefined;
  const file = parsed(uri);
  const text = file === undefined ? undefined : plainYamlText(path, document.snapshot, file);
  return text === undefined ? undefined : { service: plainYaml, version: document.version, text };
});
const environments = registerEnvironments(connection, () => workspaceFolders[0], () => settings, () => initOptions.trusted !== false, clusters);

// Watches and cluster connections close when the client asks, not only when the process ends.
connection.onShutdown(() => {
  connection.console.info(`shutdown: closing ${clusters.size} cluster session(s) and their watches`);
  environments.dispose();
  drift?.dispose();
  cluster?.dispose();
  renders.dispose();
  clusters.dispose();
  stopKustomizeServers();
});
registerClusterContexts(connection, () => firstSettings.then(() => settings), () => initOptions.trusted !== false);
registerDriftFeatures(connection, documents, () => drift, () => cluster?.session, () => workspaceFolders[0]);
registerTerraform(connection, { root: () => workspaceFolders[0], settings: () => settings, trusted: () => initOptions.trusted !== false, clusters, drift: () => drift });

documents.onDidOpen((event) => queue.request(event.document.uri));
documents.onDidChangeContent((event) => queue.request(event.document.uri));
documents.onDidSave((event) => {
  gitOpsIgnore.invalidate();
  const path = pathOf(event.document.uri);
  if (path?.endsWith(PLUMBLINE_CONFIG_FILE) === true) readRepositoryManagers().catch((error: unknown) => connection.console.warn(`${PLUMBLINE_CONFIG_FILE}: ${describeError(error)}`));
  if (path !== undefined) renders.changed(path).catch((error: unknown) => connection.console.warn(`environments: ${describeError(error)}`));
});
documents.onDidClose((event) => {
  const uri = event.document.uri;
  queue.cancel(uri);
  parsers.delete(uri);
  editWindows.forget(uri);
  lastParse.delete(uri);
  validationResults.delete(uri);
  lastPublished.delete(uri);
  plainYaml.closed(uri);
  drift?.forget(uri);
  connection.sendDiagnostics({ uri, diagnostics: [] }).catch(() => undefined);
});

documents.listen(connection);
connection.listen();

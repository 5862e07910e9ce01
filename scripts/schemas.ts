// `npm run schemas`: regenerates schemas/bundled.json (and schemas/SOURCES.md) from real sources.
//
//   1. Starts the bench kube-apiserver (test/cluster/harness.ts); its version is the bundle's
//      Kubernetes version. `--kubeconfig PATH --install-crds` uses another cluster instead.
//   2. Installs the Flux and Argo CD CRDs (pinned in scripts/schemas/sources.ts, fetched through
//      the Go module proxy) and waits until they are Established and published.
//   3. Merges every group-version document of /openapi/v3 into one definitions map.
//   4. Adds kustomization.yaml schemas generated from kustomize's Go types (scripts/schemas/kustomize).
//   5. Verifies the result the way the language server reads it.
//
// Usage: npx tsx scripts/schemas.ts [--kubeconfig PATH --install-crds] [--out DIR]
//        npx tsx scripts/schemas.ts --verify [--excerpts]     (check the existing bundle only)
//        npx tsx scripts/schemas.ts --add NAME               (add one pinned CRD source to the existing bundle)
//
// `--add NAME` installs only that source's CRDs (NAME as in sources.ts) and merges only their
// groups' /openapi/v3 documents into the existing bundle, as a full run would merge them (shared
// definitions must be identical; only the meta types' lists of kinds grow): every other part stays
// as it was, with no rebuild of controller-gen or the kustomize generator.
import { mkdirSync, readdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { basename, join, relative, resolve } from 'node:path';
import { gzipSync } from 'node:zlib';
import { indexKinds, type SchemaBundleData } from '../server/src/schemas/bundle';
import { kindKey } from '../server/src/schemas/openapi';
import { addDefinitions, mergeDefinitions, stableStringify } from './schemas/assemble';
import { fetchOpenApiV3, installCrds, isGroupVersionPath, Kubectl, listCrds, serverVersion, waitPublished } from './schemas/cluster';
import { loadCrds, type LoadedCrds } from './schemas/crds';
import { seconds } from './schemas/exec';
import { kustomizeSchemas, kustomizeVerdicts, type KustomizeSchemas } from './schemas/kustomize';
import { CONTROLLER_TOOLS, CRD_SOURCES, KUSTOMIZE_GENERATOR_DIR } from './schemas/sources';
import { excerpts, verifyBundle } from './schemas/verify';

const ROOT = resolve(__dirname, '..');
const CACHE = join(ROOT, '.cache', 'schemas');
const CRD_TIMEOUT_MS = 120_000;
/** Above this the bundle costs noticeable extension size and load time: worth a look. */
const SIZE_WARNING_BYTES = 8 * 1024 * 1024;

interface Options {
  kubeconfig?: string;
  installCrds: boolean;
  out: string;
  verifyOnly: boolean;
  excerpts: boolean;
  /** `--add NAME`: only this CRD source, merged into the existing bundle. */
  add?: string;
}

function parseArgs(argv: readonly string[]): Options {
  const options: Options = { installCrds: false, out: join(ROOT, 'schemas'), verifyOnly: false, excerpts: false };
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    const value = (): string => {
      const v = argv[++i];
      if (v === undefined) usage(`${arg} needs a value`);
      return v;
    };
    if (arg === '--kubeconfig') options.kubeconfig = resolve(value());
    else if (arg === '--install-crds') options.installCrds = true;
    else if (arg === '--out') options.out = resolve(value());
    else if (arg === '--verify') options.verifyOnly = true;
    else if (arg === '--excerpts') options.excerpts = true;
    else if (arg === '--add') options.add = value();
    else if (arg === '--help' || arg === '-h') usage();
    else usage(`unknown argument ${arg}`);
  }
  if (options.kubeconfig !== undefined && !options.installCrds) {
    usage(
      '--kubeconfig needs --install-crds: the script server-side applies the Flux and Argo CD CRDs into that cluster ' +
        '(field manager plumbline-schemas). Point it at a scratch cluster.',
    );
  }
  return options;
}

function usage(error?: string): never {
  if (error !== undefined) console.error(`schemas: ${error}\n`);
  console.error(
    'usage: npx tsx scripts/schemas.ts [--kubeconfig PATH --install-crds] [--out DIR]\n' +
      '       npx tsx scripts/schemas.ts --verify [--excerpts] [--out DIR]\n\n' +
      'Without --kubeconfig, starts the bench kube-apiserver (test/cluster/harness.ts) and uses its Kubernetes version.',
  );
  process.exit(error === undefined ? 0 : 2);
}

const started = Date.now();
function log(line: string): void {
  console.log(`[${seconds(Date.now() - started).padStart(6)}] ${line}`);
}

interface Cluster {
  kubeconfigPath: string;
  stop(): Promise<void>;
}

async function openCluster(options: Options): Promise<Cluster> {
  if (options.kubeconfig !== undefined) return { kubeconfigPath: options.kubeconfig, stop: () => Promise.resolve() };
  const { startCluster } = await import('../test/cluster/harness');
  const cluster = await startCluster();
  log(`bench apiserver ${cluster.version} at ${cluster.server}`);
  return cluster;
}

async function generate(options: Options): Promise<void> {
  mkdirSync(CACHE, { recursive: true });
  log(options.kubeconfig === undefined ? 'starting the bench apiserver; downloading CRD sources' : `using ${options.kubeconfig}; downloading CRD sources`);

  // Independent work in parallel: the cluster, the CRD sources, the kustomize generator.
  const clusterP = openCluster(options);
  const crdsP = loadCrds(CRD_SOURCES, CACHE, log);
  const kustomizeP = kustomizeSchemas(ROOT);
  // The harness stops the bench apiserver itself on SIGINT/SIGTERM and at exit.
  let cluster: Cluster | undefined;
  const stop = async (): Promise<void> => {
    const c = cluster;
    cluster = undefined;
    if (c !== undefined) await c.stop();
  };
  try {
    const settled = await Promise.allSettled([clusterP, crdsP, kustomizeP]);
    if (settled[0].status === 'fulfilled') cluster = settled[0].value;
    for (const s of settled) if (s.status === 'rejected') throw s.reason;
    const loaded = (settled[1] as PromiseFulfilledResult<LoadedCrds[]>).value;
    const kustomize = (settled[2] as PromiseFulfilledResult<KustomizeSchemas>).value;
    if (cluster === undefined) throw new Error('no cluster');
    log(`kustomize ${kustomize.version}: ${Object.keys(kustomize.definitions).length} definitions` +
      (kustomize.customUnmarshalers.length > 0 ? `; decode themselves (schema {}): ${kustomize.customUnmarshalers.join(', ')}` : '; no custom unmarshalers'));

    const kubectl = new Kubectl(cluster.kubeconfigPath);
    const kubernetesVersion = await serverVersion(kubectl);
    const crds = loaded.flatMap((l) => l.crds);
    await installCrds(kubectl, crds, CRD_TIMEOUT_MS);
    log(`${crds.length} CRDs applied and Established`);
    await waitPublished(kubectl, crds, CRD_TIMEOUT_MS);
    log('CRD schemas published in /openapi/v3');

    // In a cluster of the user's, leave out other CRDs' groups: the bundle is Kubernetes + what we pin.
    const ours = new Set(crds.map((c) => c.metadata.name));
    const ourGroups = new Set(crds.map((c) => c.spec.group));
    const foreign = new Set((await listCrds(kubectl)).filter((c) => !ours.has(c.metadata.name) && !ourGroups.has(c.spec.group)).map((c) => c.spec.group));
    if (foreign.size > 0) log(`leaving out other CRD groups: ${[...foreign].sort().join(', ')}`);
    const docs = await fetchOpenApiV3(kubectl, (path) => isGroupVersionPath(path) && !foreign.has(path.split('/')[1] ?? ''));
    const { definitions, conflicts } = mergeDefinitions(docs);
    if (conflicts.length > 0) throw new Error(`definitions served differently by two documents:\n  ${conflicts.join('\n  ')}`);
    log(`/openapi/v3: ${docs.size} group-version documents, ${Object.keys(definitions).length} definitions`);
    await stop();

    addDefinitions(definitions, kustomize.definitions, 'kustomize');
    const kinds = indexKinds(definitions);
    const missing = crds.flatMap((c) => c.spec.versions.filter((v) => v.served).map((v) => kindKey({ group: c.spec.group, version: v.name, kind: c.spec.names.kind }))).filter((k) => kinds[k] === undefined);
    if (missing.length > 0) throw new Error(`CRD kinds missing from the kinds index: ${missing.join(', ')}`);

    const generatedOn = new Date().toISOString().slice(0, 10);
    const sources: Record<string, string> = { kubernetes: kubernetesVersion };
    for (const l of loaded) sources[l.source.module] = l.source.version;
    if (loaded.some((l) => l.source.from === 'controller-gen')) sources[CONTROLLER_TOOLS.module] = CONTROLLER_TOOLS.version;
    sources[kustomize.module] = kustomize.version;
    sources['generated'] = generatedOn;

    const bundle: SchemaBundleData = { format: 1, kubernetesVersion, sources, definitions, kinds };
    const json = stableStringify(bundle);
    mkdirSync(options.out, { recursive: true });
    writeAtomic(join(options.out, 'bundled.json'), json);
    writeAtomic(join(options.out, 'SOURCES.md'), sourcesMarkdown(kubernetesVersion, options.kubeconfig === undefined, loaded, kustomize, generatedOn));
    const raw = Buffer.byteLength(json);
    const gz = gzipSync(json, { level: 9 }).length;
    log(`wrote ${relative(ROOT, join(options.out, 'bundled.json'))}: ${Object.keys(definitions).length} definitions, ${Object.keys(kinds).length} kinds, ${mb(raw)} (gzip ${mb(gz)})`);
    if (raw > SIZE_WARNING_BYTES) log(`warning: the bundle is over ${mb(SIZE_WARNING_BYTES)}`);
  } finally {
    await stop();
  }
}

function writeAtomic(path: string, content: string): void {
  writeFileSync(`${path}.tmp`, content);
  renameSync(`${path}.tmp`, path);
}

function mb(bytes: number): string {
  return `${(bytes / 1024 / 1024).toFixed(2)} MB`;
}

function sourcesMarkdown(kubernetesVersion: string, bench: boolean, loaded: readonly LoadedCrds[], kustomize: KustomizeSchemas, date: string): string {
  const rows = loaded.map((l) => {
    const how = l.source.from === 'manifests' ? `CRD manifests \`${l.origin}\`` : `CRDs generated from the API types with controller-gen ${CONTROLLER_TOOLS.version} (\`${CONTROLLER_TOOLS.crdOptions}\`)`;
    return `| ${l.source.name} | \`${l.source.module}@${l.source.version}\` | ${how}: ${[...new Set(l.crds.map((c) => c.spec.names.kind))].join(', ')} |`;
  });
  return `# Sources of bundled.json

Generated by \`npm run schemas\` (scripts/schemas.ts) on ${date}. Do not edit bundled.json by hand: change the pins in
\`scripts/schemas/sources.ts\` (or \`${KUSTOMIZE_GENERATOR_DIR}/go.mod\`) and rerun.

| Part | Source | What |
| --- | --- | --- |
| Kubernetes | kube-apiserver ${kubernetesVersion}${bench ? ' (the bench apiserver, test/cluster)' : ''} | \`/openapi/v3\`, every group-version document |
${rows.join('\n')}
| kustomization.yaml | \`${kustomize.module}@${kustomize.version}\` | Generated by reflection over \`types.Kustomization\` (\`${KUSTOMIZE_GENERATOR_DIR}\`): Kustomization (kustomize.config.k8s.io/v1beta1) and Component (v1alpha1) |

All modules come from the Go module proxy; each module zip is checked against its go.sum hash. The CRDs are
installed into the apiserver, so their schemas are bundled exactly as a cluster serves them in \`/openapi/v3\`.

Flux notification, image-reflector and image-automation controllers: the module proxy serves no release of
their main modules (where \`config/crd/bases\` lives) newer than Flux 2.6, and their newest \`api\` modules need
Go 1.27. Their CRDs are therefore generated from the newest \`api\` modules Go 1.26 loads, with the controller-gen
version and options the Flux Makefiles pin (\`make manifests\`). The same procedure reproduces the shipped
\`config/crd/bases\` of source-controller and kustomize-controller v1.9.5/v1.9.6 and helm-controller v1.6.4 byte
for byte.

${loaded.flatMap((l) => (l.source.from === 'manifests' && l.source.note !== undefined ? [`${l.source.name}: ${l.source.note}\n\n`] : [])).join('')}kustomization.yaml: kustomize decodes the file as JSON with unknown fields rejected, so the schema lists every
field it accepts (deprecated ones included) and nothing else. Types that decode themselves (custom
UnmarshalJSON/UnmarshalYAML/UnmarshalText) get an empty schema (any value); in kustomize/api ${kustomize.version}: ${
    kustomize.customUnmarshalers.length === 0 ? 'none' : kustomize.customUnmarshalers.join(', ')
  }.
Note that encoding/json matches field names ignoring case (\`fieldpath\` for \`fieldPath\` is accepted).
`;
}

async function verifyOnly(options: Options): Promise<void> {
  const data = JSON.parse(readFileSync(join(options.out, 'bundled.json'), 'utf8')) as SchemaBundleData;
  log(`verifying ${relative(ROOT, join(options.out, 'bundled.json'))} (Kubernetes ${data.kubernetesVersion})`);
  await verify(data, options.excerpts);
}

/** A kustomization kustomize rejects (a misspelt field, a string count): the schema check must flag it too. */
const BROKEN_KUSTOMIZATION = `apiVersion: kustomize.config.k8s.io/v1beta1
kind: Kustomization
resource:
  - deployment.yaml
replicas:
  - name: web
    count: three
`;

async function verify(data: SchemaBundleData, showExcerpts: boolean): Promise<void> {
  const examples = readdirSync(join(ROOT, 'examples'), { recursive: true })
    .map(String)
    .filter((f) => basename(f) === 'kustomization.yaml')
    .sort()
    .map((f) => join('examples', f));
  const broken = relative(ROOT, join(CACHE, 'broken-kustomization.yaml'));
  mkdirSync(CACHE, { recursive: true });
  writeFileSync(broken, BROKEN_KUSTOMIZATION);
  const accepted = [...examples, join(KUSTOMIZE_GENERATOR_DIR, 'testdata', 'every-field.yaml')];
  const verdicts = await kustomizeVerdicts(ROOT, [...accepted, broken]);
  const files = [
    ...accepted.map((path) => ({ path, kustomizeError: verdicts[path] ?? '', expect: 'accept' as const })),
    { path: broken, kustomizeError: verdicts[broken] ?? '', expect: 'reject' as const },
  ];
  const problems = verifyBundle(data, files, log);
  if (showExcerpts) for (const e of excerpts(data.definitions)) console.log(`\n${e}`);
  if (problems.length > 0) {
    console.error(`schemas: verification failed:\n  ${problems.join('\n  ')}`);
    process.exitCode = 1;
  } else {
    log('verified');
  }
}

/** Adds one pinned CRD source to the existing bundle (see the header), and its row and date to SOURCES.md. */
async function addSource(options: Options, name: string): Promise<void> {
  const source = CRD_SOURCES.find((s) => s.name === name);
  if (source === undefined) usage(`no CRD source named '${name}' in scripts/schemas/sources.ts (${CRD_SOURCES.map((s) => s.name).join(', ')})`);
  if (source.from !== 'manifests') usage(`--add takes a source of shipped CRD manifests; '${name}' is generated with controller-gen: regenerate everything`);
  const bundlePath = join(options.out, 'bundled.json');
  const data = JSON.parse(readFileSync(bundlePath, 'utf8')) as SchemaBundleData;
  mkdirSync(CACHE, { recursive: true });
  const [loaded] = await loadCrds([source], CACHE, log);
  if (loaded === undefined) throw new Error(`${name}: nothing loaded`);
  const cluster = await openCluster(options);
  try {
    const kubectl = new Kubectl(cluster.kubeconfigPath);
    const kubernetesVersion = await serverVersion(kubectl);
    if (kubernetesVersion !== data.kubernetesVersion) throw new Error(`the bundle is of Kubernetes ${data.kubernetesVersion}, this apiserver ${kubernetesVersion}: regenerate everything instead`);
    await installCrds(kubectl, loaded.crds, CRD_TIMEOUT_MS);
    await waitPublished(kubectl, loaded.crds, CRD_TIMEOUT_MS);
    const groups = new Set(loaded.crds.map((c) => c.spec.group));
    const docs = await fetchOpenApiV3(kubectl, (path) => isGroupVersionPath(path) && groups.has(path.split('/')[1] ?? ''));
    log(`${[...docs.keys()].join(', ')}: ${[...docs.values()].reduce((n, d) => n + Object.keys(d.components?.schemas ?? {}).length, 0)} definitions`);
    // The bundle first, as one more document: a name both serve must be the same schema.
    const { definitions, conflicts } = mergeDefinitions(new Map([['schemas/bundled.json', { components: { schemas: data.definitions } }], ...docs]));
    if (conflicts.length > 0) throw new Error(`definitions served differently than the bundle has them:\n  ${conflicts.join('\n  ')}`);
    const kinds = indexKinds(definitions);
    const missing = loaded.crds.flatMap((c) => c.spec.versions.filter((v) => v.served).map((v) => kindKey({ group: c.spec.group, version: v.name, kind: c.spec.names.kind }))).filter((k) => kinds[k] === undefined);
    if (missing.length > 0) throw new Error(`CRD kinds missing from the kinds index: ${missing.join(', ')}`);
    const added = new Date().toISOString().slice(0, 10);
    const bundle: SchemaBundleData = { ...data, sources: { ...data.sources, [source.module]: source.version }, definitions, kinds };
    const json = stableStringify(bundle);
    writeAtomic(bundlePath, json);
    const sourcesPath = join(options.out, 'SOURCES.md');
    const row = `| ${source.name} | \`${source.module}@${source.version}\` | CRD manifests \`${loaded.origin}\`: ${[...new Set(loaded.crds.map((c) => c.spec.names.kind))].join(', ')} |`;
    const lines = readFileSync(sourcesPath, 'utf8').split('\n').filter((l) => !l.startsWith(`| ${source.name} |`));
    // In sources.ts order: before the row of the next pinned source, else before kustomization.yaml's.
    const next = CRD_SOURCES.slice(CRD_SOURCES.indexOf(source) + 1).map((s) => lines.findIndex((l) => l.startsWith(`| ${s.name} |`))).find((i) => i >= 0) ?? lines.findIndex((l) => l.startsWith('| kustomization.yaml |'));
    lines.splice(next, 0, row);
    const note = `${source.name} was added on ${added} by \`npx tsx scripts/schemas.ts --add '${source.name}'\` (its CRDs' group-version documents merged into this bundle).${source.note !== undefined ? ` ${source.note}` : ''}`;
    const generated = lines.findIndex((l) => l.startsWith('Generated by'));
    const existing = lines.findIndex((l) => l.startsWith(`${source.name} was added on`));
    if (existing >= 0) lines.splice(existing, 1, note);
    else lines.splice(generated + 3, 0, note, '');
    writeAtomic(sourcesPath, lines.join('\n'));
    log(`added ${source.name} ${source.version}: ${Object.keys(definitions).length - Object.keys(data.definitions).length} definitions, ${Object.keys(kinds).length - Object.keys(data.kinds).length} kinds; ${mb(Buffer.byteLength(json))}`);
  } finally {
    await cluster.stop();
  }
}

async function main(): Promise<void> {
  const options = parseArgs(process.argv.slice(2));
  process.chdir(ROOT);
  if (options.add !== undefined) {
    await addSource(options, options.add);
    return;
  }
  if (options.verifyOnly) {
    await verifyOnly(options);
    return;
  }
  await generate(options);
  await verify(JSON.parse(readFileSync(join(options.out, 'bundled.json'), 'utf8')) as SchemaBundleData, options.excerpts);
  log(`done in ${seconds(Date.now() - started)}`);
}

main().catch((error: unknown) => {
  console.error(`schemas: ${error instanceof Error ? error.message : String(error)}`);
  process.exit(1);
});

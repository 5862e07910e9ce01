import { existsSync, statSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, isAbsolute, join, relative, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { checkPaths, totals, type FileReport } from '../check/checkPaths';
import { CheckWorkers, checkWorkerCount, looksWorthParallel } from '../check/parallelCheck';
import { defaultCacheDir } from '../cluster/cacheDir';
import { loadBundledSchemas } from '../schemas/bundled';
import { cachedSchemasOfVersion } from '../schemas/live';
import { SchemaResolver } from '../schemas/resolver';
import { PLUMBLINE_VERSION } from '../version';
import { displayPath, UsageError } from '../files/files';
import { WorkspaceCrds } from '../schemas/workspaceCrds';
import { kubernetesVersionSetting } from '../workspace/settings';
import type * as ClusterCommands from './clusterCommands';
import type * as PostBuildLookup from './postBuildLookup';
import { mayBeNotApplied } from '../environments/notAppliedGate';
import { downgradeNotApplied, formatText, skippedFiles, type NotAppliedSummary } from './checkCommand';
import { DEFAULT_MAX_FILE_BYTES } from '../files/limits';
import { flatten, toSarif } from './formats';
import { keepYoungGenerationSmall, optimizeHeapForSize } from './heap';
import { COMMAND_USAGE, EXIT, HELP_OPTION, isCommand, OUTPUTS, printedHelp, USAGE } from './usage';
import { requireWithCodeCache } from './codeCache';
import { tuneForShortRun } from './shortRun';

/**
 * The commands that reach clusters and Git. Bundled, they are cliCommands.js beside this file,
 * loaded on first use: the cluster client is most of the CLI's code and a third of its start-up.
 * Its compiled code is cached between runs (see requireWithCodeCache); `flavor` names the V8
 * flags set before it is loaded, which the cache must match.
 */
function clusterCommands(flavor = 'default'): typeof ClusterCommands {
  const bundled = join(__dirname, 'cliCommands.js');
  // A require the bundler cannot follow, so the commands stay out of this bundle; from the sources it finds the module.
  const load = createRequire(__filename);
  if (!existsSync(bundled)) return load('./clusterCommands') as typeof ClusterCommands;
  return (requireWithCodeCache(bundled, defaultCacheDir(), flavor) ?? load(bundled)) as typeof ClusterCommands;
}

/**
 * The post-build value lookup of `check`. Bundled, cliPostBuild.js beside this file, loaded only
 * when a file has a placeholder: environment discovery is an eighth of this bundle, which every
 * `check` would otherwise read and compile.
 */
function postBuildLookupModule(): typeof PostBuildLookup {
  const bundled = join(__dirname, 'cliPostBuild.js');
  const load = createRequire(__filename);
  return load(existsSync(bundled) ? bundled : './postBuildLookup') as typeof PostBuildLookup;
}

/** The schemas for this run: the cluster's (when asked), then the bundled ones. */
async function schemasFor(options: { context?: string; kubeconfig?: string; kubernetesVersion?: string }, groupVersions: { group: string; version: string }[]): Promise<SchemaResolver> {
  const bundled = loadBundledSchemas();
  const pinned = kubernetesVersionSetting(options.kubernetesVersion);
  if (options.kubernetesVersion !== undefined && pinned === undefined) throw new UsageError(`--kubernetes-version takes a version such as 1.29 or v1.29.3, not '${options.kubernetesVersion}'`);
  if (pinned !== undefined) {
    const wanted = pinned.replace(/^v/, '').split('.').slice(0, 2).join('.');
    const have = bundled.data.kubernetesVersion.replace(/^v/, '').split('.').slice(0, 2).join('.');
    if (wanted !== have && options.context === undefined) {
      const cached = await cachedSchemasOfVersion(defaultCacheDir(), pinned);
      const resolver = new SchemaResolver(cached === undefined ? [bundled] : [cached, bundled]);
      resolver.pinVersion(pinned);
      // Removed and deprecated apiVersions are judged against the version asked for either way.
      if (cached === undefined) process.stderr.write(`plumbline: no schemas cached for Kubernetes ${pinned}; fields are checked with ${bundled.source.label}, apiVersions against ${pinned} (run once with --context on a cluster of that version to cache its schemas)\n`);
      return resolver;
    }
  }
  const resolver = options.context === undefined && options.kubeconfig === undefined ? new SchemaResolver([bundled]) : await clusterCommands().liveSchemas(options, groupVersions, bundled);
  resolver.pinVersion(pinned);
  return resolver;
}

/** The Git repository the first checked path lies in (its root), if any. */
function repositoryRoot(paths: readonly string[]): string | undefined {
  const first = paths[0];
  if (first === undefined) return undefined;
  let dir = resolve(first);
  for (let i = 0; i < 64; i++) {
    if (existsSync(join(dir, '.git'))) return dir;
    const parent = dirname(dir);
    if (parent === dir) return undefined;
    dir = parent;
  }
  return undefined;
}

/**
 * The Git repository's root when the checked paths lie inside one and do not cover it: its CRDs
 * (Flux's gotk-components.yaml, a chart's crds/) validate the resources checked.
 */
function repositoryRootOutside(paths: readonly string[]): string[] {
  const root = repositoryRoot(paths);
  if (root === undefined) return [];
  const covered = paths.some((p) => {
    const rel = relative(resolve(p), root);
    return rel === '' || (!rel.startsWith('..') && !isAbsolute(rel));
  });
  return covered ? [] : [root];
}

/**
 * Where Flux Kustomizations are looked for: the repository's root; outside a repository, the
 * folder the checked paths share, when it is the working directory or inside it (never a walk
 * of a home folder or of `/` because a file there was named).
 */
function fluxRoot(paths: readonly string[]): string | undefined {
  const root = repositoryRoot(paths);
  if (root !== undefined) return root;
  const folders = paths.map((p) => {
    const absolute = resolve(p);
    return statSync(absolute, { throwIfNoEntry: false })?.isDirectory() === true ? absolute : dirname(absolute);
  });
  let shared = folders[0];
  for (const f of folders) while (shared !== undefined && relative(shared, f).startsWith('..')) shared = dirname(shared) === shared ? undefined : dirname(shared);
  if (shared === undefined) return undefined;
  const below = relative(process.cwd(), shared);
  return below === '' || (!below.startsWith('..') && !isAbsolute(below)) ? shared : undefined;
}

async function check(args: string[]): Promise<number> {
  const { positionals, values } = parseArgs({
    args,
    allowPositionals: true,
    options: {
      ...HELP_OPTION,
      output: { type: 'string', short: 'o', default: 'text' },
      strict: { type: 'boolean', default: false },
      context: { type: 'string' },
      kubeconfig: { type: 'string' },
      'kubernetes-version': { type: 'string' },
      'max-file-size': { type: 'string' },
    },
  });
  if (printedHelp('check', values)) return EXIT.clean;
  const maxFileMB = values['max-file-size'] === undefined ? DEFAULT_MAX_FILE_BYTES / (1024 * 1024) : Number(values['max-file-size']);
  if (!Number.isFinite(maxFileMB) || maxFileMB <= 0) throw new UsageError(`--max-file-size takes a size in MB greater than 0, not '${values['max-file-size']}'`);
  const output = OUTPUTS.find((o) => o === values.output);
  if (output === undefined) throw new UsageError(`unknown output format '${values.output}' (text, json or sarif)`);
  const paths = positionals.length > 0 ? positionals : ['.'];
  const strict = values.strict === true;
  // Only the bundled schemas, which each worker loads itself: check on every idle core. A
  // cluster's schemas depend on the apiVersions in the files: no workers, and no checking before
  // every file is read (a given worker count, even 0, says the schemas do not depend on them).
  const workers = values.context === undefined && values.kubeconfig === undefined && values['kubernetes-version'] === undefined ? checkWorkerCount() : undefined;
  // Checked in this thread alone, a file at a time: a small young generation is enough (and a
  // third of the peak RSS). Workers keep V8's default, which their throughput was measured with.
  if (workers === 0) keepYoungGenerationSmall();
  // Started before anything else when the paths look large enough: they load while this thread loads its schemas and lists the files.
  const pool = workers !== undefined && workers > 0 && looksWorthParallel(paths) ? new CheckWorkers(workers) : undefined;
  let schemas: SchemaResolver | undefined;
  let crds: WorkspaceCrds;
  let reports: FileReport[];
  try {
    crds = new WorkspaceCrds(loadBundledSchemas(), displayPath);
    reports = await checkPaths(paths, {
      crdRoots: repositoryRootOutside(paths),
      workspaceCrds: crds,
      schemas: async (groupVersions) => {
        schemas = await schemasFor({ context: values.context, kubeconfig: values.kubeconfig, kubernetesVersion: values['kubernetes-version'] }, groupVersions);
        return schemas;
      },
      unknownKind: strict ? 'error' : 'information',
      ...(workers !== undefined ? { workers } : {}),
      ...(pool !== undefined ? { pool } : {}),
      syncReads: true,
      ...(workers === 0 ? { beforeLargeFile: optimizeHeapForSize } : {}),
      maxFileBytes: Math.round(maxFileMB * 1024 * 1024),
      maxFileSizeName: '--max-file-size',
      // The Flux Kustomizations' post-build values, read from the repository when a file has a placeholder
      // (without the cluster client of cliCommands.js: environment discovery alone is a fifth of its size).
      postBuild: () => {
        const root = fluxRoot(paths);
        return root === undefined ? Promise.resolve(() => []) : Promise.resolve().then(() => postBuildLookupModule().postBuildLookup(root));
      },
    });
  } finally {
    // Should anything fail before the run takes them, the workers must not keep the process alive.
    await pool?.close();
  }
  // Only when something would fail or warn: discovery is not run for a clean check.
  let notApplied: NotAppliedSummary | undefined;
  const root = reports.some((r) => r.findings.some((f) => f.severity === 'error' || f.severity === 'warning')) ? fluxRoot(paths) : undefined;
  // Discovery walks and parses the whole root: only when a Flux object sits where it could make one of the checked files not applied.
  if (root !== undefined && mayBeNotApplied(root, reports.map((r) => resolve(r.path)))) notApplied = downgradeNotApplied(reports, await postBuildLookupModule().notAppliedLookup(root));
  if (output === 'json') {
    process.stdout.write(`${JSON.stringify({ version: PLUMBLINE_VERSION, schemas: schemas?.describe(), schemaSources: crds.kinds(), summary: totals(reports), findings: flatten(reports), skipped: skippedFiles(reports), ...(notApplied !== undefined ? { notApplied } : {}) }, null, 2)}\n`);
  } else if (output === 'sarif') {
    process.stdout.write(`${JSON.stringify(toSarif(reports, 'Plumbline'), null, 2)}\n`);
  } else {
    process.stdout.write(formatText(reports, notApplied));
  }
  const t = totals(reports);
  return t.errors > 0 || (strict && t.warnings > 0) ? EXIT.found : EXIT.clean;
}

async function run(argv: readonly string[]): Promise<number> {
  const [command, ...rest] = argv;
  if (command === 'help' && rest[0] !== undefined) {
    if (!isCommand(rest[0])) throw new UsageError(`unknown command '${rest[0]}'`);
    process.stdout.write(COMMAND_USAGE[rest[0]]);
    return EXIT.clean;
  }
  if (command === undefined || command === '-h' || command === '--help' || command === 'help') {
    process.stdout.write(USAGE);
    return command === undefined ? EXIT.error : EXIT.clean;
  }
  if (command === '-v' || command === '--version') {
    process.stdout.write(`plumbline ${PLUMBLINE_VERSION}\n`);
    return EXIT.clean;
  }
  if (command === 'check') return check(rest);
  if (command === 'diff') {
    // Tuned before the commands are loaded, so that their code cache is made under the same V8 flags.
    tuneForShortRun();
    return clusterCommands('short-run').diff(rest);
  }
  if (command === 'envs') return clusterCommands().envs(rest);
  if (command === 'status') return clusterCommands().status(rest);
  if (command === 'sync') return clusterCommands().sync(rest);
  if (command === 'reconcile') return clusterCommands().reconcileCommand(rest);
  if (command === 'preview') return clusterCommands().previewCommand(rest);
  if (command === 'tfplan') return clusterCommands().tfplanCommand(rest);
  throw new UsageError(`unknown command '${command}'`);
}

function isUsageError(error: unknown): boolean {
  // parseArgs signals bad options with ERR_PARSE_ARGS_* codes.
  const code = (error as { code?: unknown } | null)?.code;
  // By name too: an error thrown in dist/cliCommands.js is of that bundle's UsageError class.
  return error instanceof UsageError || (error instanceof Error && error.name === 'UsageError') || (typeof code === 'string' && code.startsWith('ERR_PARSE_ARGS'));
}

// A reader that stops early (`plumbline envs | head`) is not a failure: stop writing, as other
// command-line tools do, instead of dying with an unhandled EPIPE.
process.stdout.on('error', (error: NodeJS.ErrnoException) => {
  if (error.code !== 'EPIPE') throw error;
  process.exit(process.exitCode ?? EXIT.clean);
});

const argv = process.argv.slice(2);
// A usage error inside a command points at that command's own help.
const helpHint = argv[0] !== undefined && isCommand(argv[0]) ? `plumbline ${argv[0]} --help` : 'plumbline --help';

run(argv).then(
  (code) => {
    process.exitCode = code;
  },
  (error: unknown) => {
    const message = error instanceof Error ? error.message : String(error);
    if (isUsageError(error)) {
      const showUsage = (error as { showUsage?: unknown }).showUsage !== false;
      process.stderr.write(`plumbline: ${message}\n${showUsage ? `Run '${helpHint}' for usage.\n` : ''}`);
    } else {
      process.stderr.write(`plumbline: internal error: ${error instanceof Error ? (error.stack ?? message) : message}\n`);
    }
    process.exitCode = EXIT.error;
  },
);

import { parseArgs } from 'node:util';
import { PLUMBLINE_VERSION } from '../version';
import { loadBundledSchemas } from '../schemas/bundled';
import { SchemaResolver } from '../schemas/resolver';
import { UsageError } from '../workspace/files';
import { ClusterSession, defaultCacheDir } from '../cluster/session';
import { cachedSchemas, cachedSchemasOfVersion } from '../schemas/live';

import { existsSync } from 'node:fs';
import { checkPaths, formatText, totals } from './checkCommand';
import { diffPaths } from './diffCommand';
import { discoverEnvironments } from '../environments/discover';
import { flatten, toSarif } from './formats';

/** Exit codes shared by every command, like kubeconform and kubectl diff. */
export const EXIT = { clean: 0, found: 1, error: 2 } as const;

const USAGE = `Usage: plumbline <command> [options]

Commands:
  check [paths…]   validate the YAML files below the given files and folders (default: .)
  diff [paths…]    compare the resources in those files with the live cluster (drift)
  envs [folder]    list the environments found in a repository (default: .)

Options for check:
  -o, --output FORMAT          text (default), json or sarif
      --strict                 kinds without a schema are errors, and warnings fail the run
      --context NAME           also use the schemas this kubeconfig context's cluster serves
      --kubeconfig PATH        kubeconfig to read (default: $KUBECONFIG or ~/.kube/config)
      --kubernetes-version V   validate built-ins against Kubernetes V (bundled, or cached from a cluster)

Options for diff:
  -o, --output FORMAT          text (default), json or sarif
      --context NAME           kubeconfig context of the cluster (default: the current context)
      --kubeconfig PATH        kubeconfig to read (default: $KUBECONFIG or ~/.kube/config)
      --config PATH            ignore rules (drift.ignore) from this file (default: ./.plumbline.yaml)

  -h, --help       show this help
  -v, --version    print the version

Exit codes: 0 clean (no drift), 1 problems (or drift) found, 2 usage, cluster or internal error.
`;

const OUTPUTS = ['text', 'json', 'sarif'] as const;

/** The schemas for this run: the cluster's (when asked), then the bundled ones. */
async function schemasFor(options: { context?: string; kubeconfig?: string; kubernetesVersion?: string }, groupVersions: { group: string; version: string }[]): Promise<SchemaResolver> {
  const bundled = loadBundledSchemas();
  if (options.kubernetesVersion !== undefined) {
    const wanted = options.kubernetesVersion.replace(/^v/, '').split('.').slice(0, 2).join('.');
    const have = bundled.data.kubernetesVersion.replace(/^v/, '').split('.').slice(0, 2).join('.');
    if (wanted !== have && options.context === undefined) {
      const cached = await cachedSchemasOfVersion(defaultCacheDir(), options.kubernetesVersion);
      if (cached === undefined) {
        throw new UsageError(`no schemas for Kubernetes ${options.kubernetesVersion}: the bundled schemas are ${bundled.data.kubernetesVersion}, and none are cached for it; run once with --context pointing at a cluster of that version`);
      }
      return new SchemaResolver([cached, bundled]);
    }
  }
  if (options.context === undefined && options.kubeconfig === undefined) return new SchemaResolver([bundled]);
  const session = new ClusterSession({ ...(options.context !== undefined ? { context: options.context } : {}), ...(options.kubeconfig !== undefined ? { kubeconfigPath: options.kubeconfig } : {}) });
  const client = await session.client();
  if (!client.ok) throw new UsageError(client.error.message);
  const loaded = await session.schemas!.ensure(groupVersions);
  session.dispose();
  if (!loaded.ok) {
    const cached = await cachedSchemas(session.schemaCacheDir, client.value.server, client.value.context);
    process.stderr.write(`plumbline: ${loaded.error.message}; ${cached === undefined ? 'using the bundled schemas' : `using ${cached.source.label}`}\n`);
    return new SchemaResolver(cached === undefined ? [bundled] : [cached, bundled]);
  }
  return new SchemaResolver([session.schemas!.bundle(), bundled]);
}

async function check(args: string[]): Promise<number> {
  const { positionals, values } = parseArgs({
    args,
    allowPositionals: true,
    options: {
      help: { type: 'boolean', short: 'h' },
      output: { type: 'string', short: 'o', default: 'text' },
      strict: { type: 'boolean', default: false },
      context: { type: 'string' },
      kubeconfig: { type: 'string' },
      'kubernetes-version': { type: 'string' },
    },
  });
  if (values.help === true) {
    process.stdout.write(USAGE);
    return EXIT.clean;
  }
  const output = OUTPUTS.find((o) => o === values.output);
  if (output === undefined) throw new UsageError(`unknown output format '${values.output}' (text, json or sarif)`);
  const paths = positionals.length > 0 ? positionals : ['.'];
  const strict = values.strict === true;
  let schemas: SchemaResolver | undefined;
  const reports = await checkPaths(paths, {
    schemas: async (groupVersions) => {
      schemas = await schemasFor({ context: values.context, kubeconfig: values.kubeconfig, kubernetesVersion: values['kubernetes-version'] }, groupVersions);
      return schemas;
    },
    unknownKind: strict ? 'error' : 'information',
  });
  if (output === 'json') {
    process.stdout.write(`${JSON.stringify({ version: PLUMBLINE_VERSION, schemas: schemas?.describe(), summary: totals(reports), findings: flatten(reports) }, null, 2)}\n`);
  } else if (output === 'sarif') {
    process.stdout.write(`${JSON.stringify(toSarif(reports, 'Plumbline'), null, 2)}\n`);
  } else {
    process.stdout.write(formatText(reports));
  }
  const t = totals(reports);
  return t.errors > 0 || (strict && t.warnings > 0) ? EXIT.found : EXIT.clean;
}

async function diff(args: string[]): Promise<number> {
  const { positionals, values } = parseArgs({
    args,
    allowPositionals: true,
    options: {
      help: { type: 'boolean', short: 'h' },
      output: { type: 'string', short: 'o', default: 'text' },
      context: { type: 'string' },
      kubeconfig: { type: 'string' },
      config: { type: 'string' },
    },
  });
  if (values.help === true) {
    process.stdout.write(USAGE);
    return EXIT.clean;
  }
  const output = OUTPUTS.find((o) => o === values.output);
  if (output === undefined) throw new UsageError(`unknown output format '${values.output}' (text, json or sarif)`);
  const config = values.config ?? (existsSync('.plumbline.yaml') ? '.plumbline.yaml' : undefined);
  const { results, summary } = await diffPaths(positionals.length > 0 ? positionals : ['.'], {
    ...(values.context !== undefined ? { context: values.context } : {}),
    ...(values.kubeconfig !== undefined ? { kubeconfigPath: values.kubeconfig } : {}),
  }, config);
  if (output === 'json') {
    process.stdout.write(`${JSON.stringify({ version: PLUMBLINE_VERSION, summary, findings: flatten(results) }, null, 2)}\n`);
  } else if (output === 'sarif') {
    process.stdout.write(`${JSON.stringify(toSarif(results, 'Plumbline drift'), null, 2)}\n`);
  } else {
    for (const f of flatten(results)) process.stdout.write(`${f.path}:${f.line}:${f.column} ${f.severity} ${f.message} [${f.code}]\n`);
    process.stdout.write(`Summary: ${summary.resources} resources - in sync: ${summary.inSync}, drifted: ${summary.drifted}, not in cluster: ${summary.missing}, rejected: ${summary.rejected}, unavailable: ${summary.unavailable}\n`);
  }
  for (const e of summary.errors.slice(0, 20)) process.stderr.write(`plumbline: ${e}\n`);
  if (summary.unavailable > 0) return EXIT.error;
  return summary.drifted + summary.missing + summary.rejected > 0 ? EXIT.found : EXIT.clean;
}

async function envs(args: string[]): Promise<number> {
  const { positionals, values } = parseArgs({ args, allowPositionals: true, options: { output: { type: 'string', short: 'o', default: 'text' } } });
  if (values.output !== 'text' && values.output !== 'json') throw new UsageError(`unknown output format '${values.output}' (text or json)`);
  const root = positionals[0] ?? '.';
  if (!existsSync(root)) throw new UsageError(`no such folder: ${root}`);
  const { environments, problems } = await discoverEnvironments(root);
  for (const p of problems) process.stderr.write(`plumbline: ${p}\n`);
  if (values.output === 'json') {
    process.stdout.write(`${JSON.stringify({ environments }, null, 2)}\n`);
    return EXIT.clean;
  }
  if (environments.length === 0) process.stdout.write('No environments found (Flux clusters/<env>/, Argo CD Applications, overlays/<env>/ or .plumbline.yaml).\n');
  for (const e of environments) {
    const delivery = e.delivery.kind === 'direct' ? 'direct apply' : `${e.delivery.kind === 'flux' ? 'Flux Kustomization' : 'Argo CD Application'} ${e.delivery.namespace}/${e.delivery.name}`;
    process.stdout.write(
      `${e.name}${e.protected ? ' (protected)' : ''}\n  paths:    ${e.paths.join(', ')} (${e.renderer.kind})\n  target:   ${e.target.context ?? 'current context'}${e.target.namespace !== undefined ? `, namespace ${e.target.namespace}` : ''}\n  delivery: ${delivery}\n  found by: ${e.foundBy.join('; ')}\n`,
    );
  }
  return EXIT.clean;
}

async function run(argv: readonly string[]): Promise<number> {
  const [command, ...rest] = argv;
  if (command === undefined || command === '-h' || command === '--help' || command === 'help') {
    process.stdout.write(USAGE);
    return command === undefined ? EXIT.error : EXIT.clean;
  }
  if (command === '-v' || command === '--version') {
    process.stdout.write(`plumbline ${PLUMBLINE_VERSION}\n`);
    return EXIT.clean;
  }
  if (command === 'check') return check(rest);
  if (command === 'diff') return diff(rest);
  if (command === 'envs') return envs(rest);
  throw new UsageError(`unknown command '${command}'`);
}

function isUsageError(error: unknown): boolean {
  // parseArgs signals bad options with ERR_PARSE_ARGS_* codes.
  const code = (error as { code?: unknown } | null)?.code;
  return error instanceof UsageError || (typeof code === 'string' && code.startsWith('ERR_PARSE_ARGS'));
}

run(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (error: unknown) => {
    const message = error instanceof Error ? error.message : String(error);
    if (isUsageError(error)) {
      process.stderr.write(`plumbline: ${message}\nRun 'plumbline --help' for usage.\n`);
    } else {
      process.stderr.write(`plumbline: internal error: ${error instanceof Error ? (error.stack ?? message) : message}\n`);
    }
    process.exitCode = EXIT.error;
  },
);

import { parseArgs } from 'node:util';
import { PLUMBLINE_VERSION } from '../version';
import { loadBundledSchemas } from '../schemas/bundled';
import { SchemaResolver } from '../schemas/resolver';
import { UsageError } from '../workspace/files';
import { ClusterSession, defaultCacheDir } from '../cluster/session';
import { cachedSchemas, cachedSchemasOfVersion } from '../schemas/live';

import { existsSync } from 'node:fs';
import { checkPaths, totals } from '../check/checkPaths';
import { checkWorkerCount } from '../check/parallelCheck';
import { validateEnvironment } from '../environments/validate';
import { formatText } from './checkCommand';
import { diffPaths } from './diffCommand';
import { describeUndeclared, undeclaredFindings } from './undeclaredSection';
import { discoverEnvironments } from '../environments/discover';
import { syncEnvironment } from '../environments/sync';
import type { PruneCandidate } from '../environments/converge';
import { pendingSummary } from '../git/commit';
import { basename, resolve } from 'node:path';
import { chartOf } from '../environments/helm';
import type { Environment, HelmRenderer } from '../environments/model';
import { createInterface } from 'node:readline/promises';
import { flatten, toSarif } from './formats';
import { PREVIEW_USAGE, previewCommand } from './previewCommand';

/** Exit codes shared by every command, like kubeconform and kubectl diff. */
export const EXIT = { clean: 0, found: 1, error: 2 } as const;

const USAGE = `Usage: plumbline <command> [options]

Commands:
  check [paths…]   validate the YAML files below the given files and folders (default: .)
  diff [paths…]    compare the resources in those files with the live cluster (drift)
  envs [folder]    list the environments found in a repository (default: .)
  sync --env NAME [-m MESSAGE]   commit the environment's changes, push, and make its cluster converge
  preview [--env NAME] [--git|--cluster|--against OTHER]   what would change: uncommitted edits, a sync, a promotion

Options for check:
  -o, --output FORMAT          text (default), json or sarif
      --strict                 kinds without a schema are errors, and warnings fail the run
      --context NAME           also use the schemas this kubeconfig context's cluster serves
      --kubeconfig PATH        kubeconfig to read (default: $KUBECONFIG or ~/.kube/config)
      --kubernetes-version V   validate built-ins against Kubernetes V (bundled, or cached from a cluster)

Options for sync:
      --env NAME               the environment (see plumbline envs)
  -m, --message TEXT           commit message (default: "<env>: update <files>")
      --repo PATH              the repository folder (default: .)
      --allow-invalid          sync even when validation finds errors in the environment's files
      --prune                  after a direct apply, delete objects Git no longer declares (asks first;
                               --yes confirms without asking)

Options for diff:
  -o, --output FORMAT          text (default), json or sarif
      --context NAME           kubeconfig context of the cluster (default: the current context)
      --kubeconfig PATH        kubeconfig to read (default: $KUBECONFIG or ~/.kube/config)
      --config PATH            ignore rules (drift.ignore) from this file (default: ./.plumbline.yaml);
                               Argo CD ignoreDifferences and Flux driftDetection.ignore in the diffed
                               files (and the config's folder) apply too
  For every environment the paths cover completely, diff also lists what its Flux Kustomization,
  Argo CD Application or direct sync manages in the cluster that Git no longer declares.

${PREVIEW_USAGE}
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
    // Only the bundled schemas, which each worker loads itself: check on every core.
    workers: values.context === undefined && values.kubeconfig === undefined && values['kubernetes-version'] === undefined ? checkWorkerCount() : 0,
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
  const { results, summary, undeclared } = await diffPaths(positionals.length > 0 ? positionals : ['.'], {
    ...(values.context !== undefined ? { context: values.context } : {}),
    ...(values.kubeconfig !== undefined ? { kubeconfigPath: values.kubeconfig } : {}),
  }, config);
  if (output === 'json') {
    process.stdout.write(`${JSON.stringify({ version: PLUMBLINE_VERSION, summary, findings: flatten(results), undeclared: undeclared.map(({ where: _where, ...u }) => u) }, null, 2)}\n`);
  } else if (output === 'sarif') {
    process.stdout.write(`${JSON.stringify(toSarif([...results, ...undeclaredFindings(undeclared)], 'Plumbline drift'), null, 2)}\n`);
  } else {
    for (const f of flatten(results)) process.stdout.write(`${f.path}:${f.line}:${f.column} ${f.severity} ${f.message} [${f.code}]\n`);
    if (undeclared.length > 0) {
      process.stdout.write('\nin the cluster, not in Git:\n');
      for (const u of undeclared) process.stdout.write(`  ${describeUndeclared(u)}\n`);
      process.stdout.write('\n');
    }
    process.stdout.write(`Summary: ${summary.resources} resources - in sync: ${summary.inSync}, drifted: ${summary.drifted}, not in cluster: ${summary.missing}, rejected: ${summary.rejected}, unavailable: ${summary.unavailable}, in the cluster but not in Git: ${summary.undeclared}\n`);
  }
  for (const e of summary.errors.slice(0, 20)) process.stderr.write(`plumbline: ${e}\n`);
  for (const n of summary.notes) process.stderr.write(`plumbline: note: ${n}\n`);
  if (summary.unavailable > 0) return EXIT.error;
  return summary.drifted + summary.missing + summary.rejected + summary.undeclared > 0 ? EXIT.found : EXIT.clean;
}

/** `chart charts/shop, release shop, values charts/shop/values-prod.yaml, inline values, --set image.tag` */
function describeHelm(env: Environment, helm: HelmRenderer): string {
  const values = [
    ...(helm.valuesFiles.length > 0 ? [`values ${helm.valuesFiles.join(', ')}`] : []),
    ...(helm.values !== undefined ? ['inline values'] : []),
    ...(helm.parameters ?? []).map((p) => `--set ${p.name}`),
  ];
  return [`chart ${chartOf(env, helm)}`, `release ${helm.release ?? basename(chartOf(env, helm))}`, ...(values.length > 0 ? values : ["the chart's default values"])].join(', ');
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
    const delivery = e.delivery.kind === 'direct' ? 'direct apply' : `${e.delivery.kind === 'flux' ? `Flux ${e.delivery.resource ?? 'Kustomization'}` : 'Argo CD Application'} ${e.delivery.namespace}/${e.delivery.name}`;
    process.stdout.write(
      `${e.name}${e.protected ? ' (protected)' : ''}\n  paths:    ${e.paths.join(', ')} (${e.renderer.kind})\n${e.renderer.kind === 'helm' ? `  helm:     ${describeHelm(e, e.renderer)}\n` : ''}  target:   ${e.target.context ?? 'current context'}${e.target.namespace !== undefined ? `, namespace ${e.target.namespace}` : ''}\n  delivery: ${delivery}\n  found by: ${e.foundBy.join('; ')}\n`,
    );
  }
  return EXIT.clean;
}

async function sync(args: string[]): Promise<number> {
  const { values } = parseArgs({
    args,
    options: {
      env: { type: 'string' },
      message: { type: 'string', short: 'm' },
      repo: { type: 'string', default: '.' },
      context: { type: 'string' },
      kubeconfig: { type: 'string' },
      'allow-invalid': { type: 'boolean', default: false },
      prune: { type: 'boolean', default: false },
      yes: { type: 'boolean', default: false },
    },
  });
  if (values.env === undefined) throw new UsageError('sync needs --env NAME (see plumbline envs)');
  const root = resolve(values.repo ?? '.');
  const { environments } = await discoverEnvironments(root);
  const env = environments.find((e) => e.name === values.env);
  if (env === undefined) throw new UsageError(`no environment '${values.env}' in ${root} (found: ${environments.map((e) => e.name).join(', ') || 'none'})`);
  // Pre-flight: what is about to be committed must be valid.
  const reports = await validateEnvironment(root, env);
  const errors = totals(reports).errors;
  if (errors > 0 && values['allow-invalid'] !== true) {
    process.stdout.write(formatText(reports));
    process.stderr.write(`plumbline: ${errors} validation error(s) in ${env.name}; fix them or pass --allow-invalid\n`);
    return EXIT.found;
  }
  const pending = await pendingSummary(root, env);
  const message = values.message ?? (pending.ok ? pending.value.message : '') ?? '';
  const report = await syncEnvironment({
    root,
    env,
    message: message === '' ? `${env.name}: sync` : message,
    cluster: { ...(values.kubeconfig !== undefined ? { kubeconfigPath: values.kubeconfig } : {}), ...(values.context !== undefined ? { context: values.context } : {}) },
    render: { trusted: true, kustomize: ['kubectl', 'kustomize'], helm: ['helm'] },
    progress: (m) => process.stderr.write(`  ${m}\n`),
    ...(values.prune === true
      ? {
          confirmPrune: async (candidates: PruneCandidate[]) => {
            process.stdout.write(`Pruning would delete:\n${candidates.map((c) => `  ${c.kind}/${c.name}${c.namespace !== undefined ? ` in ${c.namespace}` : ''}`).join('\n')}\n`);
            if (values.yes === true) return candidates;
            if (process.stdin.isTTY !== true) {
              process.stderr.write('plumbline: not deleting anything without --yes (no terminal to ask)\n');
              return [];
            }
            const rl = createInterface({ input: process.stdin, output: process.stdout });
            const answer = await rl.question('Delete these objects? [y/N] ');
            rl.close();
            return /^y(es)?$/i.test(answer.trim()) ? candidates : [];
          },
        }
      : {}),
  });
  for (const s of report.steps) process.stdout.write(`${s.ok ? '✔' : '✖'} ${s.step}: ${s.message}\n`);
  if (report.pullRequestUrl !== undefined) process.stdout.write(`Open the pull request: ${report.pullRequestUrl}\n`);
  return report.ok ? EXIT.clean : EXIT.error;
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
  if (command === 'sync') return sync(rest);
  if (command === 'preview') return previewCommand(rest);
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

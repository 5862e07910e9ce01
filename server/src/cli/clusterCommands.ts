// The commands that reach clusters and Git (and `check`'s live schemas), bundled apart from the
// entry so that `plumbline check` with the bundled schemas starts without loading them.
import { createInterface } from 'node:readline/promises';
import { existsSync } from 'node:fs';
import { basename, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { totals } from '../check/checkPaths';
import { ClusterSession } from '../cluster/session';
import type { PruneCandidate } from '../delivery/converge';
import { discoverEnvironments } from '../environments/discover';
import { chartOf } from '../environments/helm';
import type { Environment, HelmRenderer } from '../environments/model';
import { syncEnvironment } from '../delivery/sync';
import { validateEnvironment } from '../environments/validate';
import { pendingSummary } from '../git/commit';
import type { SchemaBundle } from '../schemas/bundle';
import { cachedSchemas } from '../schemas/live';
import { SchemaResolver } from '../schemas/resolver';
import { PLUMBLINE_VERSION } from '../version';
import { UsageError } from '../files/files';
import { formatText } from './checkCommand';
import { diffPaths } from './diffCommand';
import { escapeControls, flatten, toSarif } from './formats';
import { describeFluxBuild } from '../environments/fluxBuild';
import { describeDelivery } from '../environments/describe';
import { describeUndeclared, undeclaredFindings } from './undeclaredSection';
import { EXIT, HELP_OPTION, OUTPUTS, printedHelp } from './usage';
import { PLUMBLINE_CONFIG_FILE } from '../files/names';
import { RENDER_FLAGS, renderOptionsFromFlags } from './renderFlags';
import { healthTimeoutFromFlags, WAIT_FLAGS } from './waitFlags';
import { tuneForShortRun } from './shortRun';

export { reconcileCommand } from './reconcileCommand';
export { previewCommand } from './previewCommand';
export { status } from './statusCommand';
export { tfplanCommand } from './tfplanCommand';

/** The schemas a context's cluster serves for the group/versions in use, then the bundled ones. */
export async function liveSchemas(options: { context?: string; kubeconfig?: string }, groupVersions: { group: string; version: string }[], bundled: SchemaBundle): Promise<SchemaResolver> {
  const session = new ClusterSession({ ...(options.context !== undefined ? { context: options.context } : {}), ...(options.kubeconfig !== undefined ? { kubeconfigPath: options.kubeconfig } : {}) });
  const client = await session.client();
  if (!client.ok) throw new UsageError(client.error.message, false);
  const loaded = await session.schemas!.ensure(groupVersions);
  session.dispose();
  if (!loaded.ok) {
    const cached = await cachedSchemas(session.schemaCacheDir, client.value.server, client.value.context);
    process.stderr.write(`plumbline: ${loaded.error.message}; ${cached === undefined ? 'using the bundled schemas' : `using ${cached.source.label}`}\n`);
    return new SchemaResolver(cached === undefined ? [bundled] : [cached, bundled]);
  }
  return new SchemaResolver([session.schemas!.bundle(), bundled]);
}

export async function diff(args: string[]): Promise<number> {
  const { positionals, values } = parseArgs({
    args,
    allowPositionals: true,
    options: {
      ...HELP_OPTION,
      output: { type: 'string', short: 'o', default: 'text' },
      context: { type: 'string' },
      kubeconfig: { type: 'string' },
      config: { type: 'string' },
      ...RENDER_FLAGS,
    },
  });
  if (printedHelp('diff', values)) return EXIT.clean;
  tuneForShortRun();
  const output = OUTPUTS.find((o) => o === values.output);
  if (output === undefined) throw new UsageError(`unknown output format '${values.output}' (text, json or sarif)`);
  const config = values.config ?? (existsSync(PLUMBLINE_CONFIG_FILE) ? PLUMBLINE_CONFIG_FILE : undefined);
  const { results, summary, undeclared } = await diffPaths(positionals.length > 0 ? positionals : ['.'], {
    ...(values.context !== undefined ? { context: values.context } : {}),
    ...(values.kubeconfig !== undefined ? { kubeconfigPath: values.kubeconfig } : {}),
  }, config, renderOptionsFromFlags(values));
  if (output === 'json') {
    process.stdout.write(`${JSON.stringify({ version: PLUMBLINE_VERSION, summary, findings: flatten(results), undeclared: undeclared.map(({ where: _where, ...u }) => u) }, null, 2)}\n`);
  } else if (output === 'sarif') {
    process.stdout.write(`${JSON.stringify(toSarif([...results, ...undeclaredFindings(undeclared)], 'Plumbline drift'), null, 2)}\n`);
  } else {
    for (const f of flatten(results)) process.stdout.write(`${escapeControls(f.path)}:${f.line}:${f.column} ${f.severity} ${escapeControls(f.message)} [${f.code}]\n`);
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

export async function envs(args: string[]): Promise<number> {
  const { positionals, values } = parseArgs({ args, allowPositionals: true, options: { ...HELP_OPTION, ...RENDER_FLAGS, output: { type: 'string', short: 'o', default: 'text' } } });
  if (printedHelp('envs', values)) return EXIT.clean;
  if (values.output !== 'text' && values.output !== 'json') throw new UsageError(`unknown output format '${values.output}' (text or json)`);
  const root = positionals[0] ?? '.';
  if (!existsSync(root)) throw new UsageError(`no such folder: ${root}`);
  const { environments, problems } = await discoverEnvironments(root, renderOptionsFromFlags(values));
  for (const p of problems) process.stderr.write(`plumbline: ${p}\n`);
  if (values.output === 'json') {
    process.stdout.write(`${JSON.stringify({ environments }, null, 2)}\n`);
    return EXIT.clean;
  }
  if (environments.length === 0) process.stdout.write('No environments found (Flux clusters/<env>/, Argo CD Applications, overlays/<env>/ or .plumbline.yaml).\n');
  for (const e of environments) {
    const delivery = describeDelivery(e.delivery);
    process.stdout.write(
      `${e.name}${e.protected ? ' (protected)' : ''}\n${e.unrendered !== undefined ? `  paths:    none in this workspace: ${e.unrendered}\n` : `  paths:    ${e.paths.join(', ')} (${e.renderer.kind})\n`}${e.renderer.kind === 'helm' ? `  helm:     ${describeHelm(e, e.renderer)}\n` : ''}${e.flux !== undefined ? `  flux:     ${describeFluxBuild(e.flux).join('; ')}\n` : ''}${e.cluster !== undefined && e.name !== e.cluster ? `  cluster:  ${e.cluster} (${environments.filter((o) => o.cluster === e.cluster).length} units)\n` : ''}${e.dependsOn !== undefined ? `  after:    ${e.dependsOn.join(', ')}\n` : ''}  target:   ${e.target.context ?? 'current context'}${e.target.kubeconfig !== undefined ? ` in ${e.target.kubeconfig}` : ''}${e.target.namespace !== undefined ? `, namespace ${e.target.namespace}` : ''}\n  delivery: ${delivery}\n  found by: ${e.foundBy.join('; ')}\n`,
    );
  }
  return EXIT.clean;
}

export async function sync(args: string[]): Promise<number> {
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
      ...WAIT_FLAGS,
      ...RENDER_FLAGS,
      ...HELP_OPTION,
    },
  });
  if (printedHelp('sync', values)) return EXIT.clean;
  if (values.env === undefined) throw new UsageError('sync needs --env NAME (see plumbline envs)');
  const healthTimeoutMs = healthTimeoutFromFlags(values);
  const root = resolve(values.repo ?? '.');
  const { environments } = await discoverEnvironments(root, renderOptionsFromFlags(values));
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
    render: renderOptionsFromFlags(values),
    progress: (m) => process.stderr.write(`  ${m}\n`),
    healthTimeoutMs,
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
  if (report.ok) return EXIT.clean;
  // Synced but not healthy is a finding, as plumbline status counts it; a failed step before is an error.
  return report.steps[report.steps.length - 1]?.step === 'health' ? EXIT.found : EXIT.error;
}


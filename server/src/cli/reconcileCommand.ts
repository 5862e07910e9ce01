import { resolve } from 'node:path';
import { createInterface } from 'node:readline/promises';
import { parseArgs } from 'node:util';
import { discoverEnvironments } from '../environments/discover';
import { reconcileEnvironment } from '../delivery/reconcile';
import { UsageError } from '../files/files';
import { EXIT, HELP_OPTION, printedHelp } from './usage';
import { RENDER_FLAGS, renderOptionsFromFlags } from './renderFlags';
import { healthTimeoutFromFlags, WAIT_FLAGS } from './waitFlags';

/** `plumbline reconcile --env NAME`: the cluster converges on Git as it is; nothing is committed or pushed. Returns the exit code. */
export async function reconcileCommand(args: string[]): Promise<number> {
  const { values } = parseArgs({
    args,
    options: {
      env: { type: 'string' },
      repo: { type: 'string', default: '.' },
      context: { type: 'string' },
      kubeconfig: { type: 'string' },
      yes: { type: 'boolean', default: false },
      ...WAIT_FLAGS,
      ...RENDER_FLAGS,
      ...HELP_OPTION,
    },
  });
  if (printedHelp('reconcile', values)) return EXIT.clean;
  if (values.env === undefined) throw new UsageError('reconcile needs --env NAME (see plumbline envs)');
  const healthTimeoutMs = healthTimeoutFromFlags(values);
  const root = resolve(values.repo ?? '.');
  const { environments } = await discoverEnvironments(root, renderOptionsFromFlags(values));
  const env = environments.find((e) => e.name === values.env);
  if (env === undefined) throw new UsageError(`no environment '${values.env}' in ${root} (found: ${environments.map((e) => e.name).join(', ') || 'none'})`);
  const request = {
    root,
    env,
    cluster: { ...(values.kubeconfig !== undefined ? { kubeconfigPath: values.kubeconfig } : {}), ...(values.context !== undefined ? { context: values.context } : {}) },
    render: renderOptionsFromFlags(values),
    progress: (m: string) => void process.stderr.write(`  ${m}\n`),
    healthTimeoutMs,
  };
  let outcome = await reconcileEnvironment({ ...request, confirmed: values.yes === true });
  if (outcome.kind === 'confirm') {
    process.stdout.write(`A direct apply of ${env.name} would send:\n${outcome.objects.map((o) => `  ${o}`).join('\n')}\n`);
    if (process.stdin.isTTY !== true) {
      process.stderr.write('plumbline: not applying anything without --yes (no terminal to ask)\n');
      return 1;
    }
    const rl = createInterface({ input: process.stdin, output: process.stdout });
    const answer = await rl.question('Apply these objects? [y/N] ');
    rl.close();
    if (!/^y(es)?$/i.test(answer.trim())) return 1;
    outcome = await reconcileEnvironment({ ...request, confirmed: true });
  }
  if (outcome.kind !== 'done') return EXIT.error;
  process.stdout.write(`${outcome.ok ? '✔' : '✖'} reconcile ${env.name}: ${outcome.message}\n`);
  // Converged but not healthy is a finding, as plumbline status counts it; a failed convergence is an error.
  if (outcome.ok) return EXIT.clean;
  return outcome.health?.ok === false ? EXIT.found : EXIT.error;
}

import { parseArgs } from 'node:util';
import { ClusterClient } from '../cluster/http';
import { UsageError } from '../files/files';
import { readStoredPlan } from '../terraform/storedPlan';
import { escapeControls } from './formats';
import { EXIT, HELP_OPTION, printedHelp } from './usage';

/** `plumbline tfplan NAME`: the plan tofu-controller stored for a Terraform object, sensitive values masked; exit 0 shown, 1 none pending or stored, 2 error. */
export async function tfplanCommand(args: string[]): Promise<number> {
  const { positionals, values } = parseArgs({
    args,
    allowPositionals: true,
    options: { ...HELP_OPTION, namespace: { type: 'string', short: 'n' }, context: { type: 'string' }, kubeconfig: { type: 'string' } },
  });
  if (printedHelp('tfplan', values)) return EXIT.clean;
  const name = positionals[0];
  if (name === undefined || positionals.length > 1) throw new UsageError('tfplan takes the name of one Terraform object');
  const connected = await ClusterClient.connect({ ...(values.kubeconfig !== undefined ? { kubeconfigPath: values.kubeconfig } : {}), ...(values.context !== undefined ? { context: values.context } : {}) });
  if (!connected.ok) {
    process.stderr.write(`plumbline: ${escapeControls(connected.error.message)}\n`);
    return EXIT.error;
  }
  try {
    const plan = await readStoredPlan(connected.value, values.namespace ?? connected.value.namespace, name);
    if (!plan.ok) {
      process.stderr.write(`plumbline: ${escapeControls(plan.error.message)}\n`);
      return plan.error.kind === 'no-plan' || plan.error.kind === 'not-stored' ? EXIT.found : EXIT.error;
    }
    // The plan's text comes from the cluster: no terminal control sequences from it.
    process.stdout.write(`${plan.value.text.split('\n').map(escapeControls).join('\n').trimEnd()}\n`);
    return EXIT.clean;
  } finally {
    connected.value.dispose();
  }
}

import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { environmentStatus, type EnvironmentStatus } from '../delivery/status';
import { workspaceIgnore } from '../drift/gitopsIgnore';
import { discoverEnvironments } from '../environments/discover';
import { UsageError } from '../files/files';
import { PLUMBLINE_CONFIG_FILE } from '../files/names';
import { readManualManagers } from '../drift/ignore';
import { clusterTargetOf, ClusterRegistry } from '../workspace/clusters';
import { DEFAULT_SETTINGS } from '../workspace/settings';
import { escapeControls } from './formats';
import { RENDER_FLAGS, renderOptionsFromFlags } from './renderFlags';
import { EXIT, HELP_OPTION, printedHelp } from './usage';

/** Whether a status leaves nothing to do: in sync, and every resource healthy (or suspended by choice). */
function settled(s: EnvironmentStatus): boolean {
  return s.state === 'in-sync' && s.resources.every((r) => r.health === undefined || r.health.argo === 'Healthy' || r.health.argo === 'Suspended');
}

function text(statuses: readonly EnvironmentStatus[], unrendered: number): string {
  const out: string[] = [];
  // A cause every unreachable environment shares (no kubeconfig, one cluster down) is said once, not once per unit.
  const causes = new Map<string, number>();
  for (const s of statuses) if (s.state === 'unreachable') causes.set(s.message, (causes.get(s.message) ?? 0) + 1);
  for (const [cause, count] of causes) if (count > 1) out.push(`cluster unreachable for ${count} environments: ${cause}`);
  for (const s of statuses) {
    const e = s.environment;
    const message = s.state === 'unreachable' && (causes.get(s.message) ?? 0) > 1 ? 'cluster unreachable (above)' : s.message;
    out.push(`${e.name}: ${message}${s.health !== undefined ? ` · ${s.health.summary}` : ''}`);
    for (const r of s.resources) {
      const where = `${r.kind}/${r.name}${(r.clusterNamespace ?? r.namespace) !== undefined ? ` in ${r.clusterNamespace ?? r.namespace}` : ''}`;
      const drift = r.state === 'drifted' ? `drifted (${r.drifted} field${r.drifted === 1 ? '' : 's'})` : r.state === 'missing' ? 'not in the cluster' : r.state === 'in-sync' ? 'in sync' : r.state;
      const external = r.external !== undefined ? ` · external resource drifted: ${r.external}` : '';
      out.push(`  ${where}: ${drift}${external}${r.health !== undefined && r.state !== 'missing' ? ` · ${r.health.word}: ${r.health.message}` : ''}`);
    }
  }
  if (unrendered > 0) out.push(`${unrendered} unit${unrendered === 1 ? ' is' : 's are'} not rendered from this workspace and not checked (plumbline envs says why)`);
  // Names and messages come from the cluster and Git: no terminal control sequences from them.
  return `${out.map(escapeControls).join('\n')}\n`;
}

/** `plumbline status`: drift and health of every environment's resources (or one's); exit 0 settled, 1 not, 2 error. */
export async function status(args: string[]): Promise<number> {
  const { positionals, values } = parseArgs({
    args,
    allowPositionals: true,
    options: { ...HELP_OPTION, ...RENDER_FLAGS, env: { type: 'string' }, context: { type: 'string' }, kubeconfig: { type: 'string' }, output: { type: 'string', short: 'o', default: 'text' } },
  });
  if (printedHelp('status', values)) return EXIT.clean;
  if (values.output !== 'text' && values.output !== 'json') throw new UsageError(`unknown output format '${values.output}' (text or json)`);
  const root = resolve(positionals[0] ?? '.');
  if (!existsSync(root)) throw new UsageError(`no such folder: ${root}`);
  const render = renderOptionsFromFlags(values);
  const { environments } = await discoverEnvironments(root, render);
  const chosen = values.env === undefined ? environments.filter((e) => e.unrendered === undefined) : environments.filter((e) => e.name === values.env);
  if (values.env !== undefined && chosen.length === 0) throw new UsageError(`no environment '${values.env}' in ${root} (found: ${environments.map((e) => e.name).join(', ') || 'none'})`);
  if (chosen.length === 0) throw new UsageError(`no environments found in ${root} (see plumbline envs)`);
  const config = await readFile(join(root, PLUMBLINE_CONFIG_FILE), 'utf8').catch(() => undefined);
  const ignore = await workspaceIgnore(root, config);
  // One session and engine per cluster, as the editor keeps them.
  const clusters = new ClusterRegistry(() => ({ manualManagers: [...DEFAULT_SETTINGS.drift.manualManagers, ...readManualManagers(config ?? '')] }));
  try {
    const cluster = { enabled: true, kubeconfig: values.kubeconfig, context: values.context };
    const statuses = await Promise.all(
      chosen.map((env) => {
        const target = clusterTargetOf(cluster, env);
        return environmentStatus(root, env, clusters.session(target), render, ignore.rules, { engine: () => clusters.engine(target) });
      }),
    );
    if (values.output === 'json') {
      const json = statuses.map((s) => ({
        environment: s.environment.name,
        state: s.state,
        message: s.message,
        health: s.health,
        resources: s.resources.map((r) => ({ apiVersion: r.apiVersion, kind: r.kind, name: r.name, namespace: r.clusterNamespace ?? r.namespace, state: r.state, driftedFields: r.drifted, ...(r.external !== undefined ? { externalDrift: r.external } : {}), health: r.health })),
      }));
      process.stdout.write(`${JSON.stringify({ environments: json }, null, 2)}\n`);
    } else process.stdout.write(text(statuses, values.env === undefined ? environments.length - chosen.length : 0));
    if (statuses.some((s) => s.state === 'unreachable' || s.state === 'render-error')) return EXIT.error;
    return statuses.every(settled) ? EXIT.clean : EXIT.found;
  } finally {
    clusters.dispose();
  }
}

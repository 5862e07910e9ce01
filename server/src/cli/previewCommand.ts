import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { ClusterSession } from '../cluster/session';
import { discoverEnvironments } from '../environments/discover';
import { clusterOf } from '../environments/target';
import type { RenderOptions } from '../environments/render';
import { previewCluster } from '../preview/clusterPreview';
import { previewGit } from '../preview/gitPreview';
import { allChanges, type EnvironmentPreview, type Preview, type PreviewResult } from '../preview/preview';
import { previewPromotion } from '../preview/promotionPreview';
import { unifiedDiff } from '../preview/unifiedDiff';
import { PLUMBLINE_VERSION } from '../version';
import { UsageError } from '../files/files';
import { EXIT, HELP_OPTION, printedHelp } from './usage';
import { RENDER_FLAGS, renderOptionsFromFlags } from './renderFlags';

/** Above this many environments without changes, they are counted rather than named. */
const QUIET_NAMED = 5;

/**
 * Each environment and what happened to it. A repository of a hundred Flux units made this one
 * line of thousands of characters, the one changed unit lost among "(no changes)": past a few,
 * the environments without changes are counted and those with changes or errors named.
 */
function summaryOf(environments: readonly EnvironmentPreview[]): string {
  const isQuiet = (e: EnvironmentPreview): boolean => e.state === 'ok' && e.changes.length === 0;
  const quiet = environments.filter(isQuiet).length;
  if (quiet <= QUIET_NAMED) return environments.map((e) => `${e.environment} (${e.message})`).join(', ');
  const named = environments.filter((e) => !isQuiet(e)).map((e) => `${e.environment} (${e.message})`);
  return named.length === 0 ? `${quiet} environments (no changes)` : `${named.join(', ')}, and ${quiet} more environments (no changes)`;
}

/** The preview as text: one unified diff per resource, then a summary line. */
export function formatPreview(preview: Preview): string {
  const out: string[] = [];
  for (const note of preview.notes) out.push(`# ${note}\n`);
  const skipped = preview.environments.filter((e) => e.inputsUnchanged === true).length;
  if (skipped > 0) out.push(`# ${skipped} environment${skipped === 1 ? ' was' : 's were'} not rendered: nothing ${skipped === 1 ? 'it reads' : 'they read'} changed\n`);
  for (const e of preview.environments) if (e.state === 'error') out.push(`# ${e.environment}: ${e.message}\n`);
  for (const c of allChanges(preview)) {
    const id = `${c.environment}/${c.kind}/${c.namespace !== undefined ? `${c.namespace}/` : ''}${c.name}`;
    out.push(unifiedDiff(c.before, c.after, { before: c.change === 'added' ? '/dev/null' : `${preview.left}/${id}`, after: c.change === 'removed' ? '/dev/null' : `${preview.right}/${id}` }));
  }
  const changes = allChanges(preview);
  const count = (kind: string): number => changes.filter((c) => c.change === kind).length;
  const unchanged = preview.environments.reduce((n, e) => n + e.unchanged, 0);
  out.push(`Summary: ${preview.title} (${preview.left} ↔ ${preview.right}) - changed: ${count('changed')}, added: ${count('added')}, removed: ${count('removed')}, unchanged: ${unchanged}, in ${summaryOf(preview.environments)}\n`);
  return out.join('');
}

/** `plumbline preview`: exit 0 nothing would change, 1 something would, 2 usage, render or cluster error. */
export async function previewCommand(args: string[]): Promise<number> {
  const { values } = parseArgs({
    args,
    options: {
      env: { type: 'string' },
      git: { type: 'boolean', default: false },
      cluster: { type: 'boolean', default: false },
      against: { type: 'string' },
      repo: { type: 'string', default: '.' },
      context: { type: 'string' },
      kubeconfig: { type: 'string' },
      output: { type: 'string', short: 'o', default: 'text' },
      ...RENDER_FLAGS,
      ...HELP_OPTION,
    },
  });
  if (printedHelp('preview', values)) return EXIT.clean;
  if (values.output !== 'text' && values.output !== 'json') throw new UsageError(`unknown output format '${values.output}' (text or json)`);
  const modes = [values.git === true, values.cluster === true, values.against !== undefined].filter(Boolean).length;
  if (modes > 1) throw new UsageError('preview takes one of --git, --cluster or --against OTHER');
  const root = resolve(values.repo ?? '.');
  if (!existsSync(root)) throw new UsageError(`no such folder: ${root}`);
  const render: RenderOptions = renderOptionsFromFlags(values);
  let result: PreviewResult;
  if (values.cluster === true || values.against !== undefined) {
    if (values.env === undefined) throw new UsageError(`preview ${values.cluster === true ? '--cluster' : '--against'} needs --env NAME (see plumbline envs)`);
    const { environments } = await discoverEnvironments(root, render);
    const env = environments.find((e) => e.name === values.env);
    if (env === undefined) throw new UsageError(`no environment '${values.env}' in ${root} (found: ${environments.map((e) => e.name).join(', ') || 'none'})`);
    if (values.against !== undefined) result = await previewPromotion(root, env.name, values.against, render);
    else {
      // The flags, when given, choose the cluster; else the environment's own.
      const cluster = values.kubeconfig !== undefined || values.context !== undefined ? { kubeconfigPath: values.kubeconfig, context: values.context ?? env.target.context } : clusterOf(env, { kubeconfigPath: undefined, context: undefined });
      const session = new ClusterSession(cluster);
      try {
        result = await previewCluster(root, env, session, render);
      } finally {
        session.dispose();
      }
    }
  } else {
    result = await previewGit(root, render, values.env);
  }
  if (!result.ok) {
    if (result.error.kind === 'unknown-environment') throw new UsageError(result.error.message);
    process.stderr.write(`plumbline: ${result.error.message}\n`);
    return 2;
  }
  const preview = result.value;
  process.stdout.write(values.output === 'json' ? `${JSON.stringify({ version: PLUMBLINE_VERSION, ...preview }, null, 2)}\n` : formatPreview(preview));
  if (preview.environments.some((e) => e.state === 'error')) return 2;
  return allChanges(preview).length > 0 ? 1 : 0;
}

// Usage text and exit codes, shared by the command-line entry and the commands it loads on demand.
// Each command has its own usage (`plumbline <command> --help`); the general one lists them all.

import { RENDER_FLAGS_USAGE } from './renderFlags';
import { WAIT_FLAGS_USAGE } from './waitFlags';

/** Exit codes shared by every command, like kubeconform and kubectl diff. */
export const EXIT = { clean: 0, found: 1, error: 2 } as const;

export const COMMANDS = ['check', 'diff', 'envs', 'status', 'sync', 'reconcile', 'preview', 'tfplan'] as const;
export type CommandName = (typeof COMMANDS)[number];

const HELP = `  -h, --help                   show this help\n`;

const CHECK_USAGE = `Usage: plumbline check [paths…] [options]

Validate the YAML files below the given files and folders (default: .). A file a Flux
Kustomization renders with postBuild is validated with the variables' values the repository
holds (its substitute, the ConfigMaps and Secrets of its substituteFrom).

Options:
  -o, --output FORMAT          text (default), json or sarif
      --strict                 kinds without a schema are errors, and warnings fail the run
      --context NAME           also use the schemas this kubeconfig context's cluster serves
      --kubeconfig PATH        kubeconfig to read (default: $KUBECONFIG or ~/.kube/config)
      --kubernetes-version V   judge apiVersions against Kubernetes V (removed: error, deprecated:
                               warning); built-ins use its schemas when cached from a cluster
      --max-file-size MB       skip files larger than this, unread (default 20); a skipped file
                               is a warning, which --strict fails
${HELP}
Exit codes: 0 valid, 1 errors found (or warnings, with --strict), 2 usage, cluster or internal error.
`;

const DIFF_USAGE = `Usage: plumbline diff [paths…] [options]

Compare the resources in those files (default: .) with the live cluster: drift, at the field,
as the editor computes it. A file an environment renders (a kustomize base, a patch, a
kustomization) is compared per environment, as that environment renders it, in its context.
For every environment the paths cover completely, diff also lists what its Flux Kustomization,
Argo CD Application or direct sync manages in the cluster that Git no longer declares.

Options:
  -o, --output FORMAT          text (default), json or sarif
      --context NAME           kubeconfig context of the cluster (default: the current context)
      --kubeconfig PATH        kubeconfig to read (default: $KUBECONFIG or ~/.kube/config)
      --config PATH            ignore rules (drift.ignore) from this file (default: ./.plumbline.yaml);
                               Argo CD ignoreDifferences and Flux driftDetection.ignore in the diffed
                               files (and in the repository, when run inside one) apply too
${RENDER_FLAGS_USAGE}
${HELP}
Exit codes: 0 no drift, 1 drift found, 2 usage, cluster or internal error.
`;

const ENVS_USAGE = `Usage: plumbline envs [folder] [options]

List the environments found in a repository (default: .): Flux clusters/<env>/ Kustomizations,
Argo CD Applications, overlays/<env>/ folders and the environments of .plumbline.yaml.

Options:
  -o, --output FORMAT          text (default) or json
${RENDER_FLAGS_USAGE}
                               (an app-of-apps chart is rendered to find the Applications it writes)
${HELP}
Exit codes: 0 listed, 2 usage or internal error.
`;

const SYNC_USAGE = `Usage: plumbline sync --env NAME [options]

Commit the environment's changes, push, and make its cluster converge.

Options:
      --env NAME               the environment (see plumbline envs)
  -m, --message TEXT           commit message (default: "<env>: update <files>")
      --repo PATH              the repository folder (default: .)
      --context NAME, --kubeconfig PATH   the cluster (default: the environment's context)
      --allow-invalid          sync even when validation finds errors in the environment's files
      --prune                  after a direct apply, delete objects Git no longer declares (asks first)
      --yes                    with --prune, delete without asking
${WAIT_FLAGS_USAGE}
${RENDER_FLAGS_USAGE}
${HELP}
Exit codes: 0 synced (and healthy, with --wait), 1 validation errors stopped the sync, or with --wait a
resource was not healthy in time or Failed (named, with why), 2 usage, Git, cluster or internal error.
`;

const RECONCILE_USAGE = `Usage: plumbline reconcile --env NAME [options]

Make the environment's cluster converge on Git as it is (no commit, no push).

Options:
      --env NAME               the environment (see plumbline envs)
      --repo PATH              the repository folder (default: .)
      --context NAME, --kubeconfig PATH   the cluster (default: the environment's context)
      --yes                    a direct environment is applied without asking (otherwise it lists and asks)
${WAIT_FLAGS_USAGE}
${RENDER_FLAGS_USAGE}
${HELP}
Exit codes: 0 converged (and healthy, with --wait), 1 not confirmed, or with --wait a resource was not
healthy in time or Failed (named, with why), 2 usage, cluster or internal error.
`;

const PREVIEW_USAGE = `Usage: plumbline preview [--env NAME] [--git|--cluster|--against OTHER] [options]

What would change, as unified diffs (Secret values masked): uncommitted edits, a sync, a promotion.

Options:
      --env NAME               the environment (for --git: default every environment)
      --git                    HEAD against the working tree, rendered (default)
      --cluster                the live cluster against what a sync would make of it, with prune candidates
      --against OTHER          OTHER's rendered manifests against NAME's: what promoting NAME onto OTHER changes
      --repo PATH              the repository folder (default: .)
      --context NAME, --kubeconfig PATH   the cluster for --cluster (default: the environment's, else current)
  -o, --output FORMAT          text (default: unified diffs and a summary) or json
${RENDER_FLAGS_USAGE}
${HELP}
Exit codes: 0 nothing would change, 1 something would, 2 usage, render or cluster error.
`;

const STATUS_USAGE = `Usage: plumbline status [folder] [options]

Drift and health of every resource of the repository's environments (default folder: .), as the
sidebar shows them: in sync or drifted, and whether each works (kstatus's Current, InProgress,
Failed; Argo CD's Healthy, Progressing, Degraded for the units Argo CD delivers), with the reason.

Options:
      --env NAME               only this environment (see plumbline envs)
      --context NAME           kubeconfig context for environments that name none (default: the current context)
      --kubeconfig PATH        kubeconfig to read (default: $KUBECONFIG or ~/.kube/config)
  -o, --output FORMAT          text (default) or json
${RENDER_FLAGS_USAGE}
${HELP}
Exit codes: 0 all in sync and healthy, 1 drifted, missing or unhealthy, 2 usage, render or cluster error.
`;

const TFPLAN_USAGE = `Usage: plumbline tfplan NAME [options]

The plan tofu-controller keeps for a Terraform object (spec.storeReadablePlan: human or json),
as text; values Terraform marks sensitive are masked.

Options:
  -n, --namespace NAMESPACE    the object's namespace (default: the context's)
      --context NAME           kubeconfig context (default: the current context)
      --kubeconfig PATH        kubeconfig to read (default: $KUBECONFIG or ~/.kube/config)
${HELP}
Exit codes: 0 plan shown, 1 no plan pending or none stored, 2 usage or cluster error.
`;

export const COMMAND_USAGE: Record<CommandName, string> = {
  check: CHECK_USAGE,
  diff: DIFF_USAGE,
  envs: ENVS_USAGE,
  status: STATUS_USAGE,
  sync: SYNC_USAGE,
  reconcile: RECONCILE_USAGE,
  preview: PREVIEW_USAGE,
  tfplan: TFPLAN_USAGE,
};

export const USAGE = `Usage: plumbline <command> [options]

Commands:
  check [paths…]   validate the YAML files below the given files and folders (default: .)
  diff [paths…]    compare the resources in those files with the live cluster (drift)
  envs [folder]    list the environments found in a repository (default: .)
  status [folder]  drift and health of every environment's resources in their clusters
  sync --env NAME [-m MESSAGE]   commit the environment's changes, push, and make its cluster converge
  reconcile --env NAME [--yes] [--wait]   make the environment's cluster converge on Git as it is (no commit, no push)
  preview [--env NAME] [--git|--cluster|--against OTHER]   what would change: uncommitted edits, a sync, a promotion
  tfplan NAME [-n NAMESPACE]   the plan tofu-controller stored for a Terraform object (sensitive values masked)

Run 'plumbline <command> --help' (or 'plumbline help <command>') for a command's options.

  -h, --help       show this help
  -v, --version    print the version

Exit codes: 0 clean (no drift), 1 problems (or drift) found, 2 usage, cluster or internal error.
`;

export const OUTPUTS = ['text', 'json', 'sarif'] as const;

/** The option every command takes; parseArgs then accepts it wherever it stands among the others. */
export const HELP_OPTION = { help: { type: 'boolean', short: 'h' } } as const;

export function isCommand(name: string): name is CommandName {
  return (COMMANDS as readonly string[]).includes(name);
}

/** Prints the command's usage when asked for it; true when it did, and the command should stop there. */
export function printedHelp(command: CommandName, values: { help?: boolean | undefined }): boolean {
  if (values.help !== true) return false;
  process.stdout.write(COMMAND_USAGE[command]);
  return true;
}

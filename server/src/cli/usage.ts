// Usage text and exit codes, shared by the command-line entry and the commands it loads on demand.

export const PREVIEW_USAGE = `Options for preview (what would change, as unified diffs; Secret values masked):
      --env NAME               the environment (for --git: default every environment)
      --git                    HEAD against the working tree, rendered (default)
      --cluster                the live cluster against what a sync would make of it, with prune candidates
      --against OTHER          OTHER's rendered manifests against NAME's: what promoting NAME onto OTHER changes
      --repo PATH              the repository folder (default: .)
      --context NAME, --kubeconfig PATH   the cluster for --cluster (default: the environment's, else current)
  -o, --output FORMAT          text (default: unified diffs and a summary) or json
`;

/** Exit codes shared by every command, like kubeconform and kubectl diff. */
export const EXIT = { clean: 0, found: 1, error: 2 } as const;

export const USAGE = `Usage: plumbline <command> [options]

Commands:
  check [paths…]   validate the YAML files below the given files and folders (default: .)
  diff [paths…]    compare the resources in those files with the live cluster (drift)
  envs [folder]    list the environments found in a repository (default: .)
  sync --env NAME [-m MESSAGE]   commit the environment's changes, push, and make its cluster converge
  reconcile --env NAME [--yes]   make the environment's cluster converge on Git as it is (no commit, no push)
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

Options for reconcile:
      --env NAME               the environment (see plumbline envs)
      --repo PATH              the repository folder (default: .)
      --context NAME, --kubeconfig PATH   the cluster (default: the environment's context)
      --yes                    a direct environment is applied without asking (otherwise it lists and asks)

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

export const OUTPUTS = ['text', 'json', 'sarif'] as const;

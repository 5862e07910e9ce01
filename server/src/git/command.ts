/**
 * The one place that decides git's command line. A repository's own `.git/config` can name
 * programs git runs on its behalf — `core.fsmonitor` on any command that reads the index, hooks
 * (`post-index-change` even for a throwaway index), `diff.external` and textconv drivers for
 * diffs — so a repository that only looks at itself must not get to choose them. Every git
 * Plumbline starts goes through `gitArgs`; nothing else adds `-c` flags.
 *
 * In an untrusted workspace no git runs at all: that gate is the caller's (the language server
 * knows trust), because the answer there is a status for the user, not a command line.
 */

/**
 * Commands that only look: they get no hooks, since nothing they do is the user's action.
 * `config` and `rev-parse` are left out on purpose: they run no hook, and they are how we read
 * the user's own hooksPath (to name a hook that refused a commit), which the override would hide.
 */
const READ_ONLY = new Set(['status', 'ls-files', 'ls-tree', 'cat-file', 'rev-list', 'diff', 'diff-tree', 'show-ref', 'merge-base', 'remote', 'read-tree', 'checkout-index', 'log', 'show']);

/** Commands whose output is a diff, where an external diff or textconv driver would run. */
const DIFFS = new Set(['diff', 'diff-tree', 'log', 'show']);

// fsmonitor only makes status faster; switching it off changes no answer, so it is off for every command.
const ALWAYS = ['-c', 'core.fsmonitor='];
// /dev/null is not a directory, so git finds no hook in it (the documented way to run none).
const NO_HOOKS = ['-c', 'core.hooksPath=/dev/null'];

/**
 * `args` as git should run them: the policy's `-c` settings first, then any global options the
 * caller gave (`--no-optional-locks`, `--literal-pathspecs`), the subcommand, and for diffs
 * `--no-ext-diff --no-textconv` right after it. Write commands (commit, push, checkout, rebase)
 * keep the user's hooks: Commit and Sync runs them on purpose.
 */
export function gitArgs(args: readonly string[]): string[] {
  const at = args.findIndex((a) => !a.startsWith('-'));
  const sub = at === -1 ? '' : (args[at] ?? '');
  const out = [...ALWAYS, ...(READ_ONLY.has(sub) ? NO_HOOKS : [])];
  if (!DIFFS.has(sub)) return [...out, ...args];
  return [...out, ...args.slice(0, at + 1), '--no-ext-diff', '--no-textconv', ...args.slice(at + 1)];
}

import type { EnvironmentGitState } from '../../server/src/protocol';

/** " · main ↑1 ↓2 · 3 uncommitted" for the tree item's description; '' outside Git; why not, when the server may not look. */
export function branchDescription(git: EnvironmentGitState | undefined, unavailable?: string): string {
  if (git === undefined) return unavailable !== undefined ? ` · ${unavailable}` : '';
  const parts = [git.branch ?? 'detached HEAD'];
  if (git.ahead > 0) parts.push(`↑${git.ahead}`);
  if (git.behind > 0) parts.push(`↓${git.behind}`);
  let text = ` · ${parts.join(' ')}`;
  if (git.operation !== undefined) text += ` (${git.operation} in progress)`;
  if (git.uncommitted.length > 0) text += ` · ${git.uncommitted.length} uncommitted`;
  return text;
}

/** The branch lines of the environment's tooltip (Markdown list items). */
export function branchTooltip(git: EnvironmentGitState | undefined, unavailable?: string): string {
  if (git === undefined) return `\n- branch: ${unavailable ?? 'not a Git repository'}`;
  const tracking = git.upstream === undefined ? 'tracks no upstream' : `${git.ahead} ahead, ${git.behind} behind ${git.upstream} (as of the last fetch)`;
  let text = `\n- branch: ${git.branch ?? 'detached HEAD'}, ${tracking}`;
  if (git.operation !== undefined) text += `\n- a ${git.operation} is in progress`;
  if (git.uncommitted.length === 0) text += '\n- no uncommitted changes in this environment';
  else {
    const shown = git.uncommitted.slice(0, 10).map((f) => `\`${f.path}\` (${f.change})`);
    const more = git.uncommitted.length - shown.length;
    text += `\n- uncommitted in this environment: ${shown.join(', ')}${more > 0 ? `, and ${more} more` : ''}`;
  }
  if (git.uncommittedElsewhere > 0) text += `\n- ${git.uncommittedElsewhere} other uncommitted file(s) in the repository, which Commit and Sync leaves alone`;
  return text;
}

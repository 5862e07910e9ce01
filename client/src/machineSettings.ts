// No `vscode` import: this is the pure half of the settings guard, so a unit test can run it.

/**
 * Settings that choose a program Plumbline runs, or a kubeconfig (whose `exec:` entries name
 * programs): they are `machine` scope in package.json, so only the user's own settings count,
 * never a repository's `.vscode/settings.json` or `.code-workspace` file.
 */
export const MACHINE_SETTINGS = ['plumbline.cluster.kubeconfig', 'plumbline.kustomize.command', 'plumbline.helm.command'] as const;

/** What `WorkspaceConfiguration.inspect` tells about one setting, the parts this guard reads. */
export interface InspectedSetting {
  defaultValue?: unknown;
  globalValue?: unknown;
}

function record(value: unknown): Record<string, unknown> | undefined {
  return value !== null && typeof value === 'object' && !Array.isArray(value) ? (value as Record<string, unknown>) : undefined;
}

/**
 * The settings object the client sends for `section`, with every machine setting under it
 * replaced by the user's value (else the default). VS Code already ignores workspace values of
 * machine-scoped settings; this keeps it so whatever the editor (an older VS Code, a fork) does.
 */
export function withUserValuesOnly(section: string | undefined, value: unknown, inspect: (key: string) => InspectedSetting | undefined): unknown {
  const base = record(value);
  if (section === undefined || base === undefined) return value;
  const out: Record<string, unknown> = structuredClone(base);
  for (const key of MACHINE_SETTINGS) {
    if (!key.startsWith(`${section}.`)) continue;
    const path = key.slice(section.length + 1).split('.');
    let at: Record<string, unknown> = out;
    for (const part of path.slice(0, -1)) {
      const next = record(at[part]) ?? {};
      at[part] = next;
      at = next;
    }
    const info = inspect(key);
    const leaf = path[path.length - 1]!;
    const chosen = info?.globalValue ?? info?.defaultValue;
    if (chosen === undefined) delete at[leaf];
    else at[leaf] = chosen;
  }
  return out;
}

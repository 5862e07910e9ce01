import * as vscode from 'vscode';
import type { LanguageClient } from 'vscode-languageclient/node';
import { ClusterStatusNotification, type ClusterStatus } from '../../server/src/protocol';
import type { PlumblineContext } from './context';

const ICON: Record<ClusterStatus['state'], string> = {
  disabled: '$(circle-slash)',
  connecting: '$(sync~spin)',
  connected: '$(cloud)',
  'offline-cache': '$(cloud-download)',
  unreachable: '$(debug-disconnect)',
};

/** What a screen reader says for each state, instead of the icon's name. */
const SPOKEN: Record<ClusterStatus['state'], string> = {
  disabled: 'cluster access off',
  connecting: 'connecting to',
  connected: 'connected to',
  'offline-cache': 'offline, cached schemas of',
  unreachable: 'cannot reach',
};

function clusterSettings(): { enabled: boolean; context: string | undefined } {
  const config = vscode.workspace.getConfiguration('plumbline.cluster');
  const context = config.get<string>('context')?.trim();
  return { enabled: config.get<boolean>('enabled') !== false, context: context === '' ? undefined : context };
}

/**
 * The cluster item in the status bar: the context Plumbline compares with and its state. Visible
 * in a workspace with environments (and whenever the server reports a cluster); a click opens
 * the cluster actions. Lives as long as the extension, fed by each language client in turn.
 */
export class ClusterStatusItem implements vscode.Disposable {
  private readonly item = vscode.window.createStatusBarItem('plumbline.cluster', vscode.StatusBarAlignment.Left, 10);
  private status: ClusterStatus | undefined;
  private environmentsFound = false;

  constructor(private readonly log: vscode.LogOutputChannel) {
    this.item.name = 'Plumbline Cluster';
    this.item.command = 'plumbline.clusterActions';
    this.render();
  }

  /** Follows one language client's status notifications; disposed with that client. */
  follow(client: LanguageClient): vscode.Disposable {
    return client.onNotification(ClusterStatusNotification, (status: ClusterStatus) => {
      this.status = status;
      if (status.state === 'unreachable') this.log.warn(`cluster: ${status.message}`);
      else this.log.info(`cluster: ${status.state}: ${status.message}`);
      this.render();
    });
  }

  setEnvironmentsFound(found: boolean): void {
    this.environmentsFound = found;
    this.render();
  }

  /** The settings changed: show what they say until the server reports again. */
  settingsChanged(): void {
    this.status = undefined;
    this.render();
  }

  private render(): void {
    const settings = clusterSettings();
    // No status yet: the server reports one once a manifest is open; until then name the context, claim no state.
    const state: ClusterStatus['state'] | 'unknown' = !settings.enabled ? 'disabled' : (this.status?.state ?? 'unknown');
    // Before the server reports, the configured context; the kubeconfig's current one is named once the server has read it.
    const context = this.status?.context ?? settings.context ?? "kubeconfig's current context";
    this.item.text = state === 'disabled' ? `${ICON.disabled} cluster off` : `${state === 'unknown' ? '$(cloud)' : ICON[state]} ${context}`;
    const detail = state === 'disabled' ? 'cluster access is off (plumbline.cluster.enabled)' : (this.status?.message ?? `compares with ${context}`);
    this.item.tooltip = new vscode.MarkdownString(`**Plumbline cluster**: ${detail}\n\nClick for cluster actions: turn access on or off, choose a context, open the settings, show the log.`);
    this.item.accessibilityInformation = {
      label: `Plumbline cluster: ${state === 'disabled' ? SPOKEN.disabled : `${state === 'unknown' ? 'compares with' : SPOKEN[state]} ${context}`}. Activate for cluster actions.`,
      role: 'button',
    };
    this.item.backgroundColor = state === 'unreachable' ? new vscode.ThemeColor('statusBarItem.warningBackground') : undefined;
    if (this.environmentsFound || this.status !== undefined) this.item.show();
    else this.item.hide();
  }

  dispose(): void {
    this.item.dispose();
  }
}

/** Writes a cluster setting where the user keeps the workspace's: the workspace when one is open. */
async function updateClusterSetting(key: 'enabled' | 'context', value: unknown): Promise<void> {
  const target = vscode.workspace.workspaceFolders === undefined ? vscode.ConfigurationTarget.Global : vscode.ConfigurationTarget.Workspace;
  await vscode.workspace.getConfiguration('plumbline.cluster').update(key, value, target);
}

interface Action extends vscode.QuickPickItem {
  run(): Thenable<unknown>;
}

/** The status bar item's menu, and the commands behind it. */
export function registerClusterActions(ctx: PlumblineContext, item: ClusterStatusItem): void {
  ctx.own(
    vscode.workspace.onDidChangeConfiguration((e) => {
      if (e.affectsConfiguration('plumbline.cluster')) item.settingsChanged();
    }),
  );
  const toggle = async (): Promise<void> => {
    const enabled = clusterSettings().enabled;
    await updateClusterSetting('enabled', !enabled);
    ctx.log.info(`cluster access turned ${enabled ? 'off' : 'on'} from the cluster actions`);
  };
  ctx.own(vscode.commands.registerCommand('plumbline.toggleClusterAccess', toggle));
  ctx.own(
    vscode.commands.registerCommand('plumbline.clusterActions', async () => {
      const { enabled, context } = clusterSettings();
      const actions: Action[] = [
        enabled
          ? { label: '$(circle-slash) Disable Cluster Access', detail: 'Validate and compare with Git only; contact no cluster.', run: toggle }
          : { label: '$(plug) Enable Cluster Access', detail: 'Use the cluster for live schemas and drift.', run: toggle },
        { label: '$(server-environment) Select Cluster Context…', description: context ?? "the kubeconfig's current context", run: () => vscode.commands.executeCommand('plumbline.selectClusterContext') },
        { label: '$(gear) Open Cluster Settings', run: () => vscode.commands.executeCommand('workbench.action.openSettings', 'plumbline.cluster') },
        { label: '$(output) Show Log', run: () => vscode.commands.executeCommand('plumbline.showOutput') },
      ];
      const picked = await vscode.window.showQuickPick(actions, { title: 'Plumbline Cluster', placeHolder: enabled ? `Comparing with ${context ?? "the kubeconfig's current context"}` : 'Cluster access is off' });
      await picked?.run();
    }),
  );
}

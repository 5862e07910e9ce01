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

/** One status bar item for the target cluster, fed by the server's status notifications. */
export function showClusterStatus(ctx: PlumblineContext, client: LanguageClient): void {
  const item = ctx.ownForClient(vscode.window.createStatusBarItem('plumbline.cluster', vscode.StatusBarAlignment.Left, 10));
  item.name = 'Plumbline cluster';
  item.command = 'plumbline.showOutput';
  ctx.ownForClient(
    client.onNotification(ClusterStatusNotification, (status: ClusterStatus) => {
      item.text = `${ICON[status.state]} ${status.context ?? 'current context'}`;
      item.tooltip = `Plumbline: ${status.message}`;
      item.backgroundColor = status.state === 'unreachable' ? new vscode.ThemeColor('statusBarItem.warningBackground') : undefined;
      item.show();
      if (status.state === 'unreachable') ctx.log.warn(`cluster: ${status.message}`);
      else ctx.log.info(`cluster: ${status.state} — ${status.message}`);
    }),
  );
}

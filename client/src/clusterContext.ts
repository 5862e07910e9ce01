import * as vscode from 'vscode';
import { ClusterContextsRequest, type ClusterContextsResult } from '../../server/src/protocol';
import type { PlumblineContext } from './context';

interface ContextItem extends vscode.QuickPickItem {
  /** undefined: follow the kubeconfig's current context. */
  context: string | undefined;
}

/** `Select Cluster Context…`: the kubeconfig's contexts, as the server reads them, into plumbline.cluster.context. */
export function registerSelectClusterContext(ctx: PlumblineContext): void {
  ctx.own(
    vscode.commands.registerCommand('plumbline.selectClusterContext', async () => {
      const running = ctx.runningClient();
      if (running === undefined) return;
      const result: ClusterContextsResult = await running.sendRequest(ClusterContextsRequest);
      if (!result.ok) {
        ctx.log.error(`cluster contexts: ${result.message}`);
        const choice = await vscode.window.showErrorMessage(`Plumbline: ${result.message}`, 'Open Settings');
        if (choice === 'Open Settings') await vscode.commands.executeCommand('workbench.action.openSettings', 'plumbline.cluster.kubeconfig');
        return;
      }
      if (result.contexts.length === 0) return void vscode.window.showWarningMessage(`Plumbline: the kubeconfig ${result.kubeconfig} has no contexts; add one with kubectl config set-context.`);
      const items: ContextItem[] = [
        { label: `Current context${result.current !== undefined ? ` (${result.current})` : ''}`, description: result.selected === undefined ? 'in use' : '', detail: 'Follow the kubeconfig\'s current-context.', context: undefined },
        ...result.contexts.map((c) => ({
          label: c.name,
          description: c.name === result.selected ? 'in use' : c.name === result.current ? 'current' : '',
          detail: `cluster ${c.cluster}${c.server !== undefined ? ` at ${c.server}` : ''}${c.namespace !== undefined ? `, namespace ${c.namespace}` : ''}`,
          context: c.name,
        })),
      ];
      const picked = await vscode.window.showQuickPick(items, { title: 'Select Cluster Context', placeHolder: `Contexts of ${result.kubeconfig}`, matchOnDetail: true });
      if (picked === undefined) return;
      const target = vscode.workspace.workspaceFolders === undefined ? vscode.ConfigurationTarget.Global : vscode.ConfigurationTarget.Workspace;
      await vscode.workspace.getConfiguration('plumbline.cluster').update('context', picked.context, target);
      ctx.log.info(`cluster context set to ${picked.context ?? "the kubeconfig's current context"}`);
    }),
  );
}

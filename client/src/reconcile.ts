import * as vscode from 'vscode';
import { ReconcileProgressNotification, ReconcileRequest, type ReconcileResult } from '../../server/src/protocol';
import type { PlumblineContext } from './context';
import type { EnvironmentsTree } from './environmentsTree';

/**
 * `GitOps: Reconcile`: asks the environment's cluster to converge on Git as it is — no commit,
 * no push. A direct environment is applied only after the user confirms the list of objects.
 */
export function registerReconcile(ctx: PlumblineContext, tree: EnvironmentsTree): void {
  ctx.own(
    vscode.commands.registerCommand('plumbline.reconcile', async (node?: { env?: { name: string } }) => {
      const running = ctx.runningClient();
      if (running === undefined) return;
      const name = node?.env?.name ?? (await vscode.window.showQuickPick(tree.environmentNames(), { placeHolder: 'Environment to reconcile (nothing is committed or pushed)' }));
      if (name === undefined) return;
      const send = (confirmed: boolean): Thenable<ReconcileResult> =>
        vscode.window.withProgress({ location: vscode.ProgressLocation.Notification, title: `Reconciling ${name}`, cancellable: true }, async (progress, token) => {
          const listener = running.onNotification(ReconcileProgressNotification, (p: { environment: string; message: string }) => {
            if (p.environment === name) progress.report({ message: p.message });
          });
          try {
            return await running.sendRequest(ReconcileRequest, { environment: name, confirmed }, token);
          } finally {
            listener.dispose();
          }
        });
      let result = await send(false);
      if (result.kind === 'confirm') {
        const shown = result.objects.slice(0, 30);
        const more = result.objects.length - shown.length;
        const go = await vscode.window.showWarningMessage(
          `Apply ${result.objects.length} object(s) of ${name} to its cluster (server-side apply, field manager plumbline)?`,
          { modal: true, detail: `${shown.join('\n')}${more > 0 ? `\n… and ${more} more` : ''}` },
          'Apply',
        );
        if (go !== 'Apply') return;
        result = await send(true);
      }
      if (result.kind !== 'done') return;
      // The server logs the steps and the outcome (a failure at error); nothing is logged twice here.
      tree.refresh();
      if (!result.ok && result.health?.ok === false) {
        // Converged; what is left is for a person to look at, not a failed reconcile.
        const choice = await vscode.window.showWarningMessage(`${name} converged, but ${result.health.message}`, 'Show Output');
        if (choice === 'Show Output') ctx.log.show();
        return;
      }
      if (!result.ok) {
        // A controller that is not installed: the fix is to install it, or to deliver this environment directly.
        const notInstalled = result.remedy === 'install-controller';
        const actions = notInstalled ? ['Open .plumbline.yaml', 'Show Output'] : ['Show Output'];
        const choice = await vscode.window.showErrorMessage(`Reconcile of ${name} failed: ${result.message}`, ...actions);
        if (choice === 'Show Output') ctx.log.show();
        if (choice === 'Open .plumbline.yaml') await vscode.commands.executeCommand('plumbline.createConfig');
        return;
      }
      void vscode.window.showInformationMessage(`${name}: ${result.message}`);
    }),
  );
}

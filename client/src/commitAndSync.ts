import * as vscode from 'vscode';
import {
  SyncPlanRequest,
  SyncProgressNotification,
  SyncRequest,
  type SyncPlan,
} from '../../server/src/protocol';
import type { PlumblineContext } from './context';
import type { EnvironmentsTree } from './environmentsTree';

const DELIVERY: Record<string, string> = { flux: 'ask Flux to reconcile', argocd: 'ask Argo CD to sync', direct: 'apply it to the cluster' };

/** The lines of the confirm dialog that say where the commit goes: repository, branch, remote. */
function whereItGoes(plan: SyncPlan): string[] {
  const r = plan.repository;
  const remote = r.remote === undefined ? `no upstream for ${r.branch}: the push will fail until one is set` : `${r.remote}${r.remoteUrl !== undefined ? ` (${r.remoteUrl})` : ''}, branch ${plan.protected ? `plumbline/${plan.environment}-<time> for review` : (r.remoteBranch ?? r.branch)}`;
  return [`Repository: ${r.top}`, `Branch: ${r.branch}`, `Remote: ${remote}`, ''];
}

/** `GitOps: Commit and Sync`: plan, confirm, then commit, push and converge with progress and cancel. */
export function registerCommitAndSync(ctx: PlumblineContext, tree: EnvironmentsTree): void {
  ctx.own(
    // From the tree: the environment's row; from the Explorer's context menu: the environment's folder.
    vscode.commands.registerCommand('plumbline.commitAndSync', async (node?: { env?: { name: string } } | vscode.Uri) => {
      const running = ctx.runningClient();
      if (running === undefined) return;
      const name = (node instanceof vscode.Uri ? tree.environmentAt(node.fsPath) : node?.env?.name) ?? (await vscode.window.showQuickPick(tree.environmentNames(), { placeHolder: 'Environment to commit and sync' }));
      if (name === undefined) return;
      const plan = await running.sendRequest(SyncPlanRequest, { environment: name });
      if ('error' in plan) {
        ctx.log.error(`commit and sync ${name}: ${plan.error}`);
        if (plan.reason !== 'not-a-repository') return void vscode.window.showErrorMessage(`Plumbline: ${plan.error}`);
        // VS Code's Git extension initialises a repository; or the user opens the folder that is one.
        const choice = await vscode.window.showErrorMessage(`Plumbline: ${plan.error}`, 'Initialize Repository', 'Open Folder…');
        if (choice === 'Initialize Repository') await vscode.commands.executeCommand('git.init');
        if (choice === 'Open Folder…') await vscode.commands.executeCommand('vscode.openFolder');
        return;
      }
      if (plan.validationErrors.length > 0) {
        const go = await vscode.window.showWarningMessage(
          `${name} has ${plan.validationErrors.length} validation error(s). Sync anyway?`,
          { modal: true, detail: plan.validationErrors.slice(0, 10).join('\n') },
          'Sync Anyway',
        );
        if (go !== 'Sync Anyway') return;
      }
      let message = plan.message;
      if (plan.files.length > 0) {
        const typed = await vscode.window.showInputBox({ title: `Commit ${plan.files.length} file(s) of ${name}`, value: plan.message, prompt: plan.files.map((f) => `${f.change} ${f.path}`).join(', '), ignoreFocusOut: true });
        if (typed === undefined || typed.trim() === '') return;
        message = typed;
      }
      const what = plan.protected ? 'push a review branch and open a pull request (protected environment)' : `push, then ${DELIVERY[plan.delivery] ?? 'converge'}`;
      const button = plan.files.length > 0 ? 'Commit and Sync' : 'Sync';
      const confirm = await vscode.window.showInformationMessage(
        plan.files.length > 0 ? `Commit ${plan.files.length} file(s) of ${name}, ${what}?` : `Nothing to commit in ${name}. ${DELIVERY[plan.delivery] ?? 'Converge'} anyway?`,
        { modal: true, detail: [...whereItGoes(plan), ...plan.files.map((f) => `${f.change}: ${f.path}`)].join('\n') },
        button,
      );
      if (confirm !== button) return;
      const result = await vscode.window.withProgress(
        { location: vscode.ProgressLocation.Notification, title: `Syncing ${name}`, cancellable: true },
        async (progress, token) => {
          const listener = running.onNotification(SyncProgressNotification, (p: { environment: string; message: string }) => {
            if (p.environment === name) progress.report({ message: p.message });
          });
          try {
            return await running.sendRequest(SyncRequest, { environment: name, message }, token);
          } finally {
            listener.dispose();
          }
        },
      );
      // The server logs each step once, a failed one at error; nothing is logged twice here.
      tree.refresh();
      const last = result.steps[result.steps.length - 1];
      if (!result.ok && last?.step === 'health') {
        // Git and the cluster agree; what is left is for a person to look at, not a failed sync.
        const choice = await vscode.window.showWarningMessage(`${name} synced, but ${last.message}`, 'Show Output');
        if (choice === 'Show Output') ctx.log.show();
        return;
      }
      if (!result.ok) {
        const choice = await vscode.window.showErrorMessage(`Sync of ${name} stopped at ${last?.step ?? 'the start'}: ${last?.message ?? ''}`, 'Show Output');
        if (choice === 'Show Output') ctx.log.show();
        return;
      }
      if (result.pullRequestUrl !== undefined) {
        const open = await vscode.window.showInformationMessage(`${name}: branch pushed for review.`, 'Open Pull Request');
        if (open === 'Open Pull Request') await vscode.env.openExternal(vscode.Uri.parse(result.pullRequestUrl));
        return;
      }
      void vscode.window.showInformationMessage(`${name}: ${result.steps.map((s) => s.message).join(' · ')}`);
    }),
  );
}

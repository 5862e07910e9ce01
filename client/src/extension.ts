import * as vscode from 'vscode';
import { PlumblineContext } from './context';
import { registerClusterDiff } from './clusterDiff';
import { registerSelectClusterContext } from './clusterContext';
import { ClusterStatusItem, registerClusterActions } from './clusterStatus';
import { registerCommitAndSync } from './commitAndSync';
import { registerEnvironmentsTree, type EnvironmentsTree } from './environmentsTree';
import { registerPreviews } from './previews';
import { startLanguageClient } from './languageClient';
import { registerReconcile } from './reconcile';
import { registerTerraformPlan } from './terraformPlan';

/** The one extension-wide object: VS Code calls deactivate() without arguments. */
let ctx: PlumblineContext | undefined;

function setServerRunning(running: boolean): void {
  // Menus and the Command Palette hide what needs a running server (package.json `when` clauses).
  void vscode.commands.executeCommand('setContext', 'plumbline.serverRunning', running);
}

function describe(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

async function startServer(context: PlumblineContext, status: ClusterStatusItem, tree: EnvironmentsTree): Promise<void> {
  try {
    const client = await startLanguageClient(context, status);
    context.client = client;
    setServerRunning(true);
    context.ownForClient(tree.follow(client));
  } catch (error: unknown) {
    context.log.error(`the language server failed to start: ${describe(error)}`);
    // Not awaited: activation must finish even if nobody ever clicks the notification.
    void vscode.window.showErrorMessage(`Plumbline: the language server failed to start: ${describe(error)}`, 'Show Output').then((choice) => {
      if (choice === 'Show Output') context.log.show();
    });
  }
}

async function restartServer(context: PlumblineContext, status: ClusterStatusItem, tree: EnvironmentsTree): Promise<void> {
  const previous = context.client;
  context.client = undefined;
  setServerRunning(false);
  if (previous !== undefined) await previous.stop().catch((e: unknown) => context.log.warn(`stop failed: ${describe(e)}`));
  context.disposeClientScope();
  await startServer(context, status, tree);
  tree.refresh();
}

export async function activate(extension: vscode.ExtensionContext): Promise<void> {
  const log = vscode.window.createOutputChannel('Plumbline', { log: true });
  extension.subscriptions.push(log);
  const context = new PlumblineContext(extension, log);
  ctx = context;
  extension.subscriptions.push(context);
  const manifest = extension.extension.packageJSON as { version?: unknown };
  log.info(`Plumbline ${String(manifest.version)} activating`);
  void vscode.commands.executeCommand('setContext', 'plumbline.activated', true);
  context.own(vscode.commands.registerCommand('plumbline.showOutput', () => log.show()));
  context.own(vscode.commands.registerCommand('plumbline.openWalkthrough', () => vscode.commands.executeCommand('workbench.action.openWalkthrough', `${extension.extension.id}#gettingStarted`, false)));
  const statusItem = context.own(new ClusterStatusItem(log));
  registerClusterActions(context, statusItem);
  registerSelectClusterContext(context);
  registerClusterDiff(context);
  const tree = registerEnvironmentsTree(context);
  context.own(vscode.commands.registerCommand('plumbline.restartServer', () => restartServer(context, statusItem, tree)));
  context.own(tree.onDidLoad((environments) => statusItem.setEnvironmentsFound(environments.length > 0)));
  registerCommitAndSync(context, tree);
  registerReconcile(context, tree);
  registerPreviews(context, tree);
  registerTerraformPlan(context);
  // Trust changes what the server may do (contact clusters, run binaries): start it again.
  context.own(vscode.workspace.onDidGrantWorkspaceTrust(() => void restartServer(context, statusItem, tree)));
  await startServer(context, statusItem, tree);
  tree.refresh();
  // The status bar belongs to a workspace with environments, whether or not the GitOps view is open.
  if (context.client !== undefined) void tree.environments();
}

export async function deactivate(): Promise<void> {
  const running = ctx?.client;
  if (ctx !== undefined) ctx.client = undefined;
  setServerRunning(false);
  if (running !== undefined) await running.stop().catch(() => undefined);
  ctx?.dispose();
  ctx = undefined;
}

import * as vscode from 'vscode';
import type { LanguageClient } from 'vscode-languageclient/node';
import { PlumblineContext } from './context';
import { registerClusterDiff } from './clusterDiff';
import { registerCommitAndSync } from './commitAndSync';
import { registerEnvironmentsTree, type EnvironmentsTree } from './environmentsTree';
import { registerPreviews } from './previews';
import { startLanguageClient } from './languageClient';

let ctx: PlumblineContext | undefined;
let client: LanguageClient | undefined;
let tree: EnvironmentsTree | undefined;

function describe(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

async function startServer(context: PlumblineContext): Promise<void> {
  try {
    client = await startLanguageClient(context);
  } catch (error: unknown) {
    context.log.error(`the language server failed to start: ${describe(error)}`);
    // Not awaited: activation must finish even if nobody ever clicks the notification.
    void vscode.window.showErrorMessage(`Plumbline: the language server failed to start: ${describe(error)}`, 'Show Output').then((choice) => {
      if (choice === 'Show Output') context.log.show();
    });
  }
}

async function restartServer(context: PlumblineContext): Promise<void> {
  const previous = client;
  client = undefined;
  if (previous !== undefined) await previous.stop().catch((e: unknown) => context.log.warn(`stop failed: ${describe(e)}`));
  context.disposeClientScope();
  await startServer(context);
  tree?.refresh();
}

export async function activate(extension: vscode.ExtensionContext): Promise<void> {
  const log = vscode.window.createOutputChannel('Plumbline', { log: true });
  extension.subscriptions.push(log);
  const context = new PlumblineContext(extension, log);
  ctx = context;
  extension.subscriptions.push(context);
  const manifest = extension.extension.packageJSON as { version?: unknown };
  log.info(`Plumbline ${String(manifest.version)} activating`);
  context.own(vscode.commands.registerCommand('plumbline.showOutput', () => log.show()));
  context.own(vscode.commands.registerCommand('plumbline.restartServer', () => restartServer(context)));
  registerClusterDiff(context, () => client);
  tree = registerEnvironmentsTree(context, () => client);
  registerCommitAndSync(context, () => client, tree);
  registerPreviews(context, () => client, tree);
  // Trust changes what the server may do (contact clusters, run binaries): start it again.
  context.own(vscode.workspace.onDidGrantWorkspaceTrust(() => void restartServer(context)));
  await startServer(context);
  tree.refresh();
}

export async function deactivate(): Promise<void> {
  const running = client;
  client = undefined;
  if (running !== undefined) await running.stop().catch(() => undefined);
  ctx?.dispose();
  ctx = undefined;
}

import * as vscode from 'vscode';
import { TerraformPlanRequest, type TerraformPlanParams } from '../../server/src/protocol';
import type { PlumblineContext } from './context';

const SCHEME = 'plumbline-tfplan';
/** Plans kept for their open editors; older ones are dropped so memory stays bounded. */
const KEPT = 10;

/** Read-only documents holding stored plans as the server gave them (sensitive values already masked). */
class PlanDocuments implements vscode.TextDocumentContentProvider {
  private readonly contents = new Map<string, string>();
  private readonly changed = new vscode.EventEmitter<vscode.Uri>();
  readonly onDidChange = this.changed.event;

  set(uri: vscode.Uri, text: string): void {
    this.contents.delete(uri.toString());
    this.contents.set(uri.toString(), text);
    while (this.contents.size > KEPT) this.contents.delete(this.contents.keys().next().value as string);
    this.changed.fire(uri);
  }

  provideTextDocumentContent(uri: vscode.Uri): string {
    return this.contents.get(uri.toString()) ?? '# this plan is no longer available: run the command again\n';
  }

  dispose(): void {
    this.changed.dispose();
  }
}

/**
 * `Show Terraform Plan` (the plan tofu-controller stored for the Terraform object under the
 * cursor, in a read-only editor) and the step after `Approve plan`'s edit: save the file and
 * hand it to Commit and Sync, so an approval is a reviewed Git change like any other.
 */
export function registerTerraformPlan(ctx: PlumblineContext): void {
  const docs = ctx.own(new PlanDocuments());
  ctx.own(vscode.workspace.registerTextDocumentContentProvider(SCHEME, docs));
  ctx.own(
    vscode.commands.registerCommand('plumbline.showTerraformPlan', async (params?: TerraformPlanParams) => {
      const editor = vscode.window.activeTextEditor;
      const target = params ?? (editor !== undefined ? { uri: editor.document.uri.toString(), line: editor.selection.active.line } : undefined);
      if (target === undefined) return;
      const running = ctx.runningClient();
      if (running === undefined) return;
      const result = await running.sendRequest(TerraformPlanRequest, target);
      if (!result.ok) {
        ctx.log.warn(`terraform plan: ${result.message}`);
        return void vscode.window.showWarningMessage(`Plumbline: ${result.message}`);
      }
      const uri = vscode.Uri.from({ scheme: SCHEME, path: `/${result.title.replace(/[^\w.-]+/g, '-')}.tfplan`, query: `at=${Date.now()}` });
      docs.set(uri, result.text);
      const document = await vscode.workspace.openTextDocument(uri);
      await vscode.window.showTextDocument(document, { preview: true, viewColumn: vscode.ViewColumn.Beside });
    }),
  );
  ctx.own(
    vscode.commands.registerCommand('plumbline.commitApprovedPlan', async (uri: string) => {
      const document = vscode.workspace.textDocuments.find((d) => d.uri.toString() === uri);
      if (document !== undefined && document.isDirty && !(await document.save())) return void vscode.window.showErrorMessage('Plumbline: the approval could not be saved, so it was not committed');
      await vscode.commands.executeCommand('plumbline.commitAndSync', vscode.Uri.parse(uri));
    }),
  );
}

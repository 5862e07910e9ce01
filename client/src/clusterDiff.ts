import * as vscode from 'vscode';
import type { LanguageClient } from 'vscode-languageclient/node';
import { ClusterDiffRequest, type ClusterDiffParams, type ClusterDiffResult } from '../../server/src/protocol';
import type { PlumblineContext } from './context';

const SCHEME = 'plumbline-diff';

/** Read-only documents that hold the two sides of a cluster diff; contents come from the server. */
class DiffDocuments implements vscode.TextDocumentContentProvider {
  private readonly contents = new Map<string, string>();
  private readonly changed = new vscode.EventEmitter<vscode.Uri>();
  readonly onDidChange = this.changed.event;

  set(uri: vscode.Uri, text: string): void {
    this.contents.set(uri.toString(), text);
    this.changed.fire(uri);
  }

  provideTextDocumentContent(uri: vscode.Uri): string {
    return this.contents.get(uri.toString()) ?? '';
  }
}

/** A resource row of the environments tree, as a menu passes it: its source line and environment. */
interface TreeResource {
  type: 'resource';
  resource: { source?: { uri: string; line: number } };
  environment: string;
}

function paramsOf(target: ClusterDiffParams | TreeResource): ClusterDiffParams | undefined {
  if (!('type' in target)) return target;
  const source = target.resource.source;
  return source === undefined ? undefined : { uri: source.uri, line: source.line, environment: target.environment };
}

/** The cluster diff, asked again while the server says the comparison is still pending, up to `deadlineMs`. */
async function untilCompared(running: LanguageClient, params: ClusterDiffParams, deadlineMs: number): Promise<ClusterDiffResult> {
  const deadline = Date.now() + deadlineMs;
  for (;;) {
    const result: ClusterDiffResult = await running.sendRequest(ClusterDiffRequest, params);
    if (result.ok || result.pending !== true || Date.now() > deadline) return result;
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
}

/** `GitOps: Show Cluster Diff` for the resource under the cursor (or the one a CodeLens names). */
export function registerClusterDiff(ctx: PlumblineContext): void {
  const docs = new DiffDocuments();
  ctx.own(vscode.workspace.registerTextDocumentContentProvider(SCHEME, docs));
  ctx.own(
    vscode.commands.registerCommand('plumbline.showClusterDiff', async (target?: ClusterDiffParams | TreeResource) => {
      const editor = vscode.window.activeTextEditor;
      const params = target !== undefined ? paramsOf(target) : editor === undefined ? undefined : { uri: editor.document.uri.toString(), line: editor.selection.active.line };
      const running = ctx.runningClient();
      if (params === undefined) return void vscode.window.showInformationMessage('Open a manifest and put the cursor in a resource to see its cluster diff.');
      if (running === undefined) return;
      let result: ClusterDiffResult;
      if (target !== undefined && 'type' in target) {
        // From the tree the file may not be open: open it at the resource (the server compares open
        // documents), then ask until its comparison is in, or the deadline passes.
        const document = await vscode.workspace.openTextDocument(vscode.Uri.parse(params.uri));
        await vscode.window.showTextDocument(document, { preview: true, selection: new vscode.Range(params.line, 0, params.line, 0) });
        result = await vscode.window.withProgress({ location: vscode.ProgressLocation.Window, title: 'Comparing with the cluster…' }, () => untilCompared(running, params, 30_000));
      } else {
        result = await running.sendRequest(ClusterDiffRequest, params);
      }
      if (!result.ok) return void vscode.window.showWarningMessage(`Plumbline: ${result.message}`);
      const id = encodeURIComponent(`${params.uri}#${params.line}${params.environment !== undefined ? `#${params.environment}` : ''}`);
      const live = vscode.Uri.from({ scheme: SCHEME, path: `/live/${id}.yaml` });
      const predicted = vscode.Uri.from({ scheme: SCHEME, path: `/predicted/${id}.yaml` });
      docs.set(live, result.live);
      docs.set(predicted, result.predicted);
      await vscode.commands.executeCommand('vscode.diff', live, predicted, result.title, { preview: true });
    }),
  );
}

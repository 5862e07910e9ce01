import * as vscode from 'vscode';
import type { LanguageClient } from 'vscode-languageclient/node';

const NOT_RUNNING = 'The Plumbline language server is not running: restart it, or see the log for why it stopped.';

/**
 * What the extension's parts share: the log, the running language client, and two disposal
 * scopes — things that live as long as the extension (commands, output channel) and things that
 * live as long as one language client (restarted with the server).
 */
export class PlumblineContext implements vscode.Disposable {
  private clientScope: vscode.Disposable[] = [];
  /** The language client while the server runs; undefined before it starts, while it restarts, or after it failed. */
  client: LanguageClient | undefined;

  constructor(
    readonly extension: vscode.ExtensionContext,
    readonly log: vscode.LogOutputChannel,
  ) {}

  /**
   * The running client for a command; when there is none, says so once, in one place, with what
   * to do (restart the server, or read why it stopped), and returns undefined.
   */
  runningClient(): LanguageClient | undefined {
    if (this.client !== undefined) return this.client;
    void vscode.window.showWarningMessage(NOT_RUNNING, 'Restart Language Server', 'Show Log').then((choice) => {
      if (choice === 'Restart Language Server') void vscode.commands.executeCommand('plumbline.restartServer');
      if (choice === 'Show Log') this.log.show();
    });
    return undefined;
  }

  /** Registers something that is disposed with the extension. */
  own<T extends vscode.Disposable>(disposable: T): T {
    this.extension.subscriptions.push(disposable);
    return disposable;
  }

  /** Registers something that is disposed when the language client stops or restarts. */
  ownForClient<T extends vscode.Disposable>(disposable: T): T {
    this.clientScope.push(disposable);
    return disposable;
  }

  disposeClientScope(): void {
    const scope = this.clientScope;
    this.clientScope = [];
    for (const d of scope.reverse()) {
      try {
        d.dispose();
      } catch (error: unknown) {
        this.log.warn(`dispose failed: ${String(error)}`);
      }
    }
  }

  dispose(): void {
    this.disposeClientScope();
  }
}

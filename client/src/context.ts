import * as vscode from 'vscode';

/**
 * Two disposal scopes: things that live as long as the extension (commands, output channel)
 * and things that live as long as one language client (restarted with the server).
 */
export class PlumblineContext implements vscode.Disposable {
  private clientScope: vscode.Disposable[] = [];

  constructor(
    readonly extension: vscode.ExtensionContext,
    readonly log: vscode.LogOutputChannel,
  ) {}

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

import * as vscode from 'vscode';
import { LanguageClient, TransportKind, type LanguageClientOptions, type ServerOptions } from 'vscode-languageclient/node';
import type { InitializationOptions } from '../../server/src/protocol';
import type { ClusterStatusItem } from './clusterStatus';
import type { PlumblineContext } from './context';

/** Starts the bundled language server over IPC for YAML files. */
export async function startLanguageClient(ctx: PlumblineContext, status: ClusterStatusItem): Promise<LanguageClient> {
  const module = ctx.extension.asAbsolutePath('dist/server.js');
  const serverOptions: ServerOptions = {
    run: { module, transport: TransportKind.ipc },
    debug: { module, transport: TransportKind.ipc, options: { execArgv: ['--nolazy', '--inspect=6009'] } },
  };
  const clientOptions: LanguageClientOptions = {
    documentSelector: [
      { scheme: 'file', language: 'yaml' },
      { scheme: 'untitled', language: 'yaml' },
    ],
    synchronize: {
      configurationSection: 'plumbline',
      fileEvents: vscode.workspace.createFileSystemWatcher('**/*.{yaml,yml}'),
    },
    outputChannel: ctx.log,
    traceOutputChannel: ctx.log,
    initializationOptions: {
      cacheDir: ctx.extension.globalStorageUri.fsPath,
      trusted: vscode.workspace.isTrusted,
    } satisfies InitializationOptions,
  };
  const client = new LanguageClient('plumbline', 'Plumbline', serverOptions, clientOptions);
  ctx.ownForClient({ dispose: () => void client.dispose().catch(() => undefined) });
  ctx.ownForClient(status.follow(client));
  await client.start();
  ctx.log.info(`language server started (${module})`);
  return client;
}

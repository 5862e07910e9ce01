import * as vscode from 'vscode';
import { LanguageClient, TransportKind, type LanguageClientOptions, type ServerOptions } from 'vscode-languageclient/node';
import type { InitializationOptions } from '../../server/src/protocol';
import type { ClusterStatusItem } from './clusterStatus';
import type { PlumblineContext } from './context';
import { withUserValuesOnly } from './machineSettings';
import { serverLogChannel } from './serverLog';

/** Starts the bundled language server over IPC for YAML files. */
export async function startLanguageClient(ctx: PlumblineContext, status: ClusterStatusItem): Promise<LanguageClient> {
  const module = ctx.extension.asAbsolutePath('dist/server.js');
  const serverOptions: ServerOptions = {
    run: { module, transport: TransportKind.ipc },
    debug: { module, transport: TransportKind.ipc, options: { execArgv: ['--nolazy', '--inspect=6009'] } },
  };
  // One channel for messages and traces: each line goes to the log at its own level.
  const serverLog = serverLogChannel(ctx.log);
  const clientOptions: LanguageClientOptions = {
    documentSelector: [
      { scheme: 'file', language: 'yaml' },
      { scheme: 'untitled', language: 'yaml' },
    ],
    synchronize: {
      configurationSection: 'plumbline',
      fileEvents: vscode.workspace.createFileSystemWatcher('**/*.{yaml,yml}'),
    },
    // The server pulls its settings (workspace/configuration) and ignores the payload of
    // didChangeConfiguration, so this one place decides what it can be told.
    middleware: {
      workspace: {
        configuration: async (params, token, next) => {
          const result: unknown = await next(params, token);
          if (!Array.isArray(result)) return result as never;
          const config = vscode.workspace.getConfiguration();
          return result.map((value: unknown, i) => withUserValuesOnly(params.items[i]?.section, value, (key) => config.inspect(key)));
        },
      },
    },
    outputChannel: serverLog,
    traceOutputChannel: serverLog,
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

import * as vscode from 'vscode';
import { LanguageClient, TransportKind, type LanguageClientOptions, type ServerOptions } from 'vscode-languageclient/node';
import { YamlExtensionNotification, type InitializationOptions } from '../../server/src/protocol';
import type { ClusterStatusItem } from './clusterStatus';
import type { PlumblineContext } from './context';
import { withUserValuesOnly } from './machineSettings';
import { serverLogChannel } from './serverLog';

/** Red Hat's YAML extension: where it is installed and enabled, it applies JSON schemas to YAML files and Plumbline does not. */
const YAML_EXTENSION = 'redhat.vscode-yaml';

function yamlExtensionPresent(): boolean {
  return vscode.extensions.getExtension(YAML_EXTENSION) !== undefined;
}

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
      // JSON too: a chart's values.schema.json or a modeline's schema judges YAML files.
      fileEvents: vscode.workspace.createFileSystemWatcher('**/*.{yaml,yml,json}'),
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
      yamlExtension: yamlExtensionPresent(),
    } satisfies InitializationOptions,
  };
  const client = new LanguageClient('plumbline', 'Plumbline', serverOptions, clientOptions);
  ctx.ownForClient({ dispose: () => void client.dispose().catch(() => undefined) });
  ctx.ownForClient(status.follow(client));
  await client.start();
  let present = yamlExtensionPresent();
  ctx.ownForClient(
    vscode.extensions.onDidChange(() => {
      if (yamlExtensionPresent() === present) return;
      present = !present;
      client.sendNotification(YamlExtensionNotification, { present }).catch((error: unknown) => ctx.log.warn(`could not tell the server about ${YAML_EXTENSION}: ${String(error)}`));
    }),
  );
  ctx.log.info(`language server started (${module})`);
  return client;
}

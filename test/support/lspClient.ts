import { spawn, type ChildProcess } from 'node:child_process';
import { createMessageConnection, StreamMessageReader, StreamMessageWriter, type MessageConnection } from 'vscode-jsonrpc/node';
import {
  ConfigurationRequest,
  DidChangeConfigurationNotification,
  DidChangeTextDocumentNotification,
  DidCloseTextDocumentNotification,
  DidOpenTextDocumentNotification,
  ExitNotification,
  InitializedNotification,
  InitializeRequest,
  PublishDiagnosticsNotification,
  ShutdownRequest,
  type Diagnostic,
  type InitializeResult,
  type PublishDiagnosticsParams,
} from 'vscode-languageserver-protocol';
import { bundle } from './paths';

type DiagnosticsPredicate = (diagnostics: Diagnostic[]) => boolean;

interface Waiter {
  uri: string;
  predicate: DiagnosticsPredicate;
  resolve: (diagnostics: Diagnostic[]) => void;
}

/**
 * The bundled language server as a real child process, driven over JSON-RPC on stdio the way
 * an editor drives it. Answers `workspace/configuration` with `settings`.
 */
export class LspHarness {
  readonly latest = new Map<string, Diagnostic[]>();
  private readonly waiters = new Set<Waiter>();
  private readonly versions = new Map<string, number>();
  private readonly stderr: string[] = [];
  private exited: string | undefined;
  settings: Record<string, unknown> = {};

  private constructor(
    readonly process: ChildProcess,
    readonly connection: MessageConnection,
  ) {}

  static async start(settings: Record<string, unknown> = {}): Promise<LspHarness> {
    const child = spawn(process.execPath, [bundle('server.js'), '--stdio'], { stdio: ['pipe', 'pipe', 'pipe'] });
    const connection = createMessageConnection(new StreamMessageReader(child.stdout), new StreamMessageWriter(child.stdin));
    const harness = new LspHarness(child, connection);
    harness.settings = settings;
    child.stderr.on('data', (chunk: Buffer) => harness.stderr.push(chunk.toString()));
    child.on('exit', (code, signal) => {
      harness.exited = `server exited (code ${String(code)}, signal ${String(signal)})`;
    });
    connection.onNotification(PublishDiagnosticsNotification.type, (params: PublishDiagnosticsParams) => {
      harness.latest.set(params.uri, params.diagnostics);
      for (const waiter of [...harness.waiters]) {
        if (waiter.uri === params.uri && waiter.predicate(params.diagnostics)) {
          harness.waiters.delete(waiter);
          waiter.resolve(params.diagnostics);
        }
      }
    });
    connection.onRequest(ConfigurationRequest.type, (params) => params.items.map(() => harness.settings));
    connection.listen();
    const result: InitializeResult = await connection.sendRequest(InitializeRequest.type, {
      processId: process.pid,
      rootUri: null,
      capabilities: { workspace: { configuration: true }, textDocument: { publishDiagnostics: { versionSupport: true } } },
      workspaceFolders: null,
    });
    await connection.sendNotification(InitializedNotification.type, {});
    harness.initializeResult = result;
    return harness;
  }

  initializeResult: InitializeResult | undefined;

  async open(uri: string, text: string): Promise<void> {
    this.versions.set(uri, 1);
    await this.connection.sendNotification(DidOpenTextDocumentNotification.type, {
      textDocument: { uri, languageId: 'yaml', version: 1, text },
    });
  }

  /** Replaces the whole text (a full-document change event). */
  async replace(uri: string, text: string): Promise<void> {
    const version = (this.versions.get(uri) ?? 1) + 1;
    this.versions.set(uri, version);
    await this.connection.sendNotification(DidChangeTextDocumentNotification.type, {
      textDocument: { uri, version },
      contentChanges: [{ text }],
    });
  }

  async close(uri: string): Promise<void> {
    await this.connection.sendNotification(DidCloseTextDocumentNotification.type, { textDocument: { uri } });
  }

  async changeSettings(settings: Record<string, unknown>): Promise<void> {
    this.settings = settings;
    await this.connection.sendNotification(DidChangeConfigurationNotification.type, { settings: null });
  }

  /** Resolves with the first published diagnostics for `uri` that satisfy `predicate`, or fails at the deadline. */
  waitForDiagnostics(uri: string, predicate: DiagnosticsPredicate = () => true, timeoutMs = 10_000): Promise<Diagnostic[]> {
    return new Promise((resolve, reject) => {
      const waiter: Waiter = {
        uri,
        predicate,
        resolve: (d) => {
          clearTimeout(timer);
          resolve(d);
        },
      };
      const timer = setTimeout(() => {
        this.waiters.delete(waiter);
        const last = this.latest.get(uri);
        reject(
          new Error(
            `no matching diagnostics for ${uri} within ${timeoutMs} ms; last published: ${JSON.stringify(last)}` +
              `${this.exited !== undefined ? `; ${this.exited}` : ''}; server stderr: ${this.stderr.join('').slice(-2000)}`,
          ),
        );
      }, timeoutMs);
      this.waiters.add(waiter);
    });
  }

  async stop(): Promise<void> {
    if (this.exited === undefined) {
      const exited = new Promise<void>((resolve) => this.process.once('exit', () => resolve()));
      await this.connection.sendRequest(ShutdownRequest.type);
      await this.connection.sendNotification(ExitNotification.type);
      const deadline = setTimeout(() => this.process.kill('SIGKILL'), 5_000);
      await exited;
      clearTimeout(deadline);
    }
    this.connection.dispose();
  }

  get hasExited(): boolean {
    return this.exited !== undefined;
  }
}

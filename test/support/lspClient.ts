import { spawn, type ChildProcess } from 'node:child_process';
import { basename } from 'node:path';
import { pathToFileURL } from 'node:url';
import { createMessageConnection, StreamMessageReader, StreamMessageWriter, type MessageConnection } from 'vscode-jsonrpc/node';
import {
  CodeActionRequest,
  CodeLensRefreshRequest,
  CodeLensRequest,
  CompletionRequest,
  ConfigurationRequest,
  DidChangeConfigurationNotification,
  DidChangeTextDocumentNotification,
  DidCloseTextDocumentNotification,
  DidOpenTextDocumentNotification,
  DidSaveTextDocumentNotification,
  DocumentSymbolRequest,
  ExitNotification,
  FoldingRangeRequest,
  HoverRequest,
  InitializedNotification,
  InitializeRequest,
  PublishDiagnosticsNotification,
  ShutdownRequest,
  type CodeAction,
  type CodeLens,
  type Command,
  type CompletionItem,
  type CompletionList,
  type Diagnostic,
  type DocumentSymbol,
  type FoldingRange,
  type Hover,
  type InitializeResult,
  type Position,
  type PublishDiagnosticsParams,
  type Range,
  type SymbolInformation,
} from 'vscode-languageserver-protocol';
import { bundle } from './paths';
import { settled } from './poll';

type DiagnosticsPredicate = (diagnostics: Diagnostic[], params: PublishDiagnosticsParams) => boolean;

/** How the server process is started, beyond the `plumbline.*` settings. */
export interface LspStartOptions {
  /** Folders sent as `workspaceFolders` (the first also as `rootUri`); the server indexes their kustomizations. */
  workspaceFolders?: string[];
  /** Extra environment for the server process (e.g. a KUBECONFIG that points nowhere). */
  env?: Record<string, string>;
  initializationOptions?: Record<string, unknown>;
  /** Node.js flags for the server process, e.g. `--prof` or `--max-old-space-size=512` when investigating. */
  nodeArgs?: string[];
}

/** One incremental edit: replace `range` of the current text with `text`. */
export interface TextEdit {
  range: Range;
  text: string;
}

/** A notification other than diagnostics (cluster status, window/logMessage…), as received. */
export interface ReceivedNotification {
  method: string;
  params: unknown;
  /** performance.now() when it arrived. */
  at: number;
}

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
  /** The last publishDiagnostics per URI, so a wait that starts after the publish still sees it. */
  private readonly lastPublished = new Map<string, PublishDiagnosticsParams>();
  /** Every notification besides diagnostics, in order. */
  readonly notifications: ReceivedNotification[] = [];
  private readonly notificationWaiters = new Set<() => void>();
  private readonly waiters = new Set<Waiter>();
  private readonly versions = new Map<string, number>();
  private readonly stderr: string[] = [];
  private exited: string | undefined;
  /** stop() or exit() was called: an exit then is expected. */
  private stopping = false;
  /** exit() sent `exit`: the server is ending, and a message written now would meet a closed pipe. */
  private exitSent = false;
  settings: Record<string, unknown> = {};

  private constructor(
    readonly process: ChildProcess,
    readonly connection: MessageConnection,
  ) {}

  static async start(settings: Record<string, unknown> = {}, options: LspStartOptions = {}): Promise<LspHarness> {
    const child = spawn(process.execPath, [...(options.nodeArgs ?? []), bundle('server.js'), '--stdio'], {
      stdio: ['pipe', 'pipe', 'pipe'],
      env: { ...process.env, ...options.env },
    });
    const connection = createMessageConnection(new StreamMessageReader(child.stdout), new StreamMessageWriter(child.stdin));
    const harness = new LspHarness(child, connection);
    harness.settings = settings;
    child.stderr.on('data', (chunk: Buffer) => harness.stderr.push(chunk.toString()));
    // A message written after the server exited (stop() asking a server that just took `exit` to
    // shut down, before its exit event arrived) fails with EPIPE: the write's promise says so, and
    // the pipe's own 'error' event, with no listener, would end the test process instead.
    child.stdin.on('error', (error: NodeJS.ErrnoException) => {
      if (error.code !== 'EPIPE') harness.stderr.push(`client side of the server's stdin: ${error.message}\n`);
    });
    // A server busy in a long computation never notices its client is gone: do not leave one behind.
    const killOnExit = (): void => {
      child.kill('SIGKILL');
    };
    process.once('exit', killOnExit);
    child.on('exit', (code, signal) => {
      harness.exited = `server exited (code ${String(code)}, signal ${String(signal)})`;
      process.removeListener('exit', killOnExit);
      // Not asked to (no `exit` notification, no stop()), or failing: what the server said last is the only trace of why.
      if (!harness.stopping || (code !== 0 && code !== null)) console.error(`${harness.exited}${harness.stopping ? '' : ' unasked'}; its stderr ends:\n${harness.stderr.join('').slice(-4000)}`);
    });
    connection.onNotification(PublishDiagnosticsNotification.type, (params: PublishDiagnosticsParams) => {
      harness.latest.set(params.uri, params.diagnostics);
      harness.lastPublished.set(params.uri, params);
      for (const waiter of [...harness.waiters]) {
        if (waiter.uri === params.uri && waiter.predicate(params.diagnostics, params)) {
          harness.waiters.delete(waiter);
          waiter.resolve(params.diagnostics);
        }
      }
    });
    connection.onNotification((method: string, params: unknown) => {
      harness.notifications.push({ method, params, at: performance.now() });
      for (const wake of [...harness.notificationWaiters]) wake();
    });
    connection.onRequest(ConfigurationRequest.type, (params) => params.items.map(() => harness.settings));
    // Like an editor: re-asking for lenses is the client's business; acknowledge.
    connection.onRequest(CodeLensRefreshRequest.type, () => null);
    // A write to a server that is gone fails with a bare EPIPE: say what happened to the server instead.
    const sendRequest = connection.sendRequest.bind(connection);
    const sendNotification = connection.sendNotification.bind(connection);
    connection.sendRequest = ((...args: Parameters<typeof sendRequest>) => sendRequest(...args).catch((error: unknown) => Promise.reject(harness.explain(error)))) as typeof connection.sendRequest;
    connection.sendNotification = ((...args: Parameters<typeof sendNotification>) => sendNotification(...args).catch((error: unknown) => Promise.reject(harness.explain(error)))) as typeof connection.sendNotification;
    connection.listen();
    const folders = (options.workspaceFolders ?? []).map((path) => ({ uri: pathToFileURL(path).href, name: basename(path) }));
    const result: InitializeResult = await connection.sendRequest(InitializeRequest.type, {
      processId: process.pid,
      rootUri: folders[0]?.uri ?? null,
      capabilities: {
        workspace: { configuration: true, workspaceFolders: true },
        textDocument: { publishDiagnostics: { versionSupport: true }, documentSymbol: { hierarchicalDocumentSymbolSupport: true } },
      },
      workspaceFolders: folders.length > 0 ? folders : null,
      ...(options.initializationOptions !== undefined ? { initializationOptions: options.initializationOptions } : {}),
    });
    await connection.sendNotification(InitializedNotification.type, {});
    harness.initializeResult = result;
    return harness;
  }

  initializeResult: InitializeResult | undefined;

  /**
   * Opens a document. A URI opened again after a close can be given a higher `version`, so that a
   * publish still in flight for its earlier incarnation (also version 1) cannot be mistaken for it.
   */
  async open(uri: string, text: string, version = 1): Promise<void> {
    this.versions.set(uri, version);
    // What was published for an earlier incarnation of this URI says nothing about this one.
    this.lastPublished.delete(uri);
    await this.connection.sendNotification(DidOpenTextDocumentNotification.type, {
      textDocument: { uri, languageId: 'yaml', version, text },
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

  /** Sends incremental changes (ranges in the text as it was before each edit, applied in order). */
  async edit(uri: string, edits: TextEdit[]): Promise<number> {
    const version = (this.versions.get(uri) ?? 1) + 1;
    this.versions.set(uri, version);
    await this.connection.sendNotification(DidChangeTextDocumentNotification.type, {
      textDocument: { uri, version },
      contentChanges: edits.map((e) => ({ range: e.range, text: e.text })),
    });
    return version;
  }

  /** Tells the server the document was saved (the test writes the file to disk first). */
  async save(uri: string): Promise<void> {
    await this.connection.sendNotification(DidSaveTextDocumentNotification.type, { textDocument: { uri } });
  }

  /** The version of `uri` last sent to the server. */
  version(uri: string): number | undefined {
    return this.versions.get(uri);
  }

  /** Resolves with the diagnostics published for exactly `version` of `uri`. */
  waitForVersion(uri: string, version: number, timeoutMs = 10_000): Promise<Diagnostic[]> {
    const last = this.lastPublished.get(uri);
    if (last?.version === version) return Promise.resolve(last.diagnostics);
    return this.waitForDiagnostics(uri, (_d, params) => params.version === version, timeoutMs);
  }

  hover(uri: string, position: Position): Promise<Hover | null> {
    return this.connection.sendRequest(HoverRequest.type, { textDocument: { uri }, position });
  }

  completion(uri: string, position: Position): Promise<CompletionItem[] | CompletionList | null> {
    return this.connection.sendRequest(CompletionRequest.type, { textDocument: { uri }, position });
  }

  documentSymbols(uri: string): Promise<SymbolInformation[] | DocumentSymbol[] | null> {
    return this.connection.sendRequest(DocumentSymbolRequest.type, { textDocument: { uri } });
  }

  foldingRanges(uri: string): Promise<FoldingRange[] | null> {
    return this.connection.sendRequest(FoldingRangeRequest.type, { textDocument: { uri } });
  }

  /** A custom request (see server/src/protocol.ts). */
  request<R>(method: string, params: unknown = {}): Promise<R> {
    return this.connection.sendRequest(method, params);
  }

  /**
   * The CodeLens titles of `uri`, sorted, once `done` accepts them. Lenses come after drift is
   * computed (the server then asks the client to refresh them), so they are asked for again until then.
   */
  waitForLensTitles(uri: string, done: (titles: string[]) => boolean, timeoutMs = 10_000): Promise<string[]> {
    return settled(async () => ((await this.codeLenses(uri)) ?? []).map((l) => l.command?.title ?? '').sort(), done, `CodeLens titles of ${basename(uri)}`, timeoutMs);
  }

  codeLenses(uri: string): Promise<CodeLens[] | null> {
    return this.connection.sendRequest(CodeLensRequest.type, { textDocument: { uri } });
  }

  codeActions(uri: string, range: Range, diagnostics: Diagnostic[]): Promise<(Command | CodeAction)[] | null> {
    return this.connection.sendRequest(CodeActionRequest.type, { textDocument: { uri }, range, context: { diagnostics } });
  }

  /**
   * Resolves with the first notification of `method` (received before or after the call) that
   * satisfies `predicate`, or fails at the deadline.
   */
  waitForNotification(method: string, predicate: (params: unknown) => boolean = () => true, timeoutMs = 10_000): Promise<ReceivedNotification> {
    const find = (): ReceivedNotification | undefined => this.notifications.find((n) => n.method === method && predicate(n.params));
    const found = find();
    if (found !== undefined) return Promise.resolve(found);
    return new Promise((resolve, reject) => {
      const wake = (): void => {
        const n = find();
        if (n === undefined) return;
        clearTimeout(timer);
        this.notificationWaiters.delete(wake);
        resolve(n);
      };
      const timer = setTimeout(() => {
        this.notificationWaiters.delete(wake);
        const seen = this.notifications.filter((n) => n.method === method).map((n) => JSON.stringify(n.params));
        reject(new Error(`no matching ${method} within ${timeoutMs} ms; received: ${seen.join('\n') || 'none'}`));
      }, timeoutMs);
      this.notificationWaiters.add(wake);
    });
  }

  /** Everything the server wrote to stderr so far. */
  /** An error of a write to the server, with what became of the server and the end of its stderr. */
  explain(error: unknown): Error {
    const e = error as NodeJS.ErrnoException;
    if (e?.code !== 'EPIPE' && this.exited === undefined) return error instanceof Error ? error : new Error(String(error));
    return new Error(`${e?.message ?? String(error)}: the language server is gone (${this.exited ?? 'its stdin closed; no exit seen yet'}); its stderr ends:\n${this.stderrText.slice(-3000)}`);
  }

  get stderrText(): string {
    return this.stderr.join('');
  }

  /** What the server wrote to stderr so far (its last 4 KB), for failure messages. */
  get stderrTail(): string {
    return this.stderr.join('').slice(-4000);
  }

  /** Why the server process ended, or undefined while it runs. */
  get exitReason(): string | undefined {
    return this.exited;
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
    this.stopping = true;
    if (this.exited === undefined) {
      const exited = new Promise<void>((resolve) => this.process.once('exit', () => resolve()));
      // A server stuck in a long computation cannot answer shutdown: after the deadline it is killed.
      const deadline = setTimeout(() => this.process.kill('SIGKILL'), 5_000);
      // Not after `exit`: the server may be gone before its exit event arrives, and a request whose
      // write fails rejects a promise vscode-jsonrpc makes inside its own (an unhandled rejection
      // that fails whichever test is running).
      const polite = this.exitSent
        ? exited
        : (async (): Promise<void> => {
            await this.connection.sendRequest(ShutdownRequest.type);
            await this.connection.sendNotification(ExitNotification.type);
          })().catch(() => undefined);
      await Promise.race([polite, exited]);
      await exited;
      clearTimeout(deadline);
    }
    this.connection.dispose();
  }

  /** Sends `exit` (after the test's own `shutdown`): the server is expected to end. */
  async exit(): Promise<void> {
    this.stopping = true;
    this.exitSent = true;
    await this.connection.sendNotification(ExitNotification.type);
  }

  get hasExited(): boolean {
    return this.exited !== undefined;
  }
}

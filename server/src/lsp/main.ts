import { TextDocument } from 'vscode-languageserver-textdocument';
import {
  createConnection,
  ProposedFeatures,
  TextDocuments,
  TextDocumentSyncKind,
  type InitializeResult,
} from 'vscode-languageserver/node';
import { checkFile, sizeFinding } from '../check/checkFile';
import { ManifestParser } from '../manifests/parse';
import { DEFAULT_SETTINGS, sanitizeSettings, type PlumblineSettings } from '../protocol';
import { PLUMBLINE_VERSION } from '../version';
import { toDiagnostic } from './convert';
import { ValidationQueue } from './validationQueue';

const connection = createConnection(ProposedFeatures.all);

// One bad document or a lost client reply must never take the server down with it.
process.on('unhandledRejection', (reason: unknown) => {
  connection.console.error(`unhandled rejection: ${reason instanceof Error ? (reason.stack ?? reason.message) : String(reason)}`);
});
const documents = new TextDocuments(TextDocument);
const parsers = new Map<string, ManifestParser>();
let settings: PlumblineSettings = DEFAULT_SETTINGS;
let canPullConfiguration = false;

async function validate(uri: string): Promise<void> {
  const document = documents.get(uri);
  if (document === undefined) return;
  const version = document.version;
  const text = document.getText();
  const tooLarge = sizeFinding(Buffer.byteLength(text, 'utf8'), { maxFileBytes: settings.maxFileSizeMB * 1024 * 1024 });
  let findings;
  if (tooLarge !== undefined) {
    parsers.delete(uri);
    findings = [tooLarge];
  } else {
    let parser = parsers.get(uri);
    if (parser === undefined) {
      parser = new ManifestParser();
      parsers.set(uri, parser);
    }
    findings = checkFile(parser.parse(text));
  }
  // A newer version arrived while we worked: its own run will publish.
  if (documents.get(uri)?.version !== version) return;
  await connection.sendDiagnostics({ uri, version, diagnostics: findings.map(toDiagnostic) });
}

const queue = new ValidationQueue(validate, (uri, error) => {
  const detail = error instanceof Error ? (error.stack ?? error.message) : String(error);
  connection.console.error(`validation of ${uri} failed: ${detail}`);
});

async function loadSettings(): Promise<void> {
  if (!canPullConfiguration) return;
  const raw: unknown = await connection.workspace.getConfiguration('plumbline');
  settings = sanitizeSettings(raw);
}

connection.onInitialize((params): InitializeResult => {
  canPullConfiguration = params.capabilities.workspace?.configuration === true;
  return {
    capabilities: { textDocumentSync: TextDocumentSyncKind.Incremental },
    serverInfo: { name: 'plumbline', version: PLUMBLINE_VERSION },
  };
});

connection.onInitialized(() => {
  loadSettings().catch((error: unknown) => connection.console.warn(`could not read settings: ${String(error)}`));
});

connection.onDidChangeConfiguration(() => {
  loadSettings()
    .then(() => documents.all().forEach((d) => queue.request(d.uri)))
    .catch((error: unknown) => connection.console.warn(`could not read settings: ${String(error)}`));
});

documents.onDidOpen((event) => queue.request(event.document.uri));
documents.onDidChangeContent((event) => queue.request(event.document.uri));
documents.onDidClose((event) => {
  const uri = event.document.uri;
  queue.cancel(uri);
  parsers.delete(uri);
  connection.sendDiagnostics({ uri, diagnostics: [] }).catch(() => undefined);
});

documents.listen(connection);
connection.listen();

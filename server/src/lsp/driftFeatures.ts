import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { TextDocument } from 'vscode-languageserver-textdocument';
import { CodeActionKind, type CodeAction, type Connection, type Position, type TextDocuments } from 'vscode-languageserver/node';
import { quoteActions } from './quoteFix';
import { stringify } from 'yaml';
import type { ClusterSession } from '../cluster/session';
import { addIgnoreRule, pointerOf } from '../drift/ignore';
import { maskObject } from '../drift/mask';
import { normalize } from '../drift/normalize';
import { diffSideText } from '../drift/diffSides';
import { ClusterDiffRequest, Commands, type ClusterDiffParams, type ClusterDiffResult } from '../protocol';
import type { DriftData, DriftState } from './driftState';
import { PLUMBLINE_CONFIG_FILE } from '../files/names';
import { takeIntoGit, type Insertion } from '../drift/takeIntoGit';
import { ManifestParser } from '../manifests/parse';
import type { FieldPath } from '../manifests/fieldPath';
import { terraformActions } from './terraform';


/** A YAML scalar for a value taken from the cluster, quoted when plain text would change its meaning. */
export function yamlScalar(value: unknown): string | undefined {
  if (typeof value === 'number' || typeof value === 'boolean') return String(value);
  if (typeof value !== 'string') return undefined;
  return stringify(value).trimEnd();
}

/**
 * A diff side in manifest order: apiVersion, kind and metadata first, the rest as the cluster
 * gave it. A live object read from a list or watch gets apiVersion and kind added last, so
 * without this the diff editor shows them moved on every resource.
 */
function manifestOrder(object: Record<string, unknown>): Record<string, unknown> {
  const { apiVersion, kind, metadata, ...rest } = object;
  return { ...(apiVersion !== undefined ? { apiVersion } : {}), ...(kind !== undefined ? { kind } : {}), ...(metadata !== undefined ? { metadata } : {}), ...rest };
}

/** The edit writing a hand-set field into the document the finding sits in (the one whose range holds it). */
function handSetInsertion(document: TextDocument, at: Position, data: DriftData): Insertion | undefined {
  const text = document.getText();
  const offset = document.offsetAt(at);
  const file = new ManifestParser().parse(text);
  const d = file.documents.find((doc) => doc.base <= offset && offset <= doc.base + (doc.doc.range[2] ?? doc.doc.range[1]));
  return d === undefined ? undefined : takeIntoGit(text, d.base, d.doc, data.path as FieldPath, data.liveValue);
}

/** CodeLens per resource, the live-vs-predicted diff request, and the drift quick fixes. */
export function registerDriftFeatures(
  connection: Connection,
  documents: TextDocuments<TextDocument>,
  drift: () => DriftState | undefined,
  _session: () => ClusterSession | undefined,
  workspaceRoot: () => string | undefined,
): void {
  connection.onCodeLens((params) =>
    (drift()?.entries(params.textDocument.uri) ?? []).map((e) => ({
      range: { start: e.range.start, end: e.range.start },
      command: {
        title: e.summary,
        command: Commands.showClusterDiff,
        arguments: [{ uri: params.textDocument.uri, line: e.range.start.line, ...(e.environment !== undefined ? { environment: e.environment } : {}) } satisfies ClusterDiffParams],
      },
    })),
  );

  connection.onRequest(ClusterDiffRequest, (params: ClusterDiffParams): ClusterDiffResult => {
    const here = (drift()?.entries(params.uri) ?? []).filter((e) => e.range.start.line <= params.line && params.line <= e.range.end.line && (params.environment === undefined || e.environment === params.environment));
    // A base several environments render: without a named one, the one that drifted is what the user is after.
    const entry = here.find((e) => e.report.state === 'drifted') ?? here[0];
    if (entry === undefined) return { ok: false, message: 'no drift information for this resource yet (is the cluster reachable?)', pending: true };
    const report = entry.report;
    const title = `${entry.environment !== undefined ? `${entry.environment}: ` : ''}${entry.identity.kind}/${entry.identity.name ?? ''}: cluster ↔ after applying Git`;
    if (report.state === 'in-sync' || report.state === 'drifted') {
      // Fields set by hand are on both sides (applying Git keeps them): a comment marks them on each.
      const handSet = report.state === 'drifted' ? report.handSet : [];
      return { ok: true, title, live: diffSideText(manifestOrder(maskObject(normalize(report.live))), handSet), predicted: diffSideText(manifestOrder(maskObject(normalize(report.predicted))), handSet) };
    }
    if (report.state === 'not-in-cluster') return { ok: true, title: `${title} (not in cluster)`, live: '', predicted: '' };
    return { ok: false, message: report.state === 'rejected' ? report.message : report.error.message };
  });

  connection.onCodeAction(async (params) => {
    const document = documents.get(params.textDocument.uri);
    const actions: CodeAction[] = [...terraformActions(params, document), ...quoteActions(params)];
    for (const diagnostic of params.context.diagnostics) {
      const code = String(diagnostic.code ?? '');
      if (!code.startsWith('drift.') || diagnostic.data === undefined) continue;
      const data = diagnostic.data as DriftData;
      const scalar = yamlScalar(data.liveValue);
      if (code === 'drift.value' && data.exact && scalar !== undefined && document !== undefined) {
        actions.push({
          title: "Take the cluster's value into Git",
          kind: CodeActionKind.QuickFix,
          diagnostics: [diagnostic],
          isPreferred: true,
          edit: { changes: { [params.textDocument.uri]: [{ range: diagnostic.range, newText: scalar }] } },
        });
      }
      if (code === 'drift.set-by-hand' && data.liveValue !== undefined && document !== undefined) {
        const insertion = handSetInsertion(document, diagnostic.range.start, data);
        if (insertion !== undefined) {
          actions.push({
            title: 'Take it into Git',
            kind: CodeActionKind.QuickFix,
            diagnostics: [diagnostic],
            edit: { changes: { [params.textDocument.uri]: [{ range: { start: document.positionAt(insertion.offset), end: document.positionAt(insertion.offset) }, newText: insertion.text }] } },
          });
        }
      }
      const root = workspaceRoot();
      if ((code === 'drift.value' || code === 'drift.set-by-hand') && root !== undefined && data.path.length > 0) {
        const configPath = join(root, PLUMBLINE_CONFIG_FILE);
        const existing = await readFile(configPath, 'utf8').catch(() => undefined);
        const rule = { kind: data.kind, name: data.name, ...(data.namespace !== undefined ? { namespace: data.namespace } : {}), jsonPointers: [pointerOf(data.path as never)] };
        const text = addIgnoreRule(existing ?? '', rule);
        const uri = pathToFileURL(configPath).href;
        actions.push({
          title: `Ignore drift of ${pointerOf(data.path as never)} for ${data.kind}/${data.name}`,
          kind: CodeActionKind.QuickFix,
          diagnostics: [diagnostic],
          edit:
            existing === undefined
              ? { documentChanges: [{ kind: 'create', uri }, { textDocument: { uri, version: null }, edits: [{ range: { start: { line: 0, character: 0 }, end: { line: 0, character: 0 } }, newText: text }] }] }
              : { changes: { [uri]: [{ range: { start: { line: 0, character: 0 }, end: { line: existing.split('\n').length + 1, character: 0 } }, newText: text }] } },
        });
      }
    }
    return actions;
  });
}

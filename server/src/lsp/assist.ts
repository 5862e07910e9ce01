import type { DriftData } from '../workspace/driftEntry';
import {
  CompletionItemKind,
  InsertTextFormat,
  MarkupKind,
  SymbolKind,
  type CompletionItem,
  type Connection,
} from 'vscode-languageserver/node';
import { completionsAt, type Suggestion } from '../assist/completion';
import { configCompletions, configHover } from '../assist/configAssist';
import { hoverAt } from '../assist/hover';
import { foldingRanges, outline } from '../assist/outline';
import type { FileRole } from '../check/fileRole';
import type { ManifestFile } from '../manifests/parse';
import type { SchemaResolver } from '../schemas/resolver';
import type { DriftState } from './driftState';
import type { PlainYamlService } from '../validation/plainYamlService';

/** A document whose JSON schema (Helm values, modeline) yaml-language-server's service applies, at one version. */
export interface PlainYamlDocument {
  service: PlainYamlService;
  version: number;
  text: string;
}

const KIND: Record<Suggestion['kind'], CompletionItemKind> = {
  property: CompletionItemKind.Property,
  value: CompletionItemKind.Value,
  kind: CompletionItemKind.Class,
  snippet: CompletionItemKind.Snippet,
};

function toItem(s: Suggestion): CompletionItem {
  return {
    label: s.label,
    kind: KIND[s.kind],
    ...(s.detail !== undefined ? { detail: s.detail } : {}),
    ...(s.documentation !== undefined ? { documentation: { kind: MarkupKind.Markdown, value: s.documentation } } : {}),
    insertText: s.insertText,
    insertTextFormat: InsertTextFormat.Snippet,
    ...(s.sortText !== undefined ? { sortText: s.sortText } : {}),
  };
}

/** Completion, hover, outline and folding: thin handlers over the engine's assist functions. */
export function registerAssist(
  connection: Connection,
  parsed: (uri: string) => ManifestFile | undefined,
  schemas: () => SchemaResolver | undefined,
  drift: () => DriftState | undefined,
  role: (uri: string) => FileRole,
  plainYaml: (uri: string) => PlainYamlDocument | undefined,
): void {
  // `.plumbline.yaml` is Plumbline's own file: its schema, not the cluster's, says what goes where.
  const isConfig = (uri: string): boolean => role(uri).kind === 'plumbline-config';
  connection.onCompletion(async (params) => {
    const plain = plainYaml(params.textDocument.uri);
    if (plain !== undefined) return plain.service.complete(params.textDocument.uri, plain.version, plain.text, params.position);
    const file = parsed(params.textDocument.uri);
    if (file !== undefined && isConfig(params.textDocument.uri)) return configCompletions(file, params.position).map(toItem);
    const resolver = schemas();
    if (file === undefined || resolver === undefined) return [];
    return completionsAt(file, params.position, resolver).map(toItem);
  });
  connection.onHover(async (params) => {
    const plain = plainYaml(params.textDocument.uri);
    if (plain !== undefined) return plain.service.hoverAt(params.textDocument.uri, plain.version, plain.text, params.position);
    const file = parsed(params.textDocument.uri);
    if (file === undefined) return null;
    if (isConfig(params.textDocument.uri)) {
      const text = configHover(file, params.position);
      return text === undefined ? null : { contents: { kind: MarkupKind.Markdown, value: text } };
    }
    const resolver = schemas();
    const line = params.position.line;
    // Drift on this line comes first: it is what the user is most likely hovering for.
    const drifted = (drift()?.findingsOnLine(params.textDocument.uri, line) ?? []).map((f) => {
      const data = f.data as DriftData | undefined;
      const live = f.code === 'drift.set-by-hand' && data?.liveValue !== undefined ? `\n\nIn the cluster: \`${JSON.stringify(data.liveValue)}\`` : '';
      return `**Drift** — ${f.message}${live}${data?.appliedAs === undefined ? '' : `\n\n_Predicted as ${data.appliedAs} applies Git._`}`;
    });
    // On a resource's first line or its `kind:`, the CodeLens's line: whether it works, and why not.
    const lineStart = line < file.lines.lineCount ? file.lines.offsetAt({ line, character: 0 }) : undefined;
    const onHeader = lineStart !== undefined && file.text.startsWith('kind:', lineStart);
    const health = (drift()?.entries(params.textDocument.uri) ?? []).flatMap((e) =>
      e.health !== undefined && (e.range.start.line === line || (onHeader && e.range.start.line <= line && line <= e.range.end.line))
        ? [`**Health**${e.environment !== undefined ? ` (${e.environment})` : ''} — ${e.health.word}${e.health.message !== '' ? `: ${e.health.message}` : ''}`]
        : [],
    );
    const schemaHover = resolver === undefined ? undefined : hoverAt(file, params.position, resolver);
    const parts = [...drifted, ...health, ...(schemaHover === undefined ? [] : [schemaHover])];
    return parts.length === 0 ? null : { contents: { kind: MarkupKind.Markdown, value: parts.join('\n\n---\n\n') } };
  });
  connection.onDocumentSymbol((params) => {
    const file = parsed(params.textDocument.uri);
    if (file === undefined) return [];
    return outline(file).map((e) => ({ name: e.name, detail: e.detail, kind: SymbolKind.Class, range: e.range, selectionRange: e.selectionRange }));
  });
  connection.onFoldingRanges((params) => {
    const file = parsed(params.textDocument.uri);
    return file === undefined ? [] : foldingRanges(file);
  });
}

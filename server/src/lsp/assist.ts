import {
  CompletionItemKind,
  InsertTextFormat,
  MarkupKind,
  SymbolKind,
  type CompletionItem,
  type Connection,
} from 'vscode-languageserver/node';
import { completionsAt, type Suggestion } from '../assist/completion';
import { hoverAt } from '../assist/hover';
import { foldingRanges, outline } from '../assist/outline';
import type { ManifestFile } from '../manifests/parse';
import type { SchemaResolver } from '../schemas/resolver';

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
): void {
  connection.onCompletion((params) => {
    const file = parsed(params.textDocument.uri);
    const resolver = schemas();
    if (file === undefined || resolver === undefined) return [];
    return completionsAt(file, params.position, resolver).map(toItem);
  });
  connection.onHover((params) => {
    const file = parsed(params.textDocument.uri);
    const resolver = schemas();
    if (file === undefined || resolver === undefined) return null;
    const value = hoverAt(file, params.position, resolver);
    return value === undefined ? null : { contents: { kind: MarkupKind.Markdown, value } };
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

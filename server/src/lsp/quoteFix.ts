import { CodeActionKind, type CodeAction, type CodeActionParams } from 'vscode-languageserver/node';

/** Codes whose findings carry `{ replacement }`: a scalar that YAML 1.1 reads otherwise, quoted. */
const QUOTE_CODES = new Set(['yaml.boolean-key', 'schema.type']);

/** "Quote …" for each finding that says how: the replacement takes the finding's range. */
export function quoteActions(params: CodeActionParams): CodeAction[] {
  const actions: CodeAction[] = [];
  for (const diagnostic of params.context.diagnostics) {
    if (!QUOTE_CODES.has(String(diagnostic.code ?? ''))) continue;
    const replacement = (diagnostic.data as { replacement?: unknown } | undefined)?.replacement;
    if (typeof replacement !== 'string') continue;
    actions.push({
      title: `Quote it: ${replacement}`,
      kind: CodeActionKind.QuickFix,
      diagnostics: [diagnostic],
      isPreferred: true,
      edit: { changes: { [params.textDocument.uri]: [{ range: diagnostic.range, newText: replacement }] } },
    });
  }
  return actions;
}

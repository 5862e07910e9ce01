// A quoted scalar over several lines whose later lines sit at its key's indentation:
//
//     - type: Ready
//       message: 'The schema has been applied. Apply response: {"Driver":"mysql",
//       "URL": …}'
//
// The YAML spec wants those lines deeper than the key, and the `yaml` parser refuses them
// ("Missing closing 'quote"). kubectl reads YAML with go-yaml, which accepts them, and go-yaml's
// encoder writes long strings so: `kubectl get -o yaml` output kept in Git (Argo CD's health test
// data) was a syntax error here and valid to kubectl. Such lines are padded to the depth the parser
// wants, the padded text parsed, and every range moved back to the text as written.
import { isNode, parseAllDocuments, visit, type Document } from 'yaml';

/** Spaces inserted before `at` (an offset in the text as written). */
interface Insert {
  at: number;
  count: number;
}

// `key: 'value…` or `- key: "value…`: the key's column and where the quote opens.
const QUOTED_VALUE = /^((?:- +)*)((?:[^\s#'"\-?:][^:#]*?|"[^"]*"|'[^']*')\s*):[ \t]+(['"])/;
// `key: |`, `key: >-`, `- |2`: a block scalar, whose lines are text whatever they hold.
const BLOCK_SCALAR = /(?:^|:[ \t]+|-[ \t]+)[|>][0-9+-]*[ \t]*(?:#.*)?$/;

/** Where the quoted scalar opened at `from` (the quote) closes on this line, or -1. */
function closingQuote(line: string, from: number, quote: string): number {
  for (let i = from; i < line.length; i++) {
    const c = line[i];
    if (quote === '"' && c === '\\') {
      i++;
      continue;
    }
    if (c !== quote) continue;
    // '' is a quote inside a single-quoted scalar.
    if (quote === "'" && line[i + 1] === "'") {
      i++;
      continue;
    }
    return i;
  }
  return -1;
}

/** The lines of quoted scalars at or left of their key's column, and the spaces each needs. */
export function shallowContinuations(text: string): Insert[] {
  const inserts: Insert[] = [];
  // Inside a quoted scalar: the quote, the column its lines must reach, and its pads so far.
  let open: { quote: string; needs: number; pads: Insert[] } | undefined;
  // Inside a block scalar: its key's column (its lines are deeper, or blank).
  let block: number | undefined;
  for (let start = 0; start < text.length; ) {
    const newline = text.indexOf('\n', start);
    const end = newline === -1 ? text.length : newline;
    const line = text.slice(start, end).replace(/\r$/, '');
    const indent = line.length - line.trimStart().length;
    const blank = line.trim() === '';
    if (open !== undefined) {
      // As go-yaml writes them: at the key's column exactly. A line left of it is no such scalar
      // (an unclosed quote, most likely): nothing of it is padded.
      if (!blank && indent < open.needs - 1) open = undefined;
      else {
        if (!blank && indent < open.needs) open.pads.push({ at: start, count: open.needs - indent });
        if (closingQuote(line, indent, open.quote) !== -1) {
          inserts.push(...open.pads);
          open = undefined;
        }
      }
    } else if (block !== undefined && (blank || indent > block)) {
      // A line of the block scalar.
    } else {
      block = undefined;
      const content = line.slice(indent);
      const m = QUOTED_VALUE.exec(content);
      if (m !== null) {
        const keyColumn = indent + (m[1]?.length ?? 0);
        const quoteAt = indent + m[0].length - 1;
        const quote = m[3] ?? "'";
        if (closingQuote(line, quoteAt + 1, quote) === -1) open = { quote, needs: keyColumn + 1, pads: [] };
      } else if (BLOCK_SCALAR.test(content) && !content.startsWith('#')) {
        block = indent + (/^(?:- +)*/.exec(content)?.[0].length ?? 0);
      }
    }
    if (newline === -1) break;
    start = newline + 1;
  }
  return inserts;
}

/** An offset in the padded text as an offset in the text as written (a padding space maps to its line's start). */
function backMapper(inserts: readonly Insert[]): (offset: number) => number {
  // Where each insert sits in the padded text, and the spaces inserted up to and including it.
  const padded: { at: number; before: number; count: number }[] = [];
  let total = 0;
  for (const { at, count } of inserts) {
    padded.push({ at: at + total, before: total, count });
    total += count;
  }
  return (offset) => {
    let shift = 0;
    for (const p of padded) {
      if (offset < p.at) break;
      shift = offset < p.at + p.count ? p.before + (offset - p.at) : p.before + p.count;
    }
    return offset - shift;
  };
}

/**
 * The documents of `text` parsed as go-yaml reads them, when its only quote errors come from
 * quoted scalars continued at their key's indentation; ranges and warning positions refer to
 * `text`. Undefined when there is nothing to pad or the padded text still has errors.
 */
export function parseWithPaddedQuotes(text: string, options: Parameters<typeof parseAllDocuments>[1]): Document.Parsed[] | undefined {
  const inserts = shallowContinuations(text);
  if (inserts.length === 0) return undefined;
  let padded = '';
  let from = 0;
  for (const { at, count } of inserts) {
    padded += text.slice(from, at) + ' '.repeat(count);
    from = at;
  }
  padded += text.slice(from);
  const parsed = parseAllDocuments(padded, options);
  const docs: Document.Parsed[] = Array.isArray(parsed) ? parsed : [];
  // Only a text that padding makes whole: anything else keeps the parser's own account of it.
  if (docs.some((doc) => doc.errors.length > 0)) return undefined;
  const back = backMapper(inserts);
  const move = (range: [number, number, number] | null | undefined): void => {
    if (range === null || range === undefined) return;
    range[0] = back(range[0]);
    range[1] = back(range[1]);
    range[2] = back(range[2]);
  };
  for (const doc of docs) {
    move(doc.range);
    visit(doc, (_key, node) => {
      if (isNode(node)) move(node.range);
    });
    for (const e of [...doc.errors, ...doc.warnings]) e.pos = [back(e.pos[0]), back(e.pos[1])];
  }
  return docs;
}

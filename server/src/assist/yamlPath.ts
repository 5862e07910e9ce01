/** A step from a parent to a child: a mapping key, or `[]` for "an item of this list". */
export type PathStep = string | typeof ITEM;
export const ITEM = Symbol('item');

interface LineShape {
  /** Column of the first character that is not a space. */
  indent: number;
  /** Column where a key on this line starts (after `- ` for list items). */
  keyIndent: number;
  dash: boolean;
  key: string | undefined;
  /** True for `key:` with nothing (or only a comment) after it: a parent of the lines below. */
  opensBlock: boolean;
  blank: boolean;
}

const SHAPE = /^(\s*)(-\s+)?(?:("[^"]*"|'[^']*'|[^\s#'"][^:#]*?)\s*:(?:\s+(.*))?)?\s*$/;

function shape(line: string): LineShape {
  const trimmed = line.trimStart();
  const indent = line.length - trimmed.length;
  if (trimmed === '' || trimmed.startsWith('#')) return { indent, keyIndent: indent, dash: false, key: undefined, opensBlock: false, blank: true };
  const m = SHAPE.exec(line);
  const dash = m?.[2] !== undefined || /^-\s*$/.test(trimmed);
  const keyIndent = indent + (m?.[2]?.length ?? (dash ? 2 : 0));
  const rawKey = m?.[3];
  const key = rawKey === undefined ? undefined : rawKey.replace(/^["']|["']$/g, '');
  const rest = (m?.[4] ?? '').trim();
  return { indent, keyIndent, dash, key, opensBlock: key !== undefined && (rest === '' || rest.startsWith('#') || /^[|>][-+0-9]*$/.test(rest)), blank: false };
}

export interface CursorContext {
  /** Steps from the document root to the mapping (or list) the cursor is in. */
  path: PathStep[];
  /** Keys already present beside the cursor, so completion does not offer them again. */
  siblings: Set<string>;
  /** Where the cursor is: typing a key, or typing the value of `valueOf`. */
  position: { kind: 'key' } | { kind: 'value'; key: string };
}

/**
 * Works out where the cursor sits in the YAML structure from indentation alone, so it also
 * works on the half-typed, unparseable line that completion is asked about.
 * `lines` are the lines of the cursor's document only.
 */
export function cursorContext(lines: readonly string[], line: number, character: number): CursorContext {
  const current = (lines[line] ?? '').slice(0, character);
  const here = shape(current);
  const valueMatch = /^\s*(?:-\s+)?("[^"]*"|'[^']*'|[^\s#'"][^:#]*?)\s*:\s+(\S*)$/.exec(current) ?? /^\s*(?:-\s+)?([^\s#'"][^:#]*?):$/.exec(current);
  const position: CursorContext['position'] = valueMatch?.[1] !== undefined ? { kind: 'value', key: valueMatch[1].replace(/^["']|["']$/g, '') } : { kind: 'key' };

  const path: PathStep[] = [];
  let level = here.blank ? character : here.keyIndent;
  // A cursor right after `- ` starts a new item of the list that owns this line.
  let inItem = here.dash;
  if (inItem) {
    path.push(ITEM);
    level = here.indent;
  }
  const siblings = new Set<string>();
  let collectingSiblings = true;
  for (let i = line - 1; i >= 0; i--) {
    const s = shape(lines[i] ?? '');
    if (s.blank) continue;
    if (collectingSiblings && !inItem && s.keyIndent === level && s.key !== undefined) siblings.add(s.key);
    if (inItem) {
      // Looking for the key that owns the list: other items of the same list are skipped.
      if (s.dash && s.indent === level) continue;
      if (s.indent <= level && s.key !== undefined && s.opensBlock && !s.dash) {
        path.push(s.key);
        level = s.indent;
        inItem = false;
        continue;
      }
      if (s.indent <= level && s.dash && s.key !== undefined && s.opensBlock && s.keyIndent <= level) {
        path.push(s.key, ITEM);
        level = s.indent;
        continue;
      }
      if (s.indent < level) break;
      continue;
    }
    if (s.keyIndent === level && s.dash) {
      // We are inside a list item whose first key sits on this line: a sibling only if we were
      // still among the cursor's own keys (not in a mapping nested below that item).
      if (collectingSiblings && s.key !== undefined) siblings.add(s.key);
      collectingSiblings = false;
      path.push(ITEM);
      level = s.indent;
      inItem = true;
      continue;
    }
    if (s.keyIndent < level) {
      collectingSiblings = false;
      if (s.key === undefined || !s.opensBlock) break;
      path.push(s.key);
      if (s.dash) {
        path.push(ITEM);
        level = s.indent;
        inItem = true;
      } else {
        level = s.indent;
      }
      if (level === 0 && !inItem) break;
    }
  }
  // Keys below the cursor at the same level are siblings too.
  const ownLevel = here.blank ? character : here.keyIndent;
  for (let i = line + 1; i < lines.length; i++) {
    const s = shape(lines[i] ?? '');
    if (s.blank) continue;
    if (s.keyIndent < ownLevel || (s.dash && s.indent < ownLevel)) break;
    if (s.keyIndent === ownLevel && !s.dash && s.key !== undefined) siblings.add(s.key);
  }
  return { path: path.reverse(), siblings, position };
}

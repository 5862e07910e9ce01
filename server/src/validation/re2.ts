// Go's regexp (RE2) syntax as a JavaScript pattern. The apiserver judges `pattern` and the CEL
// regex functions (`matches`, `find`, `findAll`) with RE2, and CRDs use what JavaScript lacks:
// Gateway API's GRPCRoute starts a rule's regex with `(?i)`, which `new RegExp` refuses, so every
// GRPCRoute method match was an error. The translation needs no flags: a flag group is written
// out (`(?i)` as `[aA]` and both cases in classes, `(?s)` as `.` matching newlines, `(?m)` as
// `^`/`$` at line ends), so the result also serves where the flags are not ours to give (the CEL
// engine's own `matches`).

/** RE2's `\s`: ASCII whitespace without \v (JavaScript's `\s` also takes Unicode spaces). */
const RE2_SPACE = '\\t\\n\\f\\r ';

// The POSIX classes RE2 accepts inside brackets, as JavaScript class items.
const POSIX: Record<string, string> = {
  alnum: '0-9A-Za-z',
  alpha: 'A-Za-z',
  ascii: '\\x00-\\x7f',
  blank: '\\t ',
  cntrl: '\\x00-\\x1f\\x7f',
  digit: '0-9',
  graph: '!-~',
  lower: 'a-z',
  print: ' -~',
  punct: '!-\\/:-@\\[-`{-~',
  space: '\\t\\n\\v\\f\\r ',
  upper: 'A-Z',
  word: '0-9A-Za-z_',
  xdigit: '0-9A-Fa-f',
};

/** Characters that keep a backslash in a JavaScript pattern outside brackets (any mode). */
const SYNTAX = new Set([...'^$\\.*+?()[]{}|/']);
/** Characters that keep a backslash inside brackets. */
const CLASS_SYNTAX = new Set([...'\\]^-[']);

interface Flags {
  i: boolean;
  m: boolean;
  s: boolean;
}

/** The other case of an ASCII letter, or undefined. */
function otherCase(c: string): string | undefined {
  if (c >= 'a' && c <= 'z') return c.toUpperCase();
  if (c >= 'A' && c <= 'Z') return c.toLowerCase();
  return undefined;
}

/** A character as a class item or literal, escaped where JavaScript needs it. */
function literal(c: string, inClass: boolean): string {
  if (inClass ? CLASS_SYNTAX.has(c) : SYNTAX.has(c)) return `\\${c}`;
  if (c === '\n') return '\\n';
  return c;
}

/** `\x41`, `\x{1F600}`: the code point, or undefined when malformed. */
function hexEscape(pattern: string, at: number): { code: number; end: number } | undefined {
  if (pattern[at] === '{') {
    const close = pattern.indexOf('}', at);
    if (close === -1) return undefined;
    const code = Number.parseInt(pattern.slice(at + 1, close), 16);
    return Number.isNaN(code) || code > 0x10ffff ? undefined : { code, end: close + 1 };
  }
  const digits = pattern.slice(at, at + 2);
  return /^[0-9A-Fa-f]{2}$/.test(digits) ? { code: Number.parseInt(digits, 16), end: at + 2 } : undefined;
}

function codePointEscape(code: number): string {
  return code <= 0xffff ? `\\u${code.toString(16).padStart(4, '0')}` : `\\u{${code.toString(16)}}`;
}

// `\pL`, `\p{Greek}`: the Unicode class in JavaScript's spelling (needs the `u` flag there).
function unicodeClass(pattern: string, at: number): { text: string; end: number } | undefined {
  const sign = pattern[at];
  const name = pattern[at + 1];
  if (name === undefined) return undefined;
  if (name === '{') {
    const close = pattern.indexOf('}', at);
    if (close === -1) return undefined;
    const inner = pattern.slice(at + 2, close);
    const negated = inner.startsWith('^');
    return { text: `\\${negated !== (sign === 'P') ? 'P' : 'p'}{${negated ? inner.slice(1) : inner}}`, end: close + 1 };
  }
  return { text: `\\${sign}{${name}}`, end: at + 2 };
}

/** The escapes that mean the same in a class and outside one; undefined for the ones that differ. */
function commonEscape(pattern: string, at: number): { text: string; end: number } | undefined {
  const c = pattern[at];
  switch (c) {
    case 'd':
    case 'D':
    case 'w':
    case 'W':
    case 'n':
    case 't':
    case 'r':
    case 'f':
    case 'v':
      return { text: `\\${c}`, end: at + 1 };
    case 'a':
      return { text: '\\x07', end: at + 1 };
    case 'x': {
      const hex = hexEscape(pattern, at + 1);
      return hex === undefined ? undefined : { text: codePointEscape(hex.code), end: hex.end };
    }
    case 'p':
    case 'P':
      return unicodeClass(pattern, at);
    default:
      return undefined;
  }
}

/** One character of a bracket expression: its JavaScript text and, for a plain character, itself. */
interface ClassChar {
  text: string;
  char: string | undefined;
  end: number;
}

// An escape that stands for one character (`\x41`, `\n`), so it may end a range.
const SINGLE_ESCAPE = /^\\(x07|u[0-9a-f]{4}|u\{[0-9a-f]+\}|[ntrfv])$/;

/** The character at `at` in brackets, when it is one (not a class such as \d); undefined when malformed. */
function classChar(pattern: string, at: number): ClassChar | 'class' | undefined {
  const c = pattern[at];
  if (c === undefined) return undefined;
  if (c !== '\\') return { text: literal(c, true), char: c, end: at + 1 };
  const e = pattern[at + 1];
  if (e === undefined) return undefined;
  const common = commonEscape(pattern, at + 1);
  if (common !== undefined) return SINGLE_ESCAPE.test(common.text) ? { text: common.text, char: undefined, end: common.end } : 'class';
  if (e === 's' || e === 'S') return 'class';
  if (/[0-9A-Za-z]/.test(e)) return undefined;
  return { text: literal(e, true), char: e, end: at + 2 };
}

/** A bracket expression from `[` at `start`: the JavaScript class and where it ends, or undefined. */
function bracket(pattern: string, start: number, flags: Flags): { text: string; end: number } | undefined {
  let i = start + 1;
  let head = '[';
  if (pattern[i] === '^') {
    head += '^';
    i++;
  }
  const items: string[] = [];
  // RE2 reads a `]` first in the brackets as a literal.
  let first = true;
  while (i < pattern.length) {
    const c = pattern[i] as string;
    if (c === ']' && !first) return { text: `${head}${items.join('')}]`, end: i + 1 };
    first = false;
    if (c === '[' && pattern[i + 1] === ':') {
      const close = pattern.indexOf(':]', i + 2);
      // A negated POSIX class ([:^alpha:]) inside brackets has no JavaScript spelling.
      const posix = close === -1 ? undefined : POSIX[pattern.slice(i + 2, close)];
      if (posix === undefined) return undefined;
      items.push(posix);
      i = close + 2;
      continue;
    }
    if (c === '\\' && pattern[i + 1] === 's') {
      items.push(RE2_SPACE);
      i += 2;
      continue;
    }
    const lo = classChar(pattern, i);
    if (lo === undefined) return undefined;
    // \S inside brackets would need a class within a class; \d, \w, \p{…} mean the same there.
    if (lo === 'class') {
      if (pattern[i + 1] === 'S') return undefined;
      const common = commonEscape(pattern, i + 1);
      if (common === undefined) return undefined;
      items.push(common.text);
      i = common.end;
      continue;
    }
    i = lo.end;
    // A range `lo-hi`, with both cases of its ASCII letters under (?i).
    if (pattern[i] === '-' && pattern[i + 1] !== undefined && pattern[i + 1] !== ']') {
      const hi = classChar(pattern, i + 1);
      if (hi === undefined || hi === 'class') return undefined;
      items.push(`${lo.text}-${hi.text}`);
      if (flags.i && lo.char !== undefined && hi.char !== undefined) items.push(...foldedRange(lo.char, hi.char));
      i = hi.end;
      continue;
    }
    items.push(lo.text);
    const other = flags.i && lo.char !== undefined ? otherCase(lo.char) : undefined;
    if (other !== undefined) items.push(other);
  }
  return undefined;
}

/** The other case of the ASCII letters in a range, as class items. */
function foldedRange(lo: string, hi: string): string[] {
  const out: string[] = [];
  const part = (from: string, to: string, shift: (c: string) => string): void => {
    const a = lo > from ? lo : from;
    const b = hi < to ? hi : to;
    if (a <= b) out.push(`${shift(a)}-${shift(b)}`);
  };
  part('a', 'z', (c) => c.toUpperCase());
  part('A', 'Z', (c) => c.toLowerCase());
  return out;
}

/** Reads `(?flags)` or `(?flags:` at `at` (after `(?`): the flags and whether a group opens. */
function flagGroup(pattern: string, at: number, flags: Flags): { flags: Flags; opens: boolean; end: number } | undefined {
  const next = { ...flags };
  let on = true;
  for (let i = at; i < pattern.length; i++) {
    const c = pattern[i];
    if (c === ')' || c === ':') return { flags: next, opens: c === ':', end: i + 1 };
    if (c === '-' && on) on = false;
    else if (c === 'i' || c === 'm' || c === 's') next[c] = on;
    // U (ungreedy) and anything else: no translation.
    else return undefined;
  }
  return undefined;
}

/**
 * The RE2 pattern as a JavaScript pattern meaning the same without flags, or undefined when it
 * uses what has no such spelling (backreferences are not RE2; `\C`, `(?U)`, a negated POSIX class
 * in brackets). A `\p{…}` class in the result needs the `u` flag.
 */
export function re2ToJs(pattern: string): string | undefined {
  let flags: Flags = { i: false, m: false, s: false };
  const stack: Flags[] = [];
  let out = '';
  let i = 0;
  while (i < pattern.length) {
    const c = pattern[i] as string;
    if (c === '\\') {
      const e = pattern[i + 1];
      if (e === undefined) return undefined;
      if (e === 'Q') {
        const close = pattern.indexOf('\\E', i + 2);
        const quoted = pattern.slice(i + 2, close === -1 ? undefined : close);
        for (const q of quoted) out += caseless(q, flags);
        i = close === -1 ? pattern.length : close + 2;
        continue;
      }
      const common = commonEscape(pattern, i + 1);
      if (common !== undefined) {
        out += common.text;
        i = common.end;
        continue;
      }
      switch (e) {
        case 's':
          out += `[${RE2_SPACE}]`;
          break;
        case 'S':
          out += `[^${RE2_SPACE}]`;
          break;
        case 'b':
        case 'B':
          out += `\\${e}`;
          break;
        case 'A':
          out += '(?<![\\s\\S])';
          break;
        case 'z':
          out += '(?![\\s\\S])';
          break;
        default:
          // Escaped punctuation is that character; an escaped letter or digit RE2 does not know
          // (\C, backreferences, octal) has no translation.
          if (/[0-9A-Za-z]/.test(e)) return undefined;
          out += caseless(e, flags);
      }
      i += 2;
      continue;
    }
    if (c === '[') {
      const cls = bracket(pattern, i, flags);
      if (cls === undefined) return undefined;
      out += cls.text;
      i = cls.end;
      continue;
    }
    if (c === '(') {
      if (pattern[i + 1] !== '?') {
        stack.push(flags);
        out += '(';
        i++;
        continue;
      }
      const named = /^\(\?P?<([A-Za-z_][A-Za-z0-9_]*)>/.exec(pattern.slice(i));
      if (named !== null) {
        stack.push(flags);
        out += `(?<${named[1] ?? ''}>`;
        i += named[0].length;
        continue;
      }
      const group = flagGroup(pattern, i + 2, flags);
      if (group === undefined) return undefined;
      if (group.opens) {
        stack.push(flags);
        out += '(?:';
      }
      flags = group.flags;
      i = group.end;
      continue;
    }
    if (c === ')') {
      const outer = stack.pop();
      if (outer === undefined) return undefined;
      flags = outer;
      out += ')';
      i++;
      continue;
    }
    if (c === '.') out += flags.s ? '[\\s\\S]' : '[^\\n]';
    else if (c === '^') out += flags.m ? '(?<![^\\n])' : '^';
    else if (c === '$') out += flags.m ? '(?![^\\n])' : '$';
    else if (c === '*' || c === '+' || c === '?' || c === '|') out += c;
    else if (c === '{') {
      // A repeat ({2}, {2,}, {2,5}) as written; any other brace is a literal in RE2.
      const repeat = /^\{\d+(,\d*)?\}/.exec(pattern.slice(i));
      if (repeat !== null) {
        out += repeat[0];
        i += repeat[0].length;
        continue;
      }
      out += '\\{';
    } else out += caseless(c, flags);
    i++;
  }
  return stack.length === 0 ? out : undefined;
}

/** A literal character outside brackets, both cases under (?i). */
function caseless(c: string, flags: Flags): string {
  const other = flags.i ? otherCase(c) : undefined;
  return other === undefined ? literal(c, false) : `[${c}${other}]`;
}

const compiled = new Map<string, RegExp | undefined>();

/**
 * The RE2 pattern compiled for JavaScript, with `flags` added (`g` for find/findAll): Unicode-aware
 * when JavaScript accepts it so, else without `u`; undefined when there is no translation.
 */
export function re2RegExp(pattern: string, flags = ''): RegExp | undefined {
  const key = `${flags}/${pattern}`;
  if (compiled.has(key)) return compiled.get(key);
  let result: RegExp | undefined;
  const source = re2ToJs(pattern);
  if (source !== undefined) {
    try {
      result = new RegExp(source, `${flags}u`);
    } catch {
      try {
        // Without `u`, `\p{L}` would be the letters p{L}: only a pattern without one.
        result = /\\[pP]\{/.test(source) ? undefined : new RegExp(source, flags);
      } catch {
        result = undefined;
      }
    }
  }
  // A cache of what CRDs hold: a few hundred patterns at most, but keep it bounded.
  if (compiled.size > 4096) compiled.clear();
  compiled.set(key, result);
  return result;
}

/**
 * A glob as Argo CD reads them (git generators, `directory.include`/`exclude`), as a RegExp over
 * `/`-separated relative paths: `*` within a segment, `**` across segments, `?` one character,
 * `{a,b}` either. With `crossSegments`, `*` and `?` match `/` too: a directory source's
 * `include`/`exclude` is matched by Argo CD's repo server with no separators (gobwas glob), so
 * `exclude: exclude/*` keeps out `exclude/a/b.yaml` as well.
 */
export function globRegExp(glob: string, options: { crossSegments?: boolean } = {}): RegExp {
  let out = '';
  const clean = glob.replace(/^\.\//, '').replace(/\/+$/, '');
  let braces = 0;
  for (let i = 0; i < clean.length; i++) {
    const c = clean[i]!;
    if (c === '*' && clean[i + 1] === '*') {
      const slash = clean[i + 2] === '/';
      out += slash ? '(?:.*/)?' : '.*';
      i += slash ? 2 : 1;
    } else if (c === '*') out += options.crossSegments === true ? '.*' : '[^/]*';
    else if (c === '?') out += options.crossSegments === true ? '.' : '[^/]';
    else if (c === '{') {
      braces++;
      out += '(?:';
    } else if (c === '}' && braces > 0) {
      braces--;
      out += ')';
    } else if (c === ',' && braces > 0) out += '|';
    else out += c.replace(/[.+^${}()|[\]\\]/g, '\\$&');
  }
  return new RegExp(`^${out}$`);
}

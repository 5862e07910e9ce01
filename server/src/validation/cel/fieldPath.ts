/**
 * A rule's `fieldPath` (`.spec.replicas`, `.labels['app.kubernetes.io/name']`, `.ports[0]`) as
 * path segments, or undefined when it is not one the apiserver accepts.
 */
export function parseFieldPath(text: string): (string | number)[] | undefined {
  const out: (string | number)[] = [];
  let i = 0;
  while (i < text.length) {
    if (text[i] === '.') {
      const m = /^[A-Za-z_$][A-Za-z0-9_$-]*/.exec(text.slice(i + 1));
      if (m === null) return undefined;
      out.push(m[0]);
      i += 1 + m[0].length;
    } else if (text[i] === '[') {
      const m = /^\[(?:'((?:[^'\\]|\\.)*)'|"((?:[^"\\]|\\.)*)"|(\d+))\]/.exec(text.slice(i));
      if (m === null) return undefined;
      if (m[3] !== undefined) out.push(Number(m[3]));
      else out.push((m[1] ?? m[2] ?? '').replace(/\\(.)/g, '$1'));
      i += m[0].length;
    } else return undefined;
  }
  return out;
}

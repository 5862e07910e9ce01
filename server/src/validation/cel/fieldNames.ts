// How the apiserver names a schema property in CEL (k8s.io/apiserver pkg/cel Escape): a property
// whose name is a CEL reserved word or holds `-`, `.`, `/` or `__` is reached by an escaped name
// (`namespace` as `__namespace__`, `foo-bar` as `foo__dash__bar`); since 1.31 a reserved word
// also works as it is. A name with any other character, or starting with a digit, is not in CEL.

const RESERVED = new Set(['true', 'false', 'null', 'in', 'as', 'break', 'const', 'continue', 'else', 'for', 'function', 'if', 'import', 'let', 'loop', 'package', 'namespace', 'return', 'var', 'void', 'while']);
const PLAIN = /^[A-Za-z_][A-Za-z0-9_]*$/;
const REPLACEMENTS: Record<string, string> = { __: '__underscores__', '.': '__dot__', '-': '__dash__', '/': '__slash__' };

/** The escaped CEL name of a property, the name itself when it needs none, or undefined when CEL cannot reach it. */
export function celFieldName(name: string): string | undefined {
  if (name === '' || (name[0] !== undefined && name[0] >= '0' && name[0] <= '9')) return undefined;
  if (RESERVED.has(name)) return `__${name}__`;
  if (PLAIN.test(name) && !name.includes('__')) return name;
  if (!/^[A-Za-z0-9_./-]+$/.test(name)) return undefined;
  return name.replace(/__|[./-]/g, (m) => REPLACEMENTS[m] ?? m);
}

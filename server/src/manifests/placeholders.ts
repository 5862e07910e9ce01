/**
 * Flux's post-build variables in YAML text: `${VAR}`, `${VAR:=default}`, `${VAR:-default}`,
 * `${VAR=default}`, `${VAR-default}`, and `$${VAR}` for a literal `${VAR}`.
 */
const EXPRESSION = /\$(\$?)\{([_a-zA-Z][_a-zA-Z0-9]*)(?:(:?[=-])([^}]*))?\}/g;

/**
 * `text` with its variables replaced by their values in `vars`, or by their defaults; a
 * variable with neither stays as written and is added to `unresolved`.
 */
export function substitutePlaceholders(text: string, vars: ReadonlyMap<string, string>, unresolved: Set<string>): string {
  return text.replace(EXPRESSION, (whole, escape: string, name: string, operator: string | undefined, fallback: string | undefined) => {
    if (escape === '$') return whole.slice(1);
    const value = vars.get(name);
    // `:=`/`:-` also replace an empty value; `=`/`-` only a missing one.
    if (value !== undefined && !(value === '' && operator?.startsWith(':') === true)) return value;
    if (operator !== undefined) return fallback ?? '';
    unresolved.add(name);
    return whole;
  });
}

/** Whether a string may hold a variable (a cheap look before the pattern). */
export function mayHavePlaceholder(text: string): boolean {
  return text.includes('${');
}

const NO_VARIABLES: ReadonlyMap<string, string> = new Map();

/**
 * A scalar's text as the schema should see it: placeholders replaced by their defaults, or
 * undefined when one has no default (its value is set where Git cannot see it, in the cluster
 * or a parent Kustomization, so its type is unknown).
 */
export function withPlaceholderDefaults(text: string): string | undefined {
  const unresolved = new Set<string>();
  const out = substitutePlaceholders(text, NO_VARIABLES, unresolved);
  return unresolved.size > 0 ? undefined : out;
}

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

/** A post-build variable's value as Git holds it, and where it was read (for a finding's words). */
export interface KnownVariable {
  value: string;
  /** "ConfigMap flux-system/cluster-vars in clusters/prod/cluster-vars.yaml", or the Kustomization's own postBuild.substitute. */
  from: string;
  /** Read from a Secret: the value is never shown. */
  secret: boolean;
}

/** The post-build variables one Flux Kustomization substitutes in the files it renders, with the values known in Git. */
export interface PostBuildValues {
  /** Who substitutes them: "Flux Kustomization flux-system/apps". */
  unit: string;
  values: ReadonlyMap<string, KnownVariable>;
}

/** The names of the variables a text uses (not the escaped `$${…}` ones), in order, once each. */
export function placeholderNames(text: string): string[] {
  const names = new Set<string>();
  for (const m of text.matchAll(EXPRESSION)) if (m[1] !== '$' && m[2] !== undefined) names.add(m[2]);
  return [...names];
}

/**
 * A scalar's text as Flux leaves it with the values Git knows (then the defaults), or undefined
 * when a variable has neither; with the variables whose Git value was used.
 */
export function withKnownValues(text: string, known: PostBuildValues | undefined): { text: string; used: string[] } | undefined {
  if (known === undefined) {
    const defaulted = withPlaceholderDefaults(text);
    return defaulted === undefined ? undefined : { text: defaulted, used: [] };
  }
  const values = new Map([...known.values].map(([name, v]) => [name, v.value]));
  const unresolved = new Set<string>();
  const out = substitutePlaceholders(text, values, unresolved);
  if (unresolved.size > 0) return undefined;
  return { text: out, used: placeholderNames(text).filter((name) => known.values.has(name)) };
}

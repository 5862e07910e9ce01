/**
 * Flux's post-build variables in YAML text: `${VAR}`, `${VAR:=default}`, `${VAR:-default}`,
 * `${VAR=default}`, `${VAR-default}`, and `$${` for a literal `${`. A default may itself hold
 * variables, `${VOLSYNC_CLAIM:-${APP}}`, as fluxcd/pkg/envsubst expands it: a pattern that stopped
 * at the first `}` left the claim named `zigbee2mqtt-data}` in every render, preview and drift.
 */
type Piece = string | Expression;

interface Expression {
  name: string;
  /** `:=`, `:-`, `=` or `-`; undefined for a bare `${VAR}`. */
  operator: string | undefined;
  fallback: Piece[];
  /** The expression as written, kept when it has no value. */
  raw: string;
}

const NAME = /[_a-zA-Z][_a-zA-Z0-9]*/y;
const OPERATOR = /:?[=-]/y;

/**
 * The pieces of `text` from `from`: plain text and expressions. Inside a default (`inDefault`) it
 * stops at the `}` that closes it and says where; `closed` is false when the text ended first.
 */
function pieces(text: string, from: number, inDefault: boolean): { pieces: Piece[]; end: number; closed: boolean } {
  const out: Piece[] = [];
  let plain = '';
  let i = from;
  const flush = (): void => {
    if (plain !== '') out.push(plain);
    plain = '';
  };
  while (i < text.length) {
    if (inDefault && text[i] === '}') {
      flush();
      return { pieces: out, end: i, closed: true };
    }
    if (text.startsWith('$${', i)) {
      plain += '${';
      i += 3;
      continue;
    }
    if (text.startsWith('${', i)) {
      NAME.lastIndex = i + 2;
      const name = NAME.exec(text)?.[0];
      if (name !== undefined) {
        const after = i + 2 + name.length;
        if (text[after] === '}') {
          flush();
          out.push({ name, operator: undefined, fallback: [], raw: text.slice(i, after + 1) });
          i = after + 1;
          continue;
        }
        OPERATOR.lastIndex = after;
        const operator = OPERATOR.exec(text)?.[0];
        if (operator !== undefined) {
          const inner = pieces(text, after + operator.length, true);
          if (inner.closed) {
            flush();
            out.push({ name, operator, fallback: inner.pieces, raw: text.slice(i, inner.end + 1) });
            i = inner.end + 1;
            continue;
          }
        }
      }
      // Not an expression (no name, an operator Plumbline does not expand, never closed): text.
      plain += '$';
      i += 1;
      continue;
    }
    plain += text[i];
    i += 1;
  }
  flush();
  return { pieces: out, end: text.length, closed: false };
}

function expand(list: readonly Piece[], vars: ReadonlyMap<string, string>, unresolved: Set<string>): string {
  let out = '';
  for (const piece of list) {
    if (typeof piece === 'string') {
      out += piece;
      continue;
    }
    const value = vars.get(piece.name);
    // `:=`/`:-` also replace an empty value; `=`/`-` only a missing one.
    if (value !== undefined && !(value === '' && piece.operator?.startsWith(':') === true)) {
      out += value;
    } else if (piece.operator !== undefined) {
      // A default whose own variables have no value stays as written, as a bare variable does.
      const missing = new Set<string>();
      const fallback = expand(piece.fallback, vars, missing);
      for (const name of missing) unresolved.add(name);
      out += missing.size > 0 ? piece.raw : fallback;
    } else {
      unresolved.add(piece.name);
      out += piece.raw;
    }
  }
  return out;
}

/**
 * `text` with its variables replaced by their values in `vars`, or by their defaults; a
 * variable with neither stays as written and is added to `unresolved`.
 */
export function substitutePlaceholders(text: string, vars: ReadonlyMap<string, string>, unresolved: Set<string>): string {
  return expand(pieces(text, 0, false).pieces, vars, unresolved);
}

/** Whether `text` is one variable expression and nothing else (its value then takes its YAML type). */
export function isWholePlaceholder(text: string): boolean {
  const parsed = pieces(text, 0, false).pieces;
  return parsed.length === 1 && typeof parsed[0] !== 'string';
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
  const visit = (list: readonly Piece[]): void => {
    for (const piece of list) {
      if (typeof piece === 'string') continue;
      names.add(piece.name);
      visit(piece.fallback);
    }
  };
  visit(pieces(text, 0, false).pieces);
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

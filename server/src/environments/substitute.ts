import { parse } from 'yaml';
import { isWholePlaceholder, substitutePlaceholders } from '../manifests/placeholders';

/**
 * Flux's post-build variable substitution (`spec.postBuild`), on one rendered object. Unlike
 * kustomize-controller, a variable with no value and no default stays as written and is
 * reported: its value may live in the cluster, not in Git, and an empty string would be a false
 * difference.
 */

export interface Substitution {
  /**
   * The object with its variables replaced; the input is not changed. Parts without a variable
   * are the input's own (most of a rendered object has none: copying all of it was a tenth of
   * the first tree answer of an 80-unit Flux fleet).
   */
  value: unknown;
  /** Names of variables that had no value and no default. */
  unresolved: Set<string>;
}

const substituteString = substitutePlaceholders;

/** How a YAML number or boolean (or a tag, anchor, directive or marker before one) can start. */
const MAY_BE_TYPED = /^(?:[\s\d+\-.!&%]|(?:[tT]rue|TRUE|[fF]alse|FALSE)(?:\s|$))/;

/**
 * A string that was one whole expression takes the type its value has in YAML (`replicas:
 * ${REPLICAS}` becomes a number), as Flux's substitution in the YAML text does for an unquoted
 * scalar; a quoted scalar cannot be told apart here and becomes the same.
 */
function typed(original: string, replaced: string): unknown {
  if (replaced === original || !isWholePlaceholder(original)) return replaced;
  // Only text that may read as a number or a boolean is parsed: a parse per value (a name, a
  // host) was a third of the first tree answer of an 80-unit Flux fleet.
  if (!MAY_BE_TYPED.test(replaced)) return replaced;
  try {
    const value: unknown = parse(replaced);
    return typeof value === 'number' || typeof value === 'boolean' ? value : replaced;
  } catch {
    return replaced;
  }
}

/** A copy of the first `count` own keys of `record`, in their order. */
function copyFirst(record: Record<string, unknown>, count: number): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  let index = 0;
  for (const key in record) {
    if (index++ === count) break;
    out[key] = record[key];
  }
  return out;
}

export function substituteVariables(object: unknown, vars: ReadonlyMap<string, string>): Substitution {
  const unresolved = new Set<string>();
  // Most of a rendered object holds no placeholder: unchanged nodes are returned as they are,
  // and a copy is started only at the first change, so an object without `${` allocates nothing.
  const walk = (node: unknown): unknown => {
    if (typeof node === 'string') return node.includes('${') ? typed(node, substituteString(node, vars, unresolved)) : node;
    if (Array.isArray(node)) {
      let items: unknown[] | undefined;
      for (let i = 0; i < node.length; i++) {
        const item: unknown = node[i];
        const v = walk(item);
        if (items === undefined && v !== item) items = node.slice(0, i);
        items?.push(v);
      }
      return items ?? node;
    }
    if (node !== null && typeof node === 'object') {
      const record = node as Record<string, unknown>;
      let out: Record<string, unknown> | undefined;
      let index = 0;
      for (const key in record) {
        const value = record[key];
        const k = key.includes('${') ? substituteString(key, vars, unresolved) : key;
        const v = walk(value);
        if (out === undefined && (k !== key || v !== value)) out = copyFirst(record, index);
        if (out !== undefined) out[k] = v;
        index++;
      }
      return out ?? node;
    }
    return node;
  };
  return { value: walk(object), unresolved };
}

// yaml's node tests and classes, bound once, and node lookups for code that runs on every node
// of every checked document. `plumbline check` is over before V8 optimizes much of it: most of a
// check runs as baseline code, where each use of an import from a CommonJS package (yaml) goes
// through a getter of the bundle's interop object, and a `for…of` or an array destructuring
// goes through the iterator protocol. Hot code takes its yaml functions from here and loops by
// index; the node type is read once as the tag yaml puts on every node.
import * as yaml from 'yaml';
import type { Node, Pair, YAMLMap } from 'yaml';

export const { isAlias, isMap, isNode, isPair, isScalar, isSeq, isDocument, Scalar: ScalarClass, YAMLMap: YAMLMapClass, YAMLSeq: YAMLSeqClass, Pair: PairClass, Document: DocumentClass } = yaml;

/** The property under which yaml tags each node with its type (yaml's identity.js). */
export const NODE_TYPE: unique symbol = Symbol.for('yaml.node.type');
export const ALIAS_TAG = Symbol.for('yaml.alias');
export const MAP_TAG = Symbol.for('yaml.map');
export const PAIR_TAG = Symbol.for('yaml.pair');
export const SCALAR_TAG = Symbol.for('yaml.scalar');
export const SEQ_TAG = Symbol.for('yaml.seq');

export const PLAIN = yaml.Scalar.PLAIN;
export const QUOTE_DOUBLE = yaml.Scalar.QUOTE_DOUBLE;
export const QUOTE_SINGLE = yaml.Scalar.QUOTE_SINGLE;
export const BLOCK_FOLDED = yaml.Scalar.BLOCK_FOLDED;
export const BLOCK_LITERAL = yaml.Scalar.BLOCK_LITERAL;

/** A node's type tag (MAP_TAG, SCALAR_TAG…), or undefined for what is not a yaml node. */
export function tagOf(node: unknown): symbol | undefined {
  return node !== null && typeof node === 'object' ? ((node as { [NODE_TYPE]?: symbol })[NODE_TYPE] ?? undefined) : undefined;
}

/**
 * The pair of `map` whose key is the scalar `key`: what yaml's `map.get(key, true)` finds (the
 * first pair whose key is that scalar), without its iterator.
 */
export function pairOf(map: YAMLMap, key: string): Pair | undefined {
  const items = map.items as unknown[];
  for (let i = 0; i < items.length; i++) {
    const pair = items[i] as Pair | null;
    if (pair === null || typeof pair !== 'object' || (pair as { [NODE_TYPE]?: symbol })[NODE_TYPE] !== PAIR_TAG) continue;
    const k = pair.key as { [NODE_TYPE]?: symbol; value?: unknown } | string | null;
    if (k === key) return pair;
    if (k !== null && typeof k === 'object' && k[NODE_TYPE] === SCALAR_TAG && k.value === key) return pair;
  }
  return undefined;
}

/** `map.get(key, true)`: the value node under a string key, or undefined. */
export function valueOf(map: YAMLMap, key: string): Node | undefined {
  const value = pairOf(map, key)?.value as Node | null | undefined;
  return value ?? undefined;
}

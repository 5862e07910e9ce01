import * as yaml from 'yaml';
import type { Document, Node, Pair, Scalar, YAMLMap, YAMLSeq } from 'yaml';
import type { Problem, Severity } from '../manifests/problem';
import type { OpenApiSchema } from '../schemas/openapi';
import { ARRAY, BOOLEAN, INTEGER, NUMBER, OBJECT, STRING, type CompiledSchema } from './compiledSchema';
import { ALIAS_TAG, MAP_TAG, NODE_TYPE, PAIR_TAG, PLAIN as PLAIN_TYPE, SCALAR_TAG, SEQ_TAG } from '../manifests/yamlNodes';
import { mayHaveMergeKeys } from '../manifests/quickParse';
import { celEquals, isPlainMap } from './cel/celValue';
import { compiledRules } from './cel/compileRules';
import { yaml11Boolean, type QuoteFix } from './yaml11Keys';
import { mayReadAsNumber, plainNumberAsRead, yaml11Number } from '../manifests/kubectlRead';
import { declTypeOf } from './cel/estimateCost';
import { evaluateRules, PER_OBJECT_COST_BUDGET, type CostBudget, type OldValue, type RuleVerdict } from './cel/evaluateRules';
import { parseFieldPath } from './cel/fieldPath';
import { celValueOfNode, NOT_CONVERTED, toCelValue } from './cel/toCelValue';
import { checkFormat } from './formats';
import { re2RegExp } from './re2';
import type { SchemaView } from './schemaView';
import { closestName } from './suggest';
import { mayHavePlaceholder, withKnownValues, type PostBuildValues } from '../manifests/placeholders';
import { isBuiltInGroup } from './apiNames';
import { duplicateProblems, goField, metadataProblems } from './apiRules';
import { namesIn, noneSaid, notSaid, severalSaid } from './alternativesSaid';

export interface ValidateOptions {
  /** A kustomize patch: a partial object, so required fields may be missing. */
  partial: boolean;
  /** SOPS-encrypted: `ENC[...]` strings stand in for values of any type. */
  sops: boolean;
  /** Field names match regardless of case, as kustomize reads its own files. */
  caseInsensitiveKeys?: boolean;
  /** Dotted paths of fields that something else writes before the object is applied (kustomize's commonLabels create `spec.selector`): not missing. */
  supplied?: ReadonlySet<string>;
  /**
   * The object's API group: with it, the rules the apiserver applies beyond the schema (names,
   * labels, annotations, duplicate list keys) are checked too.
   */
  apiGroup?: string;
  /** A kustomization may rewrite this file's namespaces (and a Namespace's name) with its `namespace:`. */
  kustomized?: boolean;
  /**
   * The object as the cluster holds it (JSON), when known: CEL transition rules (`oldSelf`) are
   * then evaluated as on an update, with the apiserver's ratcheting. Without it they are skipped, as on a create.
   */
  oldObject?: unknown;
  /**
   * The post-build variables a Flux Kustomization that renders this object substitutes, with the
   * values Git holds: a placeholder is validated as its value, and a finding on it names the
   * variable and where its value comes from.
   */
  variables?: PostBuildValues;
}

/** Nodes visited per document before we stop: aliases can make a small file expand enormously. */
const NODE_BUDGET = 200_000;
/** Recursive schemas (CRD validation, JSON props) could otherwise follow user data arbitrarily deep. */
const MAX_DEPTH = 128;

/** A list item named by its merge key (`containers[web]`), worked out only when a message needs the name. */
class ItemLabel {
  constructor(
    readonly item: Node,
    readonly key: string,
    readonly index: number,
  ) {}
}

type PathSegment = string | number | ItemLabel;

/**
 * A mapping as the apiserver validates it after structural defaulting: absent fields with a
 * default filled in (`extra`, nodes made from the default, at the line of the key above), and
 * nulls of non-nullable fields without one pruned. `keys` are the fields it then has.
 */
interface Defaulted {
  /** The fields defaulting adds, with their schemas. */
  added: readonly (readonly [string, CompiledSchema])[];
  keys: Set<string>;
  /** The key the added fields sit at: the nearest line Git declares. */
  anchor: Node;
  /**
   * Whether the walk that reports must visit the added fields: the apiserver refuses a CRD whose
   * defaults break their own schema, so only a default with more below it (rules, alternatives,
   * fields with defaults of their own) can give a finding; probes see every added field.
   */
  walk: boolean;
  /** The added fields as YAML pairs, made on first use. */
  pairs?: Pair[];
}

/** A mapping that defaulting leaves as written. */
const AS_WRITTEN: unique symbol = Symbol('as written');

/** The path as the apiserver spells it (`spec.containers[1]`): list items by their index. */
function goPathOf(path: readonly PathSegment[]): (string | number)[] {
  return path.map((segment) => (segment instanceof ItemLabel ? segment.index : segment));
}

/** A node's type tag, read once per node (yaml's isMap, isScalar… read it on every call). */
function tagOf(node: unknown): symbol | undefined {
  return node !== null && typeof node === 'object' ? (node as { [NODE_TYPE]?: symbol })[NODE_TYPE] : undefined;
}

// Bound once: a bundle reaches a CommonJS package's exports through a getter per access, a
// measurable cost at every node of this walk.
const { isAlias, isMap, isNode, isPair, isScalar, isSeq, visit } = yaml;
const PLAIN = yaml.Scalar.PLAIN;

const SOPS_VALUE = /^ENC\[[A-Z0-9_]+,/;

class Walker {
  readonly problems: Problem[] = [];
  private visited = 0;
  private exhausted = false;

  /**
   * A probe of one anyOf/oneOf alternative: CEL rules run once, in the walk that reports. An
   * alternative is a value validation over the schema around it (a structural schema's branches
   * name only the fields they constrain), so a field it does not list is not unknown to it:
   * Gateway API's `oneOf: [{properties: {type: …, value: …}}, {properties: {type: …}}]` matched
   * no address with a `value` by its second branch.
   */
  private probe = false;
  private readonly celBudget: CostBudget = { remaining: PER_OBJECT_COST_BUDGET };
  /** CEL notes already given in this document, so a rule on every list item speaks once. */
  private readonly celNoted = new Set<string>();

  /** Whether a mapping of this document may have a `<<` key to merge (a quick parse tells when none has). */
  private readonly mergeKeys: boolean;

  /**
   * A custom resource is defaulted from its schema before the apiserver validates it (on decode),
   * so `required`, alternatives and value checks see the defaults. Built-in kinds are defaulted by
   * Go code instead (their OpenAPI `default`s, such as `containerPort: 0`, are no such thing), and
   * a patch is defaulted only once merged into what it patches.
   */
  private readonly defaulting: boolean;
  /** Per mapping of a custom resource, what defaulting makes of it: found by the walk that reports, read by its probes. */
  private defaults = new Map<YAMLMap, Defaulted>();

  constructor(
    private readonly view: SchemaView,
    private readonly doc: Document.Parsed,
    private readonly kind: string,
    private readonly options: ValidateOptions,
  ) {
    this.mergeKeys = mayHaveMergeKeys(doc);
    this.defaulting = options.apiGroup !== undefined && !isBuiltInGroup(options.apiGroup) && !options.partial;
  }

  /** A walk that only tries `schema` on a node (an alternative, a negation): its findings are the caller's to use. */
  private probeWith(node: Node, schema: CompiledSchema, path: PathSegment[], parentKey: Node | null, depth: number): Problem[] {
    const probe = new Walker(this.view, this.doc, this.kind, this.options);
    probe.anchors = this.anchors;
    probe.defaults = this.defaults;
    probe.probe = true;
    probe.visit(node, schema, path, parentKey, depth);
    return probe.problems;
  }

  private anchors: Map<string, { at: number; node: Node }[]> | undefined;

  /** The node an alias names: the nearest definition before it, from a map built once (resolve() rescans the document per alias). */
  private resolveAlias(name: string, at: number): Node | undefined {
    if (this.anchors === undefined) {
      const anchors = new Map<string, { at: number; node: Node }[]>();
      visit(this.doc, (_key, node) => {
        if (isNode(node) && node.anchor !== undefined) {
          const list = anchors.get(node.anchor) ?? [];
          list.push({ at: node.range?.[0] ?? 0, node });
          anchors.set(node.anchor, list);
        }
      });
      this.anchors = anchors;
    }
    let found: Node | undefined;
    for (const d of this.anchors.get(name) ?? []) if (d.at < at) found = d.node;
    return found;
  }

  report(node: Node | null | undefined, message: string, code: string, severity: Severity = 'error', data?: unknown): void {
    const range = node?.range;
    const start = range?.[0] ?? 0;
    const end = range?.[1] ?? start;
    const substituted = node === null || node === undefined ? undefined : SUBSTITUTED.get(node);
    const fromDefault = node === null || node === undefined ? undefined : DEFAULT_NODES.get(node);
    const said = substituted !== undefined ? `${substituted.secret === undefined ? message : masked(message, substituted.secret)} (${substituted.said})` : fromDefault !== undefined ? `${message} (${fromDefault})` : message;
    this.problems.push({ start, end: Math.max(end, start), severity, code, message: said, ...(data !== undefined ? { data } : {}) });
  }

  where(path: readonly PathSegment[]): string {
    if (path.length === 0) return this.kind;
    let out = '';
    for (const segment of path) {
      const seg = segment instanceof ItemLabel ? itemLabel(segment.item, segment.key, segment.index) : segment;
      if (typeof seg === 'number') out += `[${seg}]`;
      else if (seg.startsWith('[')) out += seg;
      else out += out === '' ? seg : `.${seg}`;
    }
    return `${this.kind} ${out}`;
  }

  visit(written: Node | null, schema: CompiledSchema, path: PathSegment[], parentKey: Node | null, depth: number, old?: OldValue): void {
    if (this.exhausted) return;
    let node: Node | null | undefined = written;
    const tag = tagOf(node);
    // A placeholder's value stands in for it (substituted); one without a value is not judged.
    if (tag === SCALAR_TAG) {
      const value = (node as Scalar).value;
      if (typeof value === 'string' && mayHavePlaceholder(value)) node = substituted(node, this.options.variables);
    }
    if (node === undefined) return;
    if (++this.visited > NODE_BUDGET) {
      this.exhausted = true;
      this.report(parentKey, `validation stopped: this document expands to more than ${NODE_BUDGET} nodes (aliases?)`, 'schema.too-large', 'warning');
      return;
    }
    if (depth > MAX_DEPTH || node === null) return;
    if (tag === ALIAS_TAG) {
      const alias = node as yaml.Alias;
      const target = this.resolveAlias(alias.source, alias.range?.[0] ?? 0);
      if (target !== undefined) this.visit(target, schema, path, parentKey, depth + 1, old);
      return;
    }
    if (tag === SCALAR_TAG) {
      const value = (node as Scalar).value;
      // `field:` with no value is null, which Kubernetes treats as unset.
      if (value === null) return;
      if (this.options.sops && typeof value === 'string' && SOPS_VALUE.test(value)) return;
    }
    if (schema.plain) {
      this.typed(node, tag, schema, path, parentKey, depth, old);
      return;
    }
    // Patches are partial objects and SOPS hides values: rules over them would judge what is not there.
    if (schema.celRules !== undefined && !this.probe && !this.options.partial && !this.options.sops) this.cel(node, schema, path, parentKey, old);
    if (schema.quantity) {
      this.quantity(node, schema, path);
      return;
    }
    if (schema.intOrString) {
      // CRDs spell int-or-string as anyOf integer/string too; one message is enough.
      this.intOrString(node, schema, path);
      return;
    }
    this.typed(node, tag, schema, path, parentKey, depth, old);
    // After the walk below: it has found each mapping's defaults, which the branches must see.
    if (schema.anyOf !== undefined) this.alternatives(node, schema.anyOf, schema, path, parentKey, depth, 'any');
    if (schema.oneOf !== undefined) this.alternatives(node, schema.oneOf, schema, path, parentKey, depth, 'one');
    if (schema.allOf !== undefined) for (const part of schema.allOf) this.problems.push(...this.probeWith(node, schema.compiled(part), path, parentKey, depth));
    if (schema.not !== undefined) this.negation(node, schema.not, schema, path, parentKey, depth);
  }

  private quantity(node: Node, schema: CompiledSchema, path: PathSegment[]): void {
    if (isScalar(node) && typeof node.value === 'number') return;
    if (isScalar(node) && typeof node.value === 'string') return this.stringChecks(node, node.value, schema, path);
    this.report(node, `${this.where(path)} must be a quantity such as 500m, 2 or 1Gi, not ${describeNode(node)}`, 'schema.type');
  }

  private intOrString(node: Node, schema: CompiledSchema, path: PathSegment[]): void {
    if (isScalar(node) && (typeof node.value === 'string' || (typeof node.value === 'number' && Number.isInteger(node.value)))) {
      if (typeof node.value === 'string') this.stringChecks(node, node.value, schema, path);
      return;
    }
    this.report(node, `${this.where(path)} must be an integer or a string, not ${describeNode(node)}`, 'schema.type');
  }

  /** The type check of one node (`tag` is its type tag) and, for objects and lists, the walk below it. */
  private typed(node: Node, tag: symbol | undefined, schema: CompiledSchema, path: PathSegment[], parentKey: Node | null, depth: number, old: OldValue): void {
    switch (schema.code) {
      case OBJECT:
        if (tag !== MAP_TAG) return this.report(node, `${this.where(path)} must be an object, not ${describeNode(node)}`, 'schema.type');
        return this.object(node as YAMLMap, schema, path, parentKey, depth, old);
      case ARRAY:
        if (tag !== SEQ_TAG) return this.report(node, `${this.where(path)} must be a list, not ${describeNode(node)}`, 'schema.type');
        return this.list(node as YAMLSeq, schema, path, depth, old);
      case STRING: {
        const value = tag === SCALAR_TAG ? (node as Scalar).value : undefined;
        if (typeof value !== 'string') {
          return this.report(node, `${this.where(path)} must be a string, not ${describeNode(node)}${quoteHint(node)}`, 'schema.type');
        }
        // Every YAML 1.1 boolean word has at most three letters.
        if (value.length <= 3 && (node as Scalar).type === PLAIN_TYPE && this.options.kustomized !== true && !this.options.partial && yaml11Boolean(node) !== undefined) {
          // kubectl reads `yes`, `on`, `n`… as booleans (YAML 1.1), and the apiserver refuses a boolean where a string goes.
          const read = String(yaml11Boolean(node));
          return this.report(node, `${this.where(path)} must be a string, not a boolean: kubectl reads \`${value}\` as ${read} (YAML 1.1); quote it: "${value}"`, 'schema.type', 'error', { replacement: `"${value}"` } satisfies QuoteFix);
        }
        if ((node as Scalar).type === PLAIN_TYPE && mayReadAsNumber(value) && yaml11Number(value) !== undefined) {
          return this.report(node, `${this.where(path)} must be a string, not a number: kubectl reads \`${value}\` as ${String(yaml11Number(value))} (YAML 1.1); quote it: "${value}"`, 'schema.type', 'error', { replacement: `"${value}"` } satisfies QuoteFix);
        }
        if (schema.checksStrings) this.stringChecks(node as Scalar, value, schema, path);
        return;
      }
      case INTEGER: {
        const value = tag === SCALAR_TAG ? plainNumberAsRead(node as Scalar) : undefined;
        if (typeof value !== 'number' || !Number.isInteger(value)) {
          return this.report(node, `${this.where(path)} must be an integer, not ${describeNode(node)}`, 'schema.type');
        }
        if (schema.checksNumbers) this.numberChecks(node as Scalar, value, schema, path);
        return;
      }
      case NUMBER: {
        const value = tag === SCALAR_TAG ? plainNumberAsRead(node as Scalar) : undefined;
        if (typeof value !== 'number') {
          return this.report(node, `${this.where(path)} must be a number, not ${describeNode(node)}`, 'schema.type');
        }
        if (schema.checksNumbers) this.numberChecks(node as Scalar, value, schema, path);
        return;
      }
      case BOOLEAN: {
        if (tag === SCALAR_TAG) {
          const value = (node as Scalar).value;
          if (typeof value === 'boolean') return;
          if (yaml11Boolean(node) !== undefined) {
            // kubectl reads a plain `yes` as true (YAML 1.1); kustomize keeps it a string, and writes it quoted for the apiserver to refuse.
            if (this.options.kustomized !== true) return;
            return this.report(node, `${this.where(path)} must be true or false: kustomize reads a plain \`${String(value)}\` as the string "${String(value)}" (YAML 1.2), which the apiserver refuses; write ${String(yaml11Boolean(node))}`, 'schema.type');
          }
        }
        return this.report(node, `${this.where(path)} must be true or false, not ${describeNode(node)}`, 'schema.type');
      }
      default:
        // Untyped (RawExtension, preserve-unknown-fields, an alternative's branch): any type goes, and the checks for the type it has apply.
        if (tag === SCALAR_TAG) {
          const value = (node as Scalar).value;
          if (schema.checksStrings && typeof value === 'string') this.stringChecks(node as Scalar, value, schema, path);
          else if (schema.checksNumbers && typeof value === 'number') this.numberChecks(node as Scalar, value, schema, path);
        } else if (tag === MAP_TAG) {
          if (schema.checksObjects) this.object(node as YAMLMap, schema, path, parentKey, depth, old);
        } else if (tag === SEQ_TAG && schema.checksLists) this.list(node as YAMLSeq, schema, path, depth, old);
    }
  }

  private list(node: YAMLSeq, schema: CompiledSchema, path: PathSegment[], depth: number, old: OldValue): void {
    const nodes = node.items as Node[];
    const count = nodes.length;
    if (schema.minItems !== undefined && count < schema.minItems) this.report(node, `${this.where(path)} needs at least ${schema.minItems} item(s)`, 'schema.minItems');
    if (schema.maxItems !== undefined && count > schema.maxItems) this.report(node, `${this.where(path)} allows at most ${schema.maxItems} item(s)`, 'schema.maxItems');
    const items = schema.itemsCompiled();
    if (items === undefined) return;
    const mergeKey = schema.mergeKey;
    const oldItems = old !== undefined && Array.isArray(old.value) && schema.listMapKeys !== undefined ? old.value : undefined;
    for (let index = 0; index < count; index++) {
      const item = nodes[index] as Node;
      path.push(mergeKey !== undefined ? new ItemLabel(item, mergeKey, index) : index);
      this.visit(item, items, path, null, depth + 1, oldItems === undefined ? undefined : this.oldItem(item, oldItems, schema.listMapKeys ?? []));
      path.pop();
    }
    if (schema.listType !== undefined && this.options.apiGroup !== undefined) {
      const duplicates = duplicateProblems(node, schema, goPathOf(path), this.options.apiGroup);
      for (let i = 0; i < duplicates.length; i++) this.problems.push(duplicates[i] as Problem);
    }
  }

  /**
   * The pairs a YAML 1.1 merge key (`<<: *base` or `<<: [*a, *b]`) brings into `node`, as kubectl
   * merges them: keys the map states itself win, then earlier sources over later ones. A merge
   * value that is not a mapping is reported, since kubectl refuses it.
   */
  private mergedPairs(node: YAMLMap, own: ReadonlySet<string>, depth: number): Pair[] {
    const out: Pair[] = [];
    const taken = new Set(own);
    const from = (value: Node | null, seen: number): void => {
      const target = isAlias(value) ? this.resolveAlias(value.source, value.range?.[0] ?? 0) : value;
      if (!isMap(target)) {
        this.report(value, 'a merge key `<<` takes a mapping or a list of mappings (an alias such as *defaults)', 'yaml.merge-key');
        return;
      }
      // A merged mapping may merge others in turn; aliases cannot loop, but depth stays bounded.
      const nested = seen < MAX_DEPTH ? target.items.filter((p): p is Pair => isPair(p) && isScalar(p.key) && String(p.key.value) === '<<') : [];
      for (const pair of target.items) {
        if (!isPair(pair) || !isScalar(pair.key)) continue;
        const key = String(pair.key.value);
        if (key === '<<' || taken.has(key)) continue;
        taken.add(key);
        out.push(pair);
      }
      for (const m of nested) sources(m.value as Node | null, seen + 1);
    };
    const sources = (value: Node | null, seen: number): void => {
      if (isSeq(value)) for (const item of value.items) from(item as Node | null, seen);
      else from(value, seen);
    };
    for (const pair of node.items) {
      if (isPair(pair) && isScalar(pair.key) && String(pair.key.value) === '<<') sources(pair.value as Node | null, depth);
    }
    return out;
  }

  private object(node: YAMLMap, schema: CompiledSchema, path: PathSegment[], parentKey: Node | null, depth: number, old: OldValue): void {
    const oldMap = old !== undefined && isPlainMap(old.value) ? old.value : undefined;
    const options = this.options;
    const partial = options.partial;
    let pairs: readonly unknown[] = node.items;
    let keys: Set<string> | undefined;
    if (this.mergeKeys && hasMergeKey(node)) {
      keys = new Set<string>();
      for (const p of node.items) if (isPair(p) && isScalar(p.key)) keys.add(String(p.key.value));
      const merged = this.mergedPairs(node, keys, depth);
      for (const p of merged) keys.add(String((p.key as Scalar).value));
      pairs = [...node.items, ...merged];
    }
    if (this.defaulting) {
      const defaulted = this.defaultedOf(node, pairs, schema, parentKey, path);
      if (defaulted !== AS_WRITTEN) {
        if (this.probe || defaulted.walk) pairs = [...pairs, ...this.addedPairs(defaulted)];
        keys = defaulted.keys;
      }
    }
    for (let i = 0; i < pairs.length; i++) {
      const pair = pairs[i] as Pair;
      if (tagOf(pair) !== PAIR_TAG) continue;
      const keyNode = pair.key as Node | null;
      if (tagOf(keyNode) !== SCALAR_TAG) continue;
      const keyValue = (keyNode as Scalar).value;
      const key = typeof keyValue === 'string' ? keyValue : String(keyValue);
      // The merge key itself is no field (its pairs were merged above); in patches, strategic-merge directives are not fields either.
      if (key === '<<' || (partial && key.startsWith('$'))) continue;
      let child = schema.property(key);
      if (child === undefined) {
        const folded = options.caseInsensitiveKeys === true && schema.properties !== undefined ? caseInsensitive(schema.properties, key) : undefined;
        child = folded !== undefined ? schema.compiled(folded) : schema.additionalCompiled();
      }
      if (child !== undefined) {
        path.push(key);
        this.visit(pair.value as Node | null, child, path, keyNode, depth + 1, oldMap !== undefined && Object.hasOwn(oldMap, key) ? { value: oldMap[key] } : undefined);
        path.pop();
      } else if (!schema.open && !(this.probe && !schema.closedExplicitly) && !(options.sops && path.length === 0 && key === 'sops')) {
        const properties = schema.properties;
        const suggestion = properties === undefined ? undefined : closestName(key, [...properties.keys()]);
        const hint = suggestion === undefined ? '' : `; did you mean \`${suggestion}\`?`;
        this.report(keyNode, `unknown field \`${key}\` in ${this.where(path)}${hint}`, 'schema.unknown-field');
      }
    }
    const required = schema.required;
    if (!partial && required !== undefined) {
      // Most objects require nothing or one or two fields: a scan beats a set of every key.
      let missing: string[] | undefined;
      for (let r = 0; r < required.length; r++) {
        const name = required[r] as string;
        if (keys !== undefined ? !keys.has(name) : !hasKey(node, name)) (missing ??= []).push(name);
      }
      const supplied = options.supplied;
      if (supplied !== undefined && missing !== undefined) {
        const at = path.filter((s): s is string => typeof s === 'string' && !s.startsWith('[')).join('.');
        missing = missing.filter((name) => !supplied.has(at === '' ? name : `${at}.${name}`));
      }
      if (missing !== undefined && missing.length > 0) {
        // A list item has no key of its own: point at its first key rather than the whole item.
        const anchor = parentKey ?? (path.length === 0 ? rootAnchor(node) : firstKey(node));
        const list = missing.map((m) => `\`${m}\``).join(', ');
        this.report(anchor, `missing required field${missing.length > 1 ? 's' : ''} ${list} in ${this.where(path)}`, 'schema.required');
      }
    }
    if (options.apiGroup !== undefined && path.length > 0 && path[path.length - 1] === 'metadata') this.metadata(node, path);
    const count = keys?.size ?? node.items.length;
    if (schema.minProperties !== undefined && count < schema.minProperties) this.report(parentKey ?? node, `${this.where(path)} needs at least ${schema.minProperties} field(s)`, 'schema.minProperties');
    if (schema.maxProperties !== undefined && count > schema.maxProperties) this.report(parentKey ?? node, `${this.where(path)} allows at most ${schema.maxProperties} field(s)${this.defaultsSaid(node, [{ properties: schema.properties === undefined ? {} : Object.fromEntries(schema.properties) }])}`, 'schema.maxProperties');
  }

  /** What defaulting makes of a mapping: worked out by the walk that reports (kept out of object(), which runs for every mapping). */
  private defaultedOf(node: YAMLMap, pairs: readonly unknown[], schema: CompiledSchema, parentKey: Node | null, path: PathSegment[]): Defaulted | typeof AS_WRITTEN {
    // The walk that reports meets each mapping once; only what changes is kept for its probes (a mapping not kept is as written).
    if (this.probe) return this.defaults.get(node) ?? AS_WRITTEN;
    const defaulted = this.defaultsOf(pairs, schema, parentKey ?? (path.length === 0 ? (rootAnchor(node) ?? node) : firstKey(node)));
    if (defaulted !== AS_WRITTEN) this.defaults.set(node, defaulted);
    return defaulted;
  }

  /**
   * What structural defaulting makes of a mapping (the apiserver's order: nulls of non-nullable
   * fields without a default pruned, then absent fields and the remaining nulls given their
   * default); AS_WRITTEN for most, which have neither.
   */
  private defaultsOf(pairs: readonly unknown[], schema: CompiledSchema, anchor: Node): Defaulted | typeof AS_WRITTEN {
    const defaulted = schema.defaulted();
    // Most mappings have neither a default nor a null: told by one pass that allocates nothing.
    let nulls = false;
    for (let i = 0; i < pairs.length && !nulls; i++) nulls = this.prunedNull(pairs[i] as Pair, schema) !== undefined;
    if (defaulted.length === 0 && !nulls) return AS_WRITTEN;
    const written = new Set<string>();
    for (let i = 0; i < pairs.length; i++) {
      const pair = pairs[i] as Pair;
      if (tagOf(pair) !== PAIR_TAG || tagOf(pair.key) !== SCALAR_TAG || this.prunedNull(pair, schema) !== undefined) continue;
      written.add(String((pair.key as Scalar).value));
    }
    const added: (readonly [string, CompiledSchema])[] = [];
    let walk = false;
    for (const entry of defaulted) {
      const [name, child] = entry;
      if (written.has(name) || child.default === null) continue;
      added.push(entry);
      written.add(name);
      walk ||= !child.plain || child.code === OBJECT || child.code === ARRAY;
    }
    if (added.length === 0 && !nulls) return AS_WRITTEN;
    return { added, keys: written, anchor, walk };
  }

  private addedPairs(defaulted: Defaulted): Pair[] {
    return (defaulted.pairs ??= defaulted.added.map(([name, child]) => defaultPair(this.doc, name, child.default, defaulted.anchor)));
  }

  /** The key of a pair whose value is null where the schema does not allow null: the apiserver drops it (or defaults it). */
  private prunedNull(pair: Pair, schema: CompiledSchema): string | undefined {
    const value = pair.value as Node | null;
    if (value !== null && !(tagOf(value) === SCALAR_TAG && (value as Scalar).value === null)) return undefined;
    if (tagOf(pair) !== PAIR_TAG || tagOf(pair.key) !== SCALAR_TAG) return undefined;
    const key = String((pair.key as Scalar).value);
    const child = schema.property(key) ?? schema.additionalCompiled();
    return child !== undefined && !child.nullable ? key : undefined;
  }

  /** The defaults filled into a mapping that a branch speaks of, said so that a finding on it names them. */
  private defaultsSaid(node: Node, branches: readonly OpenApiSchema[]): string {
    const defaulted = isMap(node) ? this.defaults.get(node) : undefined;
    if (defaulted === undefined || defaulted.added.length === 0) return '';
    const names = new Set<string>();
    for (const branch of branches) namesIn(branch, names);
    const said = defaulted.added.filter(([name]) => names.has(name)).map(([name, child]) => `\`${name}: ${JSON.stringify(child.default)}\``);
    // A defaulted field cannot be left out (nor nulled: null takes the default too), so the reader must know it counts.
    return said.length === 0 ? '' : ` (the apiserver fills in the default${said.length > 1 ? 's' : ''} ${said.join(', ')} before it checks)`;
  }

  /** The object's own metadata, or a built-in pod template's (labels and annotations only, as ValidatePodTemplateSpec). */
  private metadata(node: YAMLMap, path: PathSegment[]): void {
    const group = this.options.apiGroup;
    if (group === undefined) return;
    if (path.length === 1) {
      metadataProblems(node, { group, kind: this.kind, field: 'metadata', names: !this.options.partial, partial: this.options.partial, kustomized: this.options.kustomized === true }, this.problems);
    } else if (isBuiltInGroup(group) && segmentAt(path, -2) === 'template') {
      const field = goField(goPathOf(path));
      metadataProblems(node, { group, kind: this.kind, field, names: false, partial: this.options.partial, kustomized: false }, this.problems);
    }
  }

  /** The old list item with the same map keys as `item` (x-kubernetes-list-type: map), as the apiserver pairs them. */
  private oldItem(item: Node, oldItems: readonly unknown[], keys: readonly string[]): OldValue {
    if (!isMap(item) || keys.length === 0) return undefined;
    const own = item.toJS(this.doc) as unknown;
    if (!isPlainMap(own)) return undefined;
    const match = oldItems.find((o) => isPlainMap(o) && keys.every((k) => celEquals(o[k], own[k])));
    return match === undefined ? undefined : { value: match };
  }

  /** Evaluates the CEL rules of one node (x-kubernetes-validations) and reports what they say. */
  private cel(node: Node, schema: CompiledSchema, path: PathSegment[], parentKey: Node | null, old: OldValue): void {
    const schemaIn = schema.schema;
    // A value of the wrong type is reported by the type check; rules written for the right type would only add noise.
    if ((schema.type === 'object' && !isMap(node)) || (schema.type === 'array' && !isSeq(node)) || (schema.type !== undefined && schema.type !== 'object' && schema.type !== 'array' && !isScalar(node))) return;
    const rules = compiledRules(schema.celRules ?? [], () => declTypeOf(schemaIn, path.length === 0 || schemaIn['x-kubernetes-embedded-resource'] === true));
    if (rules.length === 0) return;
    let size = { maxCollection: 0, textLength: 0 };
    let self = celValueOfNode(node, schemaIn, this.view, size);
    if (self === NOT_CONVERTED) {
      let json: unknown;
      try {
        json = node.toJS(this.doc, { maxAliasCount: 1000 });
      } catch {
        return;
      }
      size = { maxCollection: 0, textLength: 0 };
      self = toCelValue(json, schemaIn, this.view, size);
    }
    const oldValue: OldValue = old === undefined ? undefined : { value: toCelValue(old.value, schemaIn, this.view, { maxCollection: 0, textLength: 0 }) };
    for (const verdict of evaluateRules(rules, self, oldValue, size, this.celBudget)) this.celVerdict(verdict, node, schema, path, parentKey);
  }

  private celVerdict(verdict: RuleVerdict, node: Node, schema: CompiledSchema, path: PathSegment[], parentKey: Node | null): void {
    const source = verdict.rule.source;
    const anchor = parentKey ?? (isMap(node) ? firstKey(node) : node);
    if (verdict.outcome === 'failed' || verdict.outcome === 'error') {
      const fieldPath = source.fieldPath === undefined ? [] : (parseFieldPath(source.fieldPath) ?? []);
      const target = fieldPath.length > 0 ? descend(node, fieldPath) : undefined;
      const where = this.where([...path, ...fieldPath]);
      // The apiserver rejects an object whose rule fails at runtime (a missing key, max of an empty list) too.
      if (verdict.outcome === 'error') {
        const rule = source.message !== undefined && source.message.trim() !== '' ? source.message : source.rule;
        this.report(target ?? anchor, `${where}: Invalid value: "${schema.type ?? 'object'}": ${verdict.message} evaluating rule: ${rule}`, 'schema.cel');
        return;
      }
      const reason = REASON_TEXT[source.reason ?? ''];
      this.report(target ?? anchor, `${where}: ${reason ?? `Invalid value: ${shownValue(node)}`}${verdict.message}`, 'schema.cel');
      return;
    }
    if (verdict.outcome === 'transition-skipped') {
      // With the old object known, a field it lacks is new: the apiserver skips its transition rules silently.
      if (this.celNoted.has('transition') || this.options.oldObject !== undefined) return;
      this.celNoted.add('transition');
      this.report(anchor, `${this.where(path)}: transition rules (oldSelf) are not checked without the object in the cluster, as on a create`, 'schema.cel-transition', 'hint');
      return;
    }
    const key = `${verdict.outcome}\u0000${source.rule}`;
    if (this.celNoted.has(key)) return;
    this.celNoted.add(key);
    const why = verdict.outcome === 'unsupported' ? `cannot be checked here (${verdict.message})` : `was not evaluated: ${verdict.message}`;
    this.report(anchor, `${this.where(path)}: the CEL rule \`${shorten(source.rule)}\` ${why}`, verdict.outcome === 'unsupported' ? 'schema.cel-unsupported' : 'schema.cel-cost', 'information');
  }

  private stringChecks(node: Scalar, value: string, schema: CompiledSchema, path: PathSegment[]): void {
    if (!schema.checksStrings) return;
    if (schema.enum !== undefined && !schema.enum.includes(value)) {
      const allowed = schema.enum.map(String);
      const near = closestName(value, allowed);
      this.report(node, `\`${value}\` is not allowed for ${this.where(path)}: expected ${allowed.join(', ')}${near !== undefined ? `; did you mean \`${near}\`?` : ''}`, 'schema.enum');
      return;
    }
    if (schema.minLength !== undefined && value.length < schema.minLength) this.report(node, `${this.where(path)} must be at least ${schema.minLength} characters long`, 'schema.minLength');
    if (schema.maxLength !== undefined && value.length > schema.maxLength) this.report(node, `${this.where(path)} must be at most ${schema.maxLength} characters long`, 'schema.maxLength');
    if (schema.pattern !== undefined) {
      const re = compilePattern(schema.pattern);
      if (re !== undefined && !re.test(value)) this.report(node, `\`${value}\` does not match the pattern ${schema.pattern} required for ${this.where(path)}`, 'schema.pattern');
    }
    if (schema.format !== undefined) {
      const problem = checkFormat(schema.format, value);
      if (problem !== undefined) this.report(node, `\`${value}\` is not a valid ${schema.format} for ${this.where(path)}: ${problem}`, 'schema.format');
    }
  }

  private numberChecks(node: Scalar, value: number, schema: CompiledSchema, path: PathSegment[]): void {
    if (schema.enum !== undefined && !schema.enum.includes(value)) {
      this.report(node, `${value} is not allowed for ${this.where(path)}: expected ${schema.enum.map(String).join(', ')}`, 'schema.enum');
    }
    if (schema.minimum !== undefined && (schema.exclusiveMinimum ? value <= schema.minimum : value < schema.minimum)) {
      this.report(node, `${this.where(path)} must be ${schema.exclusiveMinimum ? 'greater than' : 'at least'} ${schema.minimum}`, 'schema.minimum');
    }
    if (schema.maximum !== undefined && (schema.exclusiveMaximum ? value >= schema.maximum : value > schema.maximum)) {
      this.report(node, `${this.where(path)} must be ${schema.exclusiveMaximum ? 'less than' : 'at most'} ${schema.maximum}`, 'schema.maximum');
    }
  }

  /**
   * anyOf/oneOf: the value must fit at least one alternative (anyOf) or exactly one (oneOf, as the
   * apiserver's validator counts: "must validate one and only one schema (oneOf)"). With none,
   * the closest one's problems are reported, or which fields to set when the branches only require some.
   */
  private alternatives(node: Node, options: readonly OpenApiSchema[], schema: CompiledSchema, path: PathSegment[], parentKey: Node | null, depth: number, mode: 'any' | 'one'): void {
    let best: Problem[] | undefined;
    const matched: OpenApiSchema[] = [];
    for (const option of options) {
      const problems = this.probeWith(node, schema.compiled(option), path, parentKey, depth);
      if (problems.length === 0) {
        matched.push(option);
        // anyOf is satisfied by one; oneOf must know whether a second fits too.
        if (mode === 'any') return;
      } else if (best === undefined || problems.length < best.length) best = problems;
    }
    const anchor = this.anchorOf(node, parentKey);
    if (matched.length === 0 && best !== undefined) {
      const said = noneSaid(this.where(path), options, mode);
      const defaults = this.defaultsSaid(node, options);
      if (said !== undefined) this.report(anchor, `${said}${defaults}`, 'schema.alternatives');
      // The closest branch's own findings say what to change; a default that made it fail is named on the first.
      else this.problems.push(...best.map((p, i) => (i === 0 && defaults !== '' ? { ...p, message: `${p.message}${defaults}` } : p)));
    } else if (matched.length > 1 && !this.options.partial) {
      // Not in a patch: its branches cannot be told apart by `required`, which a partial object is not held to.
      this.report(anchor, `${severalSaid(this.where(path), matched)}${this.defaultsSaid(node, matched)}`, 'schema.oneOf');
    }
  }

  /** `not`: the value must not fit the schema. */
  private negation(node: Node, not: OpenApiSchema, schema: CompiledSchema, path: PathSegment[], parentKey: Node | null, depth: number): void {
    if (this.probeWith(node, schema.compiled(not), path, parentKey, depth).length > 0) return;
    this.report(this.anchorOf(node, parentKey), `${notSaid(this.where(path), not)}${this.defaultsSaid(node, [not])}`, 'schema.not');
  }

  /** Where a finding about a whole value sits: a scalar itself; a map or list at its key, else (a list item, the root) its first key. */
  private anchorOf(node: Node, parentKey: Node | null): Node {
    if (isScalar(node)) return node;
    if (parentKey !== null) return parentKey;
    return isMap(node) ? firstKey(node) : node;
  }
}

/** A field the apiserver fills in from its default: made from the default, at the line of `anchor` (the nearest key Git declares). */
function defaultPair(doc: Document.Parsed, name: string, value: unknown, anchor: Node): Pair {
  const said = `\`${name}\` is not set, so the apiserver sets its default ${JSON.stringify(value)}; set \`${name}\` to a value that fits`;
  const key = new yaml.Scalar(name);
  const range = anchor.range;
  key.range = range;
  DEFAULT_NODES.set(key, said);
  // Most defaults are scalars (an interval, a flag): made directly, not by the document's node factory.
  const node = value !== null && typeof value === 'object' ? (doc.createNode(value) as Node) : new yaml.Scalar(value);
  visit(node, (_key, n) => {
    if (isNode(n)) {
      n.range = range;
      DEFAULT_NODES.set(n, said);
    }
  });
  return new yaml.Pair(key, node);
}

/** Nodes made from a schema's default, with what to say of them: a finding on one names the default. */
const DEFAULT_NODES = new WeakMap<Node, string>();

function segmentAt(path: readonly PathSegment[], at: number): PathSegment | undefined {
  return path[path.length + at];
}

/** How the apiserver words a CEL failure per `reason` (field.ErrorType); Invalid is the default. */
const REASON_TEXT: Record<string, string> = {
  FieldValueForbidden: 'Forbidden: ',
  FieldValueRequired: 'Required value: ',
  FieldValueDuplicate: 'Duplicate value: ',
};

/** The value in an `Invalid value:` message as the apiserver prints it: scalars quoted as Go's %q does, lists and objects left out. */
function shownValue(node: Node): string {
  if (!isScalar(node)) return '';
  const v = node.value;
  if (typeof v === 'string') return `${JSON.stringify(v)}: `;
  if (typeof v === 'number' || typeof v === 'boolean') return `${String(v)}: `;
  return '';
}

function shorten(rule: string): string {
  const oneLine = rule.replace(/\s+/g, ' ');
  return oneLine.length > 80 ? `${oneLine.slice(0, 80)}…` : oneLine;
}

/** The key (or item) that a rule's fieldPath names, as deep as the document has it. */
function descend(node: Node, fieldPath: readonly (string | number)[]): Node | undefined {
  let current: Node | undefined = node;
  let found: Node | undefined;
  for (const seg of fieldPath) {
    if (typeof seg === 'number' && isSeq(current)) {
      const item = current.items[seg] as Node | undefined;
      if (item === undefined) break;
      found = item;
      current = item;
    } else if (typeof seg === 'string' && isMap(current)) {
      const pair = current.items.find((p) => isScalar(p.key) && String(p.key.value) === seg);
      if (pair === undefined) break;
      found = pair.key as Node;
      current = (pair.value ?? undefined) as Node | undefined;
    } else break;
  }
  return found;
}

/** Whether a map has a `<<` key: its value is compared first, so the type checks run only on a `<<`. */
function hasMergeKey(node: YAMLMap): boolean {
  const items = node.items as unknown[];
  for (let i = 0; i < items.length; i++) {
    const p = items[i];
    const key = (p as { key?: unknown } | null)?.key;
    if ((key as { value?: unknown } | null | undefined)?.value === '<<' && isPair(p) && isScalar(key)) return true;
  }
  return false;
}

function hasKey(node: YAMLMap, name: string): boolean {
  const items = node.items as unknown[];
  for (let i = 0; i < items.length; i++) {
    const pair = items[i] as Pair;
    const key = tagOf(pair) === PAIR_TAG ? (pair.key as Scalar | null) : null;
    if (tagOf(key) !== SCALAR_TAG) continue;
    const value = (key as Scalar).value;
    if ((typeof value === 'string' ? value : String(value)) === name) return true;
  }
  return false;
}

function caseInsensitive<T>(properties: ReadonlyMap<string, T>, key: string): T | undefined {
  const lower = key.toLowerCase();
  for (const [name, value] of properties) if (name.toLowerCase() === lower) return value;
  return undefined;
}

/** Go RE2 patterns in JavaScript's spelling (`(?i)`, `\z`, POSIX classes); one with no translation is skipped rather than guessed. */
function compilePattern(pattern: string): RegExp | undefined {
  return re2RegExp(pattern);
}


/** `containers[web]` reads better than `containers[0]` in a message. */
function itemLabel(item: Node, key: string, index: number): string | number {
  if (!isMap(item)) return index;
  const value = item.get(key, true);
  return isScalar(value) && (typeof value.value === 'string' || typeof value.value === 'number') ? `[${String(value.value)}]` : index;
}

function firstKey(node: YAMLMap): Node {
  const first = node.items[0];
  return isPair(first) && first.key !== null && typeof first.key === 'object' ? (first.key as Node) : node;
}

function rootAnchor(node: YAMLMap): Node | null {
  const kind = node.get('kind', true);
  return isScalar(kind) ? kind : node;
}

function describeNode(node: Node): string {
  if (isMap(node)) return 'an object';
  if (isSeq(node)) return 'a list';
  if (isScalar(node)) {
    const v = node.value;
    if (typeof v === 'string') return `the string "${v.length > 40 ? `${v.slice(0, 40)}…` : v}"`;
    if (typeof v === 'number') return `the number ${String(v)}`;
    if (typeof v === 'boolean') return `the boolean ${String(v)}`;
    return 'null';
  }
  return 'this value';
}

function quoteHint(node: Node): string {
  if (isScalar(node) && (typeof node.value === 'number' || typeof node.value === 'boolean') && node.source !== undefined) {
    return `; quote it: "${String(node.source)}"`;
  }
  return '';
}

/** Validates one document against the schema of its kind. */
/**
 * A scalar as Flux's post-build substitution leaves it: placeholders replaced by the values Git
 * holds for the Kustomization that renders the file, else by their defaults (an unquoted scalar
 * is then read again as YAML, so `${REPLICAS:=3}` is the number 3), and undefined for one whose
 * value is nowhere in Git (`${REPLICAS}`): it is set in the cluster, and kubeconform-style type
 * errors on it would be false.
 */
function substituted(node: Node | null, variables: PostBuildValues | undefined): Node | null | undefined {
  if (!isScalar(node) || typeof node.value !== 'string' || !mayHavePlaceholder(node.value)) return node;
  const known = withKnownValues(node.value, variables);
  if (known === undefined) return undefined;
  const text = known.text;
  if (text === node.value) return node;
  let value: unknown = text;
  if (node.type === PLAIN) {
    try {
      const parsed: unknown = yaml.parse(text);
      if (parsed === null || typeof parsed !== 'object') value = parsed;
    } catch {
      // Not a scalar YAML can read: checked as the string it is.
    }
  }
  const replaced = new yaml.Scalar(value);
  replaced.type = node.type;
  replaced.range = node.range;
  const fromSecret = known.used.some((name) => variables?.values.get(name)?.secret === true);
  SUBSTITUTED.set(replaced, {
    said: variables === undefined || known.used.length === 0 ? `the default in \`${node.value}\`` : valuesSaid(known.used, variables),
    ...(fromSecret ? { secret: text } : {}),
  });
  return replaced;
}

/** `${REPLICAS}` is "three" from ConfigMap flux-system/vars in clusters/prod/vars.yaml, as Flux Kustomization flux-system/apps substitutes it. */
function valuesSaid(used: readonly string[], variables: PostBuildValues): string {
  const each = used.flatMap((name) => {
    const v = variables.values.get(name);
    // A Secret's value stays unsaid, even one read from Git.
    return v === undefined ? [] : [`\`\${${name}}\` is ${v.secret ? 'a value (not shown)' : JSON.stringify(v.value)} from ${v.from}`];
  });
  return `${each.join('; ')}, as ${variables.unit} substitutes it`;
}

/**
 * Scalars that stand for a placeholder's value or default, with what to say of it: a finding on
 * one names it. `secret`: the text holds a Secret's value, which no message may show.
 */
const SUBSTITUTED = new WeakMap<Node, { said: string; secret?: string }>();

/** A message about a value with that value taken out, as JSON (`"soon"`) or as code (`` `soon` ``). */
function masked(message: string, value: string): string {
  return message.split(JSON.stringify(value)).join('(a value not shown)').split(`\`${value}\``).join('(a value not shown)');
}

export function validateDocument(
  view: SchemaView,
  doc: Document.Parsed,
  schema: OpenApiSchema,
  kind: string,
  options: ValidateOptions,
  /** The object to validate when it is not the document's root: an item of a `List`. */
  root: Node | null = doc.contents,
): Problem[] {
  const walker = new Walker(view, doc, kind, options);
  walker.visit(root, view.compiled(schema), [], null, 0, options.oldObject === undefined || options.oldObject === null ? undefined : { value: options.oldObject });
  return walker.problems;
}

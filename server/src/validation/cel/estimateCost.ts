// The apiserver's static cost estimate of a CEL rule, which it computes when a CRD is created or
// updated and refuses the CRD when one rule's estimate is over the per-rule limit (or all rules'
// over the per-CRD limit). The estimate is a worst case over every value the schema allows: a
// string without maxLength may fill a whole request (3 MiB), a list without maxItems may hold as
// many of its smallest items as fit in one. This follows cel-go's checker cost model (the costs
// of identifiers, selects, calls, comprehensions; strings traversed at 0.1 per character) and the
// Kubernetes libraries' estimates, with sizes taken from the schema as the apiserver's
// SchemaDeclType derives them. Only the maximum is kept: it is what the limits are checked against.

import type { OpenApiSchema } from '../../schemas/openapi';
import { celFieldName } from './fieldNames';

/** The largest request the apiserver accepts (3 MiB): what unbounded sizes are derived from. */
export const MAX_REQUEST_BYTES = 3 * 1024 * 1024;
/** One rule's estimated cost may not exceed this (StaticEstimatedCostLimit). */
export const STATIC_RULE_COST_LIMIT = 10_000_000;
/** All rules of one CRD version together (StaticEstimatedCRDCostLimit). */
export const STATIC_CRD_COST_LIMIT = 100_000_000;

/** Costs saturate at the largest uint64 (as a double: 2^64), as the apiserver's do. */
export const MAX_U64 = 2 ** 64;
const STRING_TRAVERSAL = 0.1;
const REGEX_LENGTH = 0.25;
const LIST_CREATE = 10;
/** The longest regex of a named format (cel.MaxNameFormatRegexSize). */
const MAX_NAME_FORMAT_REGEX_SIZE = 128;
const MAP_CREATE = 30;

const sat = (n: number): number => (n >= MAX_U64 || !Number.isFinite(n) ? MAX_U64 : n);
const add = (...ns: number[]): number => sat(ns.reduce((a, b) => a + b, 0));
const mul = (a: number, b: number): number => sat(a * b);
const factor = (size: number, f: number): number => sat(Math.ceil(size * f));

/** The CEL type the apiserver declares for a schema node, with its size bounds (DeclType). */
export interface DeclType {
  kind: 'string' | 'bytes' | 'int' | 'double' | 'bool' | 'list' | 'map' | 'object' | 'dyn' | 'duration' | 'timestamp';
  /** Largest length (strings, bytes: in bytes) or element count (lists, maps). */
  maxElements: number;
  /** The smallest JSON it can be written as, in bytes. */
  minSerializedSize: number;
  elem?: DeclType;
  key?: DeclType;
  fields?: Map<string, DeclType>;
  /** An object with a property given by `$ref` (a published schema): its fields are not all known here. */
  open?: boolean;
}

const scalar = (kind: DeclType['kind'], minSerializedSize: number, maxElements = 0): DeclType => ({ kind, minSerializedSize, maxElements });
const STRING_KEY = scalar('string', 2);
const UNBOUNDED_STRING = MAX_REQUEST_BYTES - 2;

function maxStringLength(s: OpenApiSchema): number {
  if (s.maxLength !== undefined) return Math.max(0, s.maxLength) * 4;
  return UNBOUNDED_STRING;
}

/** SchemaDeclType: the declared type of a structural schema node; undefined where CEL sees nothing. */
export function declTypeOf(s: OpenApiSchema | undefined, isResourceRoot: boolean): DeclType | undefined {
  if (s === undefined) return undefined;
  if (s['x-kubernetes-int-or-string'] === true) return scalar('dyn', 1, maxStringLength(s));
  let schema = s;
  if (isResourceRoot) {
    // apiVersion, kind and metadata.name/generateName are always there for rules at a resource's root.
    const str: OpenApiSchema = { type: 'string' };
    schema = { ...s, properties: { ...s.properties, kind: str, apiVersion: str, metadata: { type: 'object', properties: { name: str, generateName: str } } } };
  }
  switch (schema.type) {
    case 'array': {
      if (schema.items === undefined) return undefined;
      const elem = declTypeOf(schema.items, schema.items['x-kubernetes-embedded-resource'] === true);
      if (elem === undefined) return undefined;
      const max = schema.maxItems !== undefined ? Math.max(0, schema.maxItems) : Math.floor((MAX_REQUEST_BYTES - 2) / (elem.minSerializedSize + 1));
      return { kind: 'list', maxElements: max, minSerializedSize: 2, elem };
    }
    case 'object': {
      const extra = schema.additionalProperties;
      if (typeof extra === 'object') {
        const elem = declTypeOf(extra, extra['x-kubernetes-embedded-resource'] === true);
        if (elem === undefined) return undefined;
        const max = schema.maxProperties !== undefined ? Math.max(0, schema.maxProperties) : Math.floor((MAX_REQUEST_BYTES - 2) / (elem.minSerializedSize + 6));
        return { kind: 'map', maxElements: max, minSerializedSize: 2, elem, key: STRING_KEY };
      }
      const fields = new Map<string, DeclType>();
      const required = new Set(schema.required ?? []);
      let minSerializedSize = 2;
      let open = false;
      for (const [name, prop] of Object.entries(schema.properties ?? {})) {
        if (typeof prop === 'object' && prop !== null && '$ref' in prop) open = true;
        const field = declTypeOf(prop, prop['x-kubernetes-embedded-resource'] === true);
        if (field === undefined) continue;
        // Rules reach the property by its escaped name; a reserved word also by its own (escapes: fieldNames.ts).
        const escaped = celFieldName(name);
        if (escaped !== undefined) fields.set(escaped, field);
        if (escaped !== undefined && escaped !== name && /^[A-Za-z_][A-Za-z0-9_]*$/.test(name)) fields.set(name, field);
        // Required fields without a default are always written: the smallest object holds them.
        if (required.has(name) && prop.default === undefined) minSerializedSize += name.length + field.minSerializedSize + 4;
      }
      return { kind: 'object', maxElements: 0, minSerializedSize, fields, ...(open ? { open } : {}) };
    }
    case 'string':
      switch (schema.format) {
        case 'byte':
          return scalar('bytes', 2, schema.maxLength !== undefined ? Math.max(0, schema.maxLength) : UNBOUNDED_STRING);
        case 'duration':
          return scalar('duration', 3, 32);
        case 'date':
          return scalar('timestamp', 12, 12);
        case 'date-time':
          return scalar('timestamp', 21, 32);
      }
      if (schema.maxLength === undefined && schema.enum !== undefined && schema.enum.length > 0) {
        return scalar('string', 2, Math.max(0, ...schema.enum.map((e) => (typeof e === 'string' ? Buffer.byteLength(e) : 0))));
      }
      return scalar('string', 2, maxStringLength(schema));
    case 'boolean':
      return scalar('bool', 4);
    case 'number':
      return scalar('double', 1);
    case 'integer':
      return scalar('int', 1);
    default:
      return undefined;
  }
}

/** How many times a rule at this node may run in one object, when nothing above bounds it (maxCardinality). */
export function unboundedCardinality(decl: DeclType): number {
  return Math.floor(MAX_REQUEST_BYTES / (decl.minSerializedSize + 1));
}

interface Node {
  op: string;
  args: unknown;
}

/** What the estimate knows of an expression: its type (when known), its size bound, its schema path. */
interface Shape {
  kind: DeclType['kind'] | 'quantity' | 'ip' | 'cidr' | 'semver' | 'url' | 'unknown';
  /** Largest size (characters, elements), or undefined when nothing bounds it. */
  size: number | undefined;
  /** Smallest size, where known (a literal's); else 0. */
  min?: number;
  decl?: DeclType;
}

const UNKNOWN: Shape = { kind: 'unknown', size: undefined };
const isNode = (v: unknown): v is Node => typeof v === 'object' && v !== null && 'op' in v;
const SCALARS = new Set(['int', 'double', 'bool', 'duration', 'timestamp']);
/** The value of an int literal (a negative one as cel-go reads it: no bound), else undefined. */
function intLiteral(node: unknown): number | undefined {
  if (!isNode(node) || node.op !== 'value' || typeof node.args !== 'bigint') return undefined;
  return node.args < 0n ? MAX_U64 : sat(Number(node.args));
}

/** Namespaces of the Kubernetes libraries' functions. */
const NAMESPACES = new Set(['sets', 'format', 'strings', 'lists']);
const MACROS = new Set(['all', 'exists', 'exists_one', 'map', 'filter']);
/** Functions of the Kubernetes libraries whose result type matters to what follows. */
const RESULT_KINDS: Record<string, Shape['kind']> = { quantity: 'quantity', ip: 'ip', cidr: 'cidr', semver: 'semver', url: 'url', size: 'int', int: 'int', string: 'string', double: 'double', bool: 'bool', duration: 'duration', timestamp: 'timestamp' };

class Estimator {
  private readonly scopes: Map<string, Shape>[] = [];

  constructor(private readonly self: DeclType | undefined) {}

  private shapeOfDecl(decl: DeclType | undefined): Shape {
    if (decl === undefined) return UNKNOWN;
    return { kind: decl.kind, size: decl.maxElements, decl };
  }

  /** The size cel-go's estimator gives an operand: known bound, 1 for a scalar, else the worst case. */
  private size(s: Shape): number {
    if (s.size !== undefined) return s.size;
    return SCALARS.has(s.kind) ? 1 : MAX_U64;
  }

  /** Whether a comprehension variable of this name is in scope (then it is no namespace). */
  private bound(name: string): boolean {
    return this.scopes.some((scope) => scope.has(name));
  }

  /** `a.b.c` of identifiers that are not variables, naming a type. */
  private typeName(node: Node): boolean {
    const parts: string[] = [];
    let n: unknown = node;
    while (isNode(n) && n.op === '.') {
      parts.unshift(String((n.args as unknown[])[1]));
      n = (n.args as unknown[])[0];
    }
    if (!isNode(n) || n.op !== 'id' || this.bound(String(n.args))) return false;
    const name = [String(n.args), ...parts].join('.');
    return name === 'net.IP' || name === 'net.CIDR' || name.startsWith('google.protobuf.');
  }

  /** Returns the maximum cost of `node` and what it evaluates to. */
  cost(node: unknown): [number, Shape] {
    if (!isNode(node)) return [0, UNKNOWN];
    const args = node.args;
    switch (node.op) {
      case 'value': {
        if (typeof args === 'string') return [0, { kind: 'string', size: [...args].length, min: [...args].length }];
        if (typeof args === 'boolean') return [0, { kind: 'bool', size: 1 }];
        if (typeof args === 'number') return [0, { kind: 'double', size: 1 }];
        if (typeof args === 'bigint') return [0, { kind: 'int', size: 1 }];
        return [0, { kind: 'unknown', size: 1 }];
      }
      case 'id': {
        const name = String(args);
        for (let i = this.scopes.length - 1; i >= 0; i--) {
          const bound = this.scopes[i]?.get(name);
          if (bound !== undefined) return [1, bound];
        }
        if (name === 'self' || name === 'oldSelf') return [1, this.shapeOfDecl(this.self)];
        // Any other free identifier (a type such as `string`, `int`) is one step of the apiserver's size lookup,
        // which drops the first name of a path and so answers with `self`'s own bound: an equality with it
        // costs that bound at 0.1 (nothing when self is an object).
        return [1, { kind: 'unknown', size: this.self?.maxElements ?? 0 }];
      }
      case '.':
      case '.?': {
        // A qualified type name (net.IP, google.protobuf.Duration) is one identifier to the apiserver.
        if (node.op === '.' && this.typeName(node)) return [1, { kind: 'unknown', size: this.self?.maxElements ?? 0 }];
        const [operand, field] = args as [unknown, string];
        const [c, s] = this.cost(operand);
        const fieldDecl = s.decl?.fields?.get(field) ?? (s.decl?.kind === 'map' ? s.decl.elem : undefined);
        // Selecting from an object or map costs one; `.?` is a call (one) in cel-go.
        const own = node.op === '.?' || s.kind === 'object' || s.kind === 'map' ? 1 : 0;
        return [add(c, own), this.shapeOfDecl(fieldDecl)];
      }
      case '[]':
      case '[?]': {
        const [operand, index] = args as [unknown, unknown];
        const [c1, s] = this.cost(operand);
        const [c2] = this.cost(index);
        return [add(c1, c2, 1), this.shapeOfDecl(s.decl?.elem)];
      }
      case 'list': {
        const items = Array.isArray(args) ? args : [];
        return [add(LIST_CREATE, ...items.map((i) => this.cost(i)[0])), { kind: 'list', size: items.length }];
      }
      case 'map': {
        const entries = Array.isArray(args) ? (args as unknown[][]) : [];
        return [add(MAP_CREATE, ...entries.flatMap((e) => e.map((x) => this.cost(x)[0]))), { kind: 'map', size: entries.length }];
      }
      case '&&':
      case '||': {
        const [a, b] = args as [unknown, unknown];
        return [add(this.cost(a)[0], this.cost(b)[0]), { kind: 'bool', size: 1 }];
      }
      case '?:': {
        const [cond, yes, no] = args as [unknown, unknown, unknown];
        const [c0] = this.cost(cond);
        const [c1, s1] = this.cost(yes);
        const [c2, s2] = this.cost(no);
        const size = s1.size === undefined || s2.size === undefined ? undefined : Math.max(s1.size, s2.size);
        return [add(c0, Math.max(c1, c2)), { kind: s1.kind === s2.kind ? s1.kind : 'unknown', size }];
      }
      case '!_':
      case '-_': {
        const [c, s] = this.cost(args);
        return [add(c, 1), { kind: node.op === '!_' ? 'bool' : s.kind, size: 1 }];
      }
      case 'call':
      case 'rcall':
        return this.call(node);
      default:
        return this.binary(node.op, args);
    }
  }

  private binary(op: string, args: unknown): [number, Shape] {
    const [left, right] = Array.isArray(args) ? (args as [unknown, unknown]) : [undefined, undefined];
    const [c1, s1] = this.cost(left);
    const [c2, s2] = this.cost(right);
    const both = add(c1, c2);
    const stringy = (k: Shape['kind']): boolean => k === 'string' || k === 'bytes';
    switch (op) {
      case '==':
      case '!=': {
        // Equal Kubernetes library values compare in constant time; others by traversing the smaller.
        if (['quantity', 'ip', 'cidr', 'semver'].includes(s1.kind) && s1.kind === s2.kind) return [add(both, 1), { kind: 'bool', size: 1 }];
        return [add(both, factor(Math.min(this.size(s1), this.size(s2)), STRING_TRAVERSAL)), { kind: 'bool', size: 1 }];
      }
      case '<':
      case '<=':
      case '>':
      case '>=':
        if (stringy(s1.kind) || stringy(s2.kind)) return [add(both, factor(Math.min(this.size(s1), this.size(s2)), STRING_TRAVERSAL)), { kind: 'bool', size: 1 }];
        return [add(both, 1), { kind: 'bool', size: 1 }];
      case '+': {
        if (stringy(s1.kind) || stringy(s2.kind)) {
          const size = add(this.size(s1), this.size(s2));
          return [add(both, factor(size, STRING_TRAVERSAL)), { kind: 'string', size }];
        }
        if (s1.kind === 'list' || s2.kind === 'list') return [add(both, 1), { kind: 'list', size: add(this.size(s1), this.size(s2)), ...(s1.decl === undefined ? {} : { decl: s1.decl }) }];
        return [add(both, 1), { kind: s1.kind, size: 1 }];
      }
      case 'in':
        // Membership in a list is linear in its length; in a map, constant.
        if (s2.kind === 'map') return [add(both, 1), { kind: 'bool', size: 1 }];
        return [add(both, this.size(s2)), { kind: 'bool', size: 1 }];
      default:
        return [add(both, 1), { kind: s1.kind === s2.kind ? s1.kind : 'unknown', size: 1 }];
    }
  }

  private call(node: Node): [number, Shape] {
    const receiverCall = node.op === 'rcall';
    const parts = node.args as unknown[];
    const name = String(parts[0]);
    const target = receiverCall ? parts[1] : undefined;
    const args = ((receiverCall ? parts[2] : parts[1]) ?? []) as unknown[];
    if (name === 'has' && !receiverCall) {
      // A presence test costs nothing beyond reaching the operand (PresenceTestHasCost(false)).
      const sel = args[0];
      return [isNode(sel) && Array.isArray(sel.args) ? this.cost(sel.args[0])[0] : 0, { kind: 'bool', size: 1 }];
    }
    if (receiverCall && MACROS.has(name) && args.length >= 2) return this.comprehension(name, target, args);
    if (receiverCall && (name === 'optMap' || name === 'optFlatMap') && args.length === 2) {
      // cel-go binds the variable through a comprehension's accumulator, whose size it does not know.
      const [targetCost] = this.cost(target);
      this.scopes.push(new Map([[isNode(args[0]) ? String(args[0].args) : '', UNKNOWN]]));
      const [body] = this.cost(args[1]);
      this.scopes.pop();
      return [add(targetCost, body, 3), UNKNOWN];
    }
    const ident = receiverCall && isNode(target) && target.op === 'id' ? String(target.args) : undefined;
    // `sets.contains(…)`, `format.dns1123Label()`, `ip.isCanonical(…)` are namespaced functions to the
    // apiserver (the engine spells them as methods of a constant): the namespace costs nothing.
    const namespace = ident !== undefined && (NAMESPACES.has(ident) || (ident === 'ip' && name === 'isCanonical')) && !this.bound(ident) ? ident : undefined;
    const [targetCost, t] = target === undefined || namespace !== undefined ? [0, UNKNOWN] : this.cost(target);
    const evaluated = args.map((a) => this.cost(a));
    const argCost = add(targetCost, ...evaluated.map(([c]) => c));
    const a = evaluated.map(([, s]) => s);
    const sz = (s: Shape | undefined): number => (s === undefined ? 0 : this.size(s));
    const result = (cost: number, shape: Shape): [number, Shape] => [add(argCost, cost), shape];
    switch (namespace === undefined ? name : `${namespace}.${name}`) {
      case 'strings.quote':
        // Each character may be escaped (two), and the quotes added.
        return result(factor(sz(a[0]), STRING_TRAVERSAL), { kind: 'string', size: add(mul(sz(a[0]), 2), 2) });
      case 'format':
        if (t.kind === 'string') return result(factor(sz(t), STRING_TRAVERSAL), { kind: 'string', size: undefined });
        return result(1, UNKNOWN);
      case 'lists.range':
        return this.listCall(argCost, 1, intLiteral(args[0]) ?? MAX_U64);
      case 'slice':
      case 'reverse':
      case 'flatten':
      case 'distinct':
      case 'sort': {
        // The lists library: the size of the result times a factor, plus the call and a new list.
        if (t.kind !== 'list') break;
        const n = sz(t);
        if (name === 'slice') return this.listCall(argCost, 1, Math.max(0, (intLiteral(args[1]) ?? n) - (intLiteral(args[0]) ?? 0)));
        if (name === 'reverse') return this.listCall(argCost, 1, n);
        if (name === 'flatten') return this.listCall(argCost, args[0] === undefined ? 1 : (intLiteral(args[0]) ?? MAX_U64), n);
        const stringy = t.decl?.elem?.kind === 'string' || t.decl?.elem?.kind === 'bytes';
        return this.listCall(argCost, name === 'sort' && stringy ? 2 + STRING_TRAVERSAL : 2, mul(n, n));
      }
      case 'sets.contains':
      case 'sets.intersects':
      case 'sets.equivalent':
        // One comparison per pair of items (two for equivalent), plus the call.
        return result(add(1, factor(mul(sz(a[0]), sz(a[1])), name === 'equivalent' ? 2 : 1)), { kind: 'bool', size: 1 });
      case 'validate':
        // A named format's regex (at most 128 characters, at 0.25 each) run over the string.
        return result(factor(factor(sz(a[0]), STRING_TRAVERSAL), MAX_NAME_FORMAT_REGEX_SIZE * REGEX_LENGTH), { kind: 'unknown', size: undefined });
      case 'startsWith':
      case 'endsWith':
        return result(factor(sz(a[0]), STRING_TRAVERSAL), { kind: 'bool', size: 1 });
      case 'contains':
        return result(mul(factor(sz(t), STRING_TRAVERSAL), factor(sz(a[0]), STRING_TRAVERSAL)), { kind: 'bool', size: 1 });
      case 'matches':
        return result(mul(factor(add(sz(target === undefined ? a[0] : t), 1), STRING_TRAVERSAL), factor(sz(target === undefined ? a[1] : a[0]), REGEX_LENGTH)), { kind: 'bool', size: 1 });
      case 'find':
      case 'findAll':
        return result(mul(factor(add(sz(t), 1), STRING_TRAVERSAL), factor(sz(a[0]), REGEX_LENGTH)), { kind: name === 'find' ? 'string' : 'list', size: sz(t) });
      case 'isSorted':
      case 'sum':
      case 'max':
      case 'min':
      case 'indexOf':
      case 'lastIndexOf': {
        if (t.kind === 'string') return result(factor(sz(t), STRING_TRAVERSAL), { kind: 'int', size: 1 });
        const elem = t.decl?.elem;
        const each = elem !== undefined && (elem.kind === 'string' || elem.kind === 'bytes') ? add(1, factor(elem.maxElements, STRING_TRAVERSAL)) : 1;
        return result(mul(sz(t), each), this.shapeOfDecl(elem));
      }
      case 'string':
      case 'bytes': {
        // Conversions that traverse their argument: bytes → string, string → bytes (up to 4 bytes a character).
        // For an int-or-string (dyn) every overload may apply, and the apiserver takes the costliest.
        const from = a[0]?.kind;
        const kind = name === 'string' ? 'string' : 'bytes';
        const traverses = target === undefined && (from === 'dyn' || (name === 'string' ? from === 'bytes' : from === 'string'));
        if (!traverses) return result(1, { kind, size: undefined });
        const size = name === 'string' ? sz(a[0]) : mul(sz(a[0]), 4);
        return result(factor(sz(a[0]), STRING_TRAVERSAL), { kind, size });
      }
      case 'url':
        return result(factor(sz(a[0]), STRING_TRAVERSAL), { kind: 'url', size: sz(a[0]) });
      case 'lowerAscii':
      case 'upperAscii':
      case 'substring':
      case 'trim':
        return result(factor(sz(t), STRING_TRAVERSAL), { kind: 'string', size: sz(t) });
      case 'replace': {
        // Traversal plus building the result; the result is longest when the shortest match is replaced by the longest text.
        const from = a[0]?.min ?? 0;
        const to = sz(a[1]);
        const size = from === 0 ? add(mul(sz(t) >= MAX_U64 ? sz(t) : sz(t) + 1, to), sz(t)) : to <= from ? sz(t) : mul(Math.ceil(sz(t) / from), to);
        return result(factor(sz(t), 2 * STRING_TRAVERSAL), { kind: 'string', size });
      }
      case 'join': {
        // The longest result: every item at its longest, with a separator between each two.
        const items = sz(t);
        const elem = t.decl?.elem;
        const each = elem === undefined ? MAX_U64 : elem.maxElements;
        const size = add(mul(items, each), a[0] === undefined ? 0 : mul(sz(a[0]), Math.max(0, items - 1)));
        return result(factor(size, STRING_TRAVERSAL), { kind: 'string', size });
      }
      case 'split': {
        // At most one part per character, or as many as a literal limit says (a negative one: no limit, as an unsigned count).
        const limit = args[1];
        const literal = isNode(limit) && limit.op === 'value' && typeof limit.args === 'bigint' ? limit.args : undefined;
        const parts = literal === undefined ? sz(t) : literal < 0n ? MAX_U64 : sat(Number(literal));
        return result(factor(sz(t), 2 * STRING_TRAVERSAL), { kind: 'list', size: parts });
      }
      case 'ip':
      case 'cidr':
      case 'isIP':
      case 'isCIDR':
      case 'quantity':
      case 'isQuantity':
      case 'semver':
      case 'isSemver':
        if (target !== undefined) return result(1, { kind: 'ip', size: 1 });
        return result(factor(sz(a[0]), STRING_TRAVERSAL), { kind: RESULT_KINDS[name] ?? 'bool', size: 1 });
      case 'ip.isCanonical':
        return result(factor(sz(a[0]), 2 * STRING_TRAVERSAL), { kind: 'bool', size: 1 });
      case 'containsIP':
      case 'containsCIDR': {
        const base = name === 'containsIP' ? 4 : 7;
        return result(a[0]?.kind === 'string' ? add(base, factor(sz(a[0]), STRING_TRAVERSAL)) : base, { kind: 'bool', size: 1 });
      }
      default:
        break;
    }
    return result(1, { kind: RESULT_KINDS[name] ?? 'unknown', size: name === 'size' || name === 'int' ? 1 : undefined });
  }

  /** A call of the lists library that builds a list of `size` items at `costFactor` each (estimateAllocatingListCall). */
  private listCall(argCost: number, costFactor: number, size: number): [number, Shape] {
    return [add(argCost, factor(size, costFactor), 1, LIST_CREATE), { kind: 'list', size }];
  }

  /** all, exists, exists_one, map, filter as cel-go expands them: the range's size times one step. */
  private comprehension(name: string, range: unknown, args: unknown[]): [number, Shape] {
    const [rangeCost, r] = this.cost(range);
    const name0 = isNode(args[0]) ? String(args[0].args) : '';
    const element = r.decl?.kind === 'map' ? this.shapeOfDecl(r.decl.key) : this.shapeOfDecl(r.decl?.elem);
    // all(k, v, …), exists(k, v, …), exists_one(k, v, …): a map's key and value, or a list's index and item.
    const twoVariables = args.length === 3 && name !== 'map' && isNode(args[1]) && args[1].op === 'id';
    const scope = new Map([[name0, twoVariables && r.decl?.kind !== 'map' ? ({ kind: 'int', size: 1 } satisfies Shape) : element]]);
    if (twoVariables && isNode(args[1])) scope.set(String(args[1].args), r.decl?.kind === 'map' ? this.shapeOfDecl(r.decl.elem) : this.shapeOfDecl(r.decl?.elem));
    this.scopes.push(scope);
    const bodies = args.slice(twoVariables ? 2 : 1).map((a) => this.cost(a));
    this.scopes.pop();
    const body = add(...bodies.map(([c]) => c));
    // Per element: the loop condition and the step around the body; then the initial accumulator and the result.
    const [init, step] =
      name === 'all' ? [0, 3] : name === 'exists' ? [0, 4] : name === 'exists_one' ? [0, 2] : name === 'map' ? [LIST_CREATE, 12] : [LIST_CREATE, 13];
    // exists_one ends with `__result__ == 1`: the accumulator (1) and an int comparison (1); the others with the accumulator (1).
    const result = name === 'exists_one' ? 2 : 1;
    const count = this.size(r);
    const shape: Shape = name === 'map' || name === 'filter' ? { kind: 'list', size: count } : { kind: 'bool', size: 1 };
    return [add(rangeCost, init, result, mul(count, add(body, step))), shape];
  }
}

/** The maximum estimated cost of one evaluation of a parsed rule (cel-js AST) with `self` of this type. */
export function estimateRuleCost(ast: unknown, self: DeclType | undefined): number {
  return new Estimator(self).cost(ast)[0];
}

/** How the apiserver says by how much an estimate is over its limit. */
export function exceedFactor(cost: number, limit: number): string {
  const f = cost / limit;
  if (f > 100) return 'more than 100x';
  if (f < 1.5) return `${f.toFixed(6)}x`;
  return `${f.toFixed(1)}x`;
}

export function costErrorMessage(what: string, cost: number, limit: number): string {
  return `${what} exceeds budget by factor of ${exceedFactor(cost, limit)} (try simplifying the rule, or adding maxItems, maxProperties, and maxLength where arrays, maps, and strings are declared)`;
}

// Would the kube-apiserver compile this CRD rule? Our engine (cel-js with our Kubernetes library)
// knows functions the apiserver does not declare (cel.bind, math.*, bytes helpers) and spells some
// differently (quantity's sign is a global function there), so a rule that runs here may be one
// the apiserver refuses when the CRD is created. This walks the parsed rule with the apiserver's
// declarations (apiserverDeclarations.ts) and the types the schema gives `self`, and says what
// cel-go's checker says about calls: an undeclared function or identifier, or no overload for the
// argument types, in its words and positions. Where a type is not known here it is `dyn`, which
// matches every overload: the check stays silent rather than guess. Operators, field names and
// literal homogeneity are not judged.

import { GLOBAL_FUNCTIONS, MEMBER_FUNCTIONS, RECEIVER_MACROS, TYPE_IDENTIFIERS } from './apiserverDeclarations';
import type { DeclType } from './estimateCost';

/** A CEL type as cel-go formats it: `string`, `list(int)`, `optional_type(V)`; `dyn` for unknown. */
interface CelType {
  name: string;
  params: CelType[];
  /** A type parameter of a declaration (A, B, K, T, V). */
  param?: true;
  /** The type of an expression that already has an error: matches everything, reported once. */
  error?: true;
}

const DYN: CelType = { name: 'dyn', params: [] };
const ERROR: CelType = { name: 'dyn', params: [], error: true };
const t = (name: string, ...params: CelType[]): CelType => ({ name, params });
const BOOL = t('bool');

function format(type: CelType): string {
  return type.params.length === 0 ? type.name : `${type.name}(${type.params.map(format).join(', ')})`;
}

function parseType(text: string): CelType {
  let at = 0;
  const read = (): CelType => {
    const m = /^[A-Za-z_][A-Za-z0-9_.]*/.exec(text.slice(at));
    const name = m?.[0] ?? '';
    at += name.length;
    const params: CelType[] = [];
    if (text[at] === '(') {
      at++;
      while (text[at] !== ')' && at < text.length) {
        params.push(read());
        if (text[at] === ',') at += 2;
      }
      at++;
    }
    return /^[A-Z]$/.test(name) ? { name, params, param: true } : { name, params };
  };
  return read();
}

interface Overload {
  member: boolean;
  params: CelType[];
  result: CelType;
}

function declarations(): Map<string, Overload[]> {
  const out = new Map<string, Overload[]>();
  const add = (sig: string, member: boolean): void => {
    const m = /^([^(]+)\((.*)\): (.+)$/.exec(sig);
    if (m === null) throw new Error(`bad declaration ${sig}`);
    const [, name = '', params = '', result = ''] = m;
    const list = out.get(name) ?? [];
    list.push({ member, params: params === '' ? [] : splitTop(params).map(parseType), result: parseType(result) });
    out.set(name, list);
  };
  for (const sig of MEMBER_FUNCTIONS) add(sig, true);
  for (const sig of GLOBAL_FUNCTIONS) add(sig, false);
  return out;
}

/** `a, list(b, c)` → [`a`, `list(b, c)`]. */
function splitTop(text: string): string[] {
  const parts: string[] = [];
  let depth = 0;
  let start = 0;
  for (let i = 0; i < text.length; i++) {
    if (text[i] === '(') depth++;
    else if (text[i] === ')') depth--;
    else if (text[i] === ',' && depth === 0) {
      parts.push(text.slice(start, i).trim());
      start = i + 1;
    }
  }
  parts.push(text.slice(start).trim());
  return parts;
}

let declared: Map<string, Overload[]> | undefined;

/** Binds type parameters while matching an argument type against a parameter type. */
function assignable(param: CelType, arg: CelType, bindings: Map<string, CelType>): boolean {
  if (arg.name === 'dyn' || arg.param === true) return true;
  if (param.param === true) {
    const bound = bindings.get(param.name);
    if (bound === undefined) {
      bindings.set(param.name, arg);
      return true;
    }
    return assignable(bound, arg, bindings);
  }
  if (param.name === 'dyn') return true;
  if (param.name !== arg.name || param.params.length !== arg.params.length) return false;
  return param.params.every((p, i) => assignable(p, arg.params[i] ?? DYN, bindings));
}

/** Types that may meet in `==` or one literal: either unknown here (dyn, an object, a type, null) or assignable. */
const loose = (x: CelType): boolean => ['dyn', 'object', 'type', 'null_type'].includes(x.name) || x.param === true;

function compatible(a: CelType, b: CelType): boolean {
  if (loose(a) || loose(b)) return true;
  return assignable(a, b, new Map()) && assignable(b, a, new Map());
}

const ADDABLE = new Set(['int', 'uint', 'double', 'string', 'bytes', 'list', 'duration']);

function substitute(type: CelType, bindings: Map<string, CelType>): CelType {
  if (type.param === true) return bindings.get(type.name) ?? DYN;
  return type.params.length === 0 ? type : { name: type.name, params: type.params.map((p) => substitute(p, bindings)) };
}

/** The CEL type of a schema node's value (SchemaDeclType); objects are `dyn` beyond their known fields. */
function fromDecl(decl: DeclType | undefined): CelType {
  if (decl === undefined) return DYN;
  switch (decl.kind) {
    case 'list':
      return t('list', fromDecl(decl.elem));
    case 'map':
      return t('map', t('string'), fromDecl(decl.elem));
    case 'object':
      return { name: 'object', params: [], ...{ decl } };
    case 'dyn':
      return DYN;
    default:
      return t(decl.kind);
  }
}

interface Node {
  op: string;
  args: unknown;
  pos?: number;
  start?: number;
  end?: number;
}

const isNode = (v: unknown): v is Node => typeof v === 'object' && v !== null && 'op' in v;

interface CompileError {
  offset: number;
  message: string;
}

class Checker {
  readonly errors: CompileError[] = [];
  private readonly scopes: Map<string, CelType>[] = [];
  private readonly decls = (declared ??= declarations());

  constructor(
    private readonly source: string,
    private readonly self: CelType,
    private readonly oldSelf: CelType,
  ) {}

  private error(offset: number | undefined, message: string): CelType {
    this.errors.push({ offset: offset ?? 0, message });
    return ERROR;
  }

  private lookup(name: string): CelType | undefined {
    for (let i = this.scopes.length - 1; i >= 0; i--) {
      const bound = this.scopes[i]?.get(name);
      if (bound !== undefined) return bound;
    }
    if (name === 'self') return this.self;
    if (name === 'oldSelf') return this.oldSelf;
    return undefined;
  }

  /** `a.b.c` written as identifiers and selects, when nothing in it is a variable: the qualified name. */
  private qualifiedName(node: unknown): string | undefined {
    if (!isNode(node)) return undefined;
    if (node.op === 'id') return this.lookup(String(node.args)) === undefined ? String(node.args) : undefined;
    if (node.op !== '.') return undefined;
    const [operand, field] = node.args as [unknown, string];
    const head = this.qualifiedName(operand);
    return head === undefined ? undefined : `${head}.${field}`;
  }

  /** Where cel-go places a call: its opening parenthesis. */
  private callOffset(from: number | undefined): number {
    const at = this.source.indexOf('(', from ?? 0);
    return at < 0 ? (from ?? 0) : at;
  }

  type(node: unknown): CelType {
    if (!isNode(node)) return DYN;
    const args = node.args;
    switch (node.op) {
      case 'value':
        if (typeof args === 'bigint') return t('int');
        if (typeof args === 'number') return t('double');
        if (typeof args === 'string') return t('string');
        if (typeof args === 'boolean') return BOOL;
        if (args === null) return t('null_type');
        if (args instanceof Uint8Array) return t('bytes');
        return t('uint');
      case 'id': {
        const name = String(args);
        const bound = this.lookup(name);
        if (bound !== undefined) return bound;
        if (TYPE_IDENTIFIERS.has(name) || name === 'timestamp' || name === 'duration') return t('type', DYN);
        return this.error(node.start ?? node.pos, `undeclared reference to '${name}' (in container '')`);
      }
      case '.':
      case '.?': {
        const qualified = this.qualifiedName(node);
        if (qualified !== undefined && (TYPE_IDENTIFIERS.has(qualified) || qualified.startsWith('google.protobuf.'))) return t('type', DYN);
        const [operand, field] = args as [unknown, string];
        const operandType = this.type(operand);
        let fieldType = DYN;
        if (operandType.name === 'map') fieldType = operandType.params[1] ?? DYN;
        else if (operandType.name === 'object') {
          // An object's fields are its schema's properties (by their CEL names); nothing else is declared.
          const decl = (operandType as { decl?: DeclType }).decl;
          const fields = decl?.open === true ? undefined : decl?.fields;
          const declared = decl?.fields?.get(field);
          if (fields !== undefined && declared === undefined) return this.error(this.source.lastIndexOf('.', node.pos ?? 0), `undefined field '${field}'`);
          fieldType = fromDecl(declared);
        }
        else if (operandType.name === 'optional_type') fieldType = DYN;
        return node.op === '.?' ? t('optional_type', fieldType) : fieldType;
      }
      case '[]':
      case '[?]': {
        const [operand, index] = args as [unknown, unknown];
        const operandType = this.type(operand);
        this.type(index);
        const elem = operandType.name === 'list' ? (operandType.params[0] ?? DYN) : operandType.name === 'map' ? (operandType.params[1] ?? DYN) : DYN;
        return node.op === '[?]' ? t('optional_type', elem) : elem;
      }
      case 'list': {
        const items = Array.isArray(args) ? (args as unknown[]) : [];
        return t('list', this.homogeneous(items));
      }
      case 'map': {
        const entries = Array.isArray(args) ? (args as unknown[][]) : [];
        // cel-go checks each key, then its value, in order; keys join with keys, values with values.
        let key: CelType | undefined;
        let value: CelType | undefined;
        for (const [k, v] of entries) {
          key = this.join(key, k);
          value = this.join(value, v);
        }
        return t('map', key ?? DYN, value ?? DYN);
      }
      case '&&':
      case '||':
      case '!_':
        for (const a of Array.isArray(args) ? args : [args]) this.type(a);
        return BOOL;
      case '-_':
        return this.type(args);
      case '?:': {
        const [cond, yes, no] = args as [unknown, unknown, unknown];
        this.type(cond);
        const a = this.type(yes);
        const b = this.type(no);
        return format(a) === format(b) ? a : DYN;
      }
      case 'call':
      case 'rcall':
        return this.call(node);
      default: {
        const [left, right] = Array.isArray(args) ? (args as [unknown, unknown]) : [undefined, undefined];
        const a = this.type(left);
        const b = this.type(right);
        if (node.op === '==' || node.op === '!=' || node.op === '+') this.operator(node.op, left, a, b);
        if (['==', '!=', '<', '<=', '>', '>=', 'in'].includes(node.op)) return BOOL;
        if (node.op === '-' && a.name === 'timestamp' && b.name === 'timestamp') return t('duration');
        return format(a) === format(b) || b.name === 'duration' ? a : DYN;
      }
    }
  }

  /** The element type of a list literal, which the apiserver wants homogeneous. */
  private homogeneous(items: readonly unknown[]): CelType {
    let joined: CelType | undefined;
    for (const item of items) joined = this.join(joined, item);
    return joined ?? DYN;
  }

  private join(previous: CelType | undefined, node: unknown): CelType {
    const type = this.type(node);
    if (previous === undefined || previous.error === true) return type;
    if (type.error === true || compatible(previous, type)) return previous.name === 'dyn' ? type : previous;
    this.error(isNode(node) ? node.start : undefined, `expected type '${format(previous)}' but found '${format(type)}'`);
    return previous;
  }

  /** `==`, `!=` take two values of one type; `+` adds numbers, strings, bytes, lists and times of one kind. */
  private operator(op: string, left: unknown, a: CelType, b: CelType): void {
    if (a.error === true || b.error === true) return;
    if (op !== '+' && compatible(a, b)) return;
    if (op === '+') {
      if (compatible(a, b) && (loose(a) || loose(b) || ADDABLE.has(a.name))) return;
      if ((a.name === 'timestamp' && b.name === 'duration') || (a.name === 'duration' && b.name === 'timestamp')) return;
    }
    const from = isNode(left) ? left.end : undefined;
    const at = this.source.indexOf(op, from ?? 0);
    this.error(at < 0 ? from : at, `found no matching overload for '_${op}_' applied to '(${format(a)}, ${format(b)})'`);
  }

  private call(node: Node): CelType {
    const receiverCall = node.op === 'rcall';
    const parts = node.args as unknown[];
    const name = String(parts[0]);
    let target = receiverCall ? parts[1] : undefined;
    const args = ((receiverCall ? parts[2] : parts[1]) ?? []) as unknown[];
    if (!receiverCall && name === 'has' && args.length === 1) {
      const sel = args[0];
      if (isNode(sel) && (sel.op === '.' || sel.op === '.?')) {
        const [operand, field] = sel.args as [unknown, string];
        const decl = (this.type(operand) as { decl?: DeclType }).decl;
        const fields = decl?.open === true ? undefined : decl?.fields;
        // has() of a field the object does not declare: cel-go says so at has's parenthesis.
        if (fields !== undefined && !fields.has(field)) return this.error(this.callOffset(node.start), `undefined field '${field}'`);
      }
      return BOOL;
    }
    if (receiverCall && RECEIVER_MACROS.get(name)?.includes(args.length) === true) return this.macro(name, target, args);
    // `sets.contains(…)`, `optional.of(…)`, `format.dns1123Label()`: one qualified global name.
    let global = name;
    const qualified = receiverCall ? this.qualifiedName(target) : undefined;
    if (qualified !== undefined && this.decls.has(`${qualified}.${name}`)) {
      global = `${qualified}.${name}`;
      target = undefined;
    }
    const member = target !== undefined;
    const types = [...(member ? [this.type(target)] : []), ...args.map((a) => this.type(a))];
    const at = this.callOffset(member && isNode(target) ? target.end : node.start);
    const overloads = this.decls.get(global);
    if (overloads === undefined) return this.error(at, `undeclared reference to '${global}' (in container '')`);
    if (types.some((x) => x.error === true)) return ERROR;
    const results: CelType[] = [];
    for (const o of overloads) {
      if (o.member !== member || o.params.length !== types.length) continue;
      const bindings = new Map<string, CelType>();
      if (o.params.every((p, i) => assignable(p, types[i] ?? DYN, bindings))) results.push(substitute(o.result, bindings));
    }
    if (results.length === 0) {
      const shown = member ? `${format(types[0] ?? DYN)}.(${types.slice(1).map(format).join(', ')})` : `(${types.map(format).join(', ')})`;
      return this.error(at, `found no matching overload for '${global}' applied to '${shown}'`);
    }
    const first = results[0] ?? DYN;
    return results.every((r) => format(r) === format(first)) ? first : DYN;
  }

  /** The macros: their variables are in scope in their bodies; the result type where it is plain. */
  private macro(name: string, target: unknown, args: unknown[]): CelType {
    const range = this.type(target);
    const elem = range.name === 'list' ? (range.params[0] ?? DYN) : range.name === 'map' ? (range.params[0] ?? DYN) : DYN;
    const value = range.name === 'map' ? (range.params[1] ?? DYN) : elem;
    const vars = args.slice(0, name.startsWith('transform') || args.length === 3 ? 2 : 1);
    if (name === 'map' || name === 'filter' || name === 'sortBy' || name === 'optMap' || name === 'optFlatMap') vars.splice(1);
    const scope = new Map<string, CelType>();
    const names = vars.map((v) => (isNode(v) && v.op === 'id' ? String(v.args) : ''));
    if (name === 'optMap' || name === 'optFlatMap') scope.set(names[0] ?? '', range.name === 'optional_type' ? (range.params[0] ?? DYN) : DYN);
    else if (names.length === 2) {
      scope.set(names[0] ?? '', range.name === 'list' ? t('int') : elem);
      scope.set(names[1] ?? '', value);
    } else scope.set(names[0] ?? '', elem);
    this.scopes.push(scope);
    const bodies = args.slice(vars.length).map((a) => this.type(a));
    this.scopes.pop();
    const last = bodies[bodies.length - 1] ?? DYN;
    switch (name) {
      case 'map':
      case 'transformList':
        return t('list', last);
      case 'filter':
      case 'sortBy':
        return range.name === 'list' ? range : t('list', DYN);
      case 'transformMap':
        return t('map', elem, last);
      case 'transformMapEntry':
        return last.name === 'map' ? last : t('map', DYN, DYN);
      case 'optMap':
        return t('optional_type', last);
      case 'optFlatMap':
        return last;
      default:
        return BOOL;
    }
  }
}

/** cel-go's display of an error: `ERROR: <input>:line:column: message`, the line, and a caret under the column. */
function display(source: string, error: CompileError): string {
  const before = source.slice(0, error.offset);
  const lineStart = before.lastIndexOf('\n') + 1;
  const line = before.split('\n').length;
  const column = [...source.slice(lineStart, error.offset)].length;
  const lineEnd = source.indexOf('\n', lineStart);
  const text = source.slice(lineStart, lineEnd < 0 ? undefined : lineEnd);
  return `ERROR: <input>:${line}:${column + 1}: ${error.message}\n | ${text}\n | ${'.'.repeat(column)}^`;
}

export interface ApiserverCompileResult {
  /** What the apiserver says when it refuses the expression (its Detail), or undefined. */
  refusal: string | undefined;
  /** The offset in the expression of the first error, to point at it. */
  offset?: number;
}

/**
 * Whether the apiserver compiles a rule (`kind: 'rule'`, must give a bool) or a messageExpression
 * (must give a string) parsed by cel-js, with `self` of this schema type.
 */
export function apiserverCompile(source: string, ast: unknown, self: DeclType | undefined, kind: 'rule' | 'messageExpression', optionalOldSelf = false): ApiserverCompileResult {
  const selfType = fromDecl(self);
  const checker = new Checker(source, selfType, optionalOldSelf ? t('optional_type', selfType) : selfType);
  const type = checker.type(ast);
  if (checker.errors.length > 0) {
    const sorted = [...checker.errors].sort((a, b) => a.offset - b.offset);
    const prefix = kind === 'rule' ? 'compilation failed: ' : 'messageExpression compilation failed: ';
    return { refusal: prefix + sorted.map((e) => display(source, e)).join('\n'), offset: sorted[0]?.offset ?? 0 };
  }
  const want = kind === 'rule' ? 'bool' : 'string';
  if (type.name !== 'dyn' && type.name !== want) return { refusal: kind === 'rule' ? 'cel expression must evaluate to a bool' : 'messageExpression must evaluate to a string' };
  return { refusal: undefined };
}

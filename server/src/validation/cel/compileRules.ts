import type { Environment } from '@marcbachmann/cel-js';
import type { ValidationRule } from '../../schemas/openapi';
import { apiserverCompile } from './apiserverCompile';
import type { DeclType } from './estimateCost';
import { kubernetesEnvironment } from './kubernetesLibrary';
import { re2ToJs } from '../re2';

/** A program the engine compiled: call it with the variables (`self`, `oldSelf`). */
export type CelProgram = (context: Record<string, unknown>) => unknown;

export interface CompiledRule {
  readonly source: ValidationRule;
  /** Undefined when the rule cannot run here; `unsupported` says why. */
  readonly program: CelProgram | undefined;
  readonly unsupported: string | undefined;
  /**
   * The apiserver would not compile the rule (its words): a CRD with it is never created, so no
   * object is judged by it here either; the CRD's own file says why.
   */
  readonly refused: string | undefined;
  /** The rule reads `oldSelf`: it runs only on updates (or with optionalOldSelf). */
  readonly transition: boolean;
  readonly messageProgram: CelProgram | undefined;
  /** Nested macro depth (all, exists, map…): how a rule's cost grows with the size of lists. */
  readonly loopDepth: number;
  /** Expression nodes: the cost of one pass. */
  readonly size: number;
}

const MACROS = new Set(['all', 'exists', 'exists_one', 'map', 'filter']);

let sharedEnvironment: Environment | undefined;

/** One environment for every rule: building it registers ~100 functions. */
function environment(): Environment {
  sharedEnvironment ??= kubernetesEnvironment();
  return sharedEnvironment;
}

interface AstShape {
  op?: unknown;
  args?: unknown;
}

function measure(ast: unknown): { size: number; loopDepth: number; readsOldSelf: boolean } {
  let size = 0;
  let readsOldSelf = false;
  const walk = (node: unknown, depth: number): number => {
    if (Array.isArray(node)) return node.reduce((m: number, n) => Math.max(m, walk(n, depth)), depth);
    if (typeof node !== 'object' || node === null || !('op' in node)) return depth;
    size++;
    const { op, args } = node as AstShape;
    if (op === 'id' && args === 'oldSelf') readsOldSelf = true;
    const isMacro = op === 'rcall' && Array.isArray(args) && typeof args[0] === 'string' && MACROS.has(args[0]);
    return walk(args, isMacro ? depth + 1 : depth);
  };
  const loopDepth = walk(ast, 0);
  return { size, loopDepth, readsOldSelf };
}

/**
 * Rewrites the literal patterns of `.matches()` calls in a parsed rule to JavaScript's spelling of
 * the same RE2 regex: the engine's own `matches` hands its pattern to `new RegExp`, which refuses
 * `(?i)` (Gateway API's GRPCRoute rules). Returns the first pattern with no translation, if any;
 * a pattern computed at runtime is left as it is.
 */
function translateMatches(ast: unknown): string | undefined {
  let untranslated: string | undefined;
  const literalPattern = (node: unknown): void => {
    if (typeof node !== 'object' || node === null) return;
    const literal = node as { op?: unknown; args?: unknown };
    if (literal.op !== 'value' || typeof literal.args !== 'string') return;
    const source = re2ToJs(literal.args);
    // Without `u` (the engine gives none), `\p{L}` would be the letters p{L}.
    if (source === undefined || /\\[pP]\{/.test(source)) untranslated ??= literal.args;
    else literal.args = source;
  };
  const walk = (node: unknown): void => {
    if (Array.isArray(node)) {
      for (const n of node) walk(n);
      return;
    }
    if (typeof node !== 'object' || node === null || !('op' in node)) return;
    const { op, args } = node as AstShape;
    // `s.matches(re)` is an rcall [name, target, [re]]; the global `matches(s, re)` is ours and translates itself.
    if (op === 'rcall' && Array.isArray(args) && args[0] === 'matches' && Array.isArray(args[2])) literalPattern(args[2][0]);
    walk(args);
  };
  walk(ast);
  return untranslated;
}

interface SpannedNode {
  op?: unknown;
  args?: unknown;
  start?: number;
  end?: number;
}

/**
 * The rule with each `has(e.f)` whose `e` is not a plain field path (`has(self[0].matches)`, as
 * Gateway API's HTTPRoute and GRPCRoute rules write) spelled `('f' in e)`, which means the same on
 * an object and which the engine runs (its has() takes only `self.a.b`); undefined when there is
 * none. Every route with rules was four "cannot be checked here" notes.
 */
function hasOverAnyTarget(rule: string, ast: unknown): string | undefined {
  const edits: { start: number; end: number; text: string }[] = [];
  const walk = (node: unknown): void => {
    if (Array.isArray(node)) {
      for (const n of node) walk(n);
      return;
    }
    if (typeof node !== 'object' || node === null || !('op' in node)) return;
    const { op, args, start, end } = node as SpannedNode;
    const arg = op === 'call' && Array.isArray(args) && args[0] === 'has' && Array.isArray(args[1]) ? (args[1][0] as SpannedNode | undefined) : undefined;
    if (arg?.op === '.' && Array.isArray(arg.args) && typeof arg.args[1] === 'string' && start !== undefined && end !== undefined) {
      const target = arg.args[0] as SpannedNode;
      let base: SpannedNode = target;
      while ((base.op === '.' || base.op === '.?') && Array.isArray(base.args)) base = base.args[0] as SpannedNode;
      // An escaped name (`foo__dash__bar`) is looked up by its apiserver spelling: left as it is.
      if (base.op !== 'id' && !arg.args[1].includes('__') && target.start !== undefined && target.end !== undefined) {
        edits.push({ start, end, text: `(${JSON.stringify(arg.args[1])} in ${rule.slice(target.start, target.end)})` });
        return;
      }
    }
    walk(args);
  };
  walk(ast);
  if (edits.length === 0) return undefined;
  let out = rule;
  for (const e of edits.sort((a, b) => b.start - a.start)) out = out.slice(0, e.start) + e.text + out.slice(e.end);
  return out;
}

function compileOne(source: ValidationRule, self: DeclType | undefined): CompiledRule {
  const env = environment();
  let program: CelProgram | undefined;
  let unsupported: string | undefined;
  let refused: string | undefined;
  let stats = { size: 1, loopDepth: 0, readsOldSelf: /\boldSelf\b/.test(source.rule) };
  try {
    let parsed = env.parse(source.rule);
    refused = apiserverCompile(source.rule, parsed.ast, self, 'rule', source.optionalOldSelf === true).refusal;
    if (refused !== undefined) throw new Error(refused);
    const runnable = hasOverAnyTarget(source.rule, parsed.ast);
    if (runnable !== undefined) parsed = env.parse(runnable);
    const checked = parsed.check();
    if (!checked.valid) throw checked.error ?? new Error('the rule does not type-check');
    const untranslated = translateMatches(parsed.ast);
    if (untranslated !== undefined) throw new Error(`its regex ${JSON.stringify(untranslated)} uses RE2 syntax that has no JavaScript translation`);
    program = parsed as CelProgram;
    stats = measure(parsed.ast);
  } catch (err) {
    unsupported = firstLine(err);
  }
  let messageProgram: CelProgram | undefined;
  if (source.messageExpression !== undefined) {
    try {
      messageProgram = env.parse(source.messageExpression) as CelProgram;
    } catch {
      // A broken messageExpression falls back to message, as the apiserver does at runtime.
      messageProgram = undefined;
    }
  }
  return { source, program, unsupported, refused, transition: stats.readsOldSelf, messageProgram, loopDepth: stats.loopDepth, size: stats.size };
}

/** A rule's syntax tree in the shared environment, or undefined when it does not parse. */
export function ruleAst(rule: string): unknown {
  try {
    return environment().parse(rule).ast;
  } catch {
    return undefined;
  }
}

export function firstLine(err: unknown): string {
  const text = err instanceof Error ? err.message : String(err);
  const line = text.split('\n')[0] ?? text;
  // cel-go says "no such key: x"; the engine capitalizes it.
  return line.startsWith('No such key') ? `n${line.slice(1)}` : line;
}

const cache = new WeakMap<readonly ValidationRule[], CompiledRule[]>();

/**
 * The rules of one schema, compiled on first use and kept for as long as the schema lives; `self`
 * gives the schema's CEL type, for the apiserver's judgement of calls.
 */
export function compiledRules(rules: readonly ValidationRule[], self?: () => DeclType | undefined): CompiledRule[] {
  let compiled = cache.get(rules);
  if (compiled === undefined) {
    const selfType = self?.();
    compiled = rules.filter((r) => typeof r === 'object' && r !== null && typeof r.rule === 'string').map((r) => compileOne(r, selfType));
    cache.set(rules, compiled);
  }
  return compiled;
}

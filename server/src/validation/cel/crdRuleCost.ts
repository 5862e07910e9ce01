// The apiserver refuses a CustomResourceDefinition whose CEL rules it cannot compile (a function
// its environment does not declare, such as cel.bind or math.greatest, or no overload for the
// argument types), or estimates too costly: one rule over the per-rule limit (its cost times how
// often it may run in one object), or all rules of a version over the per-CRD limit. Said here on
// the rule's line, in the apiserver's words, so the CRD is fixed before `kubectl apply` or Flux
// meets the refusal.

import { isDeepStrictEqual } from 'node:util';
import { isMap, isScalar, isSeq, Scalar, type Document, type Node, type YAMLMap } from 'yaml';
import type { Problem } from '../../manifests/problem';
import type { OpenApiSchema, ValidationRule } from '../../schemas/openapi';
import { apiserverCompile } from './apiserverCompile';
import { ruleAst } from './compileRules';
import { costErrorMessage, declTypeOf, estimateRuleCost, MAX_U64, STATIC_CRD_COST_LIMIT, STATIC_RULE_COST_LIMIT, unboundedCardinality } from './estimateCost';

interface RuleCost {
  path: string;
  key: Node | null;
  cost: number;
}

function child(map: unknown, key: string): Node | null {
  if (!isMap(map)) return null;
  for (const pair of map.items) if (isScalar(pair.key) && pair.key.value === key) return (pair.value as Node | null) ?? null;
  return null;
}

function keyNode(map: unknown, key: string): Node | null {
  if (!isMap(map)) return null;
  for (const pair of map.items) if (isScalar(pair.key) && pair.key.value === key) return pair.key;
  return null;
}

function problem(node: Node | null, fallback: Node | null, message: string, code = 'crd.cel-cost'): Problem {
  const range = node?.range ?? fallback?.range;
  const start = range?.[0] ?? 0;
  return { start, end: Math.max(range?.[1] ?? start, start), severity: 'error', code, message };
}

/**
 * A compile error on the expression's own scalar: at the word the apiserver's column points to when
 * the scalar is written on one line without escapes (then its text is the expression), else on the whole value.
 */
function compileProblem(value: Node | null, fallback: Node | null, expression: string, offset: number | undefined, message: string): Problem {
  const whole = problem(value, fallback, message, 'crd.cel-compile');
  if (!(value instanceof Scalar) || offset === undefined || value.range === undefined || value.range === null || expression.includes('\n')) return whole;
  const width = value.range[1] - value.range[0];
  const quoted = value.type === Scalar.QUOTE_DOUBLE || value.type === Scalar.QUOTE_SINGLE;
  if (!(value.type === Scalar.PLAIN || quoted) || width !== expression.length + (quoted ? 2 : 0)) return whole;
  // An error at a call's parenthesis marks the function's name before it.
  const before = /[A-Za-z_][A-Za-z0-9_]*$/.exec(expression.slice(0, offset));
  const word = /^[A-Za-z_][A-Za-z0-9_]*/.exec(expression.slice(offset));
  const from = expression[offset] === '(' && before !== null ? offset - before[0].length : offset;
  const to = expression[offset] === '(' && before !== null ? offset : offset + Math.max(1, word?.[0].length ?? 1);
  const base = value.range[0] + (quoted ? 1 : 0);
  return { ...whole, start: base + from, end: base + to };
}

/** How many more times each child of this schema may occur per occurrence of it (extractMaxElements); undefined: unbounded. */
function childFactor(schema: OpenApiSchema): number | undefined {
  if (schema.type === 'object' && schema.additionalProperties !== undefined && schema.additionalProperties !== false) return schema.maxProperties;
  if (schema.type === 'array') return schema.maxItems;
  return 1;
}

class Walk {
  readonly problems: Problem[] = [];
  readonly costs: RuleCost[] = [];
  total = 0;

  visit(node: Node | null, schema: OpenApiSchema, path: string, cardinality: number | undefined, resourceRoot: boolean): void {
    if (!isMap(node) || typeof schema !== 'object' || schema === null) return;
    const rules = schema['x-kubernetes-validations'];
    if (Array.isArray(rules) && rules.length > 0) this.rules(node, schema, rules, path, cardinality, resourceRoot);
    const f = childFactor(schema);
    const next = cardinality === undefined || f === undefined ? undefined : Math.min(MAX_U64, cardinality * Math.max(0, f));
    const properties = child(node, 'properties');
    for (const [name, sub] of Object.entries(schema.properties ?? {})) {
      this.visit(child(properties, name), sub, `${path}.properties[${name}]`, next, sub['x-kubernetes-embedded-resource'] === true);
    }
    if (schema.items !== undefined) this.visit(child(node, 'items'), schema.items, `${path}.items`, next, schema.items['x-kubernetes-embedded-resource'] === true);
    const extra = schema.additionalProperties;
    if (typeof extra === 'object') this.visit(child(node, 'additionalProperties'), extra, `${path}.additionalProperties`, next, extra['x-kubernetes-embedded-resource'] === true);
  }

  private rules(node: YAMLMap, schema: OpenApiSchema, rules: readonly ValidationRule[], path: string, cardinality: number | undefined, resourceRoot: boolean): void {
    const decl = declTypeOf(schema, resourceRoot);
    if (decl === undefined) return;
    const items = child(node, 'x-kubernetes-validations');
    rules.forEach((rule, i) => {
      if (typeof rule !== 'object' || rule === null || typeof rule.rule !== 'string') return;
      const item = isSeq(items) ? (items.items[i] as Node | null) : null;
      const at = `${path}.x-kubernetes-validations[${i}]`;
      // A rule that does not compile is reported as such by the apiserver; its cost is not estimated.
      let ast = ruleAst(rule.rule);
      const compiled = ast === undefined ? undefined : apiserverCompile(rule.rule, ast, decl, 'rule', rule.optionalOldSelf === true);
      if (compiled?.refusal !== undefined) {
        this.problems.push(compileProblem(child(item, 'rule'), item, rule.rule, compiled.offset, `${at}.rule: Invalid value: ${JSON.stringify(rule.rule)}: ${compiled.refusal}`));
        ast = undefined;
      }
      if (ast !== undefined) {
        const perRun = estimateRuleCost(ast, decl);
        // Times the rule may run in one object: bounded by maxItems/maxProperties above it, else by what fits in a request.
        const runs = cardinality ?? unboundedCardinality(decl);
        const cost = perRun === 0 ? 0 : Math.min(MAX_U64, perRun * runs);
        if (cost > STATIC_RULE_COST_LIMIT) this.problems.push(problem(keyNode(item, 'rule'), item, `${at}.rule: Forbidden: ${costErrorMessage('estimated rule cost', cost, STATIC_RULE_COST_LIMIT)}`));
        this.total = Math.min(MAX_U64, this.total + cost);
        this.costs.push({ path: `${at}.rule`, key: keyNode(item, 'rule') ?? item, cost });
      }
      let messageAst = typeof rule.messageExpression === 'string' && compiled?.refusal === undefined ? ruleAst(rule.messageExpression) : undefined;
      const message = messageAst === undefined || typeof rule.messageExpression !== 'string' ? undefined : apiserverCompile(rule.messageExpression, messageAst, decl, 'messageExpression', rule.optionalOldSelf === true);
      if (message?.refusal !== undefined && typeof rule.messageExpression === 'string') {
        this.problems.push(compileProblem(child(item, 'messageExpression'), item, rule.messageExpression, message.offset, `${at}.messageExpression: Invalid value: ${JSON.stringify(rule.messageExpression)}: ${message.refusal}`));
        messageAst = undefined;
      }
      if (messageAst !== undefined) {
        // A messageExpression runs only when its rule fails: its own cost is checked, not multiplied.
        const cost = estimateRuleCost(messageAst, decl);
        if (cost > STATIC_RULE_COST_LIMIT) this.problems.push(problem(keyNode(item, 'messageExpression'), item, `${at}.messageExpression: Forbidden: ${costErrorMessage('estimated messageExpression cost', cost, STATIC_RULE_COST_LIMIT)}`));
      }
    });
  }
}

/**
 * The cost problems of one CRD document (apiextensions.k8s.io/v1): per rule, then per schema as a
 * whole. The apiserver validates a v1 CRD in its internal form, where versions whose schemas are
 * all identical share one schema at `spec.validation` (each version's own is dropped): then its
 * rules are estimated once and its causes name `spec.validation.openAPIV3Schema`, not a version.
 */
export function crdRuleCostProblems(doc: Document.Parsed, root: Node | null): Problem[] {
  const versions = child(child(root, 'spec'), 'versions');
  if (!isSeq(versions)) return [];
  const schemas = versions.items.map((version) => {
    const schemaNode = child(child(version, 'schema'), 'openAPIV3Schema');
    if (!isMap(schemaNode)) return undefined;
    try {
      const schema: unknown = schemaNode.toJS(doc, { maxAliasCount: 1000 });
      return typeof schema === 'object' && schema !== null ? { version, schemaNode, schema } : undefined;
    } catch {
      return undefined;
    }
  });
  const first = schemas[0];
  const shared = first !== undefined && schemas.every((s) => s !== undefined && isDeepStrictEqual(s.schema, first.schema));
  const problems: Problem[] = [];
  (shared ? [first] : schemas).forEach((s, v) => {
    if (s === undefined) return;
    const path = shared ? 'spec.validation.openAPIV3Schema' : `spec.versions[${v}].schema.openAPIV3Schema`;
    const walk = new Walk();
    walk.visit(s.schemaNode, s.schema, path, 1, true);
    problems.push(...walk.problems);
    if (walk.total > STATIC_CRD_COST_LIMIT) {
      // As the apiserver: the (at most four) rules that weigh most, then the schema as a whole.
      const heaviest = walk.costs.filter((c) => c.cost >= STATIC_CRD_COST_LIMIT / 100).sort((a, b) => b.cost - a.cost).slice(0, 4);
      for (const c of heaviest) problems.push(problem(c.key, s.schemaNode, `${c.path}: Forbidden: contributed to estimated rule cost total exceeding cost limit for entire OpenAPIv3 schema`));
      const key = keyNode(child(s.version, 'schema'), 'openAPIV3Schema');
      problems.push(problem(key, s.schemaNode, `${path}: Forbidden: ${costErrorMessage('x-kubernetes-validations estimated rule cost total for entire OpenAPIv3 schema', walk.total, STATIC_CRD_COST_LIMIT)}`));
    }
  });
  return problems;
}

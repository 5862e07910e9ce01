import { Optional } from '@marcbachmann/cel-js';
import { celEquals } from './celValue';
import { firstLine, type CompiledRule } from './compileRules';
import { UNTRANSLATED_REGEX } from './kubernetesLibrary';
import type { ValueSize } from './toCelValue';

/** The apiserver's limits (k8s.io/apiserver/pkg/apis/cel): one rule's cost, and one object's. */
export const PER_CALL_COST_LIMIT = 1_000_000;
export const PER_OBJECT_COST_BUDGET = 10_000_000;

export interface RuleVerdict {
  rule: CompiledRule;
  /** failed: the rule said no. The others are notes: the rule could not be judged here. */
  outcome: 'failed' | 'unsupported' | 'error' | 'too-costly' | 'transition-skipped';
  message: string;
}

/** What one object may still spend on rules; shared by every node of the object. */
export interface CostBudget {
  remaining: number;
}

/** The old value at this node: absent when there is no old object or the node has no counterpart in it. */
export type OldValue = { value: unknown } | undefined;

/**
 * Runs the rules of one node with `self` bound to its value, as the apiserver would on a create
 * (no old value) or an update (old value given). An update ratchets: a value equal to its old
 * value passes, whatever the rules say, so existing objects are not broken by tighter rules.
 */
export function evaluateRules(rules: readonly CompiledRule[], self: unknown, old: OldValue, size: ValueSize, budget: CostBudget): RuleVerdict[] {
  if (old !== undefined && celEquals(self, old.value)) return [];
  const verdicts: RuleVerdict[] = [];
  for (const rule of rules) {
    if (rule.refused !== undefined) continue;
    if (rule.program === undefined) {
      verdicts.push({ rule, outcome: 'unsupported', message: rule.unsupported ?? 'cannot be compiled' });
      continue;
    }
    const context: Record<string, unknown> = { self };
    if (rule.transition) {
      if (old !== undefined) context.oldSelf = rule.source.optionalOldSelf === true ? Optional.of(old.value) : old.value;
      else if (rule.source.optionalOldSelf === true) context.oldSelf = Optional.none();
      else {
        verdicts.push({ rule, outcome: 'transition-skipped', message: 'compares with the old object (oldSelf)' });
        continue;
      }
    }
    // An upper bound of what the rule costs on this value: one pass per element for each nested macro.
    const estimate = rule.size * Math.max(1, size.maxCollection) ** rule.loopDepth + size.textLength;
    if (estimate > PER_CALL_COST_LIMIT || estimate > budget.remaining) {
      verdicts.push({ rule, outcome: 'too-costly', message: `its estimated cost on this value (${Math.round(estimate)}) exceeds the ${estimate > PER_CALL_COST_LIMIT ? `per-rule limit (${PER_CALL_COST_LIMIT})` : `object's remaining budget`}` });
      continue;
    }
    budget.remaining -= estimate;
    let result: unknown;
    try {
      result = rule.program(context);
    } catch (err) {
      // A regex that JavaScript cannot run (computed at runtime, RE2 syntax) says nothing of the object.
      const message = firstLine(err);
      verdicts.push({ rule, outcome: message.startsWith('Invalid regular expression') || message.startsWith(UNTRANSLATED_REGEX) ? 'unsupported' : 'error', message });
      continue;
    }
    if (result === true) continue;
    if (result !== false) {
      verdicts.push({ rule, outcome: 'error', message: `the rule returned ${typeof result}, not a bool` });
      continue;
    }
    verdicts.push({ rule, outcome: 'failed', message: failureMessage(rule, context) });
  }
  return verdicts;
}

/** messageExpression when it yields a usable string, else message, else the apiserver's default. */
function failureMessage(rule: CompiledRule, context: Record<string, unknown>): string {
  const fallback = rule.source.message !== undefined && rule.source.message.trim() !== '' ? rule.source.message : `failed rule: ${rule.source.rule}`;
  if (rule.messageProgram === undefined) return fallback;
  try {
    const text = rule.messageProgram(context);
    if (typeof text === 'string' && text.trim() !== '' && !/[\r\n]/.test(text) && text.length <= 5000) return text;
  } catch {
    // The apiserver falls back too when messageExpression fails at runtime.
  }
  return fallback;
}

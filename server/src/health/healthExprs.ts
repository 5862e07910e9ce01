import type { Environment as CelEnvironment } from '@marcbachmann/cel-js';
import type { HealthCheckExpr } from '../environments/model';
import type { KubeObject } from '../manifests/kubeObject';
import { kubernetesEnvironment } from '../validation/cel/kubernetesLibrary';
import { toCelValue } from '../validation/cel/toCelValue';
import type { KStatusResult } from './kstatus';

type Program = (context: Record<string, unknown>) => unknown;

let celEnvironment: CelEnvironment | undefined;
const programs = new Map<string, Program | string>();

/** The expression compiled once (or why it cannot be), with the Kubernetes libraries validation uses. */
function programOf(expression: string): Program | string {
  let known = programs.get(expression);
  if (known === undefined) {
    celEnvironment ??= kubernetesEnvironment();
    try {
      known = celEnvironment.parse(expression) as Program;
    } catch (error) {
      known = error instanceof Error ? error.message.split('\n')[0]! : String(error);
    }
    if (programs.size < 10_000) programs.set(expression, known);
  }
  return known;
}

/** Whether an expression holds for the object; a string says why it could not be evaluated. */
function holds(expression: string, context: Record<string, unknown>): boolean | string {
  const program = programOf(expression);
  if (typeof program === 'string') return `cannot compile \`${expression}\`: ${program}`;
  try {
    return program(context) === true;
  } catch (error) {
    return `\`${expression}\`: ${error instanceof Error ? error.message.split('\n')[0]! : String(error)}`;
  }
}

/**
 * The health a Flux Kustomization's `healthCheckExprs` give an object of their kind, as
 * kustomize-controller evaluates them: the object's top-level fields (`metadata`, `spec`,
 * `status`) are the variables; `inProgress`, then `failed`, then `current` decide, and an
 * object none of them matches is still in progress. Undefined when no entry is for its kind.
 */
export function exprHealthOf(live: KubeObject, exprs: readonly HealthCheckExpr[]): KStatusResult | undefined {
  const entry = exprs.find((e) => e.apiVersion === live.apiVersion && e.kind === live.kind);
  if (entry === undefined) return undefined;
  const context = toCelValue(live, undefined, undefined, { maxCollection: 0, textLength: 0 }) as Record<string, unknown>;
  for (const [field, status] of [['inProgress', 'InProgress'], ['failed', 'Failed'], ['current', 'Current']] as const) {
    const expression = entry[field];
    if (expression === undefined) continue;
    const verdict = holds(expression, context);
    if (typeof verdict === 'string') return { status: 'Unknown', message: `healthCheckExprs ${field}: ${verdict}` };
    if (verdict) return { status, message: `healthCheckExprs: ${field} \`${expression}\`` };
  }
  return { status: 'InProgress', message: `healthCheckExprs: waiting for current \`${entry.current}\`` };
}

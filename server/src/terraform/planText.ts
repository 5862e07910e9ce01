import { maskValue } from '../drift/mask';

/**
 * A readable text of a plan in Terraform's JSON format (`terraform show -json`, which
 * tofu-controller stores for `storeReadablePlan: json`). That JSON holds sensitive values in
 * clear, with a mirror (`before_sensitive`, `after_sensitive`) saying which are sensitive: those
 * are masked as Secret values are, so equal values stay equal and a change stays visible.
 * Only resource and output changes are shown: the plan's `variables`, `prior_state` and
 * `configuration` would repeat values (sensitive variables among them) and say nothing new.
 */

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };

interface Change {
  actions?: string[];
  before?: Json;
  after?: Json;
  after_unknown?: Json;
  before_sensitive?: Json;
  after_sensitive?: Json;
}

interface ResourceChange {
  address?: string;
  mode?: string;
  action_reason?: string;
  change?: Change;
}

export interface JsonPlan {
  format_version?: string;
  terraform_version?: string;
  resource_changes?: ResourceChange[];
  output_changes?: Record<string, Change>;
}

const UNKNOWN = '(known after apply)';

function isObject(v: unknown): v is Record<string, Json> {
  return v !== null && typeof v === 'object' && !Array.isArray(v);
}

const child = (v: Json | undefined, key: string | number): Json | undefined => (Array.isArray(v) ? v[Number(key)] : isObject(v) ? v[String(key)] : undefined);

/** Every leaf of a value by dotted path, masked where the sensitivity mirror says `true`, "(known after apply)" where the unknown mirror does. */
function leaves(value: Json | undefined, sensitive: Json | undefined, unknown: Json | undefined, path: string, out: Map<string, string>): void {
  if (sensitive === true) {
    out.set(path, value === undefined || value === null ? '(sensitive)' : maskValue(value));
    return;
  }
  if (unknown === true) {
    out.set(path, UNKNOWN);
    return;
  }
  const keys = Array.isArray(value) ? value.map((_, i) => i) : isObject(value) ? Object.keys(value) : [];
  // Unknown entries of a list or map the plan knows only in part ("tags": {"b": true}).
  const unknownKeys = Array.isArray(unknown) ? unknown.map((_, i) => i) : isObject(unknown) ? Object.keys(unknown) : [];
  const all = [...new Set([...keys, ...unknownKeys])];
  if (all.length === 0 || value === null || typeof value !== 'object') {
    if (value !== undefined && value !== null) out.set(path, JSON.stringify(value));
    return;
  }
  for (const k of all) leaves(child(value, k), child(sensitive, k), child(unknown, k), path === '' ? String(k) : `${path}.${k}`, out);
}

const SYMBOL: Record<string, string> = { create: '+', delete: '-', update: '~', read: '<=', replace: '-/+' };

function actionOf(actions: readonly string[] | undefined): string {
  const a = actions ?? [];
  if (a.includes('delete') && a.includes('create')) return 'replace';
  return a.find((x) => x !== 'no-op') ?? 'no-op';
}

/** The lines of one change: every value of what is created or deleted, only what differs of an update. */
function changeLines(change: Change, indent: string): string[] {
  const action = actionOf(change.actions);
  const before = new Map<string, string>();
  const after = new Map<string, string>();
  leaves(change.before, change.before_sensitive, undefined, '', before);
  leaves(change.after, change.after_sensitive, change.after_unknown, '', after);
  const paths = [...new Set([...before.keys(), ...after.keys()])].sort();
  const lines: string[] = [];
  for (const p of paths) {
    const b = before.get(p);
    const a = after.get(p);
    const name = p === '' ? '(value)' : p;
    if (action === 'create') lines.push(`${indent}${name}: ${a ?? ''}`);
    else if (action === 'delete') lines.push(`${indent}${name}: ${b ?? ''}`);
    else if (b !== a) lines.push(`${indent}${name}: ${b ?? '(absent)'} → ${a ?? '(absent)'}`);
  }
  return lines;
}

/** A JSON plan as text a person reads; undefined when the text is not a Terraform JSON plan. */
export function jsonPlanText(text: string): { text: string; changes: { add: number; change: number; destroy: number } } | undefined {
  let plan: unknown;
  try {
    plan = JSON.parse(text);
  } catch {
    return undefined;
  }
  if (!isObject(plan) || (!Array.isArray(plan['resource_changes']) && !isObject(plan['output_changes']) && plan['format_version'] === undefined)) return undefined;
  const p = plan as JsonPlan;
  const counts = { add: 0, change: 0, destroy: 0 };
  const out: string[] = [];
  for (const rc of p.resource_changes ?? []) {
    const action = actionOf(rc.change?.actions);
    if (action === 'no-op') continue;
    if (action === 'create') counts.add++;
    else if (action === 'update') counts.change++;
    else if (action === 'delete') counts.destroy++;
    else if (action === 'replace') {
      counts.add++;
      counts.destroy++;
    }
    out.push(`${SYMBOL[action] ?? '?'} ${rc.address ?? '(unnamed)'} (${action}${rc.action_reason !== undefined ? `, ${rc.action_reason}` : ''})`);
    out.push(...changeLines(rc.change ?? {}, '    '));
    out.push('');
  }
  const outputs = Object.entries(p.output_changes ?? {}).filter(([, c]) => actionOf(c.actions) !== 'no-op');
  if (outputs.length > 0) {
    out.push('Changes to Outputs:');
    for (const [name, c] of outputs) {
      const action = actionOf(c.actions);
      const lines = changeLines(c, '');
      out.push(`  ${SYMBOL[action] ?? '?'} ${name}: ${lines.map((l) => l.replace(/^\(value\): /, '')).join(', ') || action}`);
    }
    out.push('');
  }
  const summary = `Plan: ${counts.add} to add, ${counts.change} to change, ${counts.destroy} to destroy.`;
  return { text: [...(p.terraform_version !== undefined ? [`# Terraform ${p.terraform_version}, JSON plan format ${p.format_version ?? '?'}`] : []), summary, '', ...out].join('\n'), changes: counts };
}

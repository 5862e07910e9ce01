import type { OpenApiSchema } from '../schemas/openapi';

/**
 * anyOf/oneOf/not branches in words. A CRD states "set exactly one of these" or "never both" as
 * `oneOf: [{required: [a]}, {required: [b]}]` or `not: {required: [a, b]}`; a finding that says
 * "matches 2 alternatives" leaves the reader to decode the schema, so the common shapes are said
 * as what to change. A shape with no plain wording answers undefined (the caller says it generally).
 */

const code = (name: string): string => `\`${name}\``;

function listed(names: readonly string[], joiner: 'and' | 'or'): string {
  const each = names.map(code);
  if (each.length <= 1) return each.join('');
  return `${each.slice(0, -1).join(', ')} ${joiner} ${each[each.length - 1] ?? ''}`;
}

function valueList(values: readonly unknown[]): string {
  return values.map((v) => code(typeof v === 'string' ? v : JSON.stringify(v))).join(' or ');
}

/** What a value matching `schema` is like, as a clause (`` `a` and `b` are set ``), or undefined. */
export function conditionSaid(schema: OpenApiSchema, subject = 'it', depth = 0): string | undefined {
  if (depth > 4) return undefined;
  const clauses: string[] = [];
  let said = 0;
  const keys = Object.keys(schema).filter((k) => k !== 'description');
  if (schema.required !== undefined && schema.required.length > 0) {
    said++;
    clauses.push(schema.required.length === 1 ? `${code(schema.required[0] ?? '')} is set` : `${listed(schema.required, 'and')} are set`);
  }
  if (schema.enum !== undefined && schema.enum.length > 0) {
    said++;
    clauses.push(`${subject} is ${valueList(schema.enum)}`);
  }
  if (schema.minimum !== undefined) {
    said++;
    clauses.push(`${subject} is ${schema.exclusiveMinimum === true ? 'more than' : 'at least'} ${schema.minimum}`);
    if (schema.exclusiveMinimum !== undefined) said++;
  }
  if (schema.maximum !== undefined) {
    said++;
    clauses.push(`${subject} is ${schema.exclusiveMaximum === true ? 'less than' : 'at most'} ${schema.maximum}`);
    if (schema.exclusiveMaximum !== undefined) said++;
  }
  if (schema.properties !== undefined) {
    said++;
    for (const [name, property] of Object.entries(schema.properties)) {
      // A property's schema holds only where the field is there: an absent field fits it.
      const clause = conditionSaid(property, `${code(name)}, where set,`, depth + 1);
      if (clause === undefined) return undefined;
      clauses.push(clause);
    }
  }
  if (schema.not !== undefined) {
    said++;
    const inner = schema.not.enum !== undefined && Object.keys(schema.not).length === 1 ? `${subject} is not ${valueList(schema.not.enum)}` : negated(schema.not, subject, depth);
    if (inner === undefined) return undefined;
    clauses.push(inner);
  }
  for (const [word, parts] of [['or', schema.anyOf], ['or', schema.oneOf], ['and', schema.allOf]] as const) {
    if (parts === undefined) continue;
    said++;
    const each = parts.map((p) => conditionSaid(p, subject, depth + 1));
    if (each.some((c) => c === undefined)) return undefined;
    clauses.push(each.length === 1 ? (each[0] ?? '') : `(${each.join(`) ${word} (`)})`);
  }
  // A keyword not said here (pattern, minimum…) would be left out of the sentence: say nothing rather than half.
  if (said !== keys.length || clauses.length === 0) return undefined;
  return clauses.join(' and ');
}

function negated(schema: OpenApiSchema, subject: string, depth: number): string | undefined {
  const inner = conditionSaid(schema, subject, depth + 1);
  return inner === undefined ? undefined : `not (${inner})`;
}

/** The names a branch requires, when requiring them is all it does (`{required: [a]}`). */
function requiredOnly(schema: OpenApiSchema): readonly string[] | undefined {
  const keys = Object.keys(schema).filter((k) => k !== 'description');
  return keys.length === 1 && schema.required !== undefined && schema.required.length > 0 ? schema.required : undefined;
}

/** `not` matched: what must change. */
export function notSaid(where: string, not: OpenApiSchema): string {
  const names = requiredOnly(not);
  if (names !== undefined) {
    return names.length === 1
      ? `${code(names[0] ?? '')} must not be set in ${where}; remove it`
      : `${listed(names, 'and')} must not all be set in ${where}; remove ${names.length === 2 ? 'one of them' : 'at least one of them'}`;
  }
  const condition = conditionSaid(not);
  return condition !== undefined ? `${where} must not be such that ${condition} (the schema's \`not\`); change it` : `${where} matches the schema under \`not\`, which it must not; change it`;
}

/** No anyOf/oneOf branch matched and every branch only requires fields: which to set. */
export function noneSaid(where: string, branches: readonly OpenApiSchema[], mode: 'any' | 'one'): string | undefined {
  const sets = branches.map(requiredOnly);
  if (sets.some((s) => s === undefined)) return undefined;
  const choices = sets.map((s) => listed(s ?? [], 'and'));
  return mode === 'one' ? `${where} needs exactly one of ${choices.join(', ')} (oneOf); set one` : `${where} needs at least one of ${choices.join(', ')} (anyOf); set one`;
}

/** Several oneOf branches matched: which, and what to do. */
export function severalSaid(where: string, matched: readonly OpenApiSchema[]): string {
  const count = matched.length;
  const sets = matched.map(requiredOnly);
  if (sets.every((s) => s !== undefined)) {
    const names = [...new Set(sets.flatMap((s) => s ?? []))];
    return `${where} sets ${listed(names, 'and')}, but exactly one of the oneOf alternatives may match (${count} do); keep one and remove the others`;
  }
  const said = matched.map((m) => conditionSaid(m));
  const which = said.every((s) => s !== undefined) ? `: ${said.map((s) => `(${s ?? ''})`).join(', ')}` : '';
  return `${where} matches ${count} of its oneOf alternatives${which}, but must match exactly one; change it so that only one fits`;
}

/** The field names a branch speaks of (required or under properties), to tell which defaults took part. */
export function namesIn(schema: OpenApiSchema, out = new Set<string>(), depth = 0): Set<string> {
  if (depth > 4) return out;
  for (const name of schema.required ?? []) out.add(name);
  for (const name of Object.keys(schema.properties ?? {})) out.add(name);
  for (const part of [...(schema.anyOf ?? []), ...(schema.oneOf ?? []), ...(schema.allOf ?? []), ...(schema.not !== undefined ? [schema.not] : [])]) namesIn(part, out, depth + 1);
  return out;
}

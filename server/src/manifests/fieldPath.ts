/** One step into an object: a key, a list item found by its merge keys, or a list index. */
export type FieldStep = string | { keys: Record<string, unknown> } | number;
export type FieldPath = FieldStep[];

/** `spec.template.spec.containers[web].image`, readable in messages. */
export function formatPath(path: readonly FieldStep[]): string {
  let out = '';
  for (const step of path) {
    if (typeof step === 'string') out += PLAIN_KEY.test(step) ? (out === '' ? step : `.${step}`) : `[${JSON.stringify(step)}]`;
    else if (typeof step === 'number') out += `[${step}]`;
    else out += `[${Object.values(step.keys).map(String).join(',')}]`;
  }
  return out;
}

/** Keys shown bare in a path; any other (`tls.key`, `example.com/owner`) is bracket-quoted so the path reads back unambiguously. */
const PLAIN_KEY = /^[A-Za-z0-9_$-]+$/;

/** The end of a path a message names a value by: from its last bare key (`replicas`, `env[FOO]`, `data["tls.key"]`). */
export function leafOf(path: readonly FieldStep[]): string {
  let from = path.length - 1;
  while (from > 0 && !(typeof path[from] === 'string' && PLAIN_KEY.test(path[from] as string))) from--;
  return formatPath(path.slice(from));
}

export function samePath(a: readonly FieldStep[], b: readonly FieldStep[]): boolean {
  return a.length === b.length && a.every((s, i) => stepEquals(s, b[i]));
}

export function stepEquals(a: FieldStep | undefined, b: FieldStep | undefined): boolean {
  if (typeof a === 'object' && typeof b === 'object') return JSON.stringify(a.keys) === JSON.stringify(b.keys);
  return a === b;
}

/** True when `prefix` is an ancestor of (or equal to) `path`. */
export function isPrefix(prefix: readonly FieldStep[], path: readonly FieldStep[]): boolean {
  return prefix.length <= path.length && prefix.every((s, i) => stepEquals(s, path[i]));
}

/** The value at a path inside a plain JSON object. */
export function valueAt(root: unknown, path: readonly FieldStep[], matches: (item: unknown, keys: Record<string, unknown>) => boolean = matchesKeys): unknown {
  let current: unknown = root;
  for (const step of path) {
    if (current === null || typeof current !== 'object') return undefined;
    if (typeof step === 'string') current = (current as Record<string, unknown>)[step];
    else if (typeof step === 'number') current = Array.isArray(current) ? current[step] : undefined;
    else current = Array.isArray(current) ? current.find((item) => matches(item, step.keys)) : undefined;
  }
  return current;
}

export function matchesKeys(item: unknown, keys: Record<string, unknown>): boolean {
  if (item === null || typeof item !== 'object') return false;
  // A loop, not entries().every(): the proof matches every owned list item of every object.
  for (const k in keys) if (Object.hasOwn(keys, k) && (item as Record<string, unknown>)[k] !== keys[k]) return false;
  return true;
}

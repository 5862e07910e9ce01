/** Reading fields of parsed Flux, Argo CD and Helm objects whose shape is not trusted. */

/** A non-empty string, or undefined. */
export function str(value: unknown): string | undefined {
  return typeof value === 'string' && value !== '' ? value : undefined;
}

/** The value at a path of keys, or undefined where any step is missing or not an object. */
export function get(object: unknown, ...keys: string[]): unknown {
  let current = object;
  for (const key of keys) current = current !== null && typeof current === 'object' ? (current as Record<string, unknown>)[key] : undefined;
  return current;
}

/** The items of a list that are objects (a `patches:` or `generators:` list); none for anything else. */
export function records(value: unknown): Record<string, unknown>[] {
  return Array.isArray(value) ? value.filter((v): v is Record<string, unknown> => v !== null && typeof v === 'object' && !Array.isArray(v)) : [];
}

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

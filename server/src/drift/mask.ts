import { createHmac, randomBytes } from 'node:crypto';
import type { FieldPath } from './fieldPath';

// A key per process: equal secrets look equal within a session, but a short value cannot be
// recovered by hashing guesses, and nothing masked can be mistaken for a real value.
const KEY = randomBytes(32);

/** Stands in for a secret value in anything shown: `‹secret 3f9a1c2e›`. */
export function maskValue(value: unknown): string {
  const text = typeof value === 'string' ? value : JSON.stringify(value);
  return `‹secret ${createHmac('sha256', KEY).update(text).digest('hex').slice(0, 8)}›`;
}

/** Whether a field of this kind holds secret data. */
export function isSecretField(kind: string | undefined, path: FieldPath): boolean {
  return kind === 'Secret' && (path[0] === 'data' || path[0] === 'stringData');
}

/** A deep copy of a Secret with every data value masked, for diff documents and logs. */
export function maskObject<T>(object: T): T {
  const o = object as { kind?: unknown; data?: unknown; stringData?: unknown };
  if (o === null || typeof o !== 'object' || o.kind !== 'Secret') return object;
  const copy = structuredClone(object) as Record<string, unknown>;
  for (const field of ['data', 'stringData']) {
    const values = copy[field];
    if (values !== null && typeof values === 'object') {
      copy[field] = Object.fromEntries(Object.entries(values).map(([k, v]) => [k, maskValue(v)]));
    }
  }
  const annotations = (copy['metadata'] as { annotations?: Record<string, string> } | undefined)?.annotations;
  // kubectl apply stores the whole Secret, values included, in this annotation.
  if (annotations?.['kubectl.kubernetes.io/last-applied-configuration'] !== undefined) {
    annotations['kubectl.kubernetes.io/last-applied-configuration'] = maskValue(annotations['kubectl.kubernetes.io/last-applied-configuration']);
  }
  return copy as T;
}

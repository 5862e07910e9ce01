import { createHmac, randomBytes } from 'node:crypto';
import type { FieldPath } from '../manifests/fieldPath';

// A key per process: equal secrets look equal within a session, but a short value cannot be
// recovered by hashing guesses, and nothing masked can be mistaken for a real value.
const KEY = randomBytes(32);

/** Stands in for a secret value in anything shown: `‹secret 3f9a1c2e›`. */
export function maskValue(value: unknown): string {
  const text = typeof value === 'string' ? value : JSON.stringify(value);
  return `‹secret ${createHmac('sha256', KEY).update(text).digest('hex').slice(0, 8)}›`;
}

/** `List` and every `*List` (SecretList…): their `items` are whole objects, Secrets among them. */
export function isListKind(kind: unknown): boolean {
  return typeof kind === 'string' && kind.endsWith('List');
}

const LAST_APPLIED = 'kubectl.kubernetes.io/last-applied-configuration';

/**
 * Whether a field of this kind holds secret data, or holds something that may (a list's items:
 * which of them is a Secret is not in the path, so every item's data counts).
 */
export function isSecretField(kind: string | undefined, path: FieldPath): boolean {
  if (kind === 'Secret') return path[0] === 'data' || path[0] === 'stringData' || path.length === 0 || path.includes(LAST_APPLIED);
  if (!isListKind(kind)) return false;
  if (path.length === 0) return true;
  if (path[0] !== 'items') return false;
  return path.length <= 2 || path[2] === 'data' || path[2] === 'stringData' || path.includes(LAST_APPLIED);
}

/** A value at `path` of a `kind` as it may be shown: masked where it is, or holds, secret data. */
export function maskAt(kind: string | undefined, path: FieldPath, value: unknown): unknown {
  if (!isSecretField(kind, path)) return value;
  if (path.length === 0) return maskObject(value);
  if (isListKind(kind) && path.length === 1 && Array.isArray(value)) return value.map((item: unknown) => maskObject(item));
  if (isListKind(kind) && path.length === 2) return maskObject(value);
  return maskValue(value);
}

/** A deep copy of a Secret with every data value masked, for diff documents and logs; a list's Secret items too. */
export function maskObject<T>(object: T): T {
  const o = object as { kind?: unknown; data?: unknown; stringData?: unknown; items?: unknown };
  if (o === null || typeof o !== 'object') return object;
  if (isListKind(o.kind) && Array.isArray(o.items)) return { ...o, items: o.items.map((item: unknown) => maskObject(item)) } as T;
  if (o.kind !== 'Secret') return object;
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

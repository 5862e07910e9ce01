/**
 * The one shape of an expected failure, for every stage: a value, not a throw, so the caller
 * decides whether it is a status, a diagnostic or an exit code. Each stage names its own error
 * (ClusterError, GitFailure, a preview's kind and message).
 */
export type Result<T, E> = { ok: true; value: T } | { ok: false; error: E };


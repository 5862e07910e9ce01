import type { Result as Outcome } from '../result';

/** Why a cluster call failed, in terms the UI can turn into one clear status. */
export type ClusterErrorKind =
  | 'config' // no kubeconfig, unknown context
  | 'unreachable'
  | 'timeout'
  | 'unauthorized' // 401: credentials expired or wrong
  | 'forbidden' // 403
  | 'not-found'
  | 'conflict'
  | 'invalid' // 400/422: the server rejected the object
  | 'server'; // 5xx and anything else

export interface ClusterError {
  kind: ClusterErrorKind;
  status?: number;
  message: string;
  /** What fixes it, when the UI can offer that as an action: the controller is not installed in the cluster. */
  remedy?: 'install-controller';
}

/** A cluster call's outcome: the engine-wide Result with a ClusterError. */
export type Result<T> = Outcome<T, ClusterError>;

export const ok = <T>(value: T): Result<T> => ({ ok: true, value });
export const fail = <T = never>(kind: ClusterErrorKind, message: string, status?: number): Result<T> => ({
  ok: false,
  error: status === undefined ? { kind, message } : { kind, message, status },
});

export function kindOfStatus(status: number): ClusterErrorKind {
  if (status === 401) return 'unauthorized';
  if (status === 403) return 'forbidden';
  if (status === 404) return 'not-found';
  if (status === 409) return 'conflict';
  if (status === 400 || status === 422) return 'invalid';
  return 'server';
}

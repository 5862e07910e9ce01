/** Files above this size are reported as skipped instead of parsed: the editor must stay responsive. */
export const DEFAULT_MAX_FILE_BYTES = 20 * 1024 * 1024;

const mb = (n: number): string => `${(n / (1024 * 1024)).toFixed(1)} MB`;

/** Why a file of `size` bytes is not read, naming the setting or flag `limitName` that raises `maxBytes`. */
export function tooLargeReason(size: number, maxBytes: number, limitName: string): string {
  return `skipped: too large (${mb(size)}; the limit is ${mb(maxBytes)}, see ${limitName})`;
}

export interface CheckLimits {
  maxFileBytes: number;
}

export const DEFAULT_LIMITS: CheckLimits = { maxFileBytes: DEFAULT_MAX_FILE_BYTES };

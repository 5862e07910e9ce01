/** Files above this size are reported as skipped instead of parsed: the editor must stay responsive. */
export const DEFAULT_MAX_FILE_BYTES = 20 * 1024 * 1024;

export interface CheckLimits {
  maxFileBytes: number;
}

export const DEFAULT_LIMITS: CheckLimits = { maxFileBytes: DEFAULT_MAX_FILE_BYTES };

/**
 * Everything the client and the server say to each other beyond standard LSP: settings and
 * custom messages. The client imports this file; it must stay free of server-only imports.
 */

/** The `plumbline.*` settings the server reads, after sanitizing. */
export interface PlumblineSettings {
  /** Files larger than this many megabytes are skipped with an information diagnostic. */
  maxFileSizeMB: number;
  /** How a kind without any schema is reported. */
  unknownKinds: 'error' | 'warning' | 'information' | 'hint' | 'ignore';
}

export const DEFAULT_SETTINGS: PlumblineSettings = { maxFileSizeMB: 20, unknownKinds: 'information' };

const UNKNOWN_KINDS: readonly PlumblineSettings['unknownKinds'][] = ['error', 'warning', 'information', 'hint', 'ignore'];

/** Turns whatever the configuration holds into valid settings; bad values fall back to defaults. */
export function sanitizeSettings(raw: unknown): PlumblineSettings {
  const source = typeof raw === 'object' && raw !== null ? (raw as Record<string, unknown>) : {};
  const size = source['maxFileSize'];
  const validation = typeof source['validation'] === 'object' && source['validation'] !== null ? (source['validation'] as Record<string, unknown>) : {};
  const unknownKinds = UNKNOWN_KINDS.find((v) => v === validation['unknownKinds']);
  return {
    maxFileSizeMB: typeof size === 'number' && Number.isFinite(size) && size > 0 ? size : DEFAULT_SETTINGS.maxFileSizeMB,
    unknownKinds: unknownKinds ?? DEFAULT_SETTINGS.unknownKinds,
  };
}

/** Name of the diagnostic source shown in the Problems panel. */
export const DIAGNOSTIC_SOURCE = 'plumbline';

/**
 * Everything the client and the server say to each other beyond standard LSP: settings and
 * custom messages. The client imports this file; it must stay free of server-only imports.
 */

/** The `plumbline.*` settings the server reads, after sanitizing. */
export interface PlumblineSettings {
  /** Files larger than this many megabytes are skipped with an information diagnostic. */
  maxFileSizeMB: number;
}

export const DEFAULT_SETTINGS: PlumblineSettings = { maxFileSizeMB: 20 };

/** Turns whatever the configuration holds into valid settings; bad values fall back to defaults. */
export function sanitizeSettings(raw: unknown): PlumblineSettings {
  const source = typeof raw === 'object' && raw !== null ? (raw as Record<string, unknown>) : {};
  const size = source['maxFileSize'];
  return {
    maxFileSizeMB: typeof size === 'number' && Number.isFinite(size) && size > 0 ? size : DEFAULT_SETTINGS.maxFileSizeMB,
  };
}

/** Name of the diagnostic source shown in the Problems panel. */
export const DIAGNOSTIC_SOURCE = 'plumbline';

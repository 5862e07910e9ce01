import { homedir } from 'node:os';
import { join } from 'node:path';

/** Where schemas fetched from clusters are kept between sessions: $PLUMBLINE_CACHE_DIR, else the XDG cache. */
export function defaultCacheDir(): string {
  return process.env['PLUMBLINE_CACHE_DIR'] ?? join(process.env['XDG_CACHE_HOME'] ?? join(homedir(), '.cache'), 'plumbline');
}

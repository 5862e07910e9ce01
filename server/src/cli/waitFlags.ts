import { UsageError } from '../files/files';
import { DEFAULT_SETTINGS } from '../workspace/settings';

/** The flags of the commands that make a cluster converge: wait for health afterwards, and how long. */
export const WAIT_FLAGS = {
  wait: { type: 'boolean', default: false },
  timeout: { type: 'string' },
} as const;

/** The lines of `--help` that describe WAIT_FLAGS. */
export const WAIT_FLAGS_USAGE = `      --wait                   then wait until the environment's resources are healthy (as flux reconcile
                               --wait does); stops early when one has Failed (a progress deadline, a failed Job)
      --timeout DURATION       how long --wait waits (default ${DEFAULT_SETTINGS.sync.healthTimeout / 60}m, as plumbline.sync.healthTimeout):
                               90s, 2m30s, 1h, or a number of seconds; implies --wait`;

const UNIT_MS: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000 };

/** `90s`, `2m30s`, `1h`, `45` (seconds), as Flux and kubectl write durations; undefined when it is none. */
export function parseDuration(text: string): number | undefined {
  const t = text.trim();
  if (/^\d+(\.\d+)?$/.test(t)) return Number(t) * 1000;
  if (!/^(\d+(\.\d+)?(ms|s|m|h))+$/.test(t)) return undefined;
  let total = 0;
  for (const m of t.matchAll(/(\d+(?:\.\d+)?)(ms|s|m|h)/g)) total += Number(m[1]) * UNIT_MS[m[2]!]!;
  return total;
}

/** Milliseconds to wait for health after convergence; 0 without --wait or --timeout. */
export function healthTimeoutFromFlags(values: { wait?: boolean | undefined; timeout?: string | undefined }): number {
  if (values.timeout !== undefined) {
    const ms = parseDuration(values.timeout);
    if (ms === undefined) throw new UsageError(`--timeout takes a duration such as 90s, 5m or 1h, not '${values.timeout}'`);
    return ms;
  }
  return values.wait === true ? DEFAULT_SETTINGS.sync.healthTimeout * 1000 : 0;
}

/** Kubernetes resource quantities: 100m, 1.5, 2Gi, 1e3. */
const QUANTITY = /^[+-]?(\d+(\.\d*)?|\.\d+)(([KMGTPE]i)|[numkKMGTPE]|[eE][+-]?\d+)?$/;
/** Go time.Duration as metav1.Duration accepts it: 1h30m, 10s, 500ms. */
const DURATION = /^[+-]?((\d+(\.\d*)?|\.\d+)(ns|us|µs|ms|s|m|h))+$|^0$/;
const DATE_TIME = /^\d{4}-\d{2}-\d{2}[Tt ]\d{2}:\d{2}:\d{2}(\.\d+)?([Zz]|[+-]\d{2}:\d{2})$/;

/** Why a string is not valid for a format, or undefined when it is (or the format is not checked). */
export function checkFormat(format: string, value: string): string | undefined {
  switch (format) {
    case 'quantity':
      return QUANTITY.test(value) ? undefined : 'quantities look like 500m, 2, 1.5Gi or 128Mi';
    case 'duration':
      return DURATION.test(value) ? undefined : 'durations look like 30s, 5m or 1h30m';
    case 'date-time':
      return DATE_TIME.test(value) ? undefined : 'expected an RFC 3339 time such as 2026-01-31T12:00:00Z';
    default:
      return undefined;
  }
}

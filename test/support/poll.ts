/** Polls until `read` returns a value (like a controller noticing a change); throws at the deadline. */
export async function until<T>(read: () => Promise<T | undefined>, ms = 10_000): Promise<T> {
  const deadline = Date.now() + ms;
  for (;;) {
    const v = await read();
    if (v !== undefined) return v;
    if (Date.now() > deadline) throw new Error('condition not met before the deadline');
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
}

/**
 * Reads until `done` accepts what was read, and returns it; at the deadline, throws with `what`
 * and the last value seen, so a failure says how far things got.
 */
export async function settled<V>(read: () => Promise<V>, done: (value: V) => boolean, what: string, ms = 10_000): Promise<V> {
  const deadline = Date.now() + ms;
  for (;;) {
    const value = await read();
    if (done(value)) return value;
    if (Date.now() > deadline) throw new Error(`${what}: not within ${ms} ms; last seen: ${JSON.stringify(value)}`);
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
}

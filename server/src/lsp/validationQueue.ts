/**
 * Runs one validation per document at a time and coalesces bursts of edits: while a run is in
 * flight, further requests collapse into one follow-up run on the latest version. No fixed
 * debounce, so a single edit is answered at once.
 */
export class ValidationQueue {
  private readonly running = new Set<string>();
  private readonly pending = new Set<string>();

  constructor(
    private readonly validate: (uri: string) => Promise<void>,
    private readonly onError: (uri: string, error: unknown) => void,
  ) {}

  request(uri: string): void {
    if (this.running.has(uri)) {
      this.pending.add(uri);
      return;
    }
    this.running.add(uri);
    // Yield once so that a burst of notifications already queued lands before we read the text.
    setImmediate(() => void this.run(uri));
  }

  cancel(uri: string): void {
    this.pending.delete(uri);
  }

  private async run(uri: string): Promise<void> {
    try {
      await this.validate(uri);
    } catch (error: unknown) {
      this.onError(uri, error);
    } finally {
      this.running.delete(uri);
      if (this.pending.delete(uri)) this.request(uri);
    }
  }
}

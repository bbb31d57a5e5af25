/** Capped exponential backoff with full jitter, so a ward of devices does not reconnect in lockstep. */
export class Backoff {
  private attempt = 0;

  constructor(
    private readonly minMs = 500,
    private readonly maxMs = 30_000,
    private readonly random: () => number = Math.random,
  ) {}

  /** Delay before the next attempt: min + jitter over [0, min * 2^attempt), capped at max. */
  next(): number {
    const ceiling = Math.min(this.maxMs, this.minMs * 2 ** this.attempt);
    this.attempt = Math.min(this.attempt + 1, 30);
    return Math.round(Math.min(this.maxMs, this.minMs + this.random() * (ceiling - this.minMs)));
  }

  reset(): void {
    this.attempt = 0;
  }
}

export interface TurnSlicerOptions {
  /** Called with what a task threw; the tasks after it still run. */
  onError: (err: unknown) => void;
  /** Time one turn may spend on tasks (at least one task runs). Default 2 ms. */
  budgetMs?: number;
  /**
   * Tasks one turn may start. Bounds the work a task sets off for later turns (a socket handed to the MQTT parser is
   * read and its login checked in the next turns), which the time budget does not see. Default 32.
   */
  maxPerTurn?: number;
  now?: () => number;
}

/**
 * Runs queued tasks a slice at a time: each event-loop turn runs tasks until the budget of time or of tasks is
 * spent (at least one), then yields with setImmediate so that timers and I/O, the samples that become alarms among
 * them, get their turn before the next slice. For work that arrives in bursts an attacker controls (a thousand
 * logins at once); each task still runs, in arrival order.
 */
export class TurnSlicer {
  private queue: Array<() => void> = [];
  private head = 0;
  private scheduled = false;
  private readonly budgetMs: number;
  private readonly maxPerTurn: number;
  private readonly now: () => number;

  constructor(private readonly opts: TurnSlicerOptions) {
    this.budgetMs = opts.budgetMs ?? 2;
    this.maxPerTurn = opts.maxPerTurn ?? 32;
    this.now = opts.now ?? (() => performance.now());
  }

  /** Tasks queued and not yet run. */
  get backlog(): number {
    return this.queue.length - this.head;
  }

  run(task: () => void): void {
    this.queue.push(task);
    if (!this.scheduled) {
      this.scheduled = true;
      setImmediate(this.drain);
    }
  }

  private readonly drain = (): void => {
    const end = this.now() + this.budgetMs;
    let n = 0;
    do {
      const task = this.queue[this.head]!;
      this.queue[this.head++] = noop;
      n += 1;
      try {
        task();
      } catch (err) {
        this.opts.onError(err);
      }
    } while (this.head < this.queue.length && n < this.maxPerTurn && this.now() < end);
    if (this.head === this.queue.length) {
      this.queue = [];
      this.head = 0;
      this.scheduled = false;
      return;
    }
    if (this.head > 1024 && this.head * 2 > this.queue.length) {
      this.queue = this.queue.slice(this.head);
      this.head = 0;
    }
    setImmediate(this.drain);
  };
}

function noop(): void {}

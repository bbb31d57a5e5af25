/**
 * Runs queued tasks a slice at a time: each event-loop turn runs tasks until `budgetMs` has passed (at least one),
 * then yields with setImmediate so that timers and I/O, the samples that become alarms among them, get their turn
 * before the next slice. For work that arrives in bursts an attacker controls (refusing a thousand logins at once
 * costs a tenth of a second on a Raspberry Pi class core); each task still runs, in arrival order.
 */
export class TurnSlicer {
  private queue: Array<() => void> = [];
  private head = 0;
  private scheduled = false;

  constructor(
    /** Called with what a task threw; the tasks after it still run. */
    private readonly onError: (err: unknown) => void,
    private readonly budgetMs = 2,
    private readonly now: () => number = () => performance.now(),
  ) {}

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
    do {
      const task = this.queue[this.head]!;
      this.queue[this.head++] = noop;
      try {
        task();
      } catch (err) {
        this.onError(err);
      }
    } while (this.head < this.queue.length && this.now() < end);
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

/**
 * Keys seen within a time window, bounded in number: the memory of a de-duplicator. `seen(key)` answers whether
 * the key was already seen within `windowMs` and records it. The oldest keys go first when `max` is reached.
 *
 * The keys are also kept in arrival order in a ring, so the oldest are found without iterating the map: a Map
 * whose oldest entries are deleted over and over keeps their holes at the front until it rehashes, and an iterator
 * walks all of them, which at 16,384 keys cost more than the rest of a sample's ingest.
 */
export class RecentKeys {
  private readonly at = new Map<string, number>();
  private readonly keys: (string | undefined)[];
  private readonly times: number[];
  private head = 0;
  private size = 0;

  constructor(
    private readonly windowMs: number,
    private readonly max = 1024,
    private readonly now: () => number = () => performance.now(),
  ) {
    this.keys = new Array<string | undefined>(max).fill(undefined);
    this.times = new Array<number>(max).fill(0);
  }

  seen(key: string): boolean {
    const t = this.now();
    while (this.size > 0 && t - (this.times[this.head] as number) >= this.windowMs) this.dropOldest();
    const last = this.at.get(key);
    if (last !== undefined && t - last < this.windowMs) return true;
    if (this.size === this.max) this.dropOldest();
    const tail = (this.head + this.size) % this.max;
    this.keys[tail] = key;
    this.times[tail] = t;
    this.size += 1;
    this.at.set(key, t);
    return false;
  }

  private dropOldest(): void {
    const key = this.keys[this.head] as string;
    if (this.at.get(key) === this.times[this.head]) this.at.delete(key);
    this.keys[this.head] = undefined;
    this.head = (this.head + 1) % this.max;
    this.size -= 1;
  }
}

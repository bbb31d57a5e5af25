/**
 * Keys seen within a time window, bounded in number: the memory of a de-duplicator. `seen(key)` answers whether
 * the key was already seen within `windowMs` and records it. The oldest keys go first when `max` is reached.
 */
export class RecentKeys {
  private readonly at = new Map<string, number>();

  constructor(
    private readonly windowMs: number,
    private readonly max = 1024,
    private readonly now: () => number = () => performance.now(),
  ) {}

  seen(key: string): boolean {
    const t = this.now();
    const last = this.at.get(key);
    if (last !== undefined && t - last < this.windowMs) return true;
    this.at.delete(key);
    this.at.set(key, t);
    // Map keeps insertion order: the first entries are the oldest.
    for (const [k, when] of this.at) {
      if (this.at.size <= this.max && t - when < this.windowMs) break;
      this.at.delete(k);
    }
    return false;
  }
}

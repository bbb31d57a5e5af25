/**
 * One parameter's recent trend on the ward view (what the screen draws before the bed detail's longer history):
 * one point per `stepMs` at most, the last `windowMs`. The points live in a ring of two Float64Arrays allocated
 * once at their full size (16 bytes a point, 181 points for 30 minutes at one per 10 s), so a bed's memory is the
 * same after its first minute as after a day, and nothing here is left for the garbage collector to trace. An
 * array of [time, value] pairs cost about 70 bytes a point and grew for the window's first 30 minutes.
 */
export class WardTrend {
  private readonly times: Float64Array;
  private readonly values: Float64Array;
  private first = 0;
  private size = 0;

  constructor(
    private readonly windowMs: number,
    private readonly stepMs: number,
  ) {
    const capacity = Math.floor(windowMs / stepMs) + 1;
    this.times = new Float64Array(capacity);
    this.values = new Float64Array(capacity);
  }

  get length(): number {
    return this.size;
  }

  /** A reading at `at`: kept when it is the first or at least a step after the newest point; old points leave. */
  add(at: number, value: number): void {
    const cap = this.times.length;
    if (this.size === 0 || at - (this.times[(this.first + this.size - 1) % cap] as number) >= this.stepMs) {
      if (this.size === cap) {
        this.first = (this.first + 1) % cap;
        this.size -= 1;
      }
      const k = (this.first + this.size) % cap;
      this.times[k] = at;
      this.values[k] = value;
      this.size += 1;
    }
    while (this.size > 0 && at - (this.times[this.first] as number) > this.windowMs) {
      this.first = (this.first + 1) % cap;
      this.size -= 1;
    }
  }

  /** Oldest first, as [time, value] pairs: the form the screen receives (JSON.stringify calls this). */
  toJSON(): Array<[number, number]> {
    const cap = this.times.length;
    const out: Array<[number, number]> = new Array(this.size);
    for (let i = 0; i < this.size; i++) {
      const k = (this.first + i) % cap;
      out[i] = [this.times[k] as number, this.values[k] as number];
    }
    return out;
  }
}

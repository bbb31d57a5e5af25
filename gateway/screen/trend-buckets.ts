/** One bucket of a trend: [start (epoch ms), last value, lowest, highest]. */
export type TrendPoint = [number, number, number, number];

/**
 * One parameter's trend buckets, oldest first, as numbers in typed arrays: the bucket's start (epoch ms, 64-bit)
 * and its last value, low and high (32-bit, read back to 7 significant digits, more than any bedside reading has).
 * 20 bytes a bucket instead of about 100 for a four-number array, and nothing for the garbage collector to trace:
 * at 50 beds x 6 parameters x 720 buckets an 8-hour history is about 4 MB. The arrays grow by doubling up to
 * `capacity` (the window's bucket count); past that the oldest bucket is overwritten (a ring).
 */
export class TrendBuckets {
  private starts: Float64Array;
  private values: Float32Array; // last, low, high per bucket
  private first = 0;
  private size = 0;

  constructor(private readonly capacity: number) {
    const n = Math.min(16, capacity);
    this.starts = new Float64Array(n);
    this.values = new Float32Array(n * 3);
  }

  get length(): number {
    return this.size;
  }

  /** The start of the bucket at `i` (0 = oldest). */
  startAt(i: number): number {
    return this.starts[(this.first + i) % this.starts.length] as number;
  }

  /** The bucket at `i` (0 = oldest) as [start, last, low, high]. */
  at(i: number): TrendPoint {
    const k = (this.first + i) % this.starts.length;
    return [this.starts[k] as number, read(this.values[k * 3]), read(this.values[k * 3 + 1]), read(this.values[k * 3 + 2])];
  }

  /** A value into the newest bucket: becomes its last value and widens its range. */
  updateNewest(value: number): void {
    const k = ((this.first + this.size - 1) % this.starts.length) * 3;
    this.values[k] = value;
    if (value < (this.values[k + 1] as number)) this.values[k + 1] = value;
    if (value > (this.values[k + 2] as number)) this.values[k + 2] = value;
  }

  /** A new newest bucket. */
  push(start: number, last: number, low: number, high: number): void {
    if (this.size === this.starts.length) {
      if (this.size < this.capacity) this.grow();
      else {
        this.first = (this.first + 1) % this.starts.length;
        this.size -= 1;
      }
    }
    const k = (this.first + this.size) % this.starts.length;
    this.starts[k] = start;
    this.values[k * 3] = last;
    this.values[k * 3 + 1] = low;
    this.values[k * 3 + 2] = high;
    this.size += 1;
  }

  /** Drops the buckets that start before `oldest`. */
  dropBefore(oldest: number): void {
    while (this.size > 0 && (this.starts[this.first] as number) < oldest) {
      this.first = (this.first + 1) % this.starts.length;
      this.size -= 1;
    }
  }

  private grow(): void {
    const n = Math.min(this.capacity, this.starts.length * 2);
    const starts = new Float64Array(n);
    const values = new Float32Array(n * 3);
    for (let i = 0; i < this.size; i++) {
      const k = (this.first + i) % this.starts.length;
      starts[i] = this.starts[k] as number;
      values.set(this.values.subarray(k * 3, k * 3 + 3), i * 3);
    }
    this.starts = starts;
    this.values = values;
    this.first = 0;
  }
}

/** A 32-bit float back as the decimal it was written as (36.85 stays 36.85, not 36.849998474121094). */
const read = (v: number | undefined): number => Number((v as number).toPrecision(7));

import { TrendBuckets, type TrendPoint } from './trend-buckets.js';

export type { TrendPoint };

export interface BedTrends {
  bed: string;
  /** Set by the server: the hours before a restart are still being read from the store. */
  loading?: boolean;
  from: number;
  to: number;
  stepMs: number;
  params: Record<string, TrendPoint[]>;
}

const BUCKETS = 720;
const MIN_STEP_MS = 10_000;
/** Stored rows (device messages) read per event-loop turn while the history loads after a restart. */
const ROWS_PER_TURN = 500;

/** Where the history of the hours before a restart comes from (the store; see ScreenBackend.storedReadings). */
export interface StoredReadings {
  /** Hands the next page's readings to `each`, oldest first; false once all are read. */
  next(maxRows: number, each: (bed: string, param: string, value: number, receivedAt: number) => void): boolean;
}

/**
 * Per bed and parameter, the last `hours` of values in fixed buckets (720 per window, at least 10 s each): the
 * last value of a bucket with its low and high, so a brief dip stays visible on an 8-hour chart. Held in memory
 * (trend-buckets.ts: 20 bytes a bucket, about 4 MB for 50 beds x 6 parameters over 8 hours) and filled from the
 * observations the gateway takes in.
 */
export class TrendHistory {
  readonly stepMs: number;
  private readonly windowMs: number;
  private readonly beds = new Map<string, Map<string, TrendBuckets>>();
  /** Buckets a series can hold: the window's, and one more for the bucket under way. */
  private readonly capacity: number;

  constructor(hours: number) {
    this.windowMs = Math.round(hours * 3600_000);
    this.stepMs = Math.max(MIN_STEP_MS, Math.ceil(this.windowMs / BUCKETS / 1000) * 1000);
    this.capacity = Math.ceil(this.windowMs / this.stepMs) + 2;
  }

  add(o: { bedId: string; param: string; value: number; receivedAt: number }): void {
    this.addTo(this.bedSeries(o.bedId), o.param, o.value, o.receivedAt);
  }

  /** The readings of one device message (one bed, one receipt time): the bed looked up once. */
  addAll(bedId: string, receivedAt: number, readings: readonly { param: string; value: number }[]): void {
    const bed = this.bedSeries(bedId);
    for (const r of readings) this.addTo(bed, r.param, r.value, receivedAt);
  }

  private bedSeries(bedId: string): Map<string, TrendBuckets> {
    let bed = this.beds.get(bedId);
    if (!bed) this.beds.set(bedId, (bed = new Map()));
    return bed;
  }

  private addTo(bed: Map<string, TrendBuckets>, param: string, value: number, receivedAt: number): void {
    if (!Number.isFinite(value)) return;
    let series = bed.get(param);
    if (!series) bed.set(param, (series = new TrendBuckets(this.capacity)));
    const start = receivedAt - (receivedAt % this.stepMs);
    const newest = series.length > 0 ? series.startAt(series.length - 1) : undefined;
    if (newest === start) series.updateNewest(value);
    else if (newest === undefined || start > newest) {
      series.push(start, value, value, value);
      series.dropBefore(start - this.windowMs);
    }
  }

  /**
   * Takes in `older`, a history of the same window filled from the store, under what this one received live: buckets
   * only `older` has are added; a bucket both have keeps this one's last value and the lower low and higher high.
   */
  merge(older: TrendHistory): void {
    for (const [bedId, params] of older.beds) {
      let bed = this.beds.get(bedId);
      if (!bed) this.beds.set(bedId, (bed = new Map()));
      for (const [param, oldBuckets] of params) {
        const old = points(oldBuckets);
        const live = points(bed.get(param));
        const merged: TrendPoint[] = [];
        let i = 0;
        let j = 0;
        while (i < old.length || j < live.length) {
          const o = old[i];
          const l = live[j];
          if (l === undefined || (o !== undefined && o[0] < l[0])) merged.push(old[i++] as TrendPoint);
          else if (o === undefined || l[0] < o[0]) merged.push(live[j++] as TrendPoint);
          else {
            merged.push([l[0], l[1], Math.min(l[2], o[2]), Math.max(l[3], o[3])]);
            i += 1;
            j += 1;
          }
        }
        const oldest = (merged[merged.length - 1]?.[0] ?? 0) - this.windowMs;
        const series = new TrendBuckets(this.capacity);
        for (const p of merged) if (p[0] >= oldest) series.push(p[0], p[1], p[2], p[3]);
        bed.set(param, series);
      }
    }
  }

  /**
   * Fills in the window before now from `stored` (after a restart), a page per event-loop turn so that alarms are
   * never held up behind it; `keep` says which beds' readings to take. Resolves with the readings taken in.
   */
  async load(stored: StoredReadings, keep: (bed: string, param: string) => boolean, stopped: () => boolean): Promise<number> {
    const older = new TrendHistory(this.windowMs / 3600_000);
    let n = 0;
    const each = (bedId: string, param: string, value: number, receivedAt: number): void => {
      if (!keep(bedId, param)) return;
      older.add({ bedId, param, value, receivedAt });
      n += 1;
    };
    while (!stopped() && stored.next(ROWS_PER_TURN, each)) await new Promise((r) => setImmediate(r));
    if (!stopped()) this.merge(older);
    return n;
  }

  get(bed: string, now: number): BedTrends {
    const from = now - this.windowMs;
    const params: Record<string, TrendPoint[]> = {};
    for (const [param, series] of this.beds.get(bed) ?? []) {
      const pts = points(series).filter((p) => p[0] >= from - this.stepMs);
      if (pts.length > 0) params[param] = pts;
    }
    return { bed, from, to: now, stepMs: this.stepMs, params };
  }
}

/** A series' buckets as new [start, last, low, high] arrays, oldest first. */
function points(series: TrendBuckets | undefined): TrendPoint[] {
  const out: TrendPoint[] = [];
  for (let i = 0; i < (series?.length ?? 0); i++) out.push((series as TrendBuckets).at(i));
  return out;
}

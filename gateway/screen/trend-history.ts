/** One bucket of a trend: [start (epoch ms), last value, lowest, highest]. */
export type TrendPoint = [number, number, number, number];

export interface BedTrends {
  bed: string;
  from: number;
  to: number;
  stepMs: number;
  params: Record<string, TrendPoint[]>;
}

const BUCKETS = 720;
const MIN_STEP_MS = 10_000;

/**
 * Per bed and parameter, the last `hours` of values in fixed buckets (720 per window, at least 10 s each): the
 * last value of a bucket with its low and high, so a brief dip stays visible on an 8-hour chart. Held in memory
 * (24 beds x 9 parameters x 720 buckets is a few MB at most) and filled from the observations the gateway takes in.
 */
export class TrendHistory {
  readonly stepMs: number;
  private readonly windowMs: number;
  private readonly beds = new Map<string, Map<string, TrendPoint[]>>();

  constructor(hours: number) {
    this.windowMs = Math.round(hours * 3600_000);
    this.stepMs = Math.max(MIN_STEP_MS, Math.ceil(this.windowMs / BUCKETS / 1000) * 1000);
  }

  add(o: { bedId: string; param: string; value: number; receivedAt: number }): void {
    if (!Number.isFinite(o.value)) return;
    let bed = this.beds.get(o.bedId);
    if (!bed) this.beds.set(o.bedId, (bed = new Map()));
    let series = bed.get(o.param);
    if (!series) bed.set(o.param, (series = []));
    const start = o.receivedAt - (o.receivedAt % this.stepMs);
    const last = series[series.length - 1];
    if (last && last[0] === start) {
      last[1] = o.value;
      last[2] = Math.min(last[2], o.value);
      last[3] = Math.max(last[3], o.value);
    } else if (!last || start > last[0]) {
      series.push([start, o.value, o.value, o.value]);
      const oldest = start - this.windowMs;
      let drop = 0;
      while (drop < series.length && series[drop]![0] < oldest) drop += 1;
      if (drop > 0) series.splice(0, drop);
    }
  }

  get(bed: string, now: number): BedTrends {
    const from = now - this.windowMs;
    const params: Record<string, TrendPoint[]> = {};
    for (const [param, series] of this.beds.get(bed) ?? []) {
      const pts = series.filter((p) => p[0] >= from - this.stepMs);
      if (pts.length > 0) params[param] = pts.map((p) => [...p] as TrendPoint);
    }
    return { bed, from, to: now, stepMs: this.stepMs, params };
  }
}

import { scoreNews2, scorePulse, scoreRr, scoreSbp, scoreSpo2Scale1, scoreSpo2Scale2, scoreTemp } from './news2.js';
import type { BedState, EngineState, News2Vital, Timed } from './engine-state.js';
import type { News2Result } from './types.js';

/** A timed input if it is still fresh at `now`: manual inputs and measured values each have their own window. */
export function fresh<T>(s: EngineState, t: Timed<T> | undefined, now: number, manual = true): Timed<T> | undefined {
  if (!t) return undefined;
  return now - t.at <= (manual ? s.manualFreshMs : s.freshMs) ? t : undefined;
}

/** A measured NEWS2 value if still fresh at `now` (no closure: this runs on every re-scored observation). */
function measured(s: EngineState, t: Timed<number> | undefined, now: number): number | undefined {
  return t !== undefined && now - t.at <= s.freshMs ? t.v : undefined;
}

/** The bed's NEWS2 from its fresh inputs at `now`; remembers the subscores used (see `BedState.news2Sub`). */
export function score(s: EngineState, bed: BedState, now: number): News2Result {
  const v = bed.news2Vitals;
  const r = scoreNews2({
    rr: measured(s, v.rr, now),
    spo2: measured(s, v.spo2, now),
    scale: bed.scale,
    o2: fresh(s, bed.o2, now)?.v,
    sbp: measured(s, v.sbp, now),
    hr: measured(s, v.pulse, now),
    acvpu: fresh(s, bed.acvpu, now)?.v,
    temp: measured(s, v.temp, now),
  });
  if (r.subscores.sbp !== undefined && fresh(s, bed.news2Vitals.sbp, now, false)?.from === 'abp_sys') r.sbpFrom = 'arterial';
  bed.news2Sub = { rr: r.subscores.rr, spo2: r.subscores.spo2, sbp: r.subscores.sbp, pulse: r.subscores.hr, temp: r.subscores.temp };
  return r;
}

/** The subscore one new value of `vital` gets on this bed (SpO2 depends on the bed's scale and air/oxygen). */
export function vitalSubscore(s: EngineState, bed: BedState, vital: News2Vital, v: number, at: number): number | undefined {
  switch (vital) {
    case 'rr':
      return scoreRr(v);
    case 'spo2':
      return bed.scale === 2 ? scoreSpo2Scale2(v, fresh(s, bed.o2, at)?.v) : scoreSpo2Scale1(v);
    case 'sbp':
      return scoreSbp(v);
    case 'pulse':
      return scorePulse(v);
    case 'temp':
      return scoreTemp(v);
  }
}

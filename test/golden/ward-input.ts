import { GOLDEN_EPOCH_MS } from './scenario-input.js';

/**
 * The hand-built ward stream (test/golden/ward-observations.ndjson) for test/golden/ward.yaml, 20 minutes at 5 s
 * steps. Written out once by record.ts; the test reads the committed file, so this is its documentation:
 * - bed-01: HR climbs to 138 (hr-high), a nurse acknowledges, HR falls back (clear); a pause of the audio.
 * - bed-02: SpO2 falls to 86 with RR 26 (spo2-low, NEWS2), manual inputs (ACVPU V, on oxygen) raise the score.
 * - bed-03: the oximeter's sensor comes off (technical), then it falls silent (no-data), then it is unplugged
 *   (device-disconnected) and replugged; the wearable on the same bed keeps sending.
 * - bed-04: Scale 2 patient at SpO2 89 (no spo2 NEWS2 points on Scale 2), a fall with acknowledgement, an
 *   implausible HR of 400 (out-of-range flag), temperature rising to 39.4 (temp-high), low battery.
 */
export function wardObservationLines(): string[] {
  const lines: string[] = [];
  const at = (s: number) => GOLDEN_EPOCH_MS + s * 1000;
  const obs = (bedId: string, deviceId: string, param: string, value: number, s: number, extra: Record<string, unknown> = {}) =>
    lines.push(JSON.stringify({ bedId, deviceId, param, value, receivedAt: at(s), ...extra }));
  const cmd = (o: Record<string, unknown>, s: number) => lines.push(JSON.stringify({ ...o, at: at(s) }));
  const ramp = (s: number, from: number, to: number, t0: number, t1: number) => (s <= t0 ? from : s >= t1 ? to : from + ((to - from) * (s - t0)) / (t1 - t0));
  const round1 = (x: number) => Math.round(x * 10) / 10;

  for (let s = 0; s <= 1200; s += 5) {
    // bed-01: HR up between 120 s and 240 s, down from 600 s.
    const hr1 = s < 600 ? ramp(s, 78, 138, 120, 240) : ramp(s, 138, 80, 600, 720);
    obs('bed-01', 'wear-01', 'hr', Math.round(hr1), s);
    obs('bed-01', 'wear-01', 'spo2', 97, s);
    if (s % 15 === 0) obs('bed-01', 'wear-01', 'rr', 16, s);
    // bed-02: desaturation from 300 s, recovery from 900 s.
    const spo2 = s < 900 ? ramp(s, 96, 86, 300, 420) : ramp(s, 86, 96, 900, 1000);
    obs('bed-02', 'wear-02', 'spo2', Math.round(spo2), s);
    obs('bed-02', 'wear-02', 'rr', Math.round(s < 900 ? ramp(s, 16, 26, 300, 420) : ramp(s, 26, 16, 900, 1000)), s);
    obs('bed-02', 'wear-02', 'hr', 92, s);
    if (s % 60 === 0) {
      obs('bed-02', 'wear-02', 'temp', 37.4, s);
      obs('bed-02', 'wear-02', 'sbp', 118, s);
      obs('bed-02', 'wear-02', 'dbp', 74, s);
    }
    // bed-03: the wearable sends throughout; the oximeter until 700 s, then silent, unplugged at 800 s.
    obs('bed-03', 'wear-03', 'hr', 70, s);
    if (s < 200 || (s >= 320 && s < 700) || s >= 1000) {
      obs('bed-03', 'ox-03', 'spo2', 98, s, { source: 'serial', sourceSeq: s / 5 });
      obs('bed-03', 'ox-03', 'pr', 71, s, { source: 'serial', sourceSeq: s / 5 });
    }
    // bed-04: Scale 2 patient, temperature rising from 400 s.
    obs('bed-04', 'wear-04', 'spo2', 89, s);
    obs('bed-04', 'wear-04', 'hr', s === 500 ? 400 : 84, s);
    if (s % 30 === 0) obs('bed-04', 'wear-04', 'temp', round1(ramp(s, 37.0, 39.4, 400, 700)), s);
    if (s % 60 === 0) obs('bed-04', 'wear-04', 'rr', 18, s);

    if (s === 60) cmd({ type: 'manual', bed: 'bed-02', by: 'staff:n100', acvpu: 'A', o2: false }, s);
    if (s === 200) cmd({ type: 'technical', bed: 'bed-03', deviceId: 'ox-03', condition: 'sensor-off', active: true }, s);
    if (s === 320) cmd({ type: 'technical', bed: 'bed-03', deviceId: 'ox-03', condition: 'sensor-off', active: false }, s);
    if (s === 330) cmd({ type: 'technical', bed: 'bed-04', deviceId: 'wear-04', condition: 'low-battery', active: true, detail: '12%' }, s);
    if (s === 360) cmd({ type: 'event', bed: 'bed-04', deviceId: 'wear-04', event: 'fall' }, s);
    if (s === 390) cmd({ type: 'ack', bed: 'bed-04', condition: 'fall', by: 'staff:n100' }, s);
    if (s === 400) cmd({ type: 'ack', bed: 'bed-01', condition: 'hr-high', by: 'staff:n100' }, s);
    if (s === 450) cmd({ type: 'pause', bed: 'bed-01', by: 'staff:n100', durationMs: 120_000 }, s);
    if (s === 500) cmd({ type: 'manual', bed: 'bed-02', by: 'staff:n100', acvpu: 'V', o2: true }, s);
    if (s === 800) cmd({ type: 'technical', bed: 'bed-03', deviceId: 'ox-03', condition: 'device-disconnected', active: true }, s);
    if (s === 995) cmd({ type: 'technical', bed: 'bed-03', deviceId: 'ox-03', condition: 'device-disconnected', active: false }, s);
    if (s === 1100) cmd({ type: 'technical', bed: 'bed-04', deviceId: 'wear-04', condition: 'low-battery', active: false, detail: '95%' }, s);
    if (s === 1150) cmd({ type: 'manual', bed: 'bed-02', by: 'staff:n100', acvpu: 'A', o2: false }, s);
  }
  return lines;
}

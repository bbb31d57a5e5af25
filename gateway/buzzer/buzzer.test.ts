import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { AlarmEvent, Priority } from '../../rules/types.js';
import type { Annunciator } from './annunciator.js';
import { Buzzer, priorityToSound } from './buzzer.js';
import { cycleMs, PATTERNS } from './patterns.js';
import { RecordAnnunciator, type RecordLine } from './record.js';

function alarm(over: Partial<AlarmEvent> = {}): AlarmEvent {
  return {
    id: over.id ?? 'a1', bed: 'bed-1', condition: 'hr-high', kind: 'physiological', priority: 'medium', state: 'active', transition: 'raised',
    audible: true, latched: false, latching: true, escalated: false, raisedAt: 0, at: 0, by: 'rules', incidentId: 'i1', message: 'HR high', ...over,
  };
}

/** An output that notes when it was switched, on the fake clock. */
class Probe implements Annunciator {
  readonly kind = 'none' as const;
  switches: Array<{ t: number; on: boolean; priority: Priority | null }> = [];
  fail = false;
  async set(on: boolean, priority: Priority | null): Promise<void> {
    if (this.fail) throw new Error('line busy');
    this.switches.push({ t: Date.now(), on, priority });
  }
  async close(): Promise<void> {}
  /** On-times relative to the first switch-on, with their durations. */
  pulses(): Array<[number, number]> {
    const out: Array<[number, number]> = [];
    const t0 = this.switches.find((s) => s.on)?.t ?? 0;
    for (let i = 0; i < this.switches.length; i++) {
      const s = this.switches[i]!;
      if (!s.on) continue;
      const off = this.switches.slice(i + 1).find((x) => !x.on);
      out.push([s.t - t0, off ? off.t - s.t : -1]);
    }
    return out;
  }
}

/** Expected pulse starts and durations from a pattern table, for `bursts` repetitions. */
function expected(p: Priority, bursts: number): Array<[number, number]> {
  const pat = PATTERNS[p];
  const out: Array<[number, number]> = [];
  let t = 0;
  for (let b = 0; b < bursts; b++) {
    pat.pulses.forEach((d, i) => {
      out.push([t, d]);
      t += d + pat.gaps[i]!;
    });
  }
  return out;
}

describe('Buzzer patterns (fake timers)', () => {
  let probe: Probe;
  let faults: Array<[boolean, string]>;
  let buzzer: Buzzer;
  beforeEach(() => {
    vi.useFakeTimers({ now: 1_000_000 });
    probe = new Probe();
    faults = [];
    buzzer = new Buzzer({ output: probe, onFault: (a, d) => faults.push([a, d]), faultClearMs: 30_000 });
  });
  afterEach(async () => {
    await buzzer.close();
    vi.useRealTimers();
  });

  it('high: 10 pulses in 3+2, pause, 3+2 groups, repeated after the interburst interval', async () => {
    buzzer.update([alarm({ priority: 'high' })]);
    await vi.advanceTimersByTimeAsync(2 * cycleMs(PATTERNS.high) - 1);
    expect(probe.pulses()).toEqual(expected('high', 2));
    const starts = probe.pulses().slice(0, 10).map(([t]) => t);
    // groups: gaps between pulse starts are td+x within a group, td+2x+td between 3 and 2, td+pause between the halves
    expect(starts).toEqual([0, 250, 500, 1000, 1250, 2400, 2650, 2900, 3400, 3650]);
    expect(probe.switches.every((s) => s.priority === 'high')).toBe(true);
  });

  it('medium: 3 pulses per burst; low: 1 pulse per burst', async () => {
    buzzer.update([alarm({ priority: 'medium' })]);
    await vi.advanceTimersByTimeAsync(2 * cycleMs(PATTERNS.medium) - 1);
    expect(probe.pulses()).toEqual(expected('medium', 2));
    buzzer.update([]);
    probe.switches = [];
    buzzer.update([alarm({ priority: 'low' })]);
    await vi.advanceTimersByTimeAsync(3 * cycleMs(PATTERNS.low) - 1);
    expect(probe.pulses()).toEqual(expected('low', 3));
  });

  it('sounds only the highest active, audible, unacknowledged priority and stops on acknowledgement', async () => {
    buzzer.update([alarm({ id: 'm', priority: 'medium' }), alarm({ id: 'h', priority: 'high', state: 'acknowledged', audible: false }), alarm({ id: 'l', priority: 'low' })]);
    expect(buzzer.sounding).toBe('medium');
    await vi.advanceTimersByTimeAsync(100);
    buzzer.update([alarm({ id: 'm', priority: 'medium', state: 'acknowledged', audible: false, transition: 'acknowledged' }), alarm({ id: 'l', priority: 'low' })]);
    expect(buzzer.sounding).toBe('low');
    buzzer.update([alarm({ id: 'l', priority: 'low', state: 'acknowledged', audible: false })]);
    expect(buzzer.sounding).toBeNull();
    const n = probe.switches.length;
    expect(probe.switches[n - 1]!.on).toBe(false);
    await vi.advanceTimersByTimeAsync(120_000);
    expect(probe.switches.length).toBe(n);
  });

  it('follows audio pause (audible false) and sounds again when it resumes', async () => {
    buzzer.update([alarm({ priority: 'high', audible: false, transition: 'audio-paused' })]);
    await vi.advanceTimersByTimeAsync(60_000);
    expect(probe.switches.filter((s) => s.on)).toHaveLength(0);
    buzzer.update([alarm({ priority: 'high', audible: true, transition: 'audio-resumed' })]);
    await vi.advanceTimersByTimeAsync(10);
    expect(probe.switches.filter((s) => s.on)).toHaveLength(1);
  });

  it('escalates at once: a medium alarm that becomes high (or escalated) switches to the high burst', async () => {
    buzzer.update([alarm({ priority: 'medium' })]);
    await vi.advanceTimersByTimeAsync(5000); // in the medium interburst silence
    const before = probe.switches.length;
    buzzer.update([alarm({ priority: 'medium', escalated: true, transition: 'escalated' })]);
    expect(buzzer.sounding).toBe('high');
    expect(probe.switches[before]).toMatchObject({ on: true, priority: 'high' });
    expect(priorityToSound([alarm({ priority: 'low', escalated: true })])).toBe('medium');
    expect(priorityToSound([alarm({ priority: 'high', escalated: true })])).toBe('high');
  });

  it('a failing output is one fault, re-driven, and clears after working for the clear time', async () => {
    probe.fail = true;
    buzzer.update([alarm({ priority: 'high' })]);
    await vi.advanceTimersByTimeAsync(5000);
    expect(faults).toEqual([[true, 'line busy']]);
    probe.fail = false;
    await vi.advanceTimersByTimeAsync(29_000);
    expect(faults).toHaveLength(1); // failures went on until 5 s in: not yet 30 s without one
    await vi.advanceTimersByTimeAsync(40_000);
    expect(faults).toEqual([[true, 'line busy'], [false, 'buzzer output working again']]);
  });
});

describe('RecordAnnunciator', () => {
  const dir = mkdtempSync(join(tmpdir(), 'wardgate-buzzer-'));
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('writes on/off switches and what sounds as JSON lines, in order', async () => {
    const file = join(dir, 'sub', 'buzzer.jsonl');
    let t = 100;
    const rec = new RecordAnnunciator(file, () => t++);
    rec.sounding('medium');
    await rec.set(true, 'medium');
    await rec.set(false, 'medium');
    rec.sounding(null);
    const lines = readFileSync(file, 'utf8').trim().split('\n').map((l) => JSON.parse(l) as RecordLine);
    expect(lines).toEqual([
      { at: 100, sounding: 'medium' },
      { at: 101, on: true, priority: 'medium' },
      { at: 102, on: false, priority: 'medium' },
      { at: 103, sounding: null },
    ]);
  });

  it('rejects when the file cannot be written (a fault, not a crash)', async () => {
    const rec = new RecordAnnunciator(join(dir, 'x.jsonl'));
    rmSync(dir, { recursive: true, force: true });
    await expect(rec.set(true, 'high')).rejects.toThrow(/ENOENT/);
  });
});

import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { ParamName } from '../drivers/core/parameters.js';
import type { RulesConfig } from './config.js';
import { createRulesEngine, type RulesEngine } from './engine.js';
import { news2WardOpArb, wardOpArb, type News2WardOp } from './test-arbitraries.js';
import { obs, seqIds, testConfig } from './test-helpers.js';
import type { AlarmEvent, IncidentEvent, Observation, RulesOutput } from './types.js';

/**
 * Restart round trip: the gateway restarts at any point of a ward's input stream and restores the rules engine the
 * way the daemon does (gateway/daemon.ts at start: a new engine on the same config, `restore()` with the store's
 * latest event of every alarm not cleared and of every incident not closed, then `primeNews2()` with the last 30
 * minutes of observations). Continuing the stream must give the events that never restarting gives.
 *
 * Some live state is not stored, so it does not survive a restart. Those are the KNOWN DIFFERENCES below, each shown
 * by an `it.fails` example (it turns red once the engine round-trips that state, and should then become a plain
 * `it`). The property avoids them by choosing the restart point among the moments where that state is absent,
 * judged from the stream and the events alone:
 *  1. latching: round-trips (each alarm event carries its own `latching`); kept as a plain example below.
 *  2. unacknowledged since: an acknowledged alarm re-activated by a worse band restarts its escalation clock; after a
 *     restart the clock runs from `raisedAt` again, so it escalates early. Excluded: restart while such an alarm is
 *     open.
 *  3. silent value changes: a standing alarm takes new values without an event; the store has the value of its last
 *     event, so the restored alarm's next event shows that older value. Excluded: restart while an open limit
 *     alarm's parameter has a newer observation than the alarm's last event.
 *  4. audio pause: not restored; a pause still running (or expired but not yet ticked) is lost and restored active
 *     alarms sound. Excluded: restart before every pause has run out and been ticked.
 *  5. incident vitals: incidents carry the bed's latest values, which are not restored (limit alarms start from new
 *     data only), so events after the restart carry only values received since. Checked instead: every vital they
 *     carry is the one never restarting gives.
 *  6. pending onsets (a violation waiting out its condition delay) are not restored: the delay starts again with the
 *     next value. Excluded: restart while a violation is pending.
 *  7. `primeNews2` fills in NEWS2 values even with `news2.enabled: false`, so incident events after a restart carry a
 *     NEWS2 score that never restarting does not have (it scores nothing when NEWS2 is off). The property's config
 *     has NEWS2 off, as the other engine properties do; the `news2` field of incident events is left out of it.
 *  8. audited NEWS2 manual inputs are restored before `restore()` with `restoreManualInputs`, which evaluates nothing,
 *     so no NEWS2 alarm is raised beside the restored one (a plain example below). With NEWS2 on, the property still
 *     restarts only while no NEWS2 alarm is open, which keeps out 3 for the NEWS2 alarm.
 */

const T0 = 1_700_000_000_000;
const BEDS = ['b1', 'b2'] as const;
const PAUSE_MS = 120_000;

type Op = News2WardOp;

const opArb = wardOpArb(BEDS.length, { spo2: 5, tick: 5 });
/** With NEWS2 on: also the other NEWS2 parameters and the manual inputs (ACVPU, air or oxygen). */
const news2OpArb = news2WardOpArb(BEDS.length, opArb);

// Beds are configured, as on a ward (the engine then knows them in config order before anything is restored).
const config = (news2: boolean): RulesConfig =>
  testConfig({ beds: BEDS.map((id) => ({ id })), lifecycle: { escalateAfterSeconds: 30 }, incidents: { rejoinWindowSeconds: 60 }, news2: { enabled: news2 } });

/** What the store keeps of the events (gateway/store/store.ts): the latest body per alarm and per incident. */
class StoreModel {
  private readonly alarms = new Map<string, AlarmEvent>();
  private readonly incidents = new Map<string, IncidentEvent>();

  commit(o: RulesOutput): void {
    for (const a of o.alarms) this.alarms.set(a.id, a);
    for (const i of o.incidents) this.incidents.set(i.incidentId, i);
  }

  /** `SELECT body FROM alarms WHERE state != 'cleared' ORDER BY rowid`: insertion (raise) order. */
  openAlarms(): AlarmEvent[] {
    return [...this.alarms.values()].filter((a) => a.state !== 'cleared');
  }

  /** gateway/store/alarm-order.ts: the raiseSeq of the alarm inserted last. */
  lastRaiseSeq(): number {
    return [...this.alarms.values()].at(-1)?.raiseSeq ?? 0;
  }

  /** `SELECT body FROM incidents WHERE status != 'closed' ORDER BY opened_at` (insertion order is opening order). */
  openIncidents(): IncidentEvent[] {
    return [...this.incidents.values()].filter((i) => i.type !== 'closed');
  }
}

interface Step {
  alarms: AlarmEvent[];
  incidents: IncidentEvent[];
}

/** Feeds ops [from, to) to the engine, one step per op; `t` and `seq` carry on across calls. */
class Driver {
  t = T0;
  seq = 0;
  readonly observations: Observation[] = [];
  /** Manual inputs as the audit trail keeps them (the daemon replays them at start, before `restore()`). */
  readonly manual: { bed: string; inputs: { acvpu: 'A' | 'V' | 'U'; o2: boolean }; at: number }[] = [];

  constructor(private readonly ops: Op[]) {}

  run(e: RulesEngine, from: number, to: number, store?: StoreModel): Step[] {
    const steps: Step[] = [];
    for (let k = from; k < to; k++) {
      const op = this.ops[k] as Op;
      this.t += op.dt;
      const out = this.apply(e, op);
      store?.commit(out);
      steps.push(out);
    }
    return steps;
  }

  private apply(e: RulesEngine, op: Op): RulesOutput {
    const none: RulesOutput = { alarms: [], incidents: [] };
    const t = this.t;
    switch (op.op) {
      case 'obs': {
        const o = obs(BEDS[op.bed] as string, op.param as ParamName, op.value, t, { seq: ++this.seq });
        this.observations.push(o);
        return e.observe(o);
      }
      case 'tick':
        return e.tick(t);
      case 'ack': {
        const list = e.activeAlarms();
        const a = list[op.pick % Math.max(1, list.length)];
        return a ? e.acknowledge(a.id, 'staff:prop', t) : none;
      }
      case 'pause':
        return e.pauseAudio(BEDS[op.bed] as string, 'staff:prop', t);
      case 'tech':
        return e.technical({ bed: BEDS[op.bed] as string, deviceId: 'ox', condition: 'sensor-off', active: op.active, at: t });
      case 'fall':
        return e.deviceEvent(BEDS[op.bed] as string, 'band', 'fall', t);
      case 'manual': {
        const m = { bed: BEDS[op.bed] as string, inputs: { acvpu: op.acvpu, o2: op.o2 }, at: t };
        this.manual.push(m);
        return e.setManualInputs(m.bed, m.inputs, 'staff:prop', t);
      }
    }
  }
}

/** Whether restarting after `k` ops avoids the state that is not restored (known differences 2, 3, 4, 6). */
function roundTrips(ops: Op[], k: number, steps: Step[], observations: Observation[]): boolean {
  // 4: every pause has run out and a tick has seen it.
  let t = T0;
  const pausedUntil = new Map<number, number>();
  for (const op of ops.slice(0, k)) {
    t += op.dt;
    if (op.op === 'pause') pausedUntil.set(op.bed, Math.max(pausedUntil.get(op.bed) ?? 0, t + PAUSE_MS));
    if (op.op === 'tick') for (const [b, until] of pausedUntil) if (t >= until) pausedUntil.delete(b);
  }
  if (pausedUntil.size > 0) return false;

  const events = steps.slice(0, k).flatMap((s) => s.alarms);
  const latest = new Map<string, AlarmEvent>();
  const acknowledged = new Set<string>();
  for (const a of events) {
    latest.set(a.id, a);
    if (a.transition === 'acknowledged') acknowledged.add(a.id);
  }
  const open = [...latest.values()].filter((a) => a.state !== 'cleared');
  const lastObs = new Map<string, Observation>();
  for (const o of observations) lastObs.set(`${o.bedId}|${o.param}`, o);
  for (const a of open) {
    // 3 and 8 for NEWS2: its alarm takes every new total without an event; replayed manual inputs raise a second.
    if (a.condition === 'news2') return false;
    // 2: re-activated after an acknowledgement.
    if (a.state === 'active' && acknowledged.has(a.id)) return false;
    // 3: a newer value than the alarm's last event.
    if (a.param !== undefined && lastObs.get(`${a.bed}|${a.param}`)?.seq !== a.sourceSeq) return false;
  }
  // 6: SpO2 (the one parameter with a condition delay) violating its lowest band with no alarm standing.
  for (const b of BEDS) {
    const last = lastObs.get(`${b}|spo2`);
    if (last && last.value < 90 && !open.some((a) => a.bed === b && a.condition === 'spo2-low')) return false;
  }
  return true;
}

function restartAfter(ops: Op[], k: number, news2: boolean): { never: Step[]; restarted: Step[]; activeNever: AlarmEvent[]; activeRestarted: AlarmEvent[]; restored: number } {
  const never = new Driver(ops);
  const e = createRulesEngine(config(news2), { newId: seqIds() });
  const neverSteps = never.run(e, 0, ops.length);

  // Same ids as never restarting, as long as the engine asks for them in the same order (UUIDv7 in the daemon).
  const ids = seqIds();
  const d = new Driver(ops);
  const store = new StoreModel();
  const before = d.run(createRulesEngine(config(news2), { newId: ids }), 0, k, store);
  const after = createRulesEngine(config(news2), { newId: ids });
  // As the daemon starts: audited manual inputs at their own times (nothing evaluated), then the store.
  for (const m of d.manual) after.restoreManualInputs(m.bed, m.inputs, m.at);
  after.restore(store.openAlarms(), store.openIncidents(), store.lastRaiseSeq());
  after.primeNews2(d.observations.filter((o) => o.receivedAt >= d.t - 30 * 60_000));
  const restored = after.activeAlarms().length;
  const rest = d.run(after, k, ops.length);
  return { never: neverSteps, restarted: [...before, ...rest], activeNever: e.activeAlarms(), activeRestarted: after.activeAlarms(), restored };
}

describe('restart round trip', () => {
  it.each([
    { news2: false, ops: opArb, minShare: 0.2 },
    { news2: true, ops: news2OpArb, minShare: 0.03 },
  ])('restoring the open alarms and incidents at any restart point and continuing gives the same events as never restarting (NEWS2 on: $news2)', ({ news2, ops: arb, minShare }) => {
    let withRestored = 0;
    let runs = 0;
    fc.assert(
      fc.property(fc.array(arb, { minLength: 1, maxLength: 120 }), fc.nat(), (ops, pick) => {
        // Where to restart: among the points that avoid the known differences (0, before anything, always does).
        const probe = new Driver(ops);
        const probeEngine = createRulesEngine(config(news2), { newId: seqIds() });
        const steps: Step[] = [];
        const obsAt: Observation[][] = [];
        for (let k = 0; k < ops.length; k++) {
          obsAt.push([...probe.observations]);
          steps.push(...probe.run(probeEngine, k, k + 1));
        }
        obsAt.push([...probe.observations]);
        const points = Array.from({ length: ops.length + 1 }, (_, k) => k).filter((k) => roundTrips(ops, k, steps, obsAt[k] ?? []));
        const k = points[pick % points.length] as number;

        const r = restartAfter(ops, k, news2);
        runs += 1;
        if (r.restored > 0) withRestored += 1;
        for (let i = k; i < ops.length; i++) {
          const a = r.never[i] as Step;
          const b = r.restarted[i] as Step;
          expect(b.alarms, `alarm events of op ${i} after a restart at ${k}`).toEqual(a.alarms);
          // 5: vitals received before the restart are unknown after it; 7: NEWS2 primed though off. The rest is equal.
          const strip = (x: IncidentEvent) => ({ ...x, vitals: undefined, news2: news2 ? x.news2 : undefined });
          expect(b.incidents.map(strip), `incident events of op ${i} after a restart at ${k}`).toEqual(a.incidents.map(strip));
          b.incidents.forEach((x, j) => {
            for (const [param, v] of Object.entries(x.vitals)) expect(a.incidents[j]?.vitals[param as ParamName]).toBe(v);
          });
        }
        expect(r.activeRestarted).toEqual(r.activeNever);
      }),
      { numRuns: 300 },
    );
    // The property must not pass by restarting only where nothing is open.
    expect(withRestored, `runs that restored at least one alarm, of ${runs}`).toBeGreaterThan(runs * minShare);
  });
});

describe('restart: known differences (not restored today; each example turns red once it is)', () => {
  const s = (sec: number): number => T0 + sec * 1000;

  /** Runs `before` on two engines; restores a third from one's stored events (and primes it); runs `after` on it and on the other. */
  function both(
    cfg: RulesConfig,
    before: (e: RulesEngine) => RulesOutput[],
    after: (e: RulesEngine) => RulesOutput[],
    prime: Observation[] = [],
  ): { never: RulesOutput[]; restarted: RulesOutput[] } {
    const never = createRulesEngine(cfg, { newId: seqIds() });
    before(never);
    const ids = seqIds();
    const store = new StoreModel();
    for (const out of before(createRulesEngine(cfg, { newId: ids }))) store.commit(out);
    const restarted = createRulesEngine(cfg, { newId: ids });
    restarted.restore(store.openAlarms(), store.openIncidents(), store.lastRaiseSeq());
    restarted.primeNews2(prime);
    return { never: after(never), restarted: after(restarted) };
  }

  const events = (outs: RulesOutput[]) => outs.flatMap((o) => o.alarms.map((a) => `${a.condition}:${a.transition}:${a.state}:${a.message}`));

  it('1. a restored alarm keeps its own latching (a non-latching parameter does not latch after a restart)', () => {
    const cfg = testConfig({ beds: [{ id: 'b1', overrides: { hr: { latching: false } } }] });
    const r = both(
      cfg,
      (e) => [e.observe(obs('b1', 'hr', 150, s(0), { seq: 1 }))],
      (e) => [e.observe(obs('b1', 'hr', 80, s(1), { seq: 2 }))],
    );
    expect(events(r.restarted)).toEqual(events(r.never)); // cleared, not latched, either way
  });

  it('1b. an alarm stored without `latching` (an older version) takes it from the bed\'s limits', () => {
    const cfg = testConfig({ beds: [{ id: 'b1', overrides: { hr: { latching: false } } }] });
    const first = createRulesEngine(cfg, { newId: seqIds() });
    const raised = first.observe(obs('b1', 'hr', 150, s(0), { seq: 1 })).alarms.map(({ latching: _l, ...old }) => old as AlarmEvent);
    const restarted = createRulesEngine(cfg, { newId: seqIds('r') });
    restarted.restore(raised, []);
    expect(restarted.observe(obs('b1', 'hr', 80, s(1), { seq: 2 })).alarms.map((a) => a.transition)).toEqual(['cleared']);
  });

  it.fails('2. an alarm re-activated after acknowledgement escalates early after a restart', () => {
    const cfg = testConfig({ beds: [{ id: 'b1' }], lifecycle: { escalateAfterSeconds: 30 } });
    const r = both(
      cfg,
      (e) => [
        e.observe(obs('b1', 'hr', 125, s(0), { seq: 1 })),
        e.acknowledge(e.activeAlarms()[0]?.id as string, 'staff:n1', s(5)),
        e.observe(obs('b1', 'hr', 145, s(40), { seq: 2 })), // worse band: active again, escalation clock from s(40)
      ],
      (e) => [e.tick(s(45))],
    );
    expect(events(r.restarted)).toEqual(events(r.never)); // restarted: escalated at s(45), 45 s after raisedAt
  });

  it.fails('3. a restored alarm shows the value of its last event, not the newest one', () => {
    const cfg = testConfig({ beds: [{ id: 'b1' }] });
    const r = both(
      cfg,
      (e) => [
        e.observe(obs('b1', 'hr', 125, s(0), { seq: 1 })),
        e.observe(obs('b1', 'hr', 130, s(1), { seq: 2 })), // same band: no event
      ],
      (e) => [e.acknowledge(e.activeAlarms()[0]?.id as string, 'staff:n1', s(2))],
    );
    expect(events(r.restarted)).toEqual(events(r.never)); // message: 130 never restarting, 125 restarted
  });

  it.fails('4. an audio pause does not survive a restart', () => {
    const cfg = testConfig({ beds: [{ id: 'b1' }], lifecycle: { escalateAfterSeconds: 600 } });
    const r = both(
      cfg,
      (e) => [e.observe(obs('b1', 'hr', 125, s(0), { seq: 1 })), e.pauseAudio('b1', 'staff:n1', s(1))],
      (e) => [e.tick(s(200))],
    );
    expect(events(r.restarted)).toEqual(events(r.never)); // never restarting: audio-resumed at the pause's end
  });

  it.fails('5. incident events after a restart lack the vitals received before it', () => {
    const cfg = testConfig({ beds: [{ id: 'b1' }] });
    const r = both(
      cfg,
      (e) => [e.observe(obs('b1', 'temp', 37, s(0), { seq: 1 })), e.observe(obs('b1', 'hr', 125, s(1), { seq: 2 }))],
      (e) => [e.acknowledge(e.activeAlarms()[0]?.id as string, 'staff:n1', s(2))],
    );
    expect(r.restarted.flatMap((o) => o.incidents.map((i) => i.vitals))).toEqual(r.never.flatMap((o) => o.incidents.map((i) => i.vitals)));
  });

  it.fails('7. with NEWS2 off, incident events after a restart carry a NEWS2 score from the primed values', () => {
    const cfg = testConfig({ beds: [{ id: 'b1' }] }); // news2.enabled: false
    const first = obs('b1', 'hr', 125, s(0), { seq: 1 });
    const r = both(
      cfg,
      (e) => [e.observe(first)],
      (e) => [e.acknowledge(e.activeAlarms()[0]?.id as string, 'staff:n1', s(2))],
      [first], // primed as the daemon does after restore()
    );
    expect(r.restarted.flatMap((o) => o.incidents.map((i) => i.news2))).toEqual(r.never.flatMap((o) => o.incidents.map((i) => i.news2)));
  });

  it('8. NEWS2 manual inputs restored from the audit trail raise no alarm beside the restored one', () => {
    const cfg = testConfig({ beds: [{ id: 'b1' }], news2: { enabled: true } });
    const ids = seqIds();
    const never = createRulesEngine(cfg, { newId: ids });
    const store = new StoreModel();
    store.commit(never.setManualInputs('b1', { acvpu: 'U' }, 'staff:n1', s(0))); // NEWS2 3 on ACVPU alone: low-medium
    const restarted = createRulesEngine(cfg, { newId: ids });
    restarted.restoreManualInputs('b1', { acvpu: 'U' }, s(0)); // as the daemon's restoreBedSettings()
    restarted.restore(store.openAlarms(), store.openIncidents(), store.lastRaiseSeq());
    expect(restarted.activeAlarms().map((a) => a.id)).toEqual(never.activeAlarms().map((a) => a.id)); // one NEWS2 alarm
    // and the next tick neither raises a second one nor escalates the restored one
    expect(restarted.tick(s(1)).alarms).toEqual(never.tick(s(1)).alarms);
    expect(restarted.activeAlarms()).toHaveLength(1);
  });

  it.fails('6. a violation pending its condition delay starts its delay again after a restart', () => {
    const cfg = testConfig({ beds: [{ id: 'b1' }] }); // SpO2 delay 15 s
    const r = both(
      cfg,
      (e) => [e.observe(obs('b1', 'spo2', 88, s(0), { seq: 1 }))],
      (e) => [e.observe(obs('b1', 'spo2', 88, s(10), { seq: 2 })), e.tick(s(15))],
    );
    expect(events(r.restarted)).toEqual(events(r.never)); // never restarting: raised at s(15); restarted: at s(25)
  });
});

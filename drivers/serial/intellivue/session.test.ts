import { describe, expect, it } from 'vitest';
import { Backoff } from '../../core/backoff.js';
import { IntellivueSession, monitorTimeoutMs, type SessionAction } from './session.js';
import {
  MONITOR_ABORT, MONITOR_REFUSE, MONITOR_RELEASE_RESULT, monitorAssociationResult, monitorMdsCreate, monitorPollResult, readClientRequest,
} from '../../../simulator/intellivue/monitor-protocol.js';

const sends = (a: SessionAction[]): string[] => a.flatMap((x) => (x.type === 'send' ? [x.what] : []));
const states = (a: SessionAction[]): string[] => a.flatMap((x) => (x.type === 'state' ? [x.state] : []));
const conditions = (a: SessionAction[]): boolean[] => a.flatMap((x) => (x.type === 'condition' ? [x.report.active] : []));
const accept = monitorAssociationResult({ minPollPeriodTicks: 8000, mtuRx: 1000, mtuTx: 1000 });
const mds = (id: number): Buffer => monitorMdsCreate(id, 0, new Date(Date.UTC(2024, 0, 1)), 'bed');
const poll = (): Buffer =>
  monitorPollResult({ invokeId: 2, extended: true, pollNumber: 1, sequenceNo: 1, relTicks: 0, objClass: 6, attrGroup: 0, objects: [{ kind: 'numeric', handle: 1, physioId: 0x4182, unit: 0x0aa0, value: 61 }] });

function polling(opts = {}): { s: IntellivueSession; t: number } {
  const s = new IntellivueSession({ backoff: new Backoff(1000, 8000, () => 0), ...opts });
  s.handle({ type: 'start', now: 0 });
  s.handle({ type: 'frame', userData: accept, now: 100 });
  s.handle({ type: 'frame', userData: mds(0x77), now: 200 });
  return { s, t: 200 };
}

describe('IntellivueSession', () => {
  it('keep-alive timeout follows the OpenICE rule', () => {
    expect([monitorTimeoutMs(1000), monitorTimeoutMs(3300), monitorTimeoutMs(10_000), monitorTimeoutMs(60_000)]).toEqual([10_000, 10_000, 30_000, 130_000]);
  });
  it('sends the association request at start and re-sends it every 3 s until answered', () => {
    const s = new IntellivueSession();
    const a0 = s.handle({ type: 'start', now: 0 });
    expect(sends(a0)).toEqual(['association-request']);
    expect(states(a0)).toEqual(['ASSOCIATING']);
    expect(sends(s.handle({ type: 'tick', now: 2999 }))).toEqual([]);
    expect(sends(s.handle({ type: 'tick', now: 3000 }))).toEqual(['association-request']);
    expect(states(s.handle({ type: 'frame', userData: accept, now: 3100 }))).toEqual(['WAIT_MDS']);
  });
  it('answers the MDS Create once with its invoke id, then starts the extended poll', () => {
    const s = new IntellivueSession();
    s.handle({ type: 'start', now: 0 });
    s.handle({ type: 'frame', userData: accept, now: 10 });
    const a = s.handle({ type: 'frame', userData: mds(0x77), now: 20 });
    expect(sends(a)).toEqual(['mds-create-result', 'extended-poll']);
    const result = a.find((x) => x.type === 'send' && x.what === 'mds-create-result');
    expect(result?.type === 'send' && readClientRequest(result.bytes)).toEqual({ kind: 'mds-create-result', invokeId: 0x77, eventType: 0x0d06 });
    const ext = a.find((x) => x.type === 'send' && x.what === 'extended-poll');
    expect(ext?.type === 'send' && readClientRequest(ext.bytes)).toMatchObject({ kind: 'poll', extended: true, objClass: 6, periodTicks: 480_000 });
    expect(s.state).toBe('POLLING');
  });
  it('gives up waiting for MDS Create after 10 s and re-associates', () => {
    const s = new IntellivueSession({ backoff: new Backoff(1000, 8000, () => 0) });
    s.handle({ type: 'start', now: 0 });
    s.handle({ type: 'frame', userData: accept, now: 10 });
    const a = s.handle({ type: 'tick', now: 10_010 });
    expect(sends(a)).toEqual(['abort']);
    expect(states(a)).toEqual(['ASSOCIATING']);
    expect(sends(s.handle({ type: 'tick', now: 11_010 }))).toEqual(['association-request']);
  });
  it('turns poll results into readings', () => {
    const { s } = polling();
    const a = s.handle({ type: 'frame', userData: poll(), now: 300 });
    expect(a).toContainEqual({ type: 'readings', readings: [{ param: 'hr', value: 61, unit: '/min', code: 'NOM:0x4182', sourceSeq: 1, sourceTs: Date.UTC(2024, 0, 1) }] });
  });
  it('re-issues the extended poll before it lapses and sends a keep-alive within the monitor timeout', () => {
    const { s } = polling({ repollMs: 20_000, extendedPollPeriodMs: 60_000 });
    const sent: [number, string][] = [];
    for (let t = 300; t <= 45_000; t += 100) {
      s.handle({ type: 'frame', userData: poll(), now: t });
      for (const w of sends(s.handle({ type: 'tick', now: t }))) sent.push([t, w]);
    }
    // T = 10 s for min_poll_period 1 s: keep-alive 9 s after the last transmission
    expect(sent).toEqual([[9200, 'keep-alive'], [18_200, 'keep-alive'], [20_200, 'extended-poll'], [29_200, 'keep-alive'], [38_200, 'keep-alive'], [40_200, 'extended-poll']]);
    expect(s.sessions).toBe(1);
  });
  it('inbound silence raises the condition, aborts and re-associates with backoff; data clears it', () => {
    const { s } = polling({ silenceMs: 5000 });
    s.handle({ type: 'frame', userData: poll(), now: 1000 });
    expect(s.handle({ type: 'tick', now: 6000 })).toEqual([]);
    const a = s.handle({ type: 'tick', now: 6001 });
    expect(conditions(a)).toEqual([true]);
    expect(sends(a)).toEqual(['abort']);
    expect(s.state).toBe('ASSOCIATING');
    expect(sends(s.handle({ type: 'tick', now: 7001 }))).toEqual(['association-request']);
    s.handle({ type: 'frame', userData: accept, now: 7100 });
    s.handle({ type: 'frame', userData: mds(5), now: 7200 });
    expect(conditions(s.handle({ type: 'frame', userData: poll(), now: 7300 }))).toEqual([false]);
    expect(s.sessions).toBe(2);
  });
  it('a second MDS Create (monitor reboot) is answered and starts a new session', () => {
    const { s } = polling();
    s.handle({ type: 'frame', userData: poll(), now: 300 });
    const a = s.handle({ type: 'frame', userData: mds(0x99), now: 400 });
    expect(sends(a)).toEqual(['mds-create-result', 'extended-poll']);
    expect(conditions(a)).toEqual([true]);
    expect(s.sessions).toBe(2);
    expect(conditions(s.handle({ type: 'frame', userData: poll(), now: 500 }))).toEqual([false]);
  });
  it('abort and refuse from the monitor lead back to association after backoff', () => {
    const { s } = polling();
    const a = s.handle({ type: 'frame', userData: MONITOR_ABORT, now: 300 });
    expect(states(a)).toEqual(['ASSOCIATING']);
    expect(conditions(a)).toEqual([true]);
    expect(sends(s.handle({ type: 'tick', now: 1299 }))).toEqual([]);
    expect(sends(s.handle({ type: 'tick', now: 1300 }))).toEqual(['association-request']);
    s.handle({ type: 'frame', userData: MONITOR_REFUSE, now: 1400 });
    expect(s.state).toBe('ASSOCIATING');
    expect(sends(s.handle({ type: 'tick', now: 1500 }))).toEqual([]);
  });
  it('stop sends Release, repeats it every 500 ms, aborts after three and closes', () => {
    const { s } = polling();
    expect(sends(s.handle({ type: 'stop', now: 1000 }))).toEqual(['release-request']);
    expect(sends(s.handle({ type: 'tick', now: 1500 }))).toEqual(['release-request']);
    expect(sends(s.handle({ type: 'tick', now: 2000 }))).toEqual(['release-request']);
    const a = s.handle({ type: 'tick', now: 2500 });
    expect(sends(a)).toEqual(['abort']);
    expect(a).toContainEqual({ type: 'closed' });
  });
  it('stop closes on the release result', () => {
    const { s } = polling();
    s.handle({ type: 'stop', now: 1000 });
    expect(s.handle({ type: 'frame', userData: MONITOR_RELEASE_RESULT, now: 1100 })).toContainEqual({ type: 'closed' });
    expect(s.state).toBe('CLOSED');
  });
});

/**
 * IntelliVue client session as a pure state machine: events in (start, frame, tick, stop), actions out (bytes to
 * write, readings, device alarms, conditions, state changes). No I/O and no timers: the caller passes `now`.
 *
 *   CLOSED -> ASSOCIATING -> WAIT_MDS -> POLLING -> CLOSING -> CLOSED
 *
 * Timers and their origins (source keys: docs/intellivue.md):
 * - association request re-sent every 3 s while unanswered [OI 2 s; DevIfTest ~4.4 s];
 * - MDS Create awaited 10 s [ML PhilipsIntellivueClient.cs:80];
 * - extended poll (numerics, NOM_ATTR_TIME_PD_POLL = extendedPollPeriodMs) re-issued every repollMs, well before it
 *   lapses [ML 60 s / every 10 s; VSC#10];
 * - keep-alive: monitor timeout T from the negotiated min_poll_period (<= 3.3 s -> 10 s, <= 43 s -> 3x, else 130 s)
 *   and a Single Poll of VMO_AL_MON / VMO_STATIC at T - 1 s (at least 200 ms) after our last transmission
 *   [OI AbstractDemoIntellivue.java:452, 1230-1238; Intellivue.requestKeepAlive];
 * - inbound silence longer than silenceMs -> technical condition, Abort, re-associate after backoff [OI 5 s];
 * - release re-sent every 500 ms, Abort after 3 tries [OI :158, :211-223; BR close].
 */
import type { ConditionReport, Reading, UnmappedReading } from '../../core/observation.js';
import { Backoff } from '../../core/backoff.js';
import {
  ATTR_GRP, OBJ, buildAbort, buildAssociationRequest, buildExtendedPollRequest, buildMdsCreateResult, buildReleaseRequest,
  buildReleaseResult, buildSinglePollRequest, parseMessage, DEFAULT_ASSOCIATION, type AssociationParams,
} from './messages.js';
import { decodePollResult, type DeviceAlarm, type PollDecodeContext } from './poll-data.js';
import { clockFromMdsAttributes } from './codec.js';
import { msToTicks, ticksToMs } from './time.js';

export type SessionState = 'CLOSED' | 'ASSOCIATING' | 'WAIT_MDS' | 'POLLING' | 'CLOSING';

export type SessionEvent =
  | { type: 'start'; now: number }
  | { type: 'frame'; userData: Uint8Array; now: number }
  | { type: 'tick'; now: number }
  | { type: 'stop'; now: number };

export type SessionAction =
  | { type: 'send'; bytes: Buffer; what: string }
  | { type: 'readings'; readings: Reading[]; unmapped?: UnmappedReading[] }
  | { type: 'device-alarms'; alarms: DeviceAlarm[] }
  | { type: 'condition'; report: ConditionReport }
  | { type: 'state'; state: SessionState; reason: string }
  | { type: 'decode-error'; error: string }
  | { type: 'closed' };

export interface SessionOptions {
  association?: AssociationParams;
  associateRetryMs?: number;
  mdsWaitMs?: number;
  extendedPollPeriodMs?: number;
  repollMs?: number;
  /** Override of the keep-alive interval derived from the negotiated min_poll_period. */
  keepAliveMs?: number;
  silenceMs?: number;
  /** Also poll the monitor's alarm lists (VMO_AL_MON / AL_MON) every alarmPollMs; 0 disables. */
  alarmPollMs?: number;
  backoff?: Backoff;
  utcOffsetMinutes?: number;
}

/** Monitor's connection timeout from the negotiated min_poll_period [OI AbstractDemoIntellivue.java:1230-1238]. */
export function monitorTimeoutMs(minPollPeriodMs: number): number {
  if (minPollPeriodMs <= 3300) return 10_000;
  if (minPollPeriodMs <= 43_000) return 3 * minPollPeriodMs;
  return 130_000;
}

export class IntellivueSession {
  state: SessionState = 'CLOSED';
  /** Number of associations that reached POLLING. */
  sessions = 0;
  private readonly o: Required<Omit<SessionOptions, 'keepAliveMs' | 'utcOffsetMinutes'>> & Pick<SessionOptions, 'keepAliveMs' | 'utcOffsetMinutes'>;
  private invokeId = 0;
  private pollNumber = 0;
  private nextAssociateAt = 0;
  private mdsDeadline = 0;
  private nextRepollAt = 0;
  private nextAlarmPollAt = 0;
  private lastTxAt = 0;
  private lastRxAt = 0;
  private keepAliveMs = 9000;
  private closeTries = 0;
  private nextCloseAt = 0;
  private dataMissingSince = 0;
  private conditionActive = false;
  private ctx: PollDecodeContext = { labels: new Map() };

  constructor(opts: SessionOptions = {}) {
    this.o = {
      association: opts.association ?? DEFAULT_ASSOCIATION,
      associateRetryMs: opts.associateRetryMs ?? 3000,
      mdsWaitMs: opts.mdsWaitMs ?? 10_000,
      extendedPollPeriodMs: opts.extendedPollPeriodMs ?? 60_000,
      repollMs: opts.repollMs ?? 20_000,
      silenceMs: opts.silenceMs ?? 5000,
      alarmPollMs: opts.alarmPollMs ?? 0,
      backoff: opts.backoff ?? new Backoff(1000, 30_000),
      keepAliveMs: opts.keepAliveMs,
      utcOffsetMinutes: opts.utcOffsetMinutes,
    };
    if (opts.utcOffsetMinutes !== undefined) this.ctx.utcOffsetMinutes = opts.utcOffsetMinutes;
  }

  handle(ev: SessionEvent): SessionAction[] {
    const out: SessionAction[] = [];
    switch (ev.type) {
      case 'start':
        if (this.state === 'CLOSED') {
          this.dataMissingSince = ev.now;
          this.associate(ev.now, out, 'started');
        }
        break;
      case 'stop':
        if (this.state === 'POLLING' || this.state === 'WAIT_MDS') {
          this.setState('CLOSING', 'stop requested', out);
          this.closeTries = 1;
          this.nextCloseAt = ev.now + 500;
          this.send(buildReleaseRequest(), 'release-request', ev.now, out);
        } else if (this.state !== 'CLOSED') {
          this.close(out, 'stop requested');
        }
        break;
      case 'frame':
        this.onFrame(ev.userData, ev.now, out);
        break;
      case 'tick':
        this.onTick(ev.now, out);
        break;
    }
    return out;
  }

  private onFrame(u: Uint8Array, now: number, out: SessionAction[]): void {
    if (this.state === 'CLOSED') return;
    this.lastRxAt = now;
    const m = parseMessage(u);
    switch (m.kind) {
      case 'malformed':
        out.push({ type: 'decode-error', error: m.error });
        return;
      case 'assoc-accept':
        if (this.state !== 'ASSOCIATING') return;
        {
          const minPollMs = m.minPollPeriodTicks !== undefined ? ticksToMs(m.minPollPeriodTicks) : this.o.association.minPollPeriodMs;
          this.keepAliveMs = this.o.keepAliveMs ?? Math.max(200, monitorTimeoutMs(minPollMs) - 1000);
        }
        this.mdsDeadline = now + this.o.mdsWaitMs;
        this.setState('WAIT_MDS', 'association accepted', out);
        return;
      case 'assoc-refuse':
        if (this.state === 'ASSOCIATING') this.lose(now, out, 'association refused', false);
        return;
      case 'abort':
        if (this.state === 'CLOSING') return this.close(out, 'monitor aborted');
        this.lose(now, out, 'monitor aborted the association', false);
        return;
      case 'release-request':
        this.send(buildReleaseResult(), 'release-result', now, out);
        if (this.state === 'CLOSING') return this.close(out, 'released by monitor');
        this.lose(now, out, 'monitor released the association', false);
        return;
      case 'release-result':
        if (this.state === 'CLOSING') this.close(out, 'released');
        return;
      case 'mds-create':
        if (this.state !== 'WAIT_MDS' && this.state !== 'POLLING') return;
        this.send(buildMdsCreateResult(m.invokeId, m.managedObject, msToTicks(now)), 'mds-create-result', now, out);
        if (this.state === 'POLLING') {
          // A second MDS Create: the monitor restarted. Treat it as a new session.
          this.raise(out, 'monitor sent a new MDS Create (restart)');
        }
        this.ctx = { labels: new Map() };
        if (this.o.utcOffsetMinutes !== undefined) this.ctx.utcOffsetMinutes = this.o.utcOffsetMinutes;
        {
          const clock = clockFromMdsAttributes(m.attributes, this.o.utcOffsetMinutes);
          if (clock) this.ctx.clock = clock;
        }
        this.startPolling(now, out);
        return;
      case 'poll-result': {
        if (this.state !== 'POLLING') return;
        const d = decodePollResult(m, this.ctx);
        for (const e of d.errors) out.push({ type: 'decode-error', error: e });
        this.dataMissingSince = now;
        if (this.conditionActive) {
          this.conditionActive = false;
          out.push({ type: 'condition', report: { condition: 'device-disconnected', active: false, detail: 'data resumed' } });
        }
        if (d.readings.length || d.unmapped.length) out.push({ type: 'readings', readings: d.readings, ...(d.unmapped.length ? { unmapped: d.unmapped } : {}) });
        if (d.deviceAlarms.length || m.objClass === OBJ.VMO_AL_MON) out.push({ type: 'device-alarms', alarms: d.deviceAlarms });
        return;
      }
      default:
        return;
    }
  }

  private onTick(now: number, out: SessionAction[]): void {
    if (this.state !== 'CLOSED' && this.state !== 'CLOSING' && !this.conditionActive && now - this.dataMissingSince > this.o.silenceMs) {
      this.raise(out, `no data for ${this.o.silenceMs} ms`);
    }
    switch (this.state) {
      case 'ASSOCIATING':
        if (now >= this.nextAssociateAt) this.sendAssociate(now, out);
        return;
      case 'WAIT_MDS':
        if (now >= this.mdsDeadline) this.lose(now, out, 'no MDS Create after association', true);
        return;
      case 'POLLING':
        if (now - this.lastRxAt > this.o.silenceMs) return this.lose(now, out, `monitor silent for ${this.o.silenceMs} ms`, true);
        if (now >= this.nextRepollAt) this.sendExtendedPoll(now, out);
        if (this.o.alarmPollMs > 0 && now >= this.nextAlarmPollAt) {
          this.nextAlarmPollAt = now + this.o.alarmPollMs;
          this.send(buildSinglePollRequest({ invokeId: this.nextInvoke(), pollNumber: this.nextPoll(), objClass: OBJ.VMO_AL_MON, attrGroup: ATTR_GRP.AL_MON }), 'alarm-poll', now, out);
        }
        if (now - this.lastTxAt >= this.keepAliveMs) {
          this.send(buildSinglePollRequest({ invokeId: this.nextInvoke(), pollNumber: this.nextPoll(), objClass: OBJ.VMO_AL_MON, attrGroup: ATTR_GRP.VMO_STATIC }), 'keep-alive', now, out);
        }
        return;
      case 'CLOSING':
        if (now >= this.nextCloseAt) {
          if (this.closeTries >= 3) {
            this.send(buildAbort(), 'abort', now, out);
            return this.close(out, 'no release result; aborted');
          }
          this.closeTries++;
          this.nextCloseAt = now + 500;
          this.send(buildReleaseRequest(), 'release-request', now, out);
        }
        return;
      default:
        return;
    }
  }

  private startPolling(now: number, out: SessionAction[]): void {
    this.sessions++;
    this.o.backoff.reset();
    this.setState('POLLING', this.sessions > 1 ? 'new session' : 'polling', out);
    this.nextAlarmPollAt = now;
    this.sendExtendedPoll(now, out);
  }

  private sendExtendedPoll(now: number, out: SessionAction[]): void {
    this.nextRepollAt = now + this.o.repollMs;
    this.send(
      buildExtendedPollRequest({ invokeId: this.nextInvoke(), pollNumber: this.nextPoll(), objClass: OBJ.METRIC_NU, attrGroup: ATTR_GRP.ALL, periodMs: this.o.extendedPollPeriodMs }),
      'extended-poll',
      now,
      out,
    );
  }

  private associate(now: number, out: SessionAction[], reason: string): void {
    this.setState('ASSOCIATING', reason, out);
    this.nextAssociateAt = now;
    this.sendAssociate(now, out);
  }

  private sendAssociate(now: number, out: SessionAction[]): void {
    this.nextAssociateAt = now + this.o.associateRetryMs;
    this.send(buildAssociationRequest(this.o.association), 'association-request', now, out);
  }

  /** Association lost or refused: raise the condition, optionally abort, and re-associate after backoff. */
  private lose(now: number, out: SessionAction[], reason: string, sendAbort: boolean): void {
    if (sendAbort) this.send(buildAbort(), 'abort', now, out);
    this.raise(out, reason);
    this.setState('ASSOCIATING', reason, out);
    this.nextAssociateAt = now + this.o.backoff.next();
  }

  private raise(out: SessionAction[], detail: string): void {
    if (this.conditionActive) return;
    this.conditionActive = true;
    out.push({ type: 'condition', report: { condition: 'device-disconnected', active: true, detail } });
  }

  private close(out: SessionAction[], reason: string): void {
    this.setState('CLOSED', reason, out);
    out.push({ type: 'closed' });
  }

  private send(bytes: Buffer, what: string, now: number, out: SessionAction[]): void {
    this.lastTxAt = now;
    out.push({ type: 'send', bytes, what });
  }

  private setState(state: SessionState, reason: string, out: SessionAction[]): void {
    if (state === this.state) return;
    this.state = state;
    out.push({ type: 'state', state, reason });
  }

  private nextInvoke(): number {
    this.invokeId = (this.invokeId + 1) & 0xffff;
    return this.invokeId;
  }
  private nextPoll(): number {
    this.pollNumber = (this.pollNumber + 1) & 0xffff;
    return this.pollNumber;
  }
}

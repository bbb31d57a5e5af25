import { randomUUID } from 'node:crypto';
import type { GatewayConfig } from '../config/schema.js';
import type { AlarmEvent } from '../rules/types.js';
import { ALARM_MANAGER, AlarmReporter } from '../sync/ihe/alarm-reporter.js';
import { ObservationReporter } from '../sync/ihe/observation-reporter.js';
import { encodeAlarmPcd04 } from '../sync/ihe/pcd04.js';
import type { AlertStatusReply } from '../sync/ihe/replies.js';
import { StatusListener } from '../sync/ihe/status-listener.js';
import type { Logger } from './log.js';
import type { Db } from './store/database.js';
import type { PageView } from './ward-state.js';
import { OutputOutbox, type OutputMessage } from './store/output-outbox.js';

/** Technical alarms the outputs raise on the ward (rules/technical.ts gives their priorities). */
export type OutputCondition = 'alarm-manager-unreachable' | 'page-not-accepted';

/** What the outputs need of the daemon: a narrow, explicit surface so the wiring is a few lines. */
export interface OutputsHost {
  config: GatewayConfig;
  db: Db;
  log: Logger;
  now: () => number;
  /** Highest gateway sequence so far (the EHR report starts from here on its first run). */
  lastSeq: () => number;
  patientOf: (bed: string) => string | undefined;
  /** Raise or clear one of the outputs' technical alarms (the daemon applies rules.technical and commits it). */
  technical: (t: { bed: string; condition: OutputCondition; active: boolean; detail?: string }) => void;
  /** A note on the alarm's incident, sent upstream as an `updated` incident event. */
  noteIncident: (alarmId: string, message: string) => void;
  news2Complete: (bed: string) => boolean;
  activeAlarms: () => AlarmEvent[];
  /** Show a page's status beside its alarm on the ward screen. */
  showPage: (page: PageView) => void;
}


/** The gateway's own bed for its technical alarms (GATEWAY_BED of gateway/self-alarms.ts). */
const GATEWAY_BED = 'gateway';
/** Conditions never reported to the alarm manager: they are about the alarm manager itself. */
const LOCAL_ONLY = new Set(['alarm-manager-unreachable', 'page-not-accepted']);

interface PageState {
  bed: string;
  sentAt: number;
  accepted: boolean;
  rejected: boolean;
}

/**
 * The hospital outputs (docs/integration-ihe.md): PCD-04 alarm reports queued in each alarm commit and sent to the
 * alarm manager, its watchdog and reachability alarm, PCD-05 page statuses shown and escalated, and the periodic
 * PCD-01 observation report to the EHR.
 */
export class HospitalOutputs {
  readonly outbox: OutputOutbox;
  alarmReporter: AlarmReporter | undefined;
  observationReporter: ObservationReporter | undefined;
  private statusListener: StatusListener | undefined;
  private readonly pages = new Map<string, PageState>();
  private readonly escalatedBeds = new Set<string>();
  private readonly news2WasComplete = new Map<string, boolean>();
  private timer: NodeJS.Timeout | undefined;

  constructor(private readonly h: OutputsHost) {
    this.outbox = new OutputOutbox(h.db);
  }

  get enabled(): boolean {
    return this.h.config.outputs.alarmManager.enabled || this.h.config.outputs.ehr.enabled;
  }

  async start(): Promise<void> {
    const c = this.h.config;
    const am = c.outputs.alarmManager;
    const identity = { gatewayId: c.gateway.id, site: c.gateway.site, ward: c.gateway.ward };
    if (am.enabled) {
      this.alarmReporter = new AlarmReporter({
        connection: { host: am.host!, port: am.port!, tls: am.tls, connectTimeoutMs: am.connectTimeoutMs },
        queue: this.outbox,
        identity: { ...identity, ...(am.receivingApplication ? { receivingApplication: am.receivingApplication } : {}), ...(am.receivingFacility ? { receivingFacility: am.receivingFacility } : {}) },
        confirmTimeoutMs: am.confirmTimeoutSeconds * 1000,
        watchdogIntervalMs: am.watchdogSeconds * 1000,
        retryMinMs: am.retryMinMs,
        retryMaxMs: am.retryMaxMs,
        now: this.h.now,
        onReachability: (reachable, detail) => {
          this.h.log[reachable ? 'info' : 'error']({ detail }, reachable ? 'alarm manager: reachable again' : 'alarm manager: UNREACHABLE; alarms reach nurses only on the ward');
          this.h.technical({ bed: GATEWAY_BED, condition: 'alarm-manager-unreachable', active: !reachable, detail });
        },
        onAlertStatus: (s) => this.alertStatus(s),
        log: this.h.log.child({ module: 'alarm-manager' }),
      });
      // Restored after a restart as still standing: cleared by the manager's first confirmation, not left forever.
      if (this.standing('alarm-manager-unreachable').length > 0) this.alarmReporter.assumeUnreachable();
      for (const a of this.standing('page-not-accepted')) this.escalatedBeds.add(a.bed);
      this.alarmReporter.start();
      if (am.statusListener.enabled) {
        this.statusListener = new StatusListener({ host: am.statusListener.host, port: am.statusListener.port, now: this.h.now, onAlertStatus: (s) => this.alertStatus(s) });
        const port = await this.statusListener.start();
        this.h.log.info({ host: am.statusListener.host, port }, 'alarm manager: PCD-05 listener');
      }
      this.h.log.info({ host: am.host, port: am.port, tls: am.tls.enabled }, 'alarm manager: reporting PCD-04');
    } else {
      for (const a of [...this.standing('alarm-manager-unreachable'), ...this.standing('page-not-accepted')]) {
        this.h.technical({ bed: a.bed, condition: a.condition as OutputCondition, active: false, detail: 'no alarm manager configured any more' });
      }
    }
    const ehr = c.outputs.ehr;
    if (ehr.enabled) {
      if (this.outbox.mark('ehr', 'last-seq') === undefined) this.outbox.enqueue([], { destination: 'ehr', key: 'last-seq', value: String(this.h.lastSeq()) });
      this.observationReporter = new ObservationReporter({
        connection: { host: ehr.host!, port: ehr.port!, tls: ehr.tls, connectTimeoutMs: ehr.connectTimeoutMs },
        source: this.outbox,
        identity: { ...identity, ...(ehr.receivingApplication ? { receivingApplication: ehr.receivingApplication } : {}), ...(ehr.receivingFacility ? { receivingFacility: ehr.receivingFacility } : {}) },
        beds: c.beds.map((b) => b.id),
        patientOf: (bed) => this.patientOf(bed),
        intervalMs: ehr.intervalSeconds * 1000,
        ...(ehr.parameters ? { parameters: ehr.parameters } : {}),
        freshMs: c.rules.news2.freshnessSeconds * 1000,
        answerTimeoutMs: ehr.answerTimeoutSeconds * 1000,
        retryMinMs: ehr.retryMinMs,
        retryMaxMs: ehr.retryMaxMs,
        now: this.h.now,
        log: this.h.log.child({ module: 'ehr' }),
      });
      this.observationReporter.start();
      this.h.log.info({ host: ehr.host, port: ehr.port, intervalSeconds: ehr.intervalSeconds }, 'ehr: reporting PCD-01');
    }
    for (const b of c.beds) this.news2WasComplete.set(b.id, this.h.news2Complete(b.id)); // only a set completed from now on
    this.timer = setInterval(() => this.tick(), 1000);
  }

  private standing(condition: OutputCondition): AlarmEvent[] {
    return this.h.activeAlarms().filter((a) => a.condition === condition);
  }

  private patientOf(bed: string): string | undefined {
    return this.h.patientOf(bed) ?? this.h.config.beds.find((b) => b.id === bed)?.patientId;
  }

  /**
   * For Store.commitAlarmChange: queues one PCD-04 per alarm transition inside the alarm's own transaction (so the
   * report exists exactly when the alarm change does), then wakes the sender.
   */
  within(alarms: AlarmEvent[]): (() => void) | undefined {
    if (!this.h.config.outputs.alarmManager.enabled) return undefined;
    const reported = alarms.filter((a) => !LOCAL_ONLY.has(a.condition));
    if (reported.length === 0) return undefined;
    return () => {
      const c = this.h.config;
      const am = c.outputs.alarmManager;
      const now = this.h.now();
      const messages: OutputMessage[] = reported.map((a) => {
        const messageId = randomUUID().replace(/-/g, '');
        const patientId = a.bed === GATEWAY_BED ? undefined : this.patientOf(a.bed);
        const body = encodeAlarmPcd04(a, {
          gatewayId: c.gateway.id, site: c.gateway.site, ward: c.gateway.ward, now, messageId,
          ...(am.receivingApplication ? { receivingApplication: am.receivingApplication } : {}),
          ...(am.receivingFacility ? { receivingFacility: am.receivingFacility } : {}),
          ...(patientId ? { patientId } : {}),
        });
        return { destination: ALARM_MANAGER, messageId, stream: a.id, createdAt: now, body };
      });
      this.outbox.insertWithin(messages);
      for (const a of reported) this.track(a, now);
      setImmediate(() => this.alarmReporter?.kick());
    };
  }

  private track(a: AlarmEvent, now: number): void {
    if (a.transition === 'raised' && a.bed !== GATEWAY_BED) this.pages.set(a.id, { bed: a.bed, sentAt: now, accepted: false, rejected: false });
    // An escalated or re-triggered alarm is paged again: the time to accept it starts over.
    const page = this.pages.get(a.id);
    if (page && (a.transition === 'escalated' || a.transition === 'retriggered')) page.sentAt = now;
    if (a.state === 'cleared') this.pages.delete(a.id);
  }

  private alertStatus(s: AlertStatusReply): void {
    const now = this.h.now();
    const page = this.pages.get(s.alertId);
    const alarm = this.h.activeAlarms().find((a) => a.id === s.alertId);
    for (const st of s.statuses) {
      this.outbox.recordDelivery({ alarmId: s.alertId, status: st.status, at: st.at ?? now, receivedAt: now, messageId: s.controlId, ...(st.recipient ? { recipient: st.recipient } : {}), ...(st.device ? { device: st.device } : {}) });
      const who = [st.recipient, st.device ? `(${st.device})` : ''].filter(Boolean).join(' ');
      const time = new Date(st.at ?? now).toISOString().slice(11, 16);
      const text = `${st.status.replace('-', ' ')}${who ? ` ${st.status === 'delivered' || st.status === 'not-delivered' ? 'to' : 'by'} ${who}` : ''} ${time}`;
      this.h.log.info({ alarmId: s.alertId, status: st.status, recipient: st.recipient, device: st.device }, 'alarm manager: page status');
      if (page) {
        if (st.status === 'accepted') page.accepted = true;
        if (st.status === 'rejected' || st.status === 'not-delivered') page.rejected = true;
      }
      if (alarm) {
        this.h.showPage({ alarmId: alarm.id, bed: alarm.bed, status: st.status, text, at: st.at ?? now });
        this.h.noteIncident(alarm.id, `page ${text}`);
      }
    }
    this.escalate(now);
  }

  /** A bed escalates while any of its live, unacknowledged alarms has a page rejected or not accepted in time. */
  private escalate(now: number): void {
    const within = this.h.config.outputs.alarmManager.acceptWithinSeconds * 1000;
    const live = new Map(this.h.activeAlarms().map((a) => [a.id, a]));
    const waiting = new Map<string, string>();
    for (const [id, p] of this.pages) {
      const a = live.get(id);
      if (!a) continue;
      if (a.state !== 'active') continue;
      if (p.accepted) continue;
      if (p.rejected) waiting.set(p.bed, `${a.message}: page rejected`);
      else if (within > 0 && now - p.sentAt >= within) waiting.set(p.bed, `${a.message}: page not accepted within ${Math.round(within / 1000)} s`);
    }
    for (const [bed, detail] of waiting) {
      if (this.escalatedBeds.has(bed)) continue;
      this.escalatedBeds.add(bed);
      this.h.technical({ bed, condition: 'page-not-accepted', active: true, detail });
    }
    for (const bed of [...this.escalatedBeds]) {
      if (waiting.has(bed)) continue;
      this.escalatedBeds.delete(bed);
      this.h.technical({ bed, condition: 'page-not-accepted', active: false });
    }
  }

  private tick(): void {
    const now = this.h.now();
    try {
      if (this.alarmReporter) this.escalate(now);
      if (this.observationReporter) {
        // At once when a bed's NEWS2 observation set becomes complete.
        const completed: string[] = [];
        for (const b of this.h.config.beds) {
          const complete = this.h.news2Complete(b.id);
          if (complete && !this.news2WasComplete.get(b.id)) completed.push(b.id);
          this.news2WasComplete.set(b.id, complete);
        }
        if (completed.length > 0) {
          const queued = this.observationReporter.report(completed);
          this.h.log.info({ beds: completed, queued }, 'ehr: NEWS2 set complete, reporting at once');
        }
      }
    } catch (err) {
      this.h.log.error({ err }, 'outputs: tick failed');
    }
  }

  /** Stops both reporters; `clean` sends the final, inactive watchdog so the manager knows the silence is intended. */
  async stop(clean = true): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    await this.statusListener?.stop();
    await Promise.allSettled([this.alarmReporter?.stop(clean), this.observationReporter?.stop()]);
  }
}

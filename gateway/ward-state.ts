import type { ConnectionState } from '../drivers/core/connection.js';
import { NO_FLAGS, type Observation, type ObservationMessage, type Reading } from '../drivers/core/observation.js';
import { unscoredReason } from '../drivers/core/quality.js';
import type { AlarmEvent, News2Result } from '../rules/types.js';
import type { WireUnmapped } from '../sync/wire.js';
import { WardTrend } from './ward-trend.js';

export interface VitalValue {
  value: number;
  unit: string;
  at: number;
  deviceId: string;
  flags: readonly string[];
  /** Why the value is not scored (demo data, invalid ...), from drivers/core/quality.ts: shown greyed with it. */
  unscored?: string;
  /** Where a temperature was taken. */
  site?: string;
}

export interface DeviceView {
  id: string;
  bed: string;
  transport: string;
  state: ConnectionState;
  reason: string;
  at: number;
}

export interface CentralView {
  incidentId: string;
  status: string;
  assignedTo?: { id: string; name: string; role?: string };
  at: number;
}

/** One unmapped numeric as last received: shown as sent, never scored; the same fields travel upstream. */
export type MoreValue = WireUnmapped;

export interface BedView {
  id: string;
  label: string;
  vitals: Record<string, VitalValue>;
  /** Last 30 minutes per parameter, thinned to one point per 10 s; sent to the screen as [receivedAt, value] pairs. */
  trends: Record<string, WardTrend>;
  news2?: News2Result;
  manual: { acvpu?: string; o2?: boolean; scale?: 1 | 2 };
  audioPausedUntil?: number;
  /** The patient the centre admitted to this bed (admit/discharge downlink); absent when discharged or unknown. */
  patient?: { id: string; name?: string };
  /** Numerics with codes the parameter table does not map (the screen's "more" row), by code and channel. */
  more?: Record<string, MoreValue>;
  /** Alarms the bedside devices show themselves (e.g. an IntelliVue's alarm list), per device. */
  deviceAlarms?: Record<string, Array<{ kind: string; priority: string; text: string }>>;
}

export interface HealthView {
  upstreamEnabled: boolean;
  upstreamOnline: boolean;
  outboxDepth: number;
  oldestUndeliveredAt: number | null;
  lastSyncAt: number | null;
  clock: string;
  startedAt: number;
  version: string;
  /** What IT must fix, in words for the screen (gateway/health/operator-notices.ts): the clock. */
  notices: string[];
  /** Driver families that cannot run (their devices are silent; MQTT ingest and alarms run on). */
  degraded?: { family: string; detail: string }[];
}

export interface WardSnapshot {
  gatewayId: string;
  ward: string;
  now: number;
  beds: BedView[];
  devices: DeviceView[];
  alarms: AlarmEvent[];
  central: CentralView[];
  /** What the hospital's alarm manager reported about each alarm's page (PCD-05), latest per alarm. */
  pages: PageView[];
  health: HealthView;
}

export interface PageView {
  alarmId: string;
  bed: string;
  status: string;
  text: string;
  at: number;
}

const TREND_WINDOW_MS = 30 * 60_000;
const TREND_STEP_MS = 10_000;

/** A reading becomes the bed's latest value of its parameter (returned) and a point of its trend. */
function keep(bed: BedView, r: Reading, deviceId: string, receivedAt: number): VitalValue {
  const flags = r.flags ?? NO_FLAGS;
  const vital: VitalValue = { value: r.value, unit: r.unit, at: receivedAt, deviceId, flags };
  const unscored = unscoredReason(flags);
  if (unscored !== undefined) vital.unscored = unscored;
  if (r.site !== undefined) vital.site = r.site;
  bed.vitals[r.param] = vital;
  (bed.trends[r.param] ??= new WardTrend(TREND_WINDOW_MS, TREND_STEP_MS)).add(receivedAt, r.value);
  return vital;
}

/** The live picture of the ward that the screen shows: latest vitals, trends, devices, alarms, centre status. */
export class WardState {
  private readonly beds = new Map<string, BedView>();
  private readonly devices = new Map<string, DeviceView>();
  private readonly alarms = new Map<string, AlarmEvent>();
  private readonly central = new Map<string, CentralView>();
  private readonly pages = new Map<string, PageView>();

  constructor(
    private readonly gatewayId: string,
    private readonly ward: string,
    beds: Array<{ id: string; label?: string }>,
    devices: Array<{ id: string; bed: string; transport: string }>,
    public health: HealthView,
  ) {
    for (const b of beds) this.beds.set(b.id, { id: b.id, label: b.label ?? b.id, vitals: {}, trends: {}, manual: {} });
    for (const d of devices) this.devices.set(d.id, { id: d.id, bed: d.bed, transport: d.transport, state: 'disconnected', reason: 'not yet connected', at: 0 });
  }

  /** Adds a bed (config reload) or updates its label. */
  addBed(b: { id: string; label?: string }): void {
    const existing = this.beds.get(b.id);
    if (existing) existing.label = b.label ?? b.id;
    else this.beds.set(b.id, { id: b.id, label: b.label ?? b.id, vitals: {}, trends: {}, manual: {} });
  }

  addDevice(d: { id: string; bed: string; transport: string }): void {
    const existing = this.devices.get(d.id);
    if (existing) Object.assign(existing, { bed: d.bed, transport: d.transport });
    else this.devices.set(d.id, { id: d.id, bed: d.bed, transport: d.transport, state: 'disconnected', reason: 'not yet connected', at: 0 });
  }

  removeDevice(id: string): void {
    this.devices.delete(id);
  }

  /** Keeps the bed's latest value of the parameter (returned, for the screen) and its trend. */
  observation(o: Observation): VitalValue | undefined {
    const bed = this.beds.get(o.bedId);
    return bed ? keep(bed, o, o.deviceId, o.receivedAt) : undefined;
  }

  /** The readings of one device message, the bed looked up once; `shown` (if given) receives each new value. */
  message(m: ObservationMessage, shown?: VitalValue[]): void {
    const bed = this.beds.get(m.bedId);
    if (!bed) return;
    for (const r of m.readings) {
      const vital = keep(bed, r, m.deviceId, m.receivedAt);
      shown?.push(vital);
    }
  }

  /** An unmapped numeric: the bed's "more" row keeps the latest per code and channel. */
  more(bedId: string, v: MoreValue): void {
    const bed = this.beds.get(bedId);
    if (!bed) return;
    (bed.more ??= {})[v.channel ? `${v.code}|${v.channel}` : v.code] = v;
  }

  /** The bed's unmapped numerics no older than `freshMs` at `at` (what an incident event carries upstream). */
  freshMore(bedId: string, at: number, freshMs: number): MoreValue[] {
    const more = this.beds.get(bedId)?.more;
    if (!more) return [];
    return Object.values(more).filter((v) => at - v.at <= freshMs);
  }

  /** A device left 'connected': its live values are withdrawn (shown as missing, not as stale numbers). */
  device(id: string, state: ConnectionState, reason: string, at: number): DeviceView | undefined {
    const d = this.devices.get(id);
    if (!d) return undefined;
    Object.assign(d, { state, reason, at });
    if (state === 'disconnected' || state === 'quiet') {
      const bed = this.beds.get(d.bed);
      if (bed) for (const [param, v] of Object.entries(bed.vitals)) if (v.deviceId === id) delete bed.vitals[param];
      if (bed?.more) for (const [key, v] of Object.entries(bed.more)) if (v.deviceId === id) delete bed.more[key];
    }
    return d;
  }

  alarm(a: AlarmEvent): void {
    if (a.state === 'cleared') {
      this.alarms.delete(a.id);
      this.pages.delete(a.id);
    } else this.alarms.set(a.id, a);
  }

  setAlarms(list: AlarmEvent[]): void {
    this.alarms.clear();
    for (const a of list) this.alarm(a);
  }

  news2(bedId: string, n: News2Result): void {
    const bed = this.beds.get(bedId);
    if (bed) bed.news2 = n;
  }

  manual(bedId: string, m: BedView['manual']): void {
    const bed = this.beds.get(bedId);
    if (bed) bed.manual = { ...bed.manual, ...m };
  }

  deviceAlarms(bedId: string, deviceId: string, alarms: Array<{ kind: string; priority: string; text: string }>): void {
    const bed = this.beds.get(bedId);
    if (!bed) return;
    bed.deviceAlarms = { ...(bed.deviceAlarms ?? {}), [deviceId]: alarms };
  }

  audioPaused(bedId: string, until: number | undefined): void {
    const bed = this.beds.get(bedId);
    if (bed) bed.audioPausedUntil = until;
  }

  page(p: PageView): void {
    this.pages.set(p.alarmId, p);
  }

  centralUpdate(c: CentralView): void {
    this.central.set(c.incidentId, c);
  }

  admission(a: { bed: string; state: 'admitted' | 'discharged'; patient?: { id: string; name?: string } }): void {
    const bed = this.beds.get(a.bed);
    if (!bed) return;
    if (a.state === 'admitted' && a.patient) bed.patient = a.patient;
    else delete bed.patient;
  }

  bed(id: string): BedView | undefined {
    return this.beds.get(id);
  }

  activeAlarms(): AlarmEvent[] {
    return [...this.alarms.values()];
  }

  bedIds(): string[] {
    return [...this.beds.keys()];
  }

  deviceList(): DeviceView[] {
    return [...this.devices.values()];
  }

  snapshot(now: number): WardSnapshot {
    return {
      gatewayId: this.gatewayId,
      ward: this.ward,
      now,
      beds: [...this.beds.values()],
      devices: [...this.devices.values()],
      alarms: [...this.alarms.values()],
      central: [...this.central.values()],
      pages: [...this.pages.values()].filter((p) => this.alarms.has(p.alarmId)),
      health: this.health,
    };
  }
}

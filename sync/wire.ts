import { validateMessage } from './json-schema.js';

/**
 * The wire contract with the central service (JSON Schemas in sync/schema/, documented in docs/sync.md).
 * Every message the gateway sends carries its gateway sequence, the wall time and whether the clock was
 * synchronised: the centre orders by (gatewayId, gatewaySeq) and per incident by incidentSeq, never by wall time.
 */
export const SCHEMA_VERSION = 1;

export interface GatewayIdentity {
  gatewayId: string;
  site: string;
  ward: string;
  version: string;
}

export interface ClockStamp {
  gatewaySeq: number;
  wallTime: number;
  clockSynced: boolean;
}

/**
 * A numeric the parameter table does not map (a device's own or unknown code), as the bed showed it when the incident
 * event was made: sent beside `vitals`, never in it, and never scored (sync/schema/incident-event.v1.json).
 */
export interface WireUnmapped {
  /** The code with its system, as the device sent it: 'MDC:152872', 'MDIL:0002-4bb0', 'NOM:0x4bb0'. */
  code: string;
  label?: string;
  value: number;
  /** The unit as the device sent it (not normalised). */
  unit: string;
  channel?: string;
  /** Gateway time of the reading (epoch ms). */
  at: number;
  deviceId: string;
}

/**
 * An incident event as it goes upstream: the `incident` object of sync/schema/incident-event.v1.json. The rules'
 * IncidentEvent has this shape; sync keeps its own type so that it depends on the wire contract, not on rules/.
 */
export interface WireIncident {
  incidentId: string;
  incidentSeq: number;
  type: 'opened' | 'updated' | 'escalated' | 'acknowledged' | 'closed';
  bed: string;
  ward?: string;
  patientId?: string;
  condition: string;
  kind: 'physiological' | 'technical';
  priority: 'high' | 'medium' | 'low';
  at: number;
  by: string;
  alarmId: string;
  deviceId?: string;
  vitals: { readonly [param: string]: number | undefined };
  /** The bed's fresh unmapped numerics (absent when there are none). */
  unmapped?: readonly WireUnmapped[];
  news2?: {
    total: number;
    subscores: { readonly [param: string]: number | undefined };
    risk: 'low' | 'low-medium' | 'medium' | 'high';
    complete: boolean;
    missing: string[];
    sbpFrom?: 'cuff' | 'arterial';
  };
  message: string;
}

export interface IncidentEventMessage extends ClockStamp {
  schema: 'wardgate/incident-event';
  schemaVersion: typeof SCHEMA_VERSION;
  /** Stable event id (UUIDv7): the centre de-duplicates on it. */
  eventId: string;
  gatewayId: string;
  site: string;
  ward: string;
  incident: WireIncident;
}

export function incidentEventMessage(
  who: GatewayIdentity,
  eventId: string,
  incident: WireIncident,
  stamp: ClockStamp,
): IncidentEventMessage {
  return {
    schema: 'wardgate/incident-event',
    schemaVersion: SCHEMA_VERSION,
    eventId,
    gatewayId: who.gatewayId,
    site: who.site,
    ward: who.ward,
    ...stamp,
    incident,
  };
}

/** Incident status as central incident systems run them, in the order an incident goes through them. */
export const INCIDENT_STATUSES = ['ASSIGNED', 'ACKNOWLEDGED', 'IN_PROGRESS', 'RESOLVED'] as const;
export type IncidentStatus = (typeof INCIDENT_STATUSES)[number];

/** What the centre sends down: assignment and status of an incident (sync/schema/incident-status.v1.json). */
export interface IncidentStatusMessage {
  schema: 'wardgate/incident-status';
  schemaVersion: number;
  /** Unique per message: a message seen twice is applied once. */
  messageId: string;
  incidentId: string;
  status: IncidentStatus;
  assignedTo?: { id: string; name: string; role?: string };
  /** The centre's time of this status; older updates than the one applied are ignored. */
  at: number;
}

/** What the centre sends down: a patient bound to a bed, or the bed freed (sync/schema/admission.v1.json). */
export interface AdmissionMessage {
  schema: 'wardgate/admission';
  schemaVersion: number;
  messageId: string;
  action: 'admit' | 'discharge';
  bed: string;
  patient?: { id: string; name?: string };
  at: number;
}

export type DownlinkMessage = IncidentStatusMessage | AdmissionMessage;

function parseJson(payload: Buffer | string | unknown): { value: unknown } | { error: string } {
  if (typeof payload !== 'string' && !Buffer.isBuffer(payload)) return { value: payload };
  try {
    return { value: JSON.parse(payload.toString()) as unknown };
  } catch {
    return { error: 'not JSON' };
  }
}

/** Validates a downlink message against its JSON Schema (the contract); never throws. */
export function parseDownlink(payload: Buffer | string | unknown): DownlinkMessage | { error: string } {
  const parsed = parseJson(payload);
  if ('error' in parsed) return parsed;
  const o = parsed.value;
  const schema = o && typeof o === 'object' ? (o as Record<string, unknown>).schema : undefined;
  const name = schema === 'wardgate/incident-status' ? 'incident-status' : schema === 'wardgate/admission' ? 'admission' : undefined;
  if (!name) return { error: 'schema: expected wardgate/incident-status or wardgate/admission' };
  const errors = validateMessage(name, o);
  if (errors.length > 0) return { error: errors.slice(0, 3).map((e) => `${e.path} ${e.message}`).join('; ') };
  return o as DownlinkMessage;
}

export interface StatusMessage extends ClockStamp {
  schema: 'wardgate/status';
  schemaVersion: typeof SCHEMA_VERSION;
  gatewayId: string;
  state: 'online' | 'offline';
  version: string;
}

export function statusMessage(who: GatewayIdentity, state: 'online' | 'offline', stamp: ClockStamp): StatusMessage {
  return { schema: 'wardgate/status', schemaVersion: SCHEMA_VERSION, gatewayId: who.gatewayId, state, version: who.version, ...stamp };
}

export interface HeartbeatFacts {
  uptimeSeconds: number;
  outboxDepth: number;
  oldestUndeliveredAgeSeconds: number | null;
  devices: Array<{ id: string; state: string }>;
  disk?: { usedBytes: number; budgetBytes: number };
}

export interface HeartbeatMessage extends ClockStamp, HeartbeatFacts {
  schema: 'wardgate/heartbeat';
  schemaVersion: typeof SCHEMA_VERSION;
  gatewayId: string;
  site: string;
  ward: string;
  version: string;
}

export function heartbeatMessage(who: GatewayIdentity, stamp: ClockStamp, facts: HeartbeatFacts): HeartbeatMessage {
  return {
    schema: 'wardgate/heartbeat',
    schemaVersion: SCHEMA_VERSION,
    gatewayId: who.gatewayId,
    site: who.site,
    ward: who.ward,
    version: who.version,
    ...stamp,
    ...facts,
  };
}

/** Topic layout: `<prefix>/<site>/<ward>/<gatewayId>/...` */
export function upstreamTopics(prefix: string, who: Pick<GatewayIdentity, 'site' | 'ward' | 'gatewayId'>) {
  const base = `${prefix}/${who.site}/${who.ward}/${who.gatewayId}`;
  return {
    base,
    incidents: `${base}/incidents`,
    heartbeat: `${base}/heartbeat`,
    status: `${base}/status`,
    down: `${base}/down/#`,
    downIncidentStatus: `${base}/down/incident-status`,
    downAdmission: `${base}/down/admission`,
  };
}

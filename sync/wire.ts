import type { IncidentEvent } from '../rules/types.js';

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

export interface IncidentEventMessage extends ClockStamp {
  schema: 'wardgate/incident-event';
  schemaVersion: typeof SCHEMA_VERSION;
  /** Stable event id (UUIDv7): the centre de-duplicates on it. */
  eventId: string;
  gatewayId: string;
  site: string;
  ward: string;
  incident: IncidentEvent;
}

export function incidentEventMessage(
  who: GatewayIdentity,
  eventId: string,
  incident: IncidentEvent,
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

/** What the centre sends down: assignment and status of an incident. */
export interface IncidentStatusMessage {
  schema: 'wardgate/incident-status';
  schemaVersion: number;
  incidentId: string;
  status: 'ASSIGNED' | 'ACKNOWLEDGED' | 'IN_PROGRESS' | 'RESOLVED';
  assignedTo?: { id: string; name: string; role?: string };
  /** The centre's time of this status; older updates than the one applied are ignored. */
  at: number;
}

export function parseIncidentStatus(payload: Buffer | string): IncidentStatusMessage | { error: string } {
  let o: unknown;
  try {
    o = JSON.parse(payload.toString());
  } catch {
    return { error: 'not JSON' };
  }
  if (!o || typeof o !== 'object') return { error: 'not an object' };
  const m = o as Record<string, unknown>;
  if (m.schema !== 'wardgate/incident-status') return { error: `schema: expected wardgate/incident-status` };
  if (typeof m.incidentId !== 'string' || m.incidentId.length === 0) return { error: 'incidentId: required' };
  if (!['ASSIGNED', 'ACKNOWLEDGED', 'IN_PROGRESS', 'RESOLVED'].includes(m.status as string)) return { error: 'status: unknown' };
  if (typeof m.at !== 'number' || !Number.isFinite(m.at)) return { error: 'at: required epoch ms' };
  if (m.assignedTo !== undefined) {
    const a = m.assignedTo as Record<string, unknown>;
    if (!a || typeof a !== 'object' || typeof a.id !== 'string' || typeof a.name !== 'string') return { error: 'assignedTo: needs id and name' };
  }
  return m as unknown as IncidentStatusMessage;
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
  };
}

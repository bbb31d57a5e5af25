import { comp, component, dtm, esc, field, parseDtm, readMessage, segment, type Hl7Read } from './hl7.js';

/**
 * What the hospital's systems send back: the accept acknowledgment of each message (HL7 v2.6 Chapter 2, 2.9.2
 * enhanced mode: MSH-15 AL -> MSA-1 CA commit accept, CE commit error, CR commit reject; AA/AE/AR in original mode),
 * and PCD-05 Report Alert Status (ORA^R41) from the alarm manager.
 *
 * PCD-05 (IHE PCD TF-2 rev. 9.0, section 3.5): OBR-3 names the alert as the PCD-04 did; each PRT segment (HL7 v2.7+
 * participation, carried by TF-2 in a v2.6 message) gives one disposition. We read PRT-3 (action reason) component 1
 * as the disposition (delivered, read, accepted, rejected, cancelled, not-delivered), PRT-5 the person (XCN: id ^
 * family ^ given), PRT-10 the device, PRT-11 the time. docs/integration-ihe.md shows the message.
 */

export interface AckReply {
  kind: 'ack';
  code: string;
  controlId: string;
  text: string;
}

export const DISPOSITIONS = ['delivered', 'read', 'accepted', 'rejected', 'cancelled', 'not-delivered'] as const;
export type Disposition = (typeof DISPOSITIONS)[number];

export interface AlertStatusReply {
  kind: 'alert-status';
  controlId: string;
  alertId: string;
  statuses: Array<{ status: Disposition; recipient?: string; device?: string; at?: number }>;
}

export type Reply = AckReply | AlertStatusReply | { kind: 'other'; controlId: string; type: string } | { kind: 'error'; error: string };

export function readReply(text: string): Reply {
  let m: Hl7Read;
  try {
    m = readMessage(text);
  } catch (err) {
    return { kind: 'error', error: (err as Error).message };
  }
  if (m.segments[0]?.[0] !== 'MSH') return { kind: 'error', error: 'no MSH segment' };
  const type = field(m, 'MSH', 9);
  const controlId = field(m, 'MSH', 10);
  if (m.segments.some((s) => s[0] === 'MSA')) {
    return { kind: 'ack', code: field(m, 'MSA', 1), controlId: field(m, 'MSA', 2), text: component(field(m, 'MSA', 3), 1) || component(field(m, 'ERR', 8), 1) };
  }
  if (component(type, 1) === 'ORA' && component(type, 2) === 'R41') {
    const alertId = component(field(m, 'OBR', 3), 1);
    if (!alertId) return { kind: 'error', error: 'ORA^R41 without OBR-3' };
    const statuses: AlertStatusReply['statuses'] = [];
    for (const prt of m.segments.filter((s) => s[0] === 'PRT')) {
      const status = component(prt[3] ?? '', 1).toLowerCase() as Disposition;
      if (!DISPOSITIONS.includes(status)) continue;
      const person = prt[5] ?? '';
      const name = [component(person, 3), component(person, 2)].filter(Boolean).join(' ') || component(person, 1);
      const device = component(prt[10] ?? '', 1);
      const at = parseDtm(prt[11] ?? '');
      statuses.push({ status, ...(name ? { recipient: name } : {}), ...(device ? { device } : {}), ...(Number.isFinite(at) ? { at } : {}) });
    }
    return { kind: 'alert-status', controlId, alertId, statuses };
  }
  return { kind: 'other', controlId, type };
}

/** The accept acknowledgment the gateway sends for a message it received (an ORA^R41). */
export function encodeAck(controlId: string, code: 'CA' | 'CE' | 'CR', now: number, ackId: string, text?: string): string {
  return [
    segment('MSH', ['^~\\&', 'WARDGATE', undefined, undefined, undefined, dtm(now), undefined, 'ACK^R41^ACK', esc(ackId), 'P', '2.6']),
    segment('MSA', [code, esc(controlId), text ? comp(esc(text)) : undefined]),
  ].join('\r');
}

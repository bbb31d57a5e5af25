import type Database from 'better-sqlite3';
import { INCIDENT_STATUSES, type AdmissionMessage, type DownlinkMessage, type IncidentStatusMessage } from '../../sync/wire.js';

export interface CentralStatusView {
  incidentId: string;
  status: IncidentStatusMessage['status'];
  assignedTo?: { id: string; name: string; role?: string };
  at: number;
}

export interface AdmissionView {
  bed: string;
  state: 'admitted' | 'discharged';
  patient?: { id: string; name?: string };
  at: number;
}

export type DownlinkResult =
  | { applied: true; kind: 'incident-status'; view: CentralStatusView }
  | { applied: true; kind: 'admission'; views: AdmissionView[] }
  | { applied: false; reason: 'duplicate' | 'stale' };

const RANK: Record<string, number> = Object.fromEntries(INCIDENT_STATUSES.map((s, i) => [s, i + 1]));

/**
 * Applies what the centre sends down, idempotently and tolerant of order: every message is recorded once
 * by messageId (a second copy is a no-op); an incident's status moves only to a later (at, status rank);
 * a bed's admission only to a later `at`. Tables from store migration 2.
 */
export class DownlinkStore {
  private readonly st;

  constructor(private readonly db: Database.Database) {
    this.st = {
      seen: db.prepare(`INSERT OR IGNORE INTO downlink_messages (message_id, kind, received_at, applied, body) VALUES (?, ?, ?, 0, ?)`),
      markApplied: db.prepare(`UPDATE downlink_messages SET applied = 1 WHERE message_id = ?`),
      getStatus: db.prepare(`SELECT status, rank, assigned_to AS assignedTo, at FROM central_status WHERE incident_id = ?`),
      putStatus: db.prepare(
        `INSERT INTO central_status (incident_id, status, rank, assigned_to, at, message_id, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?)
         ON CONFLICT(incident_id) DO UPDATE SET status = excluded.status, rank = excluded.rank,
           assigned_to = COALESCE(excluded.assigned_to, central_status.assigned_to), at = excluded.at,
           message_id = excluded.message_id, updated_at = excluded.updated_at`,
      ),
      setAssignee: db.prepare(`UPDATE central_status SET assigned_to = ? WHERE incident_id = ?`),
      mirrorIncident: db.prepare(`UPDATE incidents SET central_status = ?, assigned_to = ?, central_updated_at = ? WHERE id = ?`),
      getAdmission: db.prepare(`SELECT at FROM admissions WHERE bed = ?`),
      putAdmission: db.prepare(
        `INSERT INTO admissions (bed, state, patient_id, patient_name, at, message_id, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?)
         ON CONFLICT(bed) DO UPDATE SET state = excluded.state, patient_id = excluded.patient_id, patient_name = excluded.patient_name,
           at = excluded.at, message_id = excluded.message_id, updated_at = excluded.updated_at`,
      ),
      otherBedsOfPatient: db.prepare(`SELECT bed FROM admissions WHERE patient_id = ? AND bed != ? AND at < ? AND state = 'admitted'`),
      // A transfer frees the old bed but keeps its 'at': a later message for that bed still applies.
      release: db.prepare(`UPDATE admissions SET state = 'discharged', patient_id = NULL, patient_name = NULL, updated_at = ? WHERE bed = ?`),
      newerBedOfPatient: db.prepare(`SELECT bed FROM admissions WHERE patient_id = ? AND bed != ? AND at > ? AND state = 'admitted'`),
      allStatus: db.prepare(`SELECT incident_id AS incidentId, status, assigned_to AS assignedTo, at FROM central_status ORDER BY at`),
      allAdmissions: db.prepare(`SELECT bed, state, patient_id AS patientId, patient_name AS patientName, at FROM admissions ORDER BY bed`),
    };
  }

  apply(msg: DownlinkMessage, receivedAt: number): DownlinkResult {
    return this.db.transaction((): DownlinkResult => {
      const kind = msg.schema === 'wardgate/incident-status' ? 'incident-status' : 'admission';
      if (this.st.seen.run(msg.messageId, kind, receivedAt, JSON.stringify(msg)).changes === 0) return { applied: false, reason: 'duplicate' };
      const r = msg.schema === 'wardgate/incident-status' ? this.applyStatus(msg, receivedAt) : this.applyAdmission(msg, receivedAt);
      if (r.applied) this.st.markApplied.run(msg.messageId);
      return r;
    })();
  }

  private applyStatus(m: IncidentStatusMessage, now: number): DownlinkResult {
    const rank = RANK[m.status] ?? 0;
    const held = this.st.getStatus.get(m.incidentId) as { status: string; rank: number; assignedTo: string | null; at: number } | undefined;
    if (held && (m.at < held.at || (m.at === held.at && rank <= held.rank))) {
      // Overtaken by a later status; but an assignment that arrives late still tells who was sent.
      if (!m.assignedTo || held.assignedTo) return { applied: false, reason: 'stale' };
      const assignedTo = JSON.stringify(m.assignedTo);
      this.st.setAssignee.run(assignedTo, m.incidentId);
      this.st.mirrorIncident.run(held.status, assignedTo, held.at, m.incidentId);
      return { applied: true, kind: 'incident-status', view: { incidentId: m.incidentId, status: held.status as CentralStatusView['status'], at: held.at, assignedTo: m.assignedTo } };
    }
    const assigned = m.assignedTo ? JSON.stringify(m.assignedTo) : (held?.assignedTo ?? null);
    this.st.putStatus.run(m.incidentId, m.status, rank, assigned, m.at, m.messageId, now);
    this.st.mirrorIncident.run(m.status, assigned, m.at, m.incidentId);
    const view: CentralStatusView = { incidentId: m.incidentId, status: m.status, at: m.at };
    if (assigned) view.assignedTo = JSON.parse(assigned) as CentralStatusView['assignedTo'];
    return { applied: true, kind: 'incident-status', view };
  }

  private applyAdmission(m: AdmissionMessage, now: number): DownlinkResult {
    const held = this.st.getAdmission.get(m.bed) as { at: number } | undefined;
    if (held && m.at <= held.at) return { applied: false, reason: 'stale' };
    const views: AdmissionView[] = [];
    const movedOn = m.action === 'admit' && m.patient && this.st.newerBedOfPatient.get(m.patient.id, m.bed, m.at) !== undefined;
    if (m.action === 'admit' && m.patient && !movedOn) {
      for (const { bed } of this.st.otherBedsOfPatient.all(m.patient.id, m.bed, m.at) as { bed: string }[]) {
        this.st.release.run(now, bed);
        views.push({ bed, state: 'discharged', at: m.at });
      }
      this.st.putAdmission.run(m.bed, 'admitted', m.patient.id, m.patient.name ?? null, m.at, m.messageId, now);
      views.push({ bed: m.bed, state: 'admitted', patient: m.patient, at: m.at });
    } else {
      // A discharge, or an admit overtaken by a later one of the same patient elsewhere: the bed is free as of m.at.
      this.st.putAdmission.run(m.bed, 'discharged', null, null, m.at, m.messageId, now);
      views.push({ bed: m.bed, state: 'discharged', at: m.at });
    }
    return { applied: true, kind: 'admission', views };
  }

  /** The centre's view of every incident it has told us about. */
  centralStatuses(): CentralStatusView[] {
    return (this.st.allStatus.all() as Array<{ incidentId: string; status: CentralStatusView['status']; assignedTo: string | null; at: number }>).map((r) => ({
      incidentId: r.incidentId,
      status: r.status,
      at: r.at,
      ...(r.assignedTo ? { assignedTo: JSON.parse(r.assignedTo) as CentralStatusView['assignedTo'] } : {}),
    }));
  }

  admissions(): AdmissionView[] {
    return (this.st.allAdmissions.all() as Array<{ bed: string; state: AdmissionView['state']; patientId: string | null; patientName: string | null; at: number }>).map((r) => ({
      bed: r.bed,
      state: r.state,
      at: r.at,
      ...(r.patientId ? { patient: { id: r.patientId, ...(r.patientName ? { name: r.patientName } : {}) } } : {}),
    }));
  }

  /** The patient bound to a bed now, if any. */
  patientOf(bed: string): string | undefined {
    return this.admissions().find((a) => a.bed === bed && a.state === 'admitted')?.patient?.id;
  }
}

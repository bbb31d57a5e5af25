import type Database from 'better-sqlite3';

export interface AuditQuery {
  /** Newest first, at most this many (1-500). */
  limit: number;
  bed?: string;
}

export interface AuditRow {
  row: number;
  at: number;
  actor: string;
  action: string;
  bed: string | null;
  detail: unknown;
}

/** Recent rows of the audit trail (who did what from the screen), read from the store's `audit` table. */
export function readAudit(db: Database.Database, q: AuditQuery): AuditRow[] {
  const limit = Math.max(1, Math.min(500, Math.floor(q.limit) || 50));
  const rows = (
    q.bed
      ? db.prepare('SELECT row, at, actor, action, bed, detail FROM audit WHERE bed = ? ORDER BY row DESC LIMIT ?').all(q.bed, limit)
      : db.prepare('SELECT row, at, actor, action, bed, detail FROM audit ORDER BY row DESC LIMIT ?').all(limit)
  ) as Array<Omit<AuditRow, 'detail'> & { detail: string }>;
  return rows.map((r) => {
    let detail: unknown = r.detail;
    try {
      detail = JSON.parse(r.detail);
    } catch {
      // kept as text
    }
    return { ...r, detail };
  });
}

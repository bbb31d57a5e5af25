import type Database from 'better-sqlite3';

export interface AuditQuery {
  /** Newest first, at most this many (1-500). */
  limit: number;
  bed?: string;
  /** Only rows at or after / before this time (epoch ms). */
  since?: number;
  until?: number;
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
  const rows = db
    .prepare('SELECT row, at, actor, action, bed, detail FROM audit WHERE (? IS NULL OR bed = ?) AND at >= ? AND at <= ? ORDER BY row DESC LIMIT ?')
    .all(q.bed ?? null, q.bed ?? null, q.since ?? 0, q.until ?? Number.MAX_SAFE_INTEGER, limit) as Array<Omit<AuditRow, 'detail'> & { detail: string }>;
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

import type { Db } from './database.js';

/**
 * The `raiseSeq` of the alarm raised last (cleared or not), so that raises after a restart number on after it. Rows of
 * `alarms` are inserted when an alarm is raised and updated in place afterwards (never deleted), so the row inserted
 * last is the alarm raised last: one primary-key lookup. 0 when there is none, or it was stored by a release whose
 * events carried no raiseSeq.
 */
export function lastRaiseSeq(store: { db: Db }): number {
  const row = store.db.prepare('SELECT body FROM alarms ORDER BY rowid DESC LIMIT 1').get() as { body: string } | undefined;
  if (!row) return 0;
  const seq = (JSON.parse(row.body) as { raiseSeq?: unknown }).raiseSeq;
  return typeof seq === 'number' && Number.isFinite(seq) ? seq : 0;
}

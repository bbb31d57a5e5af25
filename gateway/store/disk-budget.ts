import { existsSync, statSync } from 'node:fs';
import type Database from 'better-sqlite3';
import { OutboxMarks } from './outbox-marks.js';

export interface DiskBudgetOptions {
  budgetBytes: number;
  /** Fraction of the budget at which the technical alarm is raised (default 0.9). */
  nearFraction?: number;
  /** Pruning aims below this fraction of the budget (default 0.8); the alarm clears below it too. */
  targetFraction?: number;
  /** Delivered outbox rows younger than this are kept for diagnosis while there is room (default 1 h). */
  keepDeliveredMs?: number;
}

export interface DiskBudgetReport {
  usedBytes: number;
  budgetBytes: number;
  prunedDelivered: number;
  prunedObservations: number;
  /** Undelivered incident events held: never pruned. */
  undelivered: number;
  level: 'ok' | 'near' | 'over';
  /** Under the pruning target: a raised disk-budget alarm may clear (hysteresis between target and near). */
  belowTarget: boolean;
}

/** Bytes in use: live pages of the main file (freed pages are reused, not counted) plus the WAL. */
export function usedBytes(db: Database.Database, path: string): number {
  const pageSize = db.pragma('page_size', { simple: true }) as number;
  const pages = db.pragma('page_count', { simple: true }) as number;
  const free = db.pragma('freelist_count', { simple: true }) as number;
  const wal = `${path}-wal`;
  return (pages - free) * pageSize + (existsSync(wal) ? statSync(wal).size : 0);
}

const CHUNK = 5000;

/**
 * Keeps the database inside its budget. Order of sacrifice: delivered outbox rows (oldest first), then
 * observations (oldest first, in chunks). Alarm history, audit and undelivered incident events are never
 * pruned here: if they alone fill the budget the level stays 'over' and the caller raises the alarm.
 */
export function enforceDiskBudget(db: Database.Database, path: string, now: number, o: DiskBudgetOptions, outbox = new OutboxMarks(db)): DiskBudgetReport {
  const near = o.budgetBytes * (o.nearFraction ?? 0.9);
  const target = o.budgetBytes * (o.targetFraction ?? 0.8);
  let prunedDelivered = 0;
  let prunedObservations = 0;
  let used = usedBytes(db, path);
  if (used > target) {
    prunedDelivered += outbox.pruneDelivered(now - (o.keepDeliveredMs ?? 3600_000));
    used = usedBytes(db, path);
  }
  if (used > target) {
    prunedDelivered += outbox.pruneDelivered();
    used = usedBytes(db, path);
  }
  // What earlier releases wrote goes first, all of it: observations (migration 5 copied it into readings), then
  // readings (release 5's rows, and the previous release's after a rollback).
  if (used > target) {
    prunedObservations += db.prepare('DELETE FROM observations').run().changes;
    prunedObservations += db.prepare('DELETE FROM readings').run().changes;
    used = usedBytes(db, path);
  }
  const dropObs = db.prepare(`DELETE FROM device_messages WHERE seq IN (SELECT seq FROM device_messages ORDER BY seq LIMIT ${CHUNK})`);
  while (used > target) {
    const n = dropObs.run().changes;
    if (n === 0) break;
    prunedObservations += n;
    used = usedBytes(db, path);
  }
  if (prunedDelivered + prunedObservations > 0) db.pragma('wal_checkpoint(TRUNCATE)');
  used = usedBytes(db, path);
  const undelivered = outbox.undelivered();
  const level = used >= o.budgetBytes ? 'over' : used >= near ? 'near' : 'ok';
  return { usedBytes: used, budgetBytes: o.budgetBytes, prunedDelivered, prunedObservations, undelivered, level, belowTarget: used < target };
}

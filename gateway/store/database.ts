import { copyFileSync, existsSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { MIGRATIONS, type Migration } from './migrations.js';

export type Db = Database.Database;

/** The WAL size at which SQLite checkpoints it into the database file. */
export const WAL_BYTES = 4 * 1024 * 1024;

export interface OpenedDatabase {
  db: Db;
  path: string;
  /** Migrations applied by this open (empty when the schema was current). */
  migrated: number[];
  backupPath?: string;
  /** The store's schema version (user_version) after opening: may be newer than this release's (after a rollback). */
  schemaVersion: number;
}

export { SCHEMA_VERSION } from './migrations.js';

/**
 * Opens (creating if needed) the gateway database in `dataDir`: WAL journal, foreign keys, a busy timeout,
 * and `synchronous=FULL` for the migrations. The Store then rests at NORMAL and raises it to FULL around every
 * alarm, audit and outbox commit (Store.durably): in WAL mode telemetry reaches the disk with the next FULL commit
 * or checkpoint, so a power cut can lose only the last moments of telemetry, never an alarm.
 */
export function openDatabase(dataDir: string, fileName = 'wardgate.db', migrations: ReadonlyArray<Migration> = MIGRATIONS, walBytes = WAL_BYTES): OpenedDatabase {
  mkdirSync(dataDir, { recursive: true });
  const path = join(dataDir, fileName);
  const existed = existsSync(path);
  const db = new Database(path);
  // A new database gets 1 KiB pages (SQLite's default is 4 KiB). Every commit appends a full copy of each page it
  // touched to the WAL, and the last, partly filled page of a table is touched by every commit: smaller pages mean
  // fewer bytes written per commit, which is SD-card wear (docs/durability.md). page_size only takes effect before
  // the first table is created; an existing database keeps its page size.
  if (!existed) db.pragma('page_size = 1024');
  db.pragma('journal_mode = WAL');
  db.pragma('synchronous = FULL');
  db.pragma('foreign_keys = ON');
  db.pragma('busy_timeout = 5000');
  // Checkpoint once the WAL holds about 4 MiB, whatever the page size: a page rewritten by many commits reaches the
  // database file once per checkpoint, and the WAL file is reused from its start after each one (not grown).
  db.pragma(`wal_autocheckpoint = ${walCheckpointPages(db, walBytes)}`);
  db.pragma(`journal_size_limit = ${walBytes * 2}`);
  // better-sqlite3 sets a 16 MB page cache; the hot path only appends, so 4 MB is plenty, and on a Pi the
  // difference is resident memory (it showed as slow RSS growth over a 10-minute soak as the cache filled).
  db.pragma('cache_size = -4000');

  const check = db.pragma('quick_check', { simple: true });
  if (check !== 'ok') {
    db.close();
    throw new Error(`database ${path} failed quick_check: ${String(check)}`);
  }

  const current = db.pragma('user_version', { simple: true }) as number;
  const latest = migrations[migrations.length - 1]!.version;
  if (current > latest) {
    // A newer release migrated this store and we were rolled back to. Its migrations were additive unless one was a
    // contract step, which records the oldest schema that may still open the store.
    const row = db.prepare("SELECT value FROM meta WHERE key = 'min_reader_schema'").get() as { value: string } | undefined;
    const minReader = row ? Number(row.value) : 0;
    if (minReader > latest) {
      db.close();
      throw new Error(
        `database ${path} has schema version ${current}, newer than this wardgate (${latest}), and needs a release that knows schema ${minReader} or later; refusing to downgrade`,
      );
    }
    return { db, path, migrated: [], schemaVersion: current };
  }
  const pending = migrations.filter((m) => m.version > current);
  let backupPath: string | undefined;
  if (pending.length > 0 && existed && current > 0) {
    db.pragma('wal_checkpoint(TRUNCATE)');
    backupPath = `${path}.before-v${pending[0]!.version}.bak`;
    copyFileSync(path, backupPath);
  }
  for (const m of pending) {
    db.transaction(() => {
      db.exec(m.sql);
      if (m.contract) {
        db.prepare("INSERT INTO meta (key, value) VALUES ('min_reader_schema', ?) ON CONFLICT(key) DO UPDATE SET value = excluded.value").run(
          String(m.version),
        );
      }
      db.pragma(`user_version = ${m.version}`);
    })();
  }
  return { db, path, migrated: pending.map((m) => m.version), backupPath, schemaVersion: db.pragma('user_version', { simple: true }) as number };
}

/** The automatic checkpoint threshold in pages for a WAL of about `walBytes`, whatever the page size. */
export function walCheckpointPages(db: Db, walBytes = WAL_BYTES): number {
  return Math.round(walBytes / (db.pragma('page_size', { simple: true }) as number));
}

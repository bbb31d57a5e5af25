#!/usr/bin/env node
// Backs up the gateway database with SQLite's online backup API (sqlite3_backup_*, via better-sqlite3's
// Database#backup): a consistent copy even while the daemon is writing, unlike copying the file and its WAL.
//
//   node scripts/installer/db-backup.mjs SOURCE.db DEST.db
//
// Run by install.sh as root from the release about to be installed (its node_modules). It drops to the owner of the
// database file first, so that any -wal/-shm file SQLite creates stays the daemon's. Prints the copy's schema version
// and row counts; exit 0 done, 1 failed, 3 no database (nothing to back up).
import { existsSync, statSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const [source, dest] = process.argv.slice(2);
if (!source || !dest) {
  console.error('usage: db-backup.mjs SOURCE.db DEST.db');
  process.exit(2);
}
if (!existsSync(source)) {
  console.log(`db-backup: no database at ${source}; nothing to back up`);
  process.exit(3);
}
// better-sqlite3 from this release, or from the release named by WARDGATE_MODULES (install.sh passes the current
// one when the new release has no node_modules yet).
const release = process.env.WARDGATE_MODULES || join(dirname(fileURLToPath(import.meta.url)), '../..');
const Database = createRequire(join(release, 'package.json'))('better-sqlite3');

const owner = statSync(source);
if (process.getuid?.() === 0) {
  process.setgid(owner.gid);
  process.setuid(owner.uid);
}
const db = new Database(source, { fileMustExist: true });
db.pragma('busy_timeout = 10000');
try {
  await db.backup(dest);
} finally {
  db.close();
}
const copy = new Database(dest, { readonly: true, fileMustExist: true });
const check = copy.pragma('quick_check', { simple: true });
const schema = copy.pragma('user_version', { simple: true });
const count = (t) => {
  try {
    return copy.prepare(`SELECT COUNT(*) AS n FROM ${t}`).get().n;
  } catch {
    return 0;
  }
};
const summary = { schema, alarmEvents: count('alarm_events'), incidents: count('incidents'), outbox: count('outbox') };
copy.close();
if (check !== 'ok') {
  console.error(`db-backup: the copy ${dest} failed quick_check: ${check}`);
  process.exit(1);
}
console.log(`db-backup: ${source} -> ${dest} ${JSON.stringify(summary)}`);

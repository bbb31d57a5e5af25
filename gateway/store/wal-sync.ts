import { closeSync, fsync, fsyncSync, openSync } from 'node:fs';

/**
 * Syncs the database's WAL file to disk off the event loop (fsync in libuv's thread pool). Observation groups commit
 * at synchronous=NORMAL (the frames reach the WAL file, not the disk); syncing the WAL file afterwards makes every
 * commit before it durable, as synchronous=FULL would have, without blocking alarms behind the fsync (tens of
 * milliseconds on an SD card). SQLite keeps the WAL file (same inode) for as long as the connection is open.
 */
export class WalSync {
  private fd: number | undefined;
  private running = false;
  /** performance.now() when the last completed sync started: every commit before it is on disk. */
  syncedAt = Number.NEGATIVE_INFINITY;
  /** Syncs completed (for tests and diagnosis). */
  count = 0;

  constructor(
    private readonly walPath: string,
    private readonly onError: (err: Error) => void,
  ) {}

  private open(): number {
    this.fd ??= openSync(this.walPath, 'r');
    return this.fd;
  }

  /** Starts a sync unless one is under way. */
  request(): void {
    if (this.running) return;
    let fd: number;
    try {
      fd = this.open();
    } catch (err) {
      this.onError(err as Error);
      return;
    }
    const started = performance.now();
    this.running = true;
    fsync(fd, (err) => {
      this.running = false;
      if (err) this.onError(err);
      else {
        this.syncedAt = started;
        this.count += 1;
      }
    });
  }

  /** A last sync, now (at shutdown), and the file closed. */
  close(): void {
    if (this.fd === undefined) return;
    try {
      fsyncSync(this.fd);
    } finally {
      closeSync(this.fd);
      this.fd = undefined;
    }
  }
}

import { appendFileSync, mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import type { Priority } from '../../rules/types.js';
import type { Annunciator } from './annunciator.js';

/** One line of the record file (JSON lines). */
export type RecordLine = { at: number; on: boolean; priority: Priority | null } | { at: number; sounding: Priority | null };

/**
 * The `record` backend: appends every on/off switch and every change of what sounds to a JSON-lines file, for tests
 * and for testers without hardware (`tail -f data/buzzer.jsonl`). Writes are synchronous so lines keep their order.
 */
export class RecordAnnunciator implements Annunciator {
  readonly kind = 'record' as const;

  constructor(
    readonly file: string,
    private readonly now: () => number = Date.now,
  ) {
    mkdirSync(dirname(file), { recursive: true });
  }

  async set(on: boolean, priority: Priority | null): Promise<void> {
    this.write({ at: this.now(), on, priority });
  }

  sounding(priority: Priority | null): void {
    try {
      this.write({ at: this.now(), sounding: priority });
    } catch {
      // the next set() reports the failure
    }
  }

  async close(): Promise<void> {}

  private write(line: RecordLine): void {
    appendFileSync(this.file, `${JSON.stringify(line)}\n`);
  }
}

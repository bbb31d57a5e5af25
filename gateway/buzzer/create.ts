import { join } from 'node:path';
import type { Annunciator } from './annunciator.js';
import { NoAnnunciator } from './annunciator.js';
import { GpioAnnunciator } from './gpio.js';
import { RecordAnnunciator } from './record.js';

/** The `buzzer:` section of the config (config/schema.ts). */
export interface BuzzerConfig {
  backend: 'gpio' | 'none' | 'record';
  gpio: { chip: string; line: number; command: string; activeLow: boolean };
  record: { file?: string | undefined };
}

/** The annunciator the config names; the record file defaults to `<dataDir>/buzzer.jsonl`. */
export function createAnnunciator(c: BuzzerConfig, dataDir: string): Annunciator {
  if (c.backend === 'gpio') return new GpioAnnunciator(c.gpio);
  if (c.backend === 'record') return new RecordAnnunciator(c.record.file ?? join(dataDir, 'buzzer.jsonl'));
  return new NoAnnunciator();
}

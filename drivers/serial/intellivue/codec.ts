/**
 * Stateful stream decoder for `wardgate decode --codec intellivue --hex`: feed wire bytes in any chunking, get one
 * DecodeResult per poll-result frame (readings) and per bad frame (error). Association traffic and MDS Create only
 * update the decoder's state (clock anchor), they produce no result.
 *
 * The monitor's own alarms (DevAlarmList entries) are NOT mixed into `items`: they are returned in the separate
 * `deviceAlarms` list of each result, so the screen can show them beside the gateway's alarms.
 */
import type { SessionDialect } from '../dialect.js';
import type { DecodeResult } from '../../core/observation.js';
import { FrameReader, type FrameReaderStats } from './framing.js';
import { ATTR, parseMessage } from './messages.js';
import { decodePollResult, type DeviceAlarm, type PollDecodeContext } from './poll-data.js';
import { parseHexLine } from '../../core/hex.js';
import { RelativeClock, decodeAbsoluteTime } from './time.js';

export interface IntellivueDecodeResult extends DecodeResult {
  deviceAlarms?: DeviceAlarm[];
}

export interface IntellivueDecoder {
  push(chunk: Uint8Array): IntellivueDecodeResult[];
  /** One line of hex (spaces, colons and 0x prefixes allowed); a bad line gives one error result. */
  pushHex(line: string): IntellivueDecodeResult[];
  readonly stats: FrameReaderStats & { pollResults: number; observations: number; skippedValues: number };
}

export interface DecoderOptions {
  maxUserData?: number;
  utcOffsetMinutes?: number;
}

export function clockFromMdsAttributes(attrs: { id: number; value: Uint8Array }[], utcOffsetMinutes?: number): RelativeClock | undefined {
  const abs = attrs.find((a) => a.id === ATTR.TIME_ABS);
  const rel = attrs.find((a) => a.id === ATTR.TIME_REL);
  if (!abs || !rel || rel.value.length < 4) return undefined;
  const absMs = decodeAbsoluteTime(abs.value, utcOffsetMinutes);
  if (absMs === undefined) return undefined;
  const v = rel.value;
  const ticks = (((v[0] as number) << 24) | ((v[1] as number) << 16) | ((v[2] as number) << 8) | (v[3] as number)) >>> 0;
  return new RelativeClock(ticks, absMs);
}

export function createIntellivueDecoder(opts: DecoderOptions = {}): IntellivueDecoder {
  const reader = new FrameReader({ maxUserData: opts.maxUserData ?? 1500 });
  const ctx: PollDecodeContext = { labels: new Map() };
  if (opts.utcOffsetMinutes !== undefined) ctx.utcOffsetMinutes = opts.utcOffsetMinutes;
  const extra = { pollResults: 0, observations: 0, skippedValues: 0 };

  function push(chunk: Uint8Array): IntellivueDecodeResult[] {
    const out: IntellivueDecodeResult[] = [];
    for (const ev of reader.push(chunk)) {
      if (ev.kind === 'error') {
        out.push({ items: [], error: `frame ${ev.error}` });
        continue;
      }
      const msg = parseMessage(ev.userData);
      if (msg.kind === 'malformed') {
        out.push({ items: [], error: msg.error });
      } else if (msg.kind === 'mds-create') {
        const clock = clockFromMdsAttributes(msg.attributes, ctx.utcOffsetMinutes);
        if (clock) ctx.clock = clock;
        else delete ctx.clock;
        ctx.labels.clear();
      } else if (msg.kind === 'poll-result') {
        extra.pollResults++;
        const d = decodePollResult(msg, ctx);
        extra.observations += d.readings.length;
        extra.skippedValues += d.skipped;
        const r: IntellivueDecodeResult = {
          items: [...d.readings.map((x) => ({ kind: 'reading' as const, ...x })), ...d.unmapped.map((x) => ({ kind: 'unmapped' as const, ...x }))],
        };
        if (d.deviceAlarms.length) r.deviceAlarms = d.deviceAlarms;
        if (d.errors.length) r.error = d.errors.join('; ');
        out.push(r);
      }
    }
    return out;
  }

  return {
    push,
    pushHex(line: string): IntellivueDecodeResult[] {
      const bytes = parseHexLine(line);
      if (!bytes) return [{ items: [], error: 'not a hex line' }];
      return bytes.length === 0 ? [] : push(bytes);
    },
    get stats() {
      return { ...reader.stats, ...extra };
    },
  };
}

/** Philips IntelliVue MIB/RS232 data export: a session protocol with its own driver (intellivue/driver.ts). */
export const intellivueDialect: SessionDialect = {
  kind: 'session',
  name: 'intellivue',
  summary: 'Philips IntelliVue MIB/RS232 Data Export (association, polls); own driver, `decode --hex` for wire dumps',
  createDecoder: () => createIntellivueDecoder(),
};

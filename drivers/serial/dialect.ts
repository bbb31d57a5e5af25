import { LineFramer } from '../core/line-framer.js';
import type { AlertEvent } from '../core/device-alarm-list.js';
import type { DecodeResult, DeviceAlarmReport } from '../core/observation.js';

/**
 * What a serial dialect is, in three shapes:
 *  - 'line': one text line per record; the shared LineFramer splits at CR/LF and caps the length.
 *  - 'bytes': frames cut from the raw byte stream by the dialect's own framer (HL7 MLLP, STX/ETX...).
 *  - 'session': a request/response protocol with its own driver (Philips IntelliVue); the registry knows it
 *    for config validation and `wardgate decode`, the driver is built in gateway/drivers.ts.
 * SerialDriver runs 'line' and 'bytes' dialects; it knows no dialect by name.
 */
export interface LineDialect {
  kind: 'line';
  name: string;
  /** One line for docs/architecture.md's table: the device and the source of the format. */
  summary: string;
  /** Longest accepted line in bytes. */
  maxLineBytes: number;
  encoding: BufferEncoding;
  createFramer(): LineFramer;
  /**
   * One line's items; for a device whose every line states its alarms (the Masimo ALARM field), also the device's
   * whole alarm list (empty: none), which the driver passes on as the device's own alarms.
   */
  decodeLine(line: string): DecodeResult & { deviceAlarms?: DeviceAlarmReport[] };
}

export interface ByteFramer {
  push(chunk: Buffer): Buffer[];
  /** End of input (or idle): returns what a self-delimiting framer still holds. */
  flush(): Buffer[];
  /**
   * True while a record can only end at an idle gap (HL7 without MLLP): the driver then calls flush() after
   * the port has been quiet for the idle time.
   */
  readonly endsAtIdle?: boolean;
}

/** What a dialect that answers the device returns for one frame. */
export interface FrameExchange {
  result: DecodeResult;
  /** Bytes to write back to the device (already framed as the device framed), if any. */
  reply?: Buffer;
  /** Readings in the frame that were read but not taken (a bad value, a wrong unit), for the gateway to count and log. */
  rejected?: Array<{ reason: string; text: string }>;
  /** The device's own alarms as the frame lists them (an empty list: none), when it says anything about them. */
  deviceAlarms?: DeviceAlarmReport[];
  /** Single alerts started, updated or ended (HL7 ORU^R40); the driver keeps the device's list (DeviceAlertList). */
  alertEvents?: AlertEvent[];
}

export interface ByteDialect<F extends ByteFramer = ByteFramer> {
  kind: 'bytes';
  name: string;
  summary: string;
  maxFrameBytes: number;
  createFramer(): F;
  /** For the decode tool also the device alarms the frame carries (HL7 alarm rows, R40 alert reports), when any. */
  decodeFrame(frame: Buffer): DecodeResult & { deviceAlarms?: unknown[] };
  /**
   * For dialects that answer the device (the HL7 ACK): decodes `frame` and says what to write back. When
   * present, SerialDriver calls this instead of decodeFrame; `framer` is the port's own framer (its state
   * tells how the device framed).
   */
  reply?(frame: Buffer, framer: F): FrameExchange;
}

/** A stateful stream decoder for the `wardgate decode` tool (session dialects). */
export interface StreamDecoder {
  push(chunk: Uint8Array): (DecodeResult & { deviceAlarms?: unknown[] })[];
  pushHex(line: string): (DecodeResult & { deviceAlarms?: unknown[] })[];
}

export interface SessionDialect {
  kind: 'session';
  name: string;
  summary: string;
  createDecoder(): StreamDecoder;
}

// A ByteDialect<F> with a narrower framer is assignable here (method parameters are bivariant); the driver only
// ever hands a dialect the framer that dialect created.
export type SerialDialect = LineDialect | ByteDialect | SessionDialect;

/** A line dialect over the shared LineFramer. */
export function lineDialect(d: Omit<LineDialect, 'kind' | 'createFramer'>): LineDialect {
  return { kind: 'line', ...d, createFramer: () => new LineFramer({ maxLineBytes: d.maxLineBytes, encoding: d.encoding }) };
}

/**
 * IntelliVue MIB/RS232 framing (fixed-baud protocol).
 *
 *   BOF 0xC0 | protocol_id 0x11 | msg_type 0x01 | length u16 BE | user data | FCS (2, LSB first) | EOF 0xC1
 *
 * Facts (source keys in docs/intellivue.md):
 * - `length` counts the user data only [VSC Class3.cs WriteBuffer; ML PhilipsIntellivueFrameHeader.cs].
 * - Transparency: 0xC0, 0xC1, 0x7D between BOF and EOF become 0x7D, byte^0x20; it covers header, data and FCS
 *   [ML TransparencyByteUnescapedStream.Escape; OI IntellivueByteSplitter / TestFCSOutputStream].
 * - 0x7D 0xC1 aborts the frame in progress [VSC Class2.cs FrameAbort; PDG TOC "Frame Abort"]; a BOF inside an
 *   unfinished frame discards it [ML TransparencyByteUnescapedStream].
 * - FCS: PPP FCS-16 (RFC 1662), reflected poly 0x8408, init 0xFFFF, ones' complement sent LSB first; the residue
 *   over header + data + FCS is 0xF0B8 [ML CrcCcittFcsAlgorithm.cs; OI FCSOutputStream.java]. This is the catalogue
 *   CRC-16/X-25 (check value 0x906E over "123456789").
 * - RS232 MTU is at most 1000 bytes of user data [ML PollProfileSupport.MaxAllowedRs232Mtu].
 */

export const BOF = 0xc0;
export const EOF = 0xc1;
export const ESC = 0x7d;
export const ESC_XOR = 0x20;
export const PROTOCOL_ID_DATA_EXPORT = 0x11;
export const MSG_TYPE_AS_DATA_EXPORT = 0x01;
export const HEADER_LENGTH = 4;
export const FCS_LENGTH = 2;
/** PPP "good FCS" residue [RFC 1662 §C.2]. */
export const FCS_GOOD_RESIDUE = 0xf0b8;
export const DEFAULT_MAX_USER_DATA = 1000;

/** RFC 1662 §C.2 lookup table for the reflected polynomial 0x8408, computed once. */
const FCS_TABLE: Uint16Array = (() => {
  const t = new Uint16Array(256);
  for (let b = 0; b < 256; b++) {
    let v = b;
    for (let i = 0; i < 8; i++) v = v & 1 ? (v >>> 1) ^ 0x8408 : v >>> 1;
    t[b] = v;
  }
  return t;
})();

/** Runs the FCS register over `bytes`, starting from `fcs` (0xFFFF for a new frame). No final complement. */
export function fcsUpdate(fcs: number, bytes: Uint8Array, start = 0, end = bytes.length): number {
  let r = fcs & 0xffff;
  for (let i = start; i < end; i++) r = (r >>> 8) ^ (FCS_TABLE[(r ^ (bytes[i] as number)) & 0xff] as number);
  return r;
}

/** CRC-16/X-25: init 0xFFFF, reflected, final XOR 0xFFFF. This is the FCS value that goes on the wire. */
export function crc16X25(bytes: Uint8Array): number {
  return fcsUpdate(0xffff, bytes) ^ 0xffff;
}

function needsEscape(b: number): boolean {
  return b === BOF || b === EOF || b === ESC;
}

/** Builds one complete wire frame around `userData`: header, FCS (LSB first), transparency, BOF/EOF. */
export function encodeFrame(userData: Uint8Array): Buffer {
  if (userData.length > 0xffff) throw new RangeError('user data longer than 65535 bytes');
  const raw = Buffer.alloc(HEADER_LENGTH + userData.length + FCS_LENGTH);
  raw[0] = PROTOCOL_ID_DATA_EXPORT;
  raw[1] = MSG_TYPE_AS_DATA_EXPORT;
  raw.writeUInt16BE(userData.length, 2);
  raw.set(userData, HEADER_LENGTH);
  const fcs = fcsUpdate(0xffff, raw, 0, HEADER_LENGTH + userData.length) ^ 0xffff;
  raw[HEADER_LENGTH + userData.length] = fcs & 0xff;
  raw[HEADER_LENGTH + userData.length + 1] = fcs >>> 8;
  let escapes = 0;
  for (const b of raw) if (needsEscape(b)) escapes++;
  const out = Buffer.alloc(raw.length + escapes + 2);
  let o = 0;
  out[o++] = BOF;
  for (const b of raw) {
    if (needsEscape(b)) {
      out[o++] = ESC;
      out[o++] = b ^ ESC_XOR;
    } else out[o++] = b;
  }
  out[o++] = EOF;
  return out;
}

export type FrameError = 'bad-fcs' | 'abort' | 'truncated' | 'oversize' | 'bad-header' | 'bad-length' | 'short';

export type FrameEvent = { kind: 'frame'; userData: Buffer } | { kind: 'error'; error: FrameError };

export interface FrameReaderStats {
  frames: number;
  badFcs: number;
  aborts: number;
  truncated: number;
  oversize: number;
  badHeader: number;
  /** Bytes seen outside any frame (line noise before a BOF). */
  noiseBytes: number;
}

/**
 * Incremental frame reader: feed it serial chunks in any split, get complete verified frames back.
 * Never throws on input; every bad frame is counted and reported as an error event.
 */
export class FrameReader {
  readonly stats: FrameReaderStats = { frames: 0, badFcs: 0, aborts: 0, truncated: 0, oversize: 0, badHeader: 0, noiseBytes: 0 };
  private readonly buf: Buffer;
  private len = 0;
  private inFrame = false;
  private escaped = false;
  /** After an oversize frame, ignore bytes until the next BOF. */
  private discarding = false;
  private readonly maxUnescaped: number;

  constructor(opts: { maxUserData?: number } = {}) {
    const maxUserData = opts.maxUserData ?? DEFAULT_MAX_USER_DATA;
    this.maxUnescaped = HEADER_LENGTH + maxUserData + FCS_LENGTH;
    this.buf = Buffer.alloc(this.maxUnescaped);
  }

  push(chunk: Uint8Array): FrameEvent[] {
    const events: FrameEvent[] = [];
    const n = chunk.length;
    let i = 0;
    while (i < n) {
      // Inside a frame with no escape pending, a run of ordinary bytes is copied at once (most of every frame).
      if (this.inFrame && !this.escaped && !this.discarding) {
        let j = i;
        while (j < n) {
          const c = chunk[j] as number;
          if (c === BOF || c === EOF || c === ESC) break;
          j++;
        }
        if (j > i) {
          if (this.len + (j - i) <= this.maxUnescaped) {
            this.buf.set(chunk.subarray(i, j), this.len);
            this.len += j - i;
          } else for (let k = i; k < j && !this.discarding; k++) this.append(chunk[k] as number, events);
          i = j;
          continue;
        }
      }
      const b = chunk[i++] as number;
      if (b === BOF) {
        if (this.inFrame && (this.len > 0 || this.escaped)) {
          this.stats.truncated++;
          events.push({ kind: 'error', error: 'truncated' });
        }
        this.startFrame();
        continue;
      }
      if (!this.inFrame) {
        this.stats.noiseBytes++;
        continue;
      }
      if (this.discarding) {
        if (b === EOF) this.reset();
        continue;
      }
      if (this.escaped) {
        this.escaped = false;
        if (b === EOF) {
          this.stats.aborts++;
          events.push({ kind: 'error', error: 'abort' });
          this.reset();
          continue;
        }
        this.append(b ^ ESC_XOR, events);
        continue;
      }
      if (b === ESC) {
        this.escaped = true;
        continue;
      }
      if (b === EOF) {
        events.push(this.finish());
        this.reset();
        continue;
      }
      this.append(b, events);
    }
    return events;
  }

  private append(b: number, events: FrameEvent[]): void {
    if (this.len >= this.maxUnescaped) {
      this.stats.oversize++;
      events.push({ kind: 'error', error: 'oversize' });
      this.discarding = true;
      this.len = 0;
      return;
    }
    this.buf[this.len++] = b;
  }

  private finish(): FrameEvent {
    const n = this.len;
    if (n < HEADER_LENGTH + FCS_LENGTH) {
      this.stats.badHeader++;
      return { kind: 'error', error: 'short' };
    }
    if (fcsUpdate(0xffff, this.buf, 0, n) !== FCS_GOOD_RESIDUE) {
      this.stats.badFcs++;
      return { kind: 'error', error: 'bad-fcs' };
    }
    if (this.buf[0] !== PROTOCOL_ID_DATA_EXPORT || this.buf[1] !== MSG_TYPE_AS_DATA_EXPORT) {
      this.stats.badHeader++;
      return { kind: 'error', error: 'bad-header' };
    }
    const declared = this.buf.readUInt16BE(2);
    if (declared !== n - HEADER_LENGTH - FCS_LENGTH) {
      this.stats.badHeader++;
      return { kind: 'error', error: 'bad-length' };
    }
    this.stats.frames++;
    return { kind: 'frame', userData: Buffer.from(this.buf.subarray(HEADER_LENGTH, n - FCS_LENGTH)) };
  }

  private startFrame(): void {
    this.inFrame = true;
    this.len = 0;
    this.escaped = false;
    this.discarding = false;
  }

  private reset(): void {
    this.inFrame = false;
    this.len = 0;
    this.escaped = false;
    this.discarding = false;
  }
}

import type { DecodeResult } from '../../core/observation.js';
import { canonicalUnit, isParamName, isPlausible } from '../../core/parameters.js';
import type { ByteDialect, ByteFramer } from '../dialect.js';

/**
 * A test-fixture serial dialect (test support, not registered in production): frames are STX (0x02) ... ETX
 * (0x03) around ASCII `param=value` pairs separated by commas, e.g. "\x02hr=72,spo2=97\x03". Bytes outside a
 * frame are line noise and dropped. The device expects ACK (0x06) for a good frame and NAK (0x15) for a bad one,
 * the handshake of many ASTM-style instruments. It exists to prove that SerialDriver frames, decodes and
 * answers with the dialect's own parts, not HL7's.
 */
export const STX = 0x02;
export const ETX = 0x03;
export const ACK = 0x06;
export const NAK = 0x15;

export class StxEtxFramer implements ByteFramer {
  private buf: number[] | undefined;
  dropped = 0;
  constructor(private readonly maxFrameBytes: number) {}

  push(chunk: Buffer): Buffer[] {
    const out: Buffer[] = [];
    for (const b of chunk) {
      if (b === STX) {
        if (this.buf) this.dropped++; // a new STX abandons an unterminated frame
        this.buf = [];
      } else if (this.buf && b === ETX) {
        out.push(Buffer.from(this.buf));
        this.buf = undefined;
      } else if (this.buf) {
        if (this.buf.length >= this.maxFrameBytes) {
          this.dropped++;
          this.buf = undefined;
        } else this.buf.push(b);
      }
    }
    return out;
  }

  flush(): Buffer[] {
    if (this.buf) this.dropped++;
    this.buf = undefined;
    return [];
  }
}

export function decodeStxEtxFrame(frame: Buffer): DecodeResult {
  const result: DecodeResult = { items: [] };
  for (const pair of frame.toString('latin1').split(',')) {
    const [name, raw] = pair.split('=');
    const value = Number(raw);
    if (!name || !isParamName(name) || raw === undefined || raw.trim() === '' || !isPlausible(name, value))
      return { items: [], error: `stx-etx: bad pair ${JSON.stringify(pair)}` };
    result.items.push({ kind: 'reading', param: name, value, unit: canonicalUnit(name) });
  }
  return result;
}

export function stxEtxDialect(name = 'stx-etx-fixture'): ByteDialect<StxEtxFramer> {
  return {
    kind: 'bytes',
    name,
    summary: 'test fixture: STX param=value,... ETX, answered with ACK or NAK',
    maxFrameBytes: 256,
    createFramer: () => new StxEtxFramer(256),
    decodeFrame: decodeStxEtxFrame,
    reply(frame) {
      const result = decodeStxEtxFrame(frame);
      return { result, reply: Buffer.of(result.error === undefined ? ACK : NAK) };
    },
  };
}

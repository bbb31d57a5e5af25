import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { hl7Dialect } from './dialect.js';
import { component, findSegment, parseHl7, type Hl7Message } from './message.js';
import { MllpFramer } from './mllp.js';
import { buildHl7Query, hl7QueryPoll, readIncomingAck } from './query.js';
import { Hl7StreamFramer } from './stream-framer.js';

/**
 * The guide's QRY example (Philips, *Efficia CM Series Data Export Guide*, "Query (QRY) Message Syntax": the MSH line
 * of p. 3-5 and the QRD line of p. 3-7; p. 3-5 prints the same QRD with its year mistyped as 2012). `<CR>` is the
 * guide's notation for the carriage return.
 */
const GUIDE_QRY = 'MSH|^~\\&|||||20140510124500||QRY^R02|EXAMPLE123|P|2.4<CR>QRD|20140510124500|R|I|QUERY123|||||STA<CR>'.replace(/<CR>/g, '\r');

/** The guide's ORF^R04 example (p. 3-10), as philips-efficia.test.ts reads it. */
const orfText = readFileSync(new URL('../../../test/fixtures/captures/philips-efficia-cm-orf-r04-manual-example.txt', import.meta.url), 'utf8');
const ORF = orfText.replace(/\n/g, '').replace(/<CR>/g, '\r');

function parsed(text: string): Hl7Message {
  const m = parseHl7(text);
  if ('error' in m) throw new Error(m.error);
  return m;
}

describe('the QRY^R02 builder', () => {
  it('writes the guide\'s example byte for byte from its fields', () => {
    const q = buildHl7Query({ now: new Date(Date.UTC(2014, 4, 10, 12, 45, 0)), controlId: 'EXAMPLE123', queryId: 'QUERY123', filter: 'STA' });
    expect(q).toBe(GUIDE_QRY);
  });

  it('puts the configured filter in QRD-9 and nothing in the fields the guide does not list', () => {
    const m = parsed(buildHl7Query({ now: new Date(Date.UTC(2026, 11, 5, 3, 4, 5)), controlId: 'WG00000001', queryId: 'WG00000001', filter: 'RES' }));
    expect(m.segments.map((s) => s.id)).toEqual(['MSH', 'QRD']);
    const qrd = findSegment(m, 'QRD');
    expect(qrd?.fields).toEqual(['QRD', '20261205030405', 'R', 'I', 'WG00000001', '', '', '', '', 'RES']);
    expect(findSegment(m, 'MSH')?.fields.slice(3)).toEqual(['', '', '', '', '20261205030405', '', 'QRY^R02', 'WG00000001', 'P', '2.4']);
  });

  it('refuses ids the guide does not allow (empty query id; longer than QRD-4\'s 10 or MSH-10\'s 20 characters; a delimiter)', () => {
    const base = { now: new Date(0), controlId: 'C1', queryId: 'Q1', filter: 'STA' as const };
    expect(() => buildHl7Query({ ...base, queryId: '' })).toThrow(/query id/);
    expect(() => buildHl7Query({ ...base, queryId: 'Q1234567890' })).toThrow(/query id/);
    expect(() => buildHl7Query({ ...base, controlId: 'C'.repeat(21) })).toThrow(/control id/);
    expect(() => buildHl7Query({ ...base, controlId: 'C|1' })).toThrow(/control id/);
  });
});

describe('the poll', () => {
  it('frames each query in MLLP (<VT> ... <FS><CR>, guide p. 3-3) with a new control id and the same query id', () => {
    const poll = hl7QueryPoll({ everySeconds: 60, filter: 'RES', now: () => new Date(Date.UTC(2026, 0, 2, 3, 4, 5)) });
    expect(poll.everyMs).toBe(60_000);
    const framer = new MllpFramer();
    const frames = [poll.next(), poll.next()].flatMap((b) => {
      expect(b[0]).toBe(0x0b);
      expect([...b.subarray(-2)]).toEqual([0x1c, 0x0d]);
      return framer.push(b);
    });
    expect(frames).toHaveLength(2);
    const ids = frames.map((f) => {
      const m = parsed(f.toString('latin1'));
      const controlId = component(m, findSegment(m, 'MSH'), 10);
      expect(component(m, findSegment(m, 'QRD'), 4)).toBe(controlId);
      expect(component(m, findSegment(m, 'QRD'), 9)).toBe('RES');
      expect(controlId.length).toBeLessThanOrEqual(10);
      return controlId;
    });
    expect(ids).toEqual(['WG00000001', 'WG00000002']);
  });
});

describe('what comes back on the port (guide, "Flow of Events", p. 3-2)', () => {
  const reply = (text: string) => {
    const framer = new Hl7StreamFramer({ maxFrameBytes: 65536 });
    const frames = framer.push(Buffer.from(`\x0b${text}\x1c\r`, 'latin1'));
    expect(frames).toHaveLength(1);
    return hl7Dialect.reply!(frames[0]!, framer);
  };

  it('an ORF^R04 is decoded and answered with a positive ACK naming the ORF (p. 3-26: MSA-2 the ORF\'s control id)', () => {
    const out = reply(ORF);
    expect(out.result.items.length).toBe(7);
    const ack = parsed(out.reply!.subarray(1, -2).toString('latin1'));
    expect(component(ack, findSegment(ack, 'MSA'), 1)).toBe('AA');
    expect(component(ack, findSegment(ack, 'MSA'), 2)).toBe('MONITORABC000000002D');
  });

  // Built in the form of the guide's ACK (MSH of p. 3-25, MSA codes AA/AR/AE of p. 3-26), not an example the guide prints.
  const nack = 'MSH|^~\\&|^EfficiaCM||||20140510124500||ACK^^ACK_ALL|MONITORABC000000003D|P|2.4\rMSA|AE|WG00000007|No data to export\r';

  it('a negative ACK is not answered and is reported once as query-refused, with the query it refuses', () => {
    const out = reply(nack);
    expect(out.reply).toBeUndefined();
    expect(out.result).toEqual({ items: [] });
    expect(out.rejected).toEqual([{ reason: 'query-refused', text: 'AE to WG00000007: No data to export' }]);
  });

  it('a positive ACK is neither answered nor reported', () => {
    const out = reply(nack.replace('MSA|AE|', 'MSA|AA|'));
    expect(out.reply).toBeUndefined();
    expect(out.rejected).toEqual([]);
  });

  it('reads only ACKs as ACKs', () => {
    expect(readIncomingAck(ORF)).toBeUndefined();
    expect(readIncomingAck(GUIDE_QRY)).toBeUndefined();
    expect(readIncomingAck('garbage')).toBeUndefined();
    expect(readIncomingAck(nack)).toEqual({ code: 'AE', controlId: 'WG00000007', text: 'No data to export' });
  });
});

import { describe, expect, it } from 'vitest';
import { pcd01Message } from './fixtures.js';
import { decodeHl7Message } from './oru.js';

const NOW = new Date(Date.UTC(2024, 2, 1, 10, 15, 1));
const ack = (msh15: string, msh16: string, broken = false) => {
  let text = pcd01Message({ controlId: 'CTRL-9', msh15, msh16 });
  if (broken) text = text.replace('ORU^R01^ORU_R01', 'QRY^Q01');
  return decodeHl7Message(text, { now: NOW }).ack;
};

describe('HL7 ACK (v2.5.1 2.9)', () => {
  it('original mode (MSH-15/16 empty): AA echoing the control id, sender and receiver swapped', () => {
    expect(ack('', '')).toBe('MSH|^~\\&|||MONITOR^ACDE48234567ABCD^EUI-64|WARD7|20240301101501+0000||ACK^R01^ACK|ACTRL-9|P|2.6\rMSA|AA|CTRL-9\r');
  });
  it('original mode, unsupported type: AR with the reason and an ERR naming MSH-9 with HL7 code 200', () => {
    expect(ack('', '', true)).toMatch(/\rMSA\|AR\|CTRL-9\|unsupported message type "QRY\\S\\Q01"\rERR\|\|MSH\^1\^9\|200\^Unsupported message type\^HL70357\|E\|/);
  });
  it('enhanced mode honours MSH-16 (application ack) AL/NE/ER/SU', () => {
    expect(ack('NE', 'AL')).toMatch(/MSA\|AA\|CTRL-9/);
    expect(ack('NE', 'NE')).toBeUndefined();
    expect(ack('NE', 'ER')).toBeUndefined();
    expect(ack('NE', 'ER', true)).toMatch(/MSA\|AR\|CTRL-9/);
    expect(ack('NE', 'SU')).toMatch(/MSA\|AA\|CTRL-9/);
    expect(ack('NE', 'SU', true)).toBeUndefined();
  });
  it('enhanced mode with only MSH-15 gives a commit ACK (CA/CE)', () => {
    expect(ack('AL', '')).toMatch(/MSA\|CA\|CTRL-9/);
    expect(ack('AL', 'NE', true)).toMatch(/MSA\|CR\|CTRL-9/);
    expect(ack('ER', '')).toBeUndefined();
  });
  it('rejects a training or debugging message (MSH-11) and an unsupported version (MSH-12) with AR', () => {
    const t = decodeHl7Message(pcd01Message({ controlId: 'T1' }).replace('|P|2.6|', '|T|2.6|'), { now: NOW });
    expect(t.ack).toMatch(/MSA\|AR\|T1\|.*\rERR\|\|MSH\^1\^11\|202\^/);
    expect(t.result.items).toEqual([]);
    const v = decodeHl7Message(pcd01Message({ controlId: 'V1' }).replace('|P|2.6|', '|P|3.0|'), { now: NOW });
    expect(v.ack).toMatch(/MSA\|AR\|V1\|.*\rERR\|\|MSH\^1\^12\|203\^/);
  });
  it('answers a readable MSH followed by a broken segment with AE and its control id, garbage with AR and an empty MSA-2', () => {
    const broken = decodeHl7Message(pcd01Message({ controlId: 'B1' }).replace('PV1|', 'P!1|'), { now: NOW });
    expect(broken.ack).toMatch(/\rMSA\|AE\|B1\|bad segment.*\rERR\|\|P\?1\^3\|100\^Segment sequence error\^HL70357\|E/);
    const garbage = decodeHl7Message(Buffer.from([0xff, 0x00, 0x41, 0x42]), { now: NOW });
    expect(garbage.ack).toMatch(/\rMSA\|AR\|\|no MSH segment\r/);
  });
  it('answers AE with one ERR per rejected OBX when no reading was usable, AA when some were', () => {
    const none = decodeHl7Message(pcd01Message({ controlId: 'R1', obx: [
      'OBX|1|NM|150456^MDC_PULS_OXIM_SAT_O2^MDC|1.1.1.150456|97|266016^MDC_DIM_MMHG^MDC|||||F',
      'OBX|2|NM|147842^MDC_ECG_HEART_RATE^MDC|1.2.1.147842|abc|264864^MDC_DIM_BEAT_PER_MIN^MDC|||||F',
    ] }), { now: NOW });
    expect(none.verdict).toBe('error');
    expect(none.rejected.map((r) => r.reason)).toEqual(['wrong-unit', 'not-a-number']);
    const segs = none.ack!.split('\r');
    expect(segs[1]).toMatch(/^MSA\|AE\|R1\|/);
    expect(segs[2]).toMatch(/^ERR\|\|OBX\^1\^6\|103\^Table value not found\^HL70357\|E\|/);
    expect(segs[3]).toMatch(/^ERR\|\|OBX\^2\^5\|102\^Data type error\^HL70357\|E\|/);
    const some = decodeHl7Message(pcd01Message({ controlId: 'R2', obx: [
      'OBX|1|NM|150456^MDC_PULS_OXIM_SAT_O2^MDC|1.1.1.150456|97|262688^MDC_DIM_PERCENT^MDC|||||F',
      'OBX|2|NM|147842^MDC_ECG_HEART_RATE^MDC|1.2.1.147842|abc|264864^MDC_DIM_BEAT_PER_MIN^MDC|||||F',
    ] }), { now: NOW });
    expect(some.ack).toMatch(/\rMSA\|AA\|R2\r$/);
    expect(some.rejected).toHaveLength(1);
  });
});

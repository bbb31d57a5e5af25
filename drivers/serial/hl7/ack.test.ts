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
  it('original mode error: AE with the reason', () => {
    expect(ack('', '', true)).toMatch(/\rMSA\|AE\|CTRL-9\|unsupported message type "QRY\\S\\Q01"\r$/);
  });
  it('enhanced mode honours MSH-16 (application ack) AL/NE/ER/SU', () => {
    expect(ack('NE', 'AL')).toMatch(/MSA\|AA\|CTRL-9/);
    expect(ack('NE', 'NE')).toBeUndefined();
    expect(ack('NE', 'ER')).toBeUndefined();
    expect(ack('NE', 'ER', true)).toMatch(/MSA\|AE\|CTRL-9/);
    expect(ack('NE', 'SU')).toMatch(/MSA\|AA\|CTRL-9/);
    expect(ack('NE', 'SU', true)).toBeUndefined();
  });
  it('enhanced mode with only MSH-15 gives a commit ACK (CA/CE)', () => {
    expect(ack('AL', '')).toMatch(/MSA\|CA\|CTRL-9/);
    expect(ack('AL', 'NE', true)).toMatch(/MSA\|CE\|CTRL-9/);
    expect(ack('ER', '')).toBeUndefined();
  });
});

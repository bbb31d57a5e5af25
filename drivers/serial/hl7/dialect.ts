import type { ByteDialect } from '../dialect.js';
import { encodeMllp } from './mllp.js';
import { decodeHl7Message, hl7Answer, type Hl7Decoded } from './oru.js';
import { readIncomingAck } from './query.js';
import { Hl7StreamFramer } from './stream-framer.js';

const MAX_FRAME_BYTES = 256 * 1024;

/** How the sender framed its message, and so how its answer is framed: MLLP blocks, or plain CR segments. */
export type Hl7Framing = 'mllp' | 'plain';

/** What an answer is built from: the decoded message with the verdict on it (the decoder's, or the transport's own). */
export type Hl7Verdict = Pick<Hl7Decoded, 'header' | 'verdict' | 'errors' | 'result'>;

/**
 * The HL7 dialect: a byte dialect for the serial port, plus the two steps every HL7 transport (the serial port, the
 * MLLP listener) decodes and answers through, so both answer a message the same way.
 */
export interface Hl7Dialect extends ByteDialect<Hl7StreamFramer> {
  /** Decodes one message (readings, sender, bed, control id, verdict) without building its answer. */
  decodeMessage(frame: Buffer): Hl7Decoded;
  /**
   * The answer hook: the ACK the verdict calls for (HL7 v2.5.1 chapter 2, 2.9: MSH-15/16 decide whether and which),
   * as bytes framed as the sender framed; undefined when the sender asked for no answer.
   */
  answer(message: Hl7Verdict, framing: Hl7Framing): Buffer | undefined;
}

/**
 * HL7 v2 ORU^R01 (and ORU^R40 alert reports, IHE PCD-04) over serial, MLLP-framed or plain CR segments (the framer decides on the first byte). The
 * ACK the sender asks for (MSH-15/16, HL7 v2.5.1 ch. 2.9) goes back framed as the sender framed.
 */
export const hl7Dialect: Hl7Dialect = {
  kind: 'bytes',
  name: 'hl7',
  summary: 'HL7 v2 ORU^R01 (IHE PCD-01) and ORU^R40 alert reports (IHE PCD-04), MLLP or plain CR segments; ACKs sent back',
  maxFrameBytes: MAX_FRAME_BYTES,
  createFramer: () => new Hl7StreamFramer({ maxFrameBytes: MAX_FRAME_BYTES }),
  decodeFrame(frame) {
    const d = decodeHl7Message(frame, { ack: false });
    // An R40's alerts as the decode tool shows them: each with whether the device ended it.
    const alarms = [...(d.deviceAlarms ?? []), ...(d.alertEvents ?? []).map((e) => ({ ...e.alarm, alert: e.key, ended: !e.active }))];
    return alarms.length > 0 ? { ...d.result, deviceAlarms: alarms } : d.result;
  },
  decodeMessage: (frame) => decodeHl7Message(frame, { ack: false }),
  answer(message, framing) {
    const ack = hl7Answer(message);
    if (ack === undefined) return undefined;
    return framing === 'mllp' ? encodeMllp(ack) : Buffer.from(ack);
  },
  reply(frame, framer) {
    // An ACK from the device (a monitor refusing a query: Efficia CM Data Export Guide, "Flow of Events", p. 3-2) is
    // never answered (HL7 v2.5.1 2.9: an acknowledgment is not acknowledged); a negative one is reported, and the
    // port goes on.
    const ack = frame.length < 4096 ? readIncomingAck(frame.toString('latin1')) : undefined;
    if (ack) {
      const refused = ack.code !== 'AA' && ack.code !== 'CA';
      return { result: { items: [] }, rejected: refused ? [{ reason: 'query-refused', text: `${ack.code || '(no MSA-1)'} to ${ack.controlId || '(no MSA-2)'}${ack.text ? `: ${ack.text}` : ''}` }] : [] };
    }
    const d = this.decodeMessage(frame);
    const rejected = d.rejected.map((r) => ({ reason: r.reason, text: r.text }));
    const out = {
      result: d.result,
      rejected,
      ...(d.deviceAlarms ? { deviceAlarms: d.deviceAlarms } : {}),
      ...(d.alertEvents ? { alertEvents: d.alertEvents } : {}),
    };
    const reply = this.answer(d, framer.mode === 'mllp' ? 'mllp' : 'plain');
    return reply === undefined ? out : { ...out, reply };
  },
};

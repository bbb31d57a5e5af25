import type { ByteDialect } from '../dialect.js';
import { encodeMllp } from './mllp.js';
import { decodeHl7, decodeHl7Message, hl7Answer, type Hl7Decoded } from './oru.js';
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
 * HL7 v2 ORU^R01 over serial, MLLP-framed or plain CR segments (the framer decides on the first byte). The
 * ACK the sender asks for (MSH-15/16, HL7 v2.5.1 ch. 2.9) goes back framed as the sender framed.
 */
export const hl7Dialect: Hl7Dialect = {
  kind: 'bytes',
  name: 'hl7',
  summary: 'HL7 v2 ORU^R01 (IHE PCD-01), MLLP or plain CR segments; ACKs sent back',
  maxFrameBytes: MAX_FRAME_BYTES,
  createFramer: () => new Hl7StreamFramer({ maxFrameBytes: MAX_FRAME_BYTES }),
  decodeFrame: (frame) => decodeHl7(frame),
  decodeMessage: (frame) => decodeHl7Message(frame, { ack: false }),
  answer(message, framing) {
    const ack = hl7Answer(message);
    if (ack === undefined) return undefined;
    return framing === 'mllp' ? encodeMllp(ack) : Buffer.from(ack);
  },
  reply(frame, framer) {
    const d = this.decodeMessage(frame);
    const rejected = d.rejected.map((r) => ({ reason: r.reason, text: r.text }));
    const reply = this.answer(d, framer.mode === 'mllp' ? 'mllp' : 'plain');
    return reply === undefined ? { result: d.result, rejected } : { result: d.result, rejected, reply };
  },
};

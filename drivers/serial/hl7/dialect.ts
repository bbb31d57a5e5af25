import type { ByteDialect } from '../dialect.js';
import { encodeMllp } from './mllp.js';
import { decodeHl7Message } from './oru.js';
import { Hl7StreamFramer } from './stream-framer.js';

const MAX_FRAME_BYTES = 256 * 1024;

/**
 * HL7 v2 ORU^R01 (and ORU^R40 alert reports, IHE PCD-04) over serial, MLLP-framed or plain CR segments (the framer decides on the first byte). The
 * ACK the sender asks for (MSH-15/16, HL7 v2.5.1 ch. 2.9) goes back framed as the sender framed.
 */
export const hl7Dialect: ByteDialect<Hl7StreamFramer> = {
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
  reply(frame, framer) {
    const d = decodeHl7Message(frame);
    const rejected = d.rejected.map((r) => ({ reason: r.reason, text: r.text }));
    const out = {
      result: d.result,
      rejected,
      ...(d.deviceAlarms ? { deviceAlarms: d.deviceAlarms } : {}),
      ...(d.alertEvents ? { alertEvents: d.alertEvents } : {}),
    };
    if (d.ack === undefined) return out;
    return { ...out, reply: framer.mode === 'mllp' ? encodeMllp(d.ack) : Buffer.from(d.ack) };
  },
};

import { ackCodeFor, buildAck } from '../serial/hl7/ack.js';
import { parseHl7 } from '../serial/hl7/message.js';

/**
 * The ACK for a message the listener refuses to process (a sender not on the device's allowlist): AR in original
 * mode, CR in enhanced mode, when the sender asked for an ACK on error. HL7 v2.5.1 chapter 2, 2.9.2 and 2.9.3:
 * "reject" (AR/CR) is the code for a message refused for a reason unrelated to its content.
 */
export function rejectAck(frame: Buffer, text: string): string | undefined {
  const msg = parseHl7(frame.toString('utf8'));
  if ('error' in msg) return undefined;
  const code = ackCodeFor(msg, false);
  if (!code) return undefined;
  return buildAck(msg, code === 'CE' ? 'CR' : 'AR', text);
}

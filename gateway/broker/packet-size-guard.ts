/**
 * Reads only the MQTT fixed headers of a client's byte stream and says when a packet declares more bytes than
 * the broker will take. aedes (through mqtt-packet) buffers a whole packet, up to the protocol's 256 MB, before
 * authorizePublish can look at it; this guard lets the broker cut such a client off at the header, before the
 * payload is read.
 *
 * Fixed header: OASIS MQTT 3.1.1, section 2.2 (and MQTT 5.0 section 2.1.1, same layout): one byte of packet
 * type and flags, then the Remaining Length as a variable byte integer of at most four bytes, seven bits each,
 * least significant group first, bit 7 set on every byte but the last (section 2.2.3).
 */
export type GuardVerdict = 'ok' | 'oversize' | 'malformed';

export class PacketSizeGuard {
  private phase: 'type' | 'length' | 'body' = 'type';
  private length = 0;
  private multiplier = 1;
  private lengthBytes = 0;
  private bodyLeft = 0;
  /** Largest Remaining Length seen so far (for figures and logs). */
  largestDeclared = 0;

  constructor(readonly maxRemainingLength: number) {}

  /** Feeds the next bytes as read from the socket; once not 'ok', the connection should be closed. */
  feed(chunk: Uint8Array): GuardVerdict {
    let i = 0;
    while (i < chunk.length) {
      if (this.phase === 'body') {
        const take = Math.min(this.bodyLeft, chunk.length - i);
        this.bodyLeft -= take;
        i += take;
        if (this.bodyLeft === 0) this.phase = 'type';
        continue;
      }
      const b = chunk[i++]!;
      if (this.phase === 'type') {
        this.phase = 'length';
        this.length = 0;
        this.multiplier = 1;
        this.lengthBytes = 0;
        continue;
      }
      this.length += (b & 0x7f) * this.multiplier;
      this.multiplier *= 128;
      this.lengthBytes += 1;
      if (this.length > this.maxRemainingLength) {
        this.largestDeclared = Math.max(this.largestDeclared, this.length);
        return 'oversize';
      }
      if (b & 0x80) {
        if (this.lengthBytes >= 4) return 'malformed';
        continue;
      }
      this.largestDeclared = Math.max(this.largestDeclared, this.length);
      this.bodyLeft = this.length;
      this.phase = this.length > 0 ? 'body' : 'type';
    }
    return 'ok';
  }
}

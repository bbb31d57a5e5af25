import { describe, expect, it } from 'vitest';
import mqttPacket from 'mqtt-packet';
import { PacketSizeGuard } from './packet-size-guard.js';

const publish = (payloadBytes: number) =>
  mqttPacket.generate({ cmd: 'publish', topic: 'vitals/wear-1', payload: Buffer.alloc(payloadBytes, 0x41), qos: 1, messageId: 7, retain: false, dup: false });
const connect = mqttPacket.generate({ cmd: 'connect', protocolId: 'MQTT', protocolVersion: 4, clean: true, clientId: 'c1', keepalive: 30, username: 'u', password: Buffer.from('p') });

describe('PacketSizeGuard (MQTT 3.1.1 section 2.2.3 remaining length)', () => {
  it('passes a stream of packets under the limit, in any chunking', () => {
    const stream = Buffer.concat([connect, publish(100), publish(16_000), mqttPacket.generate({ cmd: 'pingreq' }), publish(0)]);
    for (const size of [1, 2, 3, 7, 64, stream.length]) {
      const g = new PacketSizeGuard(16_384 + 64);
      for (let i = 0; i < stream.length; i += size) expect(g.feed(stream.subarray(i, i + size))).toBe('ok');
      expect(g.largestDeclared).toBe(16_000 + 2 + 'vitals/wear-1'.length + 2);
    }
  });

  it('says oversize from the header alone, before the payload arrives', () => {
    const big = publish(1024 * 1024);
    const g = new PacketSizeGuard(16_384);
    expect(g.feed(Buffer.concat([publish(10), big.subarray(0, 5)]))).toBe('oversize');
    expect(g.largestDeclared).toBeGreaterThan(1024 * 1024);
  });

  it('rejects a remaining length with a fifth continuation byte', () => {
    const g = new PacketSizeGuard(Number.MAX_SAFE_INTEGER);
    expect(g.feed(Uint8Array.of(0x30, 0xff, 0xff, 0xff, 0xff, 0x01))).toBe('malformed');
  });
});

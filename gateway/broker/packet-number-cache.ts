import mqttPacket from 'mqtt-packet';

/**
 * mqtt-packet (aedes' and mqtt.js' encoder) by default builds, on the first packet it writes, a table of 65,536
 * two-byte Buffers, one per 16-bit number (topic lengths, packet ids). That is about 6 MB of V8 heap and 65,536
 * long-lived objects that every full garbage collection marks again, for a saving of one two-byte allocation per
 * number written. On a Raspberry Pi the memory and the marking matter more; its README documents the switch
 * (`writeToStream.cacheNumbers = false`, set before any packet is written).
 */
export function useUncachedPacketNumbers(): void {
  mqttPacket.writeToStream.cacheNumbers = false;
}

/**
 * A 53-bit fingerprint of some bytes, for telling a resent message from a new one (cyrb53, bryc's public-domain
 * hash, https://github.com/bryc/code/blob/master/jshash/experimental/cyrb53.js, over bytes instead of UTF-16 units).
 * Not cryptographic: it is compared only between messages of one device carrying the same sequence number, where
 * two different payloads share a fingerprint with a probability of about 2^-53. About ten times cheaper than a SHA-1
 * digest of a wearable's sample (a hash object, a digest and a base64 string each time).
 */
export function fingerprint(bytes: Uint8Array): number {
  let h1 = 0xdeadbeef;
  let h2 = 0x41c6ce57;
  for (let i = 0; i < bytes.length; i++) {
    const b = bytes[i] as number;
    h1 = Math.imul(h1 ^ b, 2654435761);
    h2 = Math.imul(h2 ^ b, 1597334677);
  }
  h1 = Math.imul(h1 ^ (h1 >>> 16), 2246822507);
  h1 ^= Math.imul(h2 ^ (h2 >>> 13), 3266489909);
  h2 = Math.imul(h2 ^ (h2 >>> 16), 2246822507);
  h2 ^= Math.imul(h1 ^ (h1 >>> 13), 3266489909);
  return 4294967296 * (2097151 & h2) + (h1 >>> 0);
}

/**
 * Time-ordered ids: UUID version 7 (RFC 9562 section 5.7): 48-bit Unix ms timestamp, version 7, 12 bits + 62 bits of
 * randomness with the variant bits 10. Ids made from the same millisecond stay ordered: the generator keeps the
 * last random part and increments it (RFC 9562 section 6.2, method 2, "monotonic random").
 *
 * The timestamp is the rules clock passed in (observation time), not the wall clock, so replay is reproducible up to
 * the random part; tests inject a deterministic `newId`.
 */
export type NewId = (at: number) => string;

export type RandomFill = (bytes: Uint8Array) => void;

const defaultRandom: RandomFill = (bytes) => {
  globalThis.crypto.getRandomValues(bytes);
};

/** Largest value per random byte: byte 6 keeps 4 bits (version above), byte 8 keeps 6 bits (variant above). */
const LIMIT = [0x0f, 0xff, 0x3f, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff];

const HEX: string[] = Array.from({ length: 256 }, (_, i) => i.toString(16).padStart(2, '0'));

export function createUuidV7(random: RandomFill = defaultRandom): NewId {
  let lastMs = -1;
  const rand = new Uint8Array(10); // bytes 6..15 of the UUID; the version nibble and variant bits are kept at 0 here
  const fresh = (): void => {
    random(rand);
    rand[0] = (rand[0] ?? 0) & 0x0f;
    rand[2] = (rand[2] ?? 0) & 0x3f;
  };
  return (at: number): string => {
    let ms = Math.max(0, Math.floor(at));
    if (ms > lastMs) {
      fresh();
      lastMs = ms;
    } else {
      ms = lastMs; // clock went back or same ms: keep order by counting up from the last id
      let i = rand.length - 1;
      while (i >= 0) {
        const max = LIMIT[i] ?? 0xff;
        const next = (rand[i] ?? 0) + 1;
        if (next <= max) {
          rand[i] = next;
          break;
        }
        rand[i] = 0;
        i--;
      }
      if (i < 0) {
        lastMs += 1; // 74-bit overflow: borrow the next millisecond
        ms = lastMs;
        fresh();
      }
    }
    const b = new Uint8Array(16);
    let t = ms;
    for (let i = 5; i >= 0; i--) {
      b[i] = t % 256;
      t = Math.floor(t / 256);
    }
    b.set(rand, 6);
    b[6] = 0x70 | (b[6] ?? 0);
    b[8] = 0x80 | (b[8] ?? 0);
    let s = '';
    for (let i = 0; i < 16; i++) {
      if (i === 4 || i === 6 || i === 8 || i === 10) s += '-';
      s += HEX[b[i] ?? 0];
    }
    return s;
  };
}

/** Milliseconds encoded in a UUIDv7. */
export function uuidV7Time(id: string): number {
  return parseInt(id.replace(/-/g, '').slice(0, 12), 16);
}

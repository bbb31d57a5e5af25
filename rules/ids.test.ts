import { describe, expect, it } from 'vitest';
import { createUuidV7, uuidV7Time } from './ids.js';

const UUID7 = /^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;

describe('UUIDv7 ids', () => {
  it('encode the given time with version 7 and the RFC 9562 variant', () => {
    const id = createUuidV7()(1_700_000_000_123);
    expect(id).toMatch(UUID7);
    expect(uuidV7Time(id)).toBe(1_700_000_000_123);
  });

  it('sort in time order, also within one millisecond and when the clock steps back', () => {
    const newId = createUuidV7();
    const ids = [newId(1000), newId(1000), newId(1000), newId(999), newId(2000), newId(2000)];
    expect([...ids].sort()).toEqual(ids);
    expect(new Set(ids).size).toBe(ids.length);
    for (const id of ids) expect(id).toMatch(UUID7);
  });

  it('carry across the random part without touching version or variant bits', () => {
    const ones = (b: Uint8Array): void => {
      b.fill(0xff);
    };
    const newId = createUuidV7(ones);
    const a = newId(5);
    const b = newId(5); // counter overflows: borrows the next millisecond
    expect(a).toMatch(UUID7);
    expect(b).toMatch(UUID7);
    expect(b > a).toBe(true);
    expect(uuidV7Time(b)).toBe(6);
  });
});

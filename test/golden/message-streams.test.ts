import { describe, expect, it } from 'vitest';
import { normaliseEvents, readFixture, runSource, SOURCES } from './streams.js';

/**
 * The gateway gives the rules engine one device message at a time (`observeMessage`: a wearable's six vitals in one
 * call and one output), not one reading at a time. Replayed that way, the golden inputs must give the recorded alarm
 * transitions in their order and the recorded incident events in theirs. Only how the two lists interleave may differ
 * (an output holds a message's alarm transitions, then its incident events); neither the gateway nor the store sees
 * that interleaving: both lists are committed and published in one group.
 */
const split = (events: unknown[]) => ({
  alarms: events.filter((e) => (e as { alarm?: unknown }).alarm !== undefined),
  incidents: events.filter((e) => (e as { incident?: unknown }).incident !== undefined),
});

/** Consecutive observation lines of one device at one receipt time: what replay groups into one message. */
function multiReadingMessages(input: string[]): number {
  let n = 0;
  let prev: { deviceId?: string; bedId?: string; receivedAt?: number } | undefined;
  for (const line of input) {
    if (line.trim() === '') continue;
    const o = JSON.parse(line) as { param?: string; deviceId?: string; bedId?: string; receivedAt?: number };
    if (o.param !== undefined && prev !== undefined && o.bedId === prev.bedId && o.deviceId === prev.deviceId && o.receivedAt === prev.receivedAt) n += 1;
    prev = o.param !== undefined ? o : undefined;
  }
  return n;
}

describe('golden event streams, replayed one device message at a time', () => {
  for (const source of SOURCES) {
    it(`${source}: the same alarm transitions and the same incident events, each in the recorded order`, () => {
      const run = runSource(source, { messages: true });
      expect(run.errors).toEqual([]);
      expect(multiReadingMessages(run.input), 'the input carries messages of several readings').toBeGreaterThan(0);
      const got = split(normaliseEvents(run.out));
      const want = split(readFixture(source));
      expect(got.alarms).toEqual(want.alarms);
      expect(got.incidents).toEqual(want.incidents);
    });
  }
});

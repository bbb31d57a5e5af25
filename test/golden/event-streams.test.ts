import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { inputDigest, INPUT_DIGESTS, normaliseEvents, readFixture, runSource, SCENARIOS, SOURCES, WARD_CONFIG, WARD_INPUT, WARD_SOURCE } from './streams.js';

/**
 * Behaviour-preservation check: the alarm and incident event streams of the shipped scenarios (fixed seed, fixed
 * clock) and of the hand-built ward stream must stay exactly those recorded in test/golden/*.events.ndjson
 * (ids aside). Re-record with `npx tsx test/golden/record.ts` only for an intended behaviour change.
 */
const REPO = fileURLToPath(new URL('../../', import.meta.url));
const digests = JSON.parse(readFileSync(INPUT_DIGESTS, 'utf8')) as Record<string, string>;

describe('golden alarm and incident event streams', () => {
  for (const source of SOURCES) {
    it(`${source}: the replay input is the recorded one`, () => {
      // A mismatch here means the simulator's plan (or the ward input) changed, not the rules.
      expect(inputDigest(runSource(source).input)).toBe(digests[source]);
    });

    it(`${source}: the replayed events equal the fixture`, () => {
      const run = runSource(source);
      expect(run.errors).toEqual([]);
      expect(normaliseEvents(run.out)).toEqual(readFixture(source));
    });
  }

  it('the fixtures hold the behaviour the scenarios promise', () => {
    // Guards against recording a broken baseline: the sepsis patient alarms, the normal ward stays silent.
    const conditions = (source: (typeof SCENARIOS)[number]) =>
      readFixture(source).flatMap((e) => {
        const a = (e as { alarm?: { bed: string; condition: string } }).alarm;
        return a ? [`${a.bed} ${a.condition}`] : [];
      });
    expect(conditions('sepsis-deterioration')).toEqual(expect.arrayContaining(['bed-01 rr-high', 'bed-01 news2', 'bed-01 hr-high', 'bed-01 sbp-low', 'bed-01 temp-high']));
    expect(conditions('sepsis-deterioration').every((c) => c.startsWith('bed-01 '))).toBe(true);
    expect(conditions('normal-ward-24')).toEqual([]);
    expect(conditions('device-chaos')).toEqual(expect.arrayContaining(['bed-01 fall', 'bed-01 low-battery', 'bed-04 hr-high', 'bed-06 spo2-low']));
  });

  it('the `wardgate replay` CLI prints the ward fixture for the ward stream', () => {
    const r = spawnSync(process.execPath, ['--import', 'tsx', `${REPO}gateway/cli.ts`, 'replay', '--config', WARD_CONFIG], {
      input: readFileSync(WARD_INPUT),
      encoding: 'utf8',
      cwd: REPO,
    });
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    const lines = r.stdout.split('\n').filter((l) => l !== '');
    expect(normaliseEvents(lines)).toEqual(readFixture(WARD_SOURCE));
  }, 30_000);
});

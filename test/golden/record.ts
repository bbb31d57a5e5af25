/**
 * Re-records the golden event streams: `npx tsx test/golden/record.ts` (add `--ward` to rewrite the hand-built
 * ward input test/golden/ward-observations.ndjson from ward-input.ts first).
 *
 * For each shipped scenario in simulator/scenarios/ (its fixed seed, scenario time 0 = GOLDEN_EPOCH_MS) and for the
 * ward stream, writes `<source>.events.ndjson`: every alarm and incident event `wardgate replay` prints, ids
 * replaced by placeholders in order of first appearance; and `inputs.sha256.json`: a digest of each replay input,
 * so a failing test can tell a changed simulator plan from changed rules.
 *
 * Re-record only when a behaviour change is intended, and review the fixture diff: event-streams.test.ts asserts
 * that the current code reproduces these files exactly.
 */
import { writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { inputDigest, INPUT_DIGESTS, fixturePath, normaliseEvents, runSource, SOURCES, WARD_INPUT } from './streams.js';
import { wardObservationLines } from './ward-input.js';

if (process.argv.includes('--ward')) writeFileSync(WARD_INPUT, wardObservationLines().join('\n') + '\n');

const digests: Record<string, string> = {};
for (const source of SOURCES) {
  const run = runSource(source);
  if (run.errors.length > 0) throw new Error(`${source}: replay rejected input lines: ${run.errors.slice(0, 5).join('; ')}`);
  const events = normaliseEvents(run.out);
  writeFileSync(fixturePath(source), events.map((e) => `${JSON.stringify(e)}\n`).join(''));
  digests[source] = inputDigest(run.input);
  process.stdout.write(`${source}: ${run.input.length} input lines, ${events.length} events\n`);
}
writeFileSync(fileURLToPath(INPUT_DIGESTS), JSON.stringify(digests, null, 2) + '\n');

import { NO_FLAGS, type Reading } from '../drivers/core/observation.js';
import { isScorable } from '../drivers/core/quality.js';
import { conditionGone } from './engine-lifecycle.js';
import { evaluateParam } from './engine-limits.js';
import { news2Value } from './engine-news2.js';
import type { BedState, DeviceState, EngineState } from './engine-state.js';
import type { RulesOutput } from './types.js';

/**
 * One reading of a device, received at `at` with the gateway sequence `seq`, applied to its bed and judged: limits
 * of its parameter, then NEWS2 if its subscore changed. The readings of one message go through here one after the
 * other, in the order the device sent them, into one output: each is judged with the bed as it was when it arrived
 * (an incident event carries the bed's vitals and NEWS2 of that moment), so a message gives exactly the events its
 * readings would give one by one. The caller has advanced the clock and marked the device seen.
 */
export function applyReading(s: EngineState, bed: BedState, dev: DeviceState, r: Reading, seq: number, at: number, out: RulesOutput): void {
  if (dev.noData.alarm) conditionGone(s, dev.noData.alarm, at, dev.by, out);
  const noValid = dev.noValidData;
  if (!Number.isFinite(r.value) || !isScorable(r.flags ?? NO_FLAGS)) {
    // Shown, never scored (drivers/core/quality.ts); a bound device sending only such values raises no-valid-data.
    dev.unscorableSince ??= at;
    return;
  }
  dev.unscorableSince = undefined;
  if (noValid.alarm) conditionGone(s, noValid.alarm, at, dev.by, out);

  let ps = bed.params.get(r.param);
  if (!ps) {
    ps = s.addParam(bed, r.param, r.value, at, dev.id, r.sourceTs, seq);
  } else {
    ps.value = r.value;
    ps.at = at;
    ps.deviceId = dev.id;
    ps.sourceTs = r.sourceTs;
    ps.sourceSeq = seq;
  }
  ps.deviceSeq = r.sourceSeq;
  ps.deviceMessageId = r.sourceMessageId;
  evaluateParam(s, bed, ps, at, dev.by, out);
  news2Value(s, bed, r.param, r.value, at, dev.by, out);
}

import { deviceAlarmTexts } from './engine-events.js';
import { conditionGone, raise, reannunciate, restate } from './engine-lifecycle.js';
import type { EngineState } from './engine-state.js';
import type { DeviceAlarmItem, DeviceAlarmsInput, Priority, RulesOutput } from './types.js';

const LEVELS: ReadonlyArray<readonly [Priority, 'device-alarm-high' | 'device-alarm-medium' | 'device-alarm-low']> = [
  ['high', 'device-alarm-high'],
  ['medium', 'device-alarm-medium'],
  ['low', 'device-alarm-low'],
];

/**
 * A device's whole alarm list (a monitor's own alarms), annunciated as a secondary alarm system: one alarm per device
 * and priority, `device-alarm-<priority>`, that stands for every alarm the device lists at that priority.
 *
 *  - The first alarm at a level raises it; the last one gone clears it (and an alarm restored after a restart that the
 *    device no longer lists clears with the first list it sends).
 *  - A new alarm at a level already standing (VF after an asystole, both high) is a new alarm condition: the alarm
 *    re-annunciates (`retriggered`): acknowledged, it becomes active and sounds again; audio-paused, it sounds again.
 *    A nurse who acknowledged "asystole" has not acknowledged "VF".
 *  - One of several alarms at a level ending while the others stand only changes what the alarm says (`updated`).
 *  - The same list again changes nothing. Acknowledging at the gateway silences the gateway's annunciation only: the
 *    alarm stays, acknowledged, while the device lists it.
 *
 * An alarm is known by its text (two alarms with the same text are one, as the device's screen shows them). Alarms of
 * priority `none` (the device says they do not alarm) are shown on the device list only.
 */
export function applyDeviceAlarms(s: EngineState, input: DeviceAlarmsInput, at: number, out: RulesOutput): void {
  const bed = s.bed(input.bed);
  const by = s.device(bed, input.deviceId).by;
  for (const [priority, condition] of LEVELS) {
    const items = distinct(input.alarms.filter((a) => a.priority === priority));
    const tr = s.technicalTracker(bed, condition, input.deviceId);
    const a = tr.alarm;
    if (items.length === 0) {
      if (a) conditionGone(s, a, at, by, out);
      continue;
    }
    if (!a) {
      raise(s, bed, tr, { kind: 'technical', rank: s.technicalRank(condition), latching: false, deviceId: input.deviceId, deviceAlarms: items }, at, by, out);
      continue;
    }
    const before = a.deviceAlarms;
    a.deviceAlarms = items;
    // Restored from a release whose events did not carry the list: nothing to compare with, so take it as it is.
    if (before === undefined) {
      restate(a, at, by, out);
      continue;
    }
    const added = items.filter((i) => !before.some((b) => b.text === i.text));
    if (added.length > 0) reannunciate(s, a, at, by, out, `new on the device: ${deviceAlarmTexts(added)}`);
    else if (!sameItems(before, items)) {
      const gone = before.filter((b) => !items.some((i) => i.text === b.text));
      restate(a, at, by, out, gone.length > 0 ? `ended on the device: ${deviceAlarmTexts(gone)}` : undefined);
    }
  }
}

/** The items without priority, one per text (the first), in the device's order. */
function distinct(list: ReadonlyArray<DeviceAlarmItem>): DeviceAlarmItem[] {
  const seen = new Set<string>();
  const out: DeviceAlarmItem[] = [];
  for (const i of list) {
    if (seen.has(i.text)) continue;
    seen.add(i.text);
    out.push({
      kind: i.kind,
      text: i.text,
      ...(i.eventCode !== undefined ? { eventCode: i.eventCode } : {}),
      ...(i.eventRef !== undefined ? { eventRef: i.eventRef } : {}),
    });
  }
  return out;
}

function sameItems(x: readonly DeviceAlarmItem[], y: readonly DeviceAlarmItem[]): boolean {
  return x.length === y.length && x.every((a, k) => {
    const b = y[k] as DeviceAlarmItem;
    return a.text === b.text && a.kind === b.kind && a.eventCode === b.eventCode && a.eventRef === b.eventRef;
  });
}

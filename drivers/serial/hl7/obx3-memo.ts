import { PARAM_NAMES } from '../../core/parameters.js';
import { isAlertId } from './alerts.js';
import { components, type Hl7Message, type Hl7Segment } from './message.js';
import { identify, type Identified } from './obx-identify.js';

/** What OBX-3 says, worked out once per distinct field text. */
export interface Obx3 {
  /** OBX-3's components, unescaped. */
  readonly c: readonly string[];
  /** An alarm row (alerts.ts) rather than a measurement. */
  readonly alert: boolean;
  /** The mapping and code of a measurement row (undefined for an alarm row). */
  readonly id: Identified | undefined;
}

const MAX_ENTRIES = 2048;
const memo = new Map<string, Obx3>();
// What the memo's answers depend on besides the field text: the message's delimiters and the parameter table.
let component = '';
let repetition = '';
let escape = '';
let subcomponent = '';
let params = -1;

/**
 * OBX-3 of `seg`. A monitor sends the same few identifiers in every message, so the answer for a field's exact
 * text (under the same delimiters) is kept and reused; the memo is bounded and starts afresh when full.
 */
export function obx3(msg: Hl7Message, seg: Hl7Segment): Obx3 {
  const raw = seg.fields[3] ?? '';
  const d = msg.delimiters;
  if (d.component !== component || d.repetition !== repetition || d.escape !== escape || d.subcomponent !== subcomponent || params !== PARAM_NAMES.length) {
    memo.clear();
    ({ component, repetition, escape, subcomponent } = d);
    params = PARAM_NAMES.length;
  }
  let hit = memo.get(raw);
  if (hit === undefined) {
    const c = components(msg, seg, 3);
    const alert = isAlertId(c);
    hit = { c, alert, id: alert ? undefined : identify(c) };
    if (memo.size >= MAX_ENTRIES) memo.clear();
    memo.set(raw, hit);
  }
  return hit;
}

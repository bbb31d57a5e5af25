import type { RulesEngine } from '../rules/engine.js';
import type { RulesOutput } from '../rules/types.js';
import type { Buzzer } from './buzzer/buzzer.js';
import type { AuditEntry, Store } from './store/store.js';
import { storedTrendReadings } from './store/trend-readings.js';
import type { WardState } from './ward-state.js';
import type { ActionResult, ScreenBackend } from './screen/server.js';
import type { Session } from './screen/sessions.js';

/** Roles that act on patients: acknowledge patient alarms, change limits, enter NEWS2 observations. A technician
 * acknowledges technical alarms only. */
export const CLINICAL_ROLES = new Set(['nurse', 'senior-nurse', 'doctor']);

export interface ScreenActionsOptions {
  rules: RulesEngine;
  ward: WardState;
  store: Store;
  buzzer: () => Buzzer | undefined;
  apply: (out: RulesOutput, audit: AuditEntry[]) => void;
  broadcastBed: (bed: string) => void;
  audioPauseMs: () => number;
  now: () => number;
}

/**
 * The screen's backend: what staff may see and do. Every action is attributed to the signed-in staff member,
 * audited in the same transaction as the alarm changes it causes, and checked against the staff member's role.
 */
export function createScreenBackend(o: ScreenActionsOptions): ScreenBackend {
  const act = (fn: (by: string, now: number) => RulesOutput, staff: Session, action: string, bed: string | undefined, detail: unknown): ActionResult => {
    const now = o.now();
    try {
      const out = fn(`staff:${staff.staffId}`, now);
      o.apply(out, [{ at: now, actor: staff.staffId, action, bed, detail }]);
      if (bed) o.broadcastBed(bed);
      return { ok: true };
    } catch (err) {
      return { ok: false, error: (err as Error).message };
    }
  };
  return {
    snapshot: () => o.ward.snapshot(o.now()),
    audit: (q) => o.store.recentAudit(q),
    storedReadings: (since) => storedTrendReadings(o.store, since),
    buzzer: () => {
      const b = o.buzzer();
      return { backend: b?.kind ?? 'none', sounding: b?.sounding ?? null, faulted: b?.isFaulted ?? false };
    },
    bedLimits: (bed) => o.rules.bedLimits(bed),
    acknowledge: (alarmId, staff) => {
      const alarm = o.rules.activeAlarms().find((a) => a.id === alarmId);
      if (!alarm) return { ok: false, error: 'no such active alarm' };
      if (!CLINICAL_ROLES.has(staff.role) && alarm.kind !== 'technical') return { ok: false, error: 'only clinical staff acknowledge patient alarms' };
      return act((by, now) => o.rules.acknowledge(alarmId, by, now), staff, 'acknowledge', alarm.bed, { alarmId, condition: alarm.condition });
    },
    pauseAudio: (bed, staff) => {
      if (!o.ward.bedIds().includes(bed)) return { ok: false, error: 'unknown bed' };
      const r = act((by, now) => o.rules.pauseAudio(bed, by, now), staff, 'audio-pause', bed, {});
      if (r.ok) o.ward.audioPaused(bed, o.now() + o.audioPauseMs());
      return r;
    },
    setManualInputs: (bed, inputs, staff) => {
      if (!o.ward.bedIds().includes(bed)) return { ok: false, error: 'unknown bed' };
      if (!CLINICAL_ROLES.has(staff.role)) return { ok: false, error: 'only clinical staff enter NEWS2 observations' };
      const clean: { acvpu?: 'A' | 'C' | 'V' | 'P' | 'U'; o2?: boolean; scale?: 1 | 2 } = {};
      if (inputs.acvpu !== undefined) {
        if (!['A', 'C', 'V', 'P', 'U'].includes(inputs.acvpu)) return { ok: false, error: 'acvpu: one of A, C, V, P, U' };
        clean.acvpu = inputs.acvpu;
      }
      if (inputs.o2 !== undefined) {
        if (typeof inputs.o2 !== 'boolean') return { ok: false, error: 'o2: true or false' };
        clean.o2 = inputs.o2;
      }
      if (inputs.scale !== undefined) {
        if (inputs.scale !== 1 && inputs.scale !== 2) return { ok: false, error: 'scale: 1 or 2' };
        clean.scale = inputs.scale;
      }
      const r = act((by, now) => o.rules.setManualInputs(bed, clean, by, now), staff, 'news2-manual-inputs', bed, clean);
      if (r.ok) o.ward.manual(bed, clean);
      return r;
    },
    setBedLimits: (bed, change, staff) => {
      if (!o.ward.bedIds().includes(bed)) return { ok: false, error: 'unknown bed' };
      if (!CLINICAL_ROLES.has(staff.role)) return { ok: false, error: 'only clinical staff change alarm limits' };
      return act((by, now) => o.rules.setBedLimits(bed, change as never, by, now), staff, 'bed-limits', bed, change);
    },
  };
}

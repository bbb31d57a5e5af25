import type { RulesEngine } from '../rules/engine.js';
import type { RulesOutput } from '../rules/types.js';
import type { Logger } from './log.js';
import type { AuditEntry, Store } from './store/store.js';
import type { WardState } from './ward-state.js';

/**
 * Bed settings made on the screen (limits, profile, NEWS2 manual inputs) live in the rules engine's memory; after a
 * restart they are replayed from the audit trail, so a watchdog restart never silently reverts a nurse's change.
 * Runs before any alarm is restored.
 */
export function restoreBedSettings(o: { beds: { id: string }[]; store: Store; rules: RulesEngine; ward: WardState; log: Logger }): void {
  const known = new Set(o.beds.map((b) => b.id));
  const entries = o.store.auditedActions(['bed-limits', 'news2-manual-inputs']).filter((e) => e.bed && known.has(e.bed));
  // Limits: only each bed's latest change, and only if a person made it (a later config reload, audited as
  // 'config-reload', means the config file's limits apply, and those are loaded already).
  const lastLimits = new Map<string, AuditEntry>();
  for (const e of entries) if (e.action === 'bed-limits') lastLimits.set(e.bed!, e);
  for (const e of lastLimits.values()) {
    if (e.actor === 'config-reload') continue;
    restoreOne(o.log, e, () => o.rules.setBedLimits(e.bed!, e.detail as never, `restore:${e.actor}`, e.at));
  }
  // NEWS2 manual inputs: replayed in order, each at the time it was entered, so freshness is judged from then.
  // Inputs only: the alarm they caused is restored from the store next, never raised a second time here.
  for (const e of entries) {
    if (e.action !== 'news2-manual-inputs') continue;
    o.rules.restoreManualInputs(e.bed!, e.detail as never, e.at);
    o.ward.manual(e.bed!, e.detail as never);
  }
}

function restoreOne(log: Logger, e: AuditEntry, fn: () => RulesOutput): void {
  try {
    // Runs before any alarm is restored, so there is nothing to raise or clear: an output here would be a bug.
    const out = fn();
    if (out.alarms.length > 0 || out.incidents.length > 0) log.warn({ bed: e.bed, action: e.action }, 'restore: a bed setting produced alarm events; ignored');
  } catch (err) {
    log.warn({ bed: e.bed, action: e.action, err: (err as Error).message }, 'restore: audited bed setting not applied');
  }
}

import type { GatewayConfig } from '../config/schema.js';
import { isParamName } from '../drivers/core/parameters.js';
import type { RulesEngine } from '../rules/engine.js';
import { restoreBedSettings } from './bed-settings.js';
import type { Logger } from './log.js';
import { lastRaiseSeq } from './store/alarm-order.js';
import type { Store } from './store/store.js';
import type { WardState } from './ward-state.js';

/**
 * What a restart brings back from the store, in this order: bed settings (at their own times, before any alarm
 * exists), the open alarms and incidents, then the last 30 minutes of values.
 */
export function restoreFromStore(o: { config: GatewayConfig; store: Store; rules: RulesEngine; ward: WardState; log: Logger; now: number }): void {
  const { config, store, rules, ward } = o;
  restoreBedSettings({ beds: config.beds, store, rules, ward, log: o.log });
  rules.restore(store.openAlarms(), store.openIncidents(), lastRaiseSeq(store));
  ward.setAlarms(rules.activeAlarms());
  // The screen shows the last 30 minutes again after a restart (values with their true age, and the trends), and
  // NEWS2 gets its parameters back at the times they were received (an episodic BP must not make NEWS2 incomplete
  // for an hour after a watchdog restart). Limit alarms start from new data only.
  const known = new Set(config.devices.map((d) => d.id));
  const recent = store.recentObservations(o.now - 30 * 60_000).filter((x) => known.has(x.deviceId));
  const mapped = recent.filter((x) => isParamName(x.param));
  for (const x of mapped) ward.observation(x);
  // Unmapped numerics (param "unmapped:<code>") go back to the "more" row only.
  for (const x of recent) {
    if (!x.param.startsWith('unmapped:')) continue;
    ward.more(x.bedId, { code: x.param.slice('unmapped:'.length), value: x.value, unit: x.unit, ...(x.channel ? { channel: x.channel } : {}), at: x.receivedAt, deviceId: x.deviceId });
  }
  rules.primeNews2(mapped);
}

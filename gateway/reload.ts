import type { DeviceConfig, GatewayConfig } from '../config/schema.js';
import type { RulesConfig } from '../rules/config.js';
import type { RulesEngine } from '../rules/engine.js';
import type { RulesOutput } from '../rules/types.js';
import type { AuditEntry } from './store/store.js';
import type { WardState } from './ward-state.js';

export interface ReloadResult {
  beds: number;
  devices: number;
  changedBeds: string[];
  restartedDrivers: number;
  /** Sections that changed but take effect only after a restart. */
  needsRestart: string[];
}

/** Sections read once at start: a change is reported, and applies at the next restart. */
const RESTART_SECTIONS = ['gateway', 'broker', 'screen', 'sync', 'dataDir', 'outputs'] as const;

export interface ReloadPlan {
  needsRestart: string[];
  /** Beds whose limits change (profile, overrides, or the profile's own table): audited like a nurse's change. */
  changedBeds: string[];
  /** Devices added or whose settings changed, and devices gone from the config. */
  changedDevices: DeviceConfig[];
  removedDevices: DeviceConfig[];
  /** A serial, BLE or HL7 device changed: the driver families restart (MQTT devices need no driver). */
  restartDrivers: boolean;
  /** The config in force after the reload: the new one, with the restart-only sections kept as they run. */
  config: GatewayConfig;
}

/** What a reload from `prev` to `next` changes. Pure: nothing is applied. */
export function planReload(prev: GatewayConfig, next: GatewayConfig, prevRules: RulesConfig, nextRules: RulesConfig): ReloadPlan {
  const needsRestart = RESTART_SECTIONS.filter((key) => JSON.stringify(prev[key]) !== JSON.stringify(next[key]));
  const limitsOf = (c: RulesConfig, id: string) => {
    const b = c.beds.find((x) => x.id === id);
    return JSON.stringify([b?.profile, b?.overrides ?? {}, b ? c.profiles[b.profile] : undefined]);
  };
  const changedBeds = next.beds.filter((b) => limitsOf(prevRules, b.id) !== limitsOf(nextRules, b.id)).map((b) => b.id);
  const changedDevices = next.devices.filter((d) => JSON.stringify(prev.devices.find((x) => x.id === d.id)) !== JSON.stringify(d));
  const removedDevices = prev.devices.filter((d) => !next.devices.some((x) => x.id === d.id));
  const restartDrivers = [...changedDevices, ...removedDevices].some((d) => d.transport !== 'mqtt');
  const config = { ...next, gateway: prev.gateway, broker: prev.broker, screen: prev.screen, sync: prev.sync, dataDir: prev.dataDir };
  return { needsRestart: [...needsRestart], changedBeds, changedDevices, removedDevices, restartDrivers, config };
}

export interface ReloadTargets {
  rules: RulesEngine;
  ward: WardState;
  apply: (out: RulesOutput, audit: AuditEntry[]) => void;
  rebindDevices: (devices: DeviceConfig[], changed: DeviceConfig[], removed: DeviceConfig[]) => void;
  restartDrivers: (devices: DeviceConfig[], config: GatewayConfig) => Promise<number>;
  broadcastSnapshot: (now: number) => void;
}

/** Applies a plan: rules and beds first (audited), then device bindings, then the drivers if needed. */
export async function applyReload(plan: ReloadPlan, next: GatewayConfig, nextRules: RulesConfig, t: ReloadTargets, now: number): Promise<ReloadResult> {
  const out = t.rules.reconfigure(nextRules, 'config-reload', now);
  t.apply(
    out,
    plan.changedBeds.map((bed) => {
      const b = next.beds.find((x) => x.id === bed)!;
      return { at: now, actor: 'config-reload', action: 'bed-limits', bed, detail: { profile: b.profile, overrides: b.overrides ?? {} } };
    }),
  );
  for (const b of next.beds) t.ward.addBed(b);
  t.rebindDevices(next.devices, plan.changedDevices, plan.removedDevices);
  const restartedDrivers = plan.restartDrivers ? await t.restartDrivers(next.devices, next) : 0;
  t.broadcastSnapshot(now);
  return { beds: next.beds.length, devices: next.devices.length, changedBeds: plan.changedBeds, restartedDrivers, needsRestart: plan.needsRestart };
}

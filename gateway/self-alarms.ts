import type { RulesEngine } from '../rules/engine.js';
import type { RulesOutput, TechnicalInput } from '../rules/types.js';
import type { Logger } from './log.js';
import type { Store } from './store/store.js';

/** The pseudo-bed for the gateway's own technical alarms (store, buzzer, clock): published on alarms/gateway. */
export const GATEWAY_BED = 'gateway';

export interface SelfAlarmsOptions {
  rules: RulesEngine;
  store: Store;
  apply: (out: RulesOutput) => void;
  log: Logger;
  now: () => number;
  budgetBytes: () => number;
  retentionMs: () => number;
  stopping: () => boolean;
}

/**
 * The gateway's own technical alarms, on bed `gateway`: a failing store (`store-fault`), the buzzer (`buzzer-fault`),
 * the disk budget (`disk-budget`) and driver families that cannot run (`driver-degraded`, one per family). Each is
 * raised once when the fault appears and cleared once it is gone.
 */
export class SelfAlarms {
  private storeFault = false;
  private diskAlarm = false;
  private diskUsedBytes: number | undefined;
  private readonly degradedFamilies = new Set<string>();

  constructor(private readonly opts: SelfAlarmsOptions) {}

  /** Gateway alarms restored as active after a restart are re-checked and cleared once the fault is gone. */
  restore(active: { condition: string; deviceId?: string }[]): void {
    this.storeFault = active.some((a) => a.condition === 'store-fault');
    this.diskAlarm = active.some((a) => a.condition === 'disk-budget');
    for (const a of active) if (a.condition === 'driver-degraded' && a.deviceId) this.degradedFamilies.add(a.deviceId);
  }

  /** After the driver families started: a family degraded before the restart and working now is cleared. */
  settleFamilies(degradedNow: string[]): void {
    for (const family of [...this.degradedFamilies]) if (!degradedNow.includes(family)) this.driverFamily(family, false, 'works after restart');
  }

  get storeFaultActive(): boolean {
    return this.storeFault;
  }

  get diskUsed(): number | undefined {
    return this.diskUsedBytes;
  }

  private raise(input: Omit<TechnicalInput, 'bed' | 'at'>): void {
    this.opts.apply(this.opts.rules.technical({ bed: GATEWAY_BED, at: this.opts.now(), ...input }));
  }

  /** A failing store (full or dying SD card) is itself a technical alarm, on the gateway's own "bed". */
  setStoreFault(failed: boolean, detail: string): void {
    if (failed === this.storeFault) return;
    this.storeFault = failed;
    this.raise({ condition: 'store-fault', active: failed, detail: failed ? detail : undefined });
  }

  /** While the store fault lasts, a probe write each second finds out when it is gone. */
  probeStore(now: number): void {
    try {
      this.opts.store.probeWrite(now);
      this.setStoreFault(false, '');
    } catch {
      // still failing; the alarm stays
    }
  }

  /** The buzzer failed or works again: a gateway technical alarm (bed `gateway`, device `buzzer`). */
  buzzerFault(active: boolean, detail: string): void {
    if (this.opts.stopping()) return;
    this.opts.log[active ? 'error' : 'info']({ detail }, active ? 'buzzer: fault' : 'buzzer: working again');
    this.raise({ deviceId: 'buzzer', condition: 'buzzer-fault', active, detail });
  }

  /** A driver family could not run (or runs again): `driver-degraded` with the family as the device. */
  driverFamily(family: string, degraded: boolean, detail: string): void {
    if (degraded === this.degradedFamilies.has(family) || this.opts.stopping()) return;
    if (degraded) this.degradedFamilies.add(family);
    else this.degradedFamilies.delete(family);
    this.raise({ deviceId: family, condition: 'driver-degraded', active: degraded, detail });
  }

  /** Every minute: old observations and delivered outbox rows go, then the disk budget is checked. */
  prune(): void {
    try {
      const r = this.opts.store.prune(this.opts.now(), this.opts.retentionMs());
      if (r.observations || r.outbox) this.opts.log.info(r, 'store: pruned');
      this.checkDiskBudget();
    } catch (err) {
      this.opts.log.error({ err }, 'store: prune failed');
    }
  }

  /** Prunes delivered events and old observations to stay in the budget; nearing it raises `disk-budget`. */
  private checkDiskBudget(): void {
    const budgetBytes = this.opts.budgetBytes();
    const store = this.opts.store;
    const r = store.enforceDiskBudget(this.opts.now(), { budgetBytes });
    this.diskUsedBytes = r.usedBytes;
    if (r.prunedDelivered || r.prunedObservations) this.opts.log.info(r, 'store: pruned to stay in the disk budget');
    const raise = r.level !== 'ok';
    if (raise === this.diskAlarm || (!raise && !r.belowTarget)) return;
    this.diskAlarm = raise;
    if (raise) this.opts.log.error(r, 'store: nearing the disk budget; undelivered incidents are kept');
    const detail = `${Math.round(r.usedBytes / 1048576)} of ${Math.round(budgetBytes / 1048576)} MB used, ${r.undelivered} undelivered incident events`;
    this.raise({ condition: 'disk-budget', active: raise, detail });
  }
}

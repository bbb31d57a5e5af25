import type { RulesEngine } from '../rules/engine.js';
import type { AlarmCommit } from './alarm-commit.js';
import type { Logger } from './log.js';
import type { SelfAlarms } from './self-alarms.js';
import type { WardOutputs } from './ward-outputs.js';
import type { WardState } from './ward-state.js';

export interface AlarmLoopOptions {
  rules: RulesEngine;
  commit: AlarmCommit;
  outputs: WardOutputs;
  selfAlarms: SelfAlarms;
  ward: WardState;
  /** Refreshes the health line (every 5 s). */
  updateHealth: () => void;
  log: Logger;
  now: () => number;
}

/**
 * The alarm loop: every second the rules' timers (delays, escalation, silence), NEWS2 tiles, the retry of a failed
 * alarm commit or the store-fault probe; every minute store pruning and the disk budget. Its last tick feeds the
 * systemd watchdog.
 */
export class AlarmLoop {
  lastTickAt = 0;
  private tickTimer: NodeJS.Timeout | undefined;
  private pruneTimer: NodeJS.Timeout | undefined;

  constructor(private readonly o: AlarmLoopOptions) {}

  start(): void {
    this.tickTimer = setInterval(() => this.tick(), 1000);
    this.pruneTimer = setInterval(() => this.o.selfAlarms.prune(), 60_000);
    this.pruneTimer.unref();
    this.o.selfAlarms.prune();
    this.o.updateHealth();
    this.lastTickAt = this.o.now();
  }

  stop(): void {
    for (const t of [this.tickTimer, this.pruneTimer]) if (t) clearInterval(t);
    this.o.outputs.stop();
  }

  private tick(): void {
    const { rules, commit, outputs, selfAlarms } = this.o;
    const now = this.o.now();
    this.lastTickAt = now;
    try {
      commit.apply(rules.tick(now));
      outputs.refreshNews2(now, this.o.ward.bedIds());
      if (commit.hasUnpersisted) commit.flush(); // retry the failed commit every second
      else if (selfAlarms.storeFaultActive) selfAlarms.probeStore(now);
      if (now % 5000 < 1000) this.o.updateHealth();
    } catch (err) {
      this.o.log.error({ err }, 'tick failed');
    }
  }
}

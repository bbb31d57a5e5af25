import { PRIORITY_RANK, type AlarmEvent, type Priority } from '../../rules/types.js';
import type { Annunciator } from './annunciator.js';
import { PATTERNS, type BurstPattern } from './patterns.js';

export interface BuzzerOptions {
  output: Annunciator;
  /** A buzzer fault began (`active`) or ended; the gateway raises or clears the `buzzer-fault` technical alarm. */
  onFault(active: boolean, detail: string): void;
  patterns?: Record<Priority, BurstPattern>;
  now?: () => number;
  /** A fault clears once the output has worked this long without a failure. */
  faultClearMs?: number;
}

const BY_RANK: Record<number, Priority> = { 1: 'low', 2: 'medium', 3: 'high' };

/**
 * What the buzzer should sound for these alarms: the highest priority among the alarms that are active (not
 * acknowledged), audible (not audio-paused; the rules engine keeps `audible`) and not cleared. An alarm left
 * unacknowledged past the escalation time (`escalated`) sounds one priority higher, as its incident is escalated.
 */
export function priorityToSound(alarms: readonly AlarmEvent[]): Priority | null {
  let best = 0;
  for (const a of alarms) {
    if (a.state !== 'active' || !a.audible) continue;
    const rank = Math.min(3, PRIORITY_RANK[a.priority] + (a.escalated ? 1 : 0));
    if (rank > best) best = rank;
  }
  return BY_RANK[best] ?? null;
}

/**
 * Plays the IEC 60601-1-8 burst of the highest priority to sound on one annunciator, repeating it until nothing is
 * left to sound; a change of priority (escalation, a new higher alarm, acknowledgement of the top one) restarts with
 * the new burst at once. A failing output becomes a fault (reported once) and is re-driven until it works again.
 */
export class Buzzer {
  private target: Priority | null = null;
  private on = false;
  private timer: NodeJS.Timeout | undefined;
  private faulted = false;
  private lastFailureAt = 0;
  private probeTimer: NodeJS.Timeout | undefined;
  private closed = false;
  private readonly patterns: Record<Priority, BurstPattern>;
  private readonly now: () => number;
  private readonly faultClearMs: number;

  constructor(private readonly o: BuzzerOptions) {
    this.patterns = o.patterns ?? PATTERNS;
    this.now = o.now ?? Date.now;
    this.faultClearMs = o.faultClearMs ?? 30_000;
    o.output.onFailure?.((err) => this.failed(err));
  }

  get kind(): Annunciator['kind'] {
    return this.o.output.kind;
  }

  /** The priority whose burst is playing, or null. */
  get sounding(): Priority | null {
    return this.target;
  }

  get isFaulted(): boolean {
    return this.faulted;
  }

  /** Self-test at start: drives the output silent; a failure is a fault at once. */
  async start(): Promise<void> {
    await this.drive(false);
  }

  /** Call with the rules' active alarms after every change. */
  update(alarms: readonly AlarmEvent[]): void {
    if (this.closed) return;
    const p = priorityToSound(alarms);
    if (p === this.target) return;
    this.target = p;
    this.o.output.sounding?.(p);
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    if (this.on) void this.drive(false);
    if (p) this.pulse(this.patterns[p], 0);
  }

  async close(): Promise<void> {
    this.closed = true;
    this.target = null;
    for (const t of [this.timer, this.probeTimer]) if (t) clearTimeout(t);
    if (this.on) await this.drive(false);
    await this.o.output.close().catch(() => undefined);
  }

  private pulse(p: BurstPattern, i: number): void {
    void this.drive(true);
    this.timer = setTimeout(() => {
      void this.drive(false);
      this.timer = setTimeout(() => this.pulse(p, (i + 1) % p.pulses.length), p.gaps[i] ?? 0);
    }, p.pulses[i] ?? 0);
  }

  private async drive(on: boolean): Promise<void> {
    this.on = on;
    try {
      await this.o.output.set(on, this.target);
    } catch (err) {
      this.failed(err instanceof Error ? err : new Error(String(err)));
    }
  }

  private failed(err: Error): void {
    if (this.closed) return;
    this.lastFailureAt = this.now();
    if (this.faulted) return;
    this.faulted = true;
    this.o.onFault(true, err.message);
    this.scheduleProbe();
  }

  /** While faulted: clear the fault after a quiet spell, else drive the output again to see whether it recovered. */
  private scheduleProbe(): void {
    this.probeTimer = setTimeout(() => {
      this.probeTimer = undefined;
      if (this.closed || !this.faulted) return;
      if (this.now() - this.lastFailureAt >= this.faultClearMs) {
        this.faulted = false;
        this.o.onFault(false, 'buzzer output working again');
        return;
      }
      void this.drive(this.on);
      this.scheduleProbe();
    }, this.faultClearMs);
  }
}

import type { SampleAction } from '../scenario/plan.js';

/** One simulated device over a real transport, driven by the scenario runner. */
export interface SimDevice {
  readonly id: string;
  /** Connects (MQTT) or opens the port (serial). */
  start(): Promise<void>;
  /** Sends one sample; false when the device had nothing to send (sensor off on a quiet dialect, not connected). */
  sample(s: SampleAction): boolean;
  fall(clockOffsetMs: number): boolean;
  garbage(bytes: Uint8Array): boolean;
  unplug(): Promise<void>;
  replug(): Promise<void>;
  stop(): Promise<void>;
}

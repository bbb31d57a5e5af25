import { readFileSync } from 'node:fs';
import { canonicalUnit, type ParamName } from '../../drivers/core/parameters.js';
import type { Vitals } from '../../simulator/mqtt/vitals-model.js';
import { generateGatewayConfig } from '../../simulator/scenario/gateway-config.js';
import { planScenario, type PlannedDevice, type SampleAction } from '../../simulator/scenario/plan.js';
import { parseScenarioText, type Scenario } from '../../simulator/scenario/schema.js';

/** The fixed clock: the run starts at this epoch ms (2026-01-01T00:00:00Z). */
export const GOLDEN_EPOCH_MS = Date.UTC(2026, 0, 1);

export function loadScenarioFile(path: string): Scenario {
  const p = parseScenarioText(readFileSync(path, 'utf8'));
  if (!p.ok) throw new Error(`${path}: ${p.errors.join('; ')}`);
  return p.scenario;
}

/** The gateway config the simulator would generate for the scenario, with fixed stand-ins for paths and secrets. */
export function scenarioGatewayConfig(s: Scenario): Record<string, unknown> {
  const serialPaths = new Map<string, string>();
  for (const b of s.beds) for (const d of b.devices) if (d.transport === 'serial') serialPaths.set(d.id, `/dev/golden-${d.id}`);
  return generateGatewayConfig(s, {
    dataDir: '/nonexistent/golden',
    central: { url: 'mqtt://127.0.0.1:1', username: 'sim-gw', password: 'golden-central-secret' },
    observer: { username: 'golden-observer', password: 'golden-observer-secret' },
    serialPaths,
  });
}

/**
 * The observations each simulated wire format carries (what the gateway's decoders make of the encoders in
 * simulator/transports/mqtt-device.ts and simulator/serial/encoders.ts): the Masimo line sends SpO2 and pulse
 * rate as integers and a fixed perfusion index of 2.40 %, SenML and NDJSON four vitals, wearable JSON and HL7 six.
 */
function wireReadings(dev: PlannedDevice, v: Vitals): Array<[ParamName, number]> {
  const four: Array<[ParamName, number]> = [['hr', v.hr], ['spo2', v.spo2], ['rr', v.rr], ['temp', v.temp]];
  const six: Array<[ParamName, number]> = [...four, ['sbp', v.sbp], ['dbp', v.dbp]];
  const spec = dev.spec;
  if (spec.transport === 'mqtt') return spec.format === 'senml' ? four : six;
  switch (spec.dialect) {
    case 'masimo':
      return [['spo2', Math.round(Math.min(100, v.spo2))], ['pr', Math.round(v.hr)], ['pi', 2.4]];
    case 'ndjson':
      return four;
    case 'hl7':
      return six;
  }
}

/**
 * A scenario's plan (fixed seed) turned into `wardgate replay` input on the fixed clock: one observation line per
 * parameter a sample carries, `receivedAt` when the daemon would receive it (scenario time divided by the
 * scenario's speed, as the runner plays it: the gateway settings of the shipped scenarios, condition delays,
 * silence and no-data times, are in these real seconds) and `sourceTs` the device clock (clock jumps included); sensor off on a Masimo as the technical condition it reports, silent elsewhere; a wearable's
 * battery as `low-battery` (below 20 %, drivers/mqtt/vitals-json.ts); a fall as the device event; unplug and
 * replug as `device-disconnected`; garbage bytes carry nothing a decoder accepts, so they add no line.
 */
export function scenarioReplayInput(s: Scenario): string[] {
  const plan = planScenario(s);
  const byId = new Map(plan.devices.map((d) => [d.id, d]));
  const lines: string[] = [];
  const sensorOffNow = new Map<string, boolean>();
  const batteryLowNow = new Map<string, boolean>();
  const at = (scenarioMs: number) => GOLDEN_EPOCH_MS + Math.round(scenarioMs / s.speed);
  const technical = (dev: PlannedDevice, condition: string, active: boolean, t: number, detail?: string) =>
    lines.push(JSON.stringify({ type: 'technical', bed: dev.bed, deviceId: dev.id, condition, active, at: at(t), ...(detail ? { detail } : {}) }));
  const sample = (dev: PlannedDevice, a: SampleAction) => {
    const masimo = dev.spec.transport === 'serial' && dev.spec.dialect === 'masimo';
    if (masimo && (sensorOffNow.get(dev.id) ?? false) !== a.sensorOff) {
      sensorOffNow.set(dev.id, a.sensorOff);
      technical(dev, 'sensor-off', a.sensorOff, a.at);
    }
    if (a.battery !== undefined) {
      const low = a.battery < 20;
      if ((batteryLowNow.get(dev.id) ?? false) !== low) {
        batteryLowNow.set(dev.id, low);
        technical(dev, 'low-battery', low, a.at, `${a.battery}%`);
      }
    }
    if (a.sensorOff) return;
    for (const [param, value] of wireReadings(dev, a.vitals)) {
      lines.push(
        JSON.stringify({ bedId: dev.bed, deviceId: dev.id, source: dev.spec.transport, param, value, unit: canonicalUnit(param), receivedAt: at(a.at), sourceTs: at(a.at) + a.clockOffsetMs, sourceSeq: a.seq }),
      );
    }
  };
  for (const a of plan.actions) {
    const dev = byId.get(a.device)!;
    switch (a.kind) {
      case 'sample':
        sample(dev, a);
        break;
      case 'burst':
        for (const b of a.samples) sample(dev, b);
        break;
      case 'fall':
        lines.push(JSON.stringify({ type: 'event', bed: dev.bed, deviceId: dev.id, event: 'fall', at: at(a.at) }));
        break;
      case 'unplug':
        technical(dev, 'device-disconnected', true, a.at);
        break;
      case 'replug':
        technical(dev, 'device-disconnected', false, a.at);
        break;
      case 'garbage':
        break;
    }
  }
  return lines;
}

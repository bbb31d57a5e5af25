import { z } from 'zod';
import { canonicalUnit, isParamName, isPlausible, PARAM_NAMES, type ParamName } from '../drivers/core/parameters.js';
import type { ObservationMessage, QualityFlag, Reading } from '../drivers/core/observation.js';
import type { RulesConfig } from './config.js';
import { createRulesEngine, type RulesEngine } from './engine.js';
import { createUuidV7 } from './ids.js';
import { TECHNICAL_CONDITION_NAMES } from './technical.js';
import type { RulesOutput } from './types.js';

/**
 * `wardgate replay --config FILE < input.ndjson`: runs the rules over recorded input and prints every alarm and
 * incident event, one JSON object per line: `{"alarm":{...AlarmEvent}}` or `{"incident":{...IncidentEvent}}`.
 *
 * Input lines (the clock comes from the records, never from the wall clock):
 * - an observation as the store keeps it (`bedId`, `param`, `value`, `receivedAt`; `deviceId`, `seq`, `flags`,
 *   `sourceTs`, ... optional), recognised by its `param` field;
 * - `{"type":"technical","bed","deviceId"?,"condition","active","at"}`;
 * - `{"type":"event","bed","deviceId","event":"fall","at"}`;
 * - `{"type":"ack","bed","condition","by","at"}` acknowledges that bed's standing alarm of that condition;
 * - `{"type":"pause","bed","by","at","durationMs"?}`;
 * - `{"type":"manual","bed","by","at","acvpu"?,"o2"?,"scale"?}`.
 * Before each record the engine ticks at the record's time when a second or more has passed since the last tick.
 * Ids are UUIDv7 from the record times with a fixed-seed random part, so the same input gives the same output.
 */
const paramSchema = z.string().refine(isParamName, { message: `param must be one of ${PARAM_NAMES.join(', ')}` });
const time = z.number().finite();

const observationLine = z.object({
  bedId: z.string().min(1),
  param: paramSchema,
  value: z.number().finite(),
  receivedAt: time,
  deviceId: z.string().min(1).default('replay'),
  gatewayId: z.string().default('replay'),
  source: z.string().default('replay'),
  seq: z.number().int().optional(),
  sourceTs: time.optional(),
  sourceSeq: z.number().optional(),
  channel: z.string().optional(),
  flags: z.array(z.string()).default([]),
});
const technicalLine = z.object({
  type: z.literal('technical'),
  bed: z.string().min(1),
  deviceId: z.string().min(1).optional(),
  condition: z.enum(TECHNICAL_CONDITION_NAMES),
  active: z.boolean(),
  at: time,
  detail: z.string().optional(),
});
const eventLine = z.object({ type: z.literal('event'), bed: z.string().min(1), deviceId: z.string().min(1), event: z.literal('fall'), at: time });
const ackLine = z.object({ type: z.literal('ack'), bed: z.string().min(1), condition: z.string().min(1), by: z.string().min(1), at: time });
const pauseLine = z.object({ type: z.literal('pause'), bed: z.string().min(1), by: z.string().min(1), at: time, durationMs: z.number().min(0).optional() });
const manualLine = z.object({
  type: z.literal('manual'),
  bed: z.string().min(1),
  by: z.string().min(1),
  at: time,
  acvpu: z.enum(['A', 'C', 'V', 'P', 'U']).optional(),
  o2: z.boolean().optional(),
  scale: z.union([z.literal(1), z.literal(2)]).optional(),
});
const commandLine = z.discriminatedUnion('type', [technicalLine, eventLine, ackLine, pauseLine, manualLine]);

/** A fixed-seed xorshift32 byte source, so replay ids are reproducible. */
function seededRandom(seed: number): (bytes: Uint8Array) => void {
  let x = seed >>> 0 || 1;
  return (bytes) => {
    for (let i = 0; i < bytes.length; i++) {
      x ^= x << 13;
      x >>>= 0;
      x ^= x >>> 17;
      x ^= x << 5;
      x >>>= 0;
      bytes[i] = x & 0xff;
    }
  };
}

const TICK_MS = 1000;

export interface ReplayOptions {
  /**
   * Consecutive observations of one device with the same `receivedAt` and consecutive `seq` go to the engine as one
   * device message (`observeMessage`), as the gateway gives them. The events are the same in both modes and each
   * list (alarm transitions; incident events) keeps its order, but a message's events come as one output, so its
   * incident events follow all of its alarm transitions rather than each the one that caused it. Default false.
   */
  messages?: boolean;
}

export function replayNdjson(lines: Iterable<string>, config: RulesConfig, opts: ReplayOptions = {}): { out: string[]; errors: string[] } {
  const engine: RulesEngine = createRulesEngine(config, { newId: createUuidV7(seededRandom(0x5eed)) });
  const out: string[] = [];
  const errors: string[] = [];
  const print = (r: RulesOutput): void => {
    // Incident events follow the alarm transitions that caused them.
    for (const a of r.alarms) out.push(JSON.stringify({ alarm: a }));
    for (const i of r.incidents) out.push(JSON.stringify({ incident: i }));
  };
  let lastTick = Number.NEGATIVE_INFINITY;
  let seq = 0;
  let message: (ObservationMessage & { readings: Reading[] }) | undefined;
  const flush = (): void => {
    if (message) print(engine.observeMessage(message));
    message = undefined;
  };
  let n = 0;
  const clock = (t: number): void => {
    if (t - lastTick >= TICK_MS) {
      lastTick = t;
      print(engine.tick(t));
    }
  };
  for (const raw of lines) {
    n += 1;
    const line = raw.trim();
    if (line === '') continue;
    let json: unknown;
    try {
      json = JSON.parse(line);
    } catch (err) {
      errors.push(`line ${n}: not JSON (${(err as Error).message})`);
      continue;
    }
    const isObservation = typeof json === 'object' && json !== null && 'param' in json;
    if (isObservation) {
      const p = observationLine.safeParse(json);
      if (!p.success) {
        errors.push(`line ${n}: ${issues(p.error)}`);
        continue;
      }
      const d = p.data;
      const param = d.param as ParamName;
      const flags = d.flags as QualityFlag[];
      if (!isPlausible(param, d.value) && !flags.includes('out-of-range')) flags.push('out-of-range');
      seq = d.seq ?? seq + 1;
      const r: Reading = { param, value: d.value, unit: canonicalUnit(param), flags };
      if (d.sourceTs !== undefined) r.sourceTs = d.sourceTs;
      if (d.sourceSeq !== undefined) r.sourceSeq = d.sourceSeq;
      if (d.channel !== undefined) r.channel = d.channel;
      if (message && opts.messages === true && sameMessage(message, d, seq)) {
        message.readings.push(r);
        continue;
      }
      flush();
      clock(d.receivedAt);
      message = { gatewayId: d.gatewayId, deviceId: d.deviceId, bedId: d.bedId, source: d.source, receivedAt: d.receivedAt, firstSeq: seq, readings: [r] };
      continue;
    }
    flush();
    const c = commandLine.safeParse(json);
    if (!c.success) {
      errors.push(`line ${n}: ${issues(c.error)}`);
      continue;
    }
    const cmd = c.data;
    clock(cmd.at);
    switch (cmd.type) {
      case 'technical':
        print(engine.technical(cmd));
        break;
      case 'event':
        print(engine.deviceEvent(cmd.bed, cmd.deviceId, cmd.event, cmd.at));
        break;
      case 'ack': {
        const a = engine.activeAlarms().find((x) => x.bed === cmd.bed && x.condition === cmd.condition);
        if (!a) errors.push(`line ${n}: no standing ${cmd.condition} alarm on bed ${cmd.bed} to acknowledge`);
        else print(engine.acknowledge(a.id, cmd.by, cmd.at));
        break;
      }
      case 'pause':
        print(engine.pauseAudio(cmd.bed, cmd.by, cmd.at, cmd.durationMs));
        break;
      case 'manual': {
        const inputs: { acvpu?: 'A' | 'C' | 'V' | 'P' | 'U'; o2?: boolean; scale?: 1 | 2 } = {};
        if (cmd.acvpu !== undefined) inputs.acvpu = cmd.acvpu;
        if (cmd.o2 !== undefined) inputs.o2 = cmd.o2;
        if (cmd.scale !== undefined) inputs.scale = cmd.scale;
        print(engine.setManualInputs(cmd.bed, inputs, cmd.by, cmd.at));
        break;
      }
    }
  }
  flush();
  return { out, errors };
}

function sameMessage(m: ObservationMessage, d: { gatewayId: string; deviceId: string; bedId: string; source: string; receivedAt: number }, seq: number): boolean {
  return (
    seq === m.firstSeq + m.readings.length && d.receivedAt === m.receivedAt && d.deviceId === m.deviceId && d.bedId === m.bedId &&
    d.source === m.source && d.gatewayId === m.gatewayId
  );
}

function issues(e: z.ZodError): string {
  return e.issues.map((i) => `${i.path.join('.') || 'line'}: ${i.message}`).join('; ');
}

import type { DecodeResult } from '../core/observation.js';
import { decodeSenml } from './senml.js';
import { decodeVitalsJson } from './vitals-json.js';

/** Decodes a `vitals/<deviceId>` payload: a JSON object, or a SenML JSON array. */
export function decodeVitalsPayload(payload: Buffer | string, nowMs: number): DecodeResult {
  let parsed: unknown;
  try {
    parsed = JSON.parse(typeof payload === 'string' ? payload : payload.toString('utf8'));
  } catch {
    return { items: [], error: 'payload is not JSON' };
  }
  if (Array.isArray(parsed)) return decodeSenml(parsed, nowMs);
  if (parsed && typeof parsed === 'object') return decodeVitalsJson(parsed as Record<string, unknown>);
  return { items: [], error: 'payload must be a JSON object or a SenML array' };
}

/** Decodes an `events/<deviceId>` payload: {"event":"fall","t":<epoch ms>}. */
export function decodeEventPayload(payload: Buffer | string): DecodeResult {
  let parsed: unknown;
  try {
    parsed = JSON.parse(typeof payload === 'string' ? payload : payload.toString('utf8'));
  } catch {
    return { items: [], error: 'payload is not JSON' };
  }
  if (!parsed || typeof parsed !== 'object' || Array.isArray(parsed)) return { items: [], error: 'payload must be a JSON object' };
  const o = parsed as Record<string, unknown>;
  if (o.event !== 'fall') return { items: [], error: `event: unknown event ${JSON.stringify(o.event)}` };
  if ('t' in o && (typeof o.t !== 'number' || !Number.isFinite(o.t))) return { items: [], error: 't: must be epoch milliseconds' };
  return { items: [{ kind: 'event', event: 'fall', sourceTs: o.t as number | undefined }] };
}

import type { MedFloat } from '../ieee11073-float.js';
import type { ConditionReport, Decoded, QualityFlag, Reading } from '../../core/observation.js';
import { canonicalUnit, type ParamName } from '../../core/parameters.js';

/** Builds a reading in the parameter's canonical unit. */
export function reading(param: ParamName, value: number, extra: Omit<Reading, 'param' | 'value' | 'unit'> = {}): Decoded {
  const r: Decoded = { kind: 'reading', param, value, unit: canonicalUnit(param) };
  if (extra.channel !== undefined) r.channel = extra.channel;
  if (extra.site !== undefined) r.site = extra.site;
  if (extra.sourceTs !== undefined) r.sourceTs = extra.sourceTs;
  if (extra.flags !== undefined && extra.flags.length > 0) r.flags = [...extra.flags];
  return r;
}

export function condition(c: ConditionReport): Decoded {
  const d: Decoded = { kind: 'condition', condition: c.condition, active: c.active };
  if (c.detail !== undefined) d.detail = c.detail;
  if (c.sourceTs !== undefined) d.sourceTs = c.sourceTs;
  return d;
}

/**
 * Collects IEEE 11073 special values met in a frame. A special value yields no reading; the frame then
 * reports 'data-invalid' active with the fields named, and a frame with none reports it cleared.
 */
export class SpecialValues {
  private readonly seen: string[] = [];

  /** The finite value, or undefined (recorded) when the field holds NaN, NRes, +/-INF or the reserved code. */
  value(field: string, f: MedFloat): number | undefined {
    if (f.ok) return f.value;
    this.seen.push(`${field}=${f.special}`);
    return undefined;
  }

  get any(): boolean {
    return this.seen.length > 0;
  }

  report(sourceTs?: number, extraInvalid: string[] = []): Decoded {
    const all = [...this.seen, ...extraInvalid];
    const c: ConditionReport = { condition: 'data-invalid', active: all.length > 0 };
    if (all.length > 0) c.detail = all.join(', ');
    if (sourceTs !== undefined) c.sourceTs = sourceTs;
    return condition(c);
  }
}

export function withFlags(flags: QualityFlag[]): { flags?: QualityFlag[] } {
  return flags.length > 0 ? { flags: [...new Set(flags)] } : {};
}

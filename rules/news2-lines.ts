import { z } from 'zod';
import { PARAMETERS } from '../drivers/core/parameters.js';
import { scoreNews2 } from './news2.js';

/**
 * `wardgate news2`: one NDJSON parameter set per line in, one score per line out:
 *   in:  {"rr":18,"spo2":95,"scale":1,"o2":false,"sbp":118,"hr":88,"acvpu":"A","temp":37.2}
 *   out: {"total":1,"subscores":{"rr":0,"spo2":1,"o2":0,"sbp":0,"hr":0,"acvpu":0,"temp":0},"risk":"low","complete":true}
 * Any field may be absent (the score is then incomplete and the subscore omitted); `scale` defaults to 1. A line that
 * is not a JSON object with valid fields produces no output line and an error naming the line (1-based); blank lines
 * are skipped. Unknown fields are ignored. The CLI exits 65 (EX_DATAERR) when `errors` is not empty.
 */
const range = (p: keyof typeof PARAMETERS) => z.number().min(PARAMETERS[p].min).max(PARAMETERS[p].max);

export const news2LineSchema = z.object({
  rr: range('rr').optional(),
  spo2: range('spo2').optional(),
  scale: z.union([z.literal(1), z.literal(2)]).optional(),
  o2: z.boolean().optional(),
  sbp: range('sbp').optional(),
  hr: range('hr').optional(),
  acvpu: z.enum(['A', 'C', 'V', 'P', 'U']).optional(),
  temp: range('temp').optional(),
});

export function news2Lines(lines: Iterable<string>): { out: string[]; errors: string[] } {
  const out: string[] = [];
  const errors: string[] = [];
  let n = 0;
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
    const parsed = news2LineSchema.safeParse(json);
    if (!parsed.success) {
      errors.push(`line ${n}: ${parsed.error.issues.map((i) => `${i.path.join('.') || 'line'}: ${i.message}`).join('; ')}`);
      continue;
    }
    const r = scoreNews2(parsed.data);
    out.push(JSON.stringify({ total: r.total, subscores: r.subscores, risk: r.risk, complete: r.complete }));
  }
  return { out, errors };
}

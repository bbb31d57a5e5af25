import type { AlarmExpectation, ForbiddenAlarm, IncidentExpectation, Scenario } from './schema.js';

/** An alarm transition seen on `alarms/#`, timed in real ms since the scenario started. */
export interface SeenAlarm {
  bed: string;
  condition: string;
  priority: string;
  transition: string;
  realMs: number;
}

/** An incident event the central received, timed in real ms since the scenario started. */
export interface SeenIncident {
  bed: string;
  condition: string;
  type: string;
  realMs: number;
}

export interface ExpectationLine {
  ok: boolean;
  expectation: string;
  result: string;
}

export interface ExpectationReport {
  passed: boolean;
  lines: ExpectationLine[];
}

/** Real seconds the gateway itself takes before it may raise `condition` on `bed` (condition delay, silence). */
export type AllowanceFn = (bed: string, condition: string) => number;

/** Transitions that mean "the alarm is now present at this priority". */
const PRESENT = new Set(['raised', 'escalated', 'deescalated', 'retriggered']);

const fmt = (s: number) => `${Math.round(s)} s`;

/** Real ms by which an expectation must be met: its scenario time compressed, plus the gateway's own delay. */
export function deadlineMs(e: { after: number; withinSeconds: number }, speed: number, allowanceSeconds: number): number {
  return ((e.after + e.withinSeconds) / speed + allowanceSeconds) * 1000;
}

function describeAlarm(e: AlarmExpectation): string {
  return `${e.bed} ${e.condition}${e.priority ? ` ${e.priority}` : ''} within ${fmt(e.withinSeconds)}${e.after ? ` after ${fmt(e.after)}` : ''}`;
}

function describeForbidden(f: ForbiddenAlarm): string {
  return `must not: ${f.bed ?? 'any bed'} ${f.condition ?? 'any condition'}${f.priority ? ` [${f.priority.join(', ')}]` : ''}${f.until !== undefined ? ` before ${fmt(f.until)}` : ''}`;
}

function describeIncident(e: IncidentExpectation): string {
  return `incident ${e.type}: ${e.bed} ${e.condition} within ${fmt(e.withinSeconds)}${e.after ? ` after ${fmt(e.after)}` : ''}`;
}

/** Largest deadline of all positive expectations (how long a run must watch), real ms. */
export function lastDeadlineMs(s: Scenario, allowance: AllowanceFn, graceSeconds: number): number {
  const all = [...s.expect.alarms, ...s.expect.incidents].map((e) => deadlineMs(e, s.speed, allowance(e.bed, e.condition) + graceSeconds));
  return Math.max(0, ...all);
}

/**
 * Compares what the gateway did with what the scenario expects. Pure: the runner feeds it what it saw.
 * Scenario times in the report are real times multiplied back by the speed.
 */
export function evaluateExpectations(s: Scenario, seen: { alarms: SeenAlarm[]; incidents: SeenIncident[] }, allowance: AllowanceFn, graceSeconds = s.gateway.graceSeconds): ExpectationReport {
  const toScenario = (realMs: number) => (realMs / 1000) * s.speed;
  const lines: ExpectationLine[] = [];

  for (const e of s.expect.alarms) {
    const limit = deadlineMs(e, s.speed, allowance(e.bed, e.condition) + graceSeconds);
    const from = (e.after / s.speed) * 1000;
    const matches = seen.alarms.filter((a) => a.bed === e.bed && a.condition === e.condition && PRESENT.has(a.transition) && (!e.priority || a.priority === e.priority) && a.realMs >= from);
    const first = matches[0];
    if (first && first.realMs <= limit) {
      lines.push({ ok: true, expectation: describeAlarm(e), result: `${first.transition} ${first.priority} at ${fmt(toScenario(first.realMs))} (real ${(first.realMs / 1000).toFixed(1)} s)` });
    } else if (first) {
      lines.push({ ok: false, expectation: describeAlarm(e), result: `too late: at real ${(first.realMs / 1000).toFixed(1)} s, deadline ${(limit / 1000).toFixed(1)} s` });
    } else {
      const onBed = [...new Set(seen.alarms.filter((a) => a.bed === e.bed && PRESENT.has(a.transition)).map((a) => `${a.condition} ${a.priority}`))];
      lines.push({ ok: false, expectation: describeAlarm(e), result: `not raised; ${e.bed} had ${onBed.length ? onBed.join(', ') : 'no alarm'}` });
    }
  }

  for (const e of s.expect.incidents) {
    const limit = deadlineMs(e, s.speed, allowance(e.bed, e.condition) + graceSeconds);
    const from = (e.after / s.speed) * 1000;
    const first = seen.incidents.find((i) => i.bed === e.bed && i.condition === e.condition && i.type === e.type && i.realMs >= from);
    if (first && first.realMs <= limit) lines.push({ ok: true, expectation: describeIncident(e), result: `received by the central at ${fmt(toScenario(first.realMs))}` });
    else if (first) lines.push({ ok: false, expectation: describeIncident(e), result: `too late: at real ${(first.realMs / 1000).toFixed(1)} s, deadline ${(limit / 1000).toFixed(1)} s` });
    else {
      const onBed = [...new Set(seen.incidents.filter((i) => i.bed === e.bed).map((i) => `${i.condition} ${i.type}`))];
      lines.push({ ok: false, expectation: describeIncident(e), result: `not received; central had for ${e.bed}: ${onBed.length ? onBed.join(', ') : 'nothing'}` });
    }
  }

  for (const f of s.expect.mustNot) {
    const bad = seen.alarms.filter(
      (a) => PRESENT.has(a.transition) && (!f.bed || a.bed === f.bed) && (!f.condition || a.condition === f.condition) && (!f.priority || f.priority.includes(a.priority as never)) &&
        (f.until === undefined || a.realMs < (f.until / s.speed) * 1000),
    );
    if (bad.length === 0) lines.push({ ok: true, expectation: describeForbidden(f), result: 'none' });
    else {
      const shown = bad.slice(0, 3).map((a) => `${a.bed} ${a.condition} ${a.priority} at ${fmt(toScenario(a.realMs))}`);
      lines.push({ ok: false, expectation: describeForbidden(f), result: `raised: ${shown.join('; ')}${bad.length > 3 ? ` (+${bad.length - 3} more)` : ''}` });
    }
  }
  return { passed: lines.every((l) => l.ok), lines };
}

/** The report as a readable diff: `+` met, `-` missed. */
export function formatReport(r: ExpectationReport): string {
  if (r.lines.length === 0) return 'no expectations in this scenario';
  const width = Math.min(60, Math.max(...r.lines.map((l) => l.expectation.length)));
  const body = r.lines.map((l) => `${l.ok ? '+' : '-'} ${l.expectation.padEnd(width)}  ${l.result}`);
  const failed = r.lines.filter((l) => !l.ok).length;
  return [...body, r.passed ? `PASS: ${r.lines.length} expectation(s) met` : `FAIL: ${failed} of ${r.lines.length} expectation(s) not met`].join('\n');
}

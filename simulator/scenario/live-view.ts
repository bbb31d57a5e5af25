import type { SeenAlarm, SeenIncident } from './expectations.js';

export interface RunProgress {
  scenario: string;
  scenarioSeconds: number;
  durationSeconds: number;
  sent: number;
  /** Samples the device had nothing to send for (sensor off) or could not send (not connected). */
  skipped: number;
  faults: number;
  alarms: readonly SeenAlarm[];
  incidents: readonly SeenIncident[];
  /** Alarms currently present, `bed condition priority`. */
  active: ReadonlyMap<string, string>;
}

const clock = (s: number) => {
  const t = Math.max(0, Math.floor(s));
  return `${String(Math.floor(t / 3600)).padStart(2, '0')}:${String(Math.floor((t % 3600) / 60)).padStart(2, '0')}:${String(t % 60).padStart(2, '0')}`;
};

/** One progress line: scenario clock, what was sent, what came back, the alarms present now. */
export function progressLine(p: RunProgress, width = 160): string {
  const pct = Math.min(100, Math.round((100 * p.scenarioSeconds) / p.durationSeconds));
  const byPriority = { high: 0, medium: 0, low: 0 } as Record<string, number>;
  for (const a of p.alarms) if (a.transition === 'raised') byPriority[a.priority] = (byPriority[a.priority] ?? 0) + 1;
  const active = [...p.active.values()];
  const line =
    `[${p.scenario}] ${clock(p.scenarioSeconds)} ${String(pct).padStart(3)}% | sent ${p.sent}` +
    `${p.faults ? ` faults ${p.faults}` : ''} | raised H${byPriority.high} M${byPriority.medium} L${byPriority.low}` +
    ` | incidents ${p.incidents.length} | now: ${active.length ? active.join(', ') : '-'}`;
  return line.length > width ? `${line.slice(0, width - 1)}…` : line;
}

/** End-of-run table: per bed, the alarms raised (condition and highest priority) and incidents opened. */
export function summaryTable(beds: readonly string[], alarms: readonly SeenAlarm[], incidents: readonly SeenIncident[], sentByBed: ReadonlyMap<string, number>): string {
  const rank: Record<string, number> = { low: 1, medium: 2, high: 3 };
  const rows = beds.map((bed) => {
    const conds = new Map<string, string>();
    for (const a of alarms) {
      if (a.bed !== bed || a.transition === 'cleared') continue;
      const prev = conds.get(a.condition);
      if (!prev || (rank[a.priority] ?? 0) > (rank[prev] ?? 0)) conds.set(a.condition, a.priority);
    }
    const opened = incidents.filter((i) => i.bed === bed && i.type === 'opened').length;
    const list = [...conds].map(([c, p]) => `${c}(${p[0]!.toUpperCase()})`).join(' ');
    return [bed, String(sentByBed.get(bed) ?? 0), String(opened), list || '-'];
  });
  const head = ['bed', 'sent', 'incidents', 'alarms raised (highest priority)'];
  const w = head.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
  const fmt = (r: string[]) => r.map((c, i) => (i === r.length - 1 ? c : c.padEnd(w[i]!))).join('  ');
  return [fmt(head), fmt(w.map((n) => '-'.repeat(n))), ...rows.map(fmt)].join('\n');
}

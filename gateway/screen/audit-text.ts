import type { AuditRow } from '../store/audit.js';
import type { Vocabulary } from './vocabulary.js';

export interface AuditLine {
  row: number;
  at: number;
  actor: string;
  action: string;
  bed: string | null;
  /** The action in words ("Acknowledged alarm"). */
  actionText: string;
  /** What it changed, in words ("Heart rate high"; "Heart rate: high above 110 /min (medium)"). */
  detailText: string;
}

type Band = { above?: number; below?: number; priority?: string };

function limitsText(detail: Record<string, unknown>, v: Vocabulary): string {
  const parts: string[] = [];
  if (typeof detail.profile === 'string') parts.push(`profile ${detail.profile}`);
  const overrides = (detail.overrides ?? {}) as Record<string, { high?: Band[]; low?: Band[]; delaySeconds?: number }>;
  for (const [param, o] of Object.entries(overrides)) {
    const p = v.params[param];
    const unit = p ? ` ${p.unitText}` : '';
    const bands = [
      ...(o.high ?? []).map((b) => `above ${b.above}${unit} (${b.priority ?? '?'})`),
      ...(o.low ?? []).map((b) => `below ${b.below}${unit} (${b.priority ?? '?'})`),
    ];
    if (o.delaySeconds !== undefined) bands.push(`delay ${o.delaySeconds} s`);
    parts.push(`${p?.label ?? param}: ${bands.join(', ') || 'profile values'}`);
  }
  return parts.join('; ');
}

function manualText(d: Record<string, unknown>): string {
  const parts: string[] = [];
  if (typeof d.acvpu === 'string') parts.push(`ACVPU ${d.acvpu}`);
  if (typeof d.o2 === 'boolean') parts.push(d.o2 ? 'on supplemental oxygen' : 'on air');
  if (d.scale === 1 || d.scale === 2) parts.push(`SpO₂ scale ${d.scale}`);
  return parts.join(' · ');
}

/** An audit row as a nurse or a ward manager reads it: the action and its detail in words, no JSON. */
export function auditLine(r: AuditRow, v: Vocabulary): AuditLine {
  const d = r.detail && typeof r.detail === 'object' ? (r.detail as Record<string, unknown>) : {};
  let detailText = '';
  if (r.action === 'acknowledge') detailText = typeof d.condition === 'string' ? (v.conditions[d.condition] ?? d.condition) : '';
  else if (r.action === 'bed-limits') detailText = limitsText(d, v);
  else if (r.action === 'news2-manual-inputs') detailText = manualText(d);
  else if (typeof r.detail === 'string') detailText = r.detail;
  return { row: r.row, at: r.at, actor: r.actor, action: r.action, bed: r.bed, actionText: v.auditActions[r.action] ?? r.action, detailText };
}

function csvCell(s: string): string {
  // A leading = + - @ would run as a formula in a spreadsheet (CSV injection): quote it behind an apostrophe.
  const safe = /^[=+\-@\t\r]/.test(s) ? `'${s}` : s;
  return /[",\r\n]/.test(safe) ? `"${safe.replace(/"/g, '""')}"` : safe;
}

/** RFC 4180 CSV of audit lines, with times in the screen's time zone as `YYYY-MM-DD HH:MM:SS`. */
export function auditCsv(lines: AuditLine[], bedLabel: (id: string) => string, timeZone: string | undefined): string {
  const fmt = new Intl.DateTimeFormat('sv-SE', { timeZone, year: 'numeric', month: '2-digit', day: '2-digit', hour: '2-digit', minute: '2-digit', second: '2-digit', hourCycle: 'h23' });
  const head = ['Time', 'Staff', 'Action', 'Bed', 'Detail'];
  const rows = lines.map((l) => [fmt.format(l.at), l.actor, l.actionText, l.bed ? bedLabel(l.bed) : '', l.detailText]);
  return [head, ...rows].map((r) => r.map(csvCell).join(',')).join('\r\n') + '\r\n';
}

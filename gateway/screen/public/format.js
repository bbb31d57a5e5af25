// Words, numbers and times as the ward reads them. The words come from the gateway (its registries, sent with the
// first snapshot as `vocabulary`); the locale, time zone and clock from the screen's config (`display`).

let vocab = { params: {}, paramOrder: [], conditions: {}, priorities: {}, news2Risk: {}, centralStatus: {}, auditActions: {}, deviceStates: {} };
let display = { locale: 'en-GB', timeZone: undefined, hour12: false, trendHours: 8, patientDisplay: 'initials' };
let timeFmt = null;
let shortTimeFmt = null;
let dateTimeFmt = null;
const numFmts = new Map();

export function configure(v, d) {
  if (v) vocab = v;
  if (d) display = { ...display, ...d };
  const base = { timeZone: display.timeZone || undefined, hourCycle: display.hour12 ? 'h12' : 'h23' };
  timeFmt = new Intl.DateTimeFormat(display.locale, { ...base, hour: '2-digit', minute: '2-digit', second: '2-digit' });
  shortTimeFmt = new Intl.DateTimeFormat(display.locale, { ...base, hour: '2-digit', minute: '2-digit' });
  dateTimeFmt = new Intl.DateTimeFormat(display.locale, { ...base, year: 'numeric', month: '2-digit', day: '2-digit', hour: '2-digit', minute: '2-digit', second: '2-digit' });
  numFmts.clear();
}
configure();

export const words = () => vocab;
export const settings = () => display;

/** The screen's time zone: the configured one, else the browser's. */
export const timeZoneName = () => display.timeZone || Intl.DateTimeFormat().resolvedOptions().timeZone;

/** Wall time in the screen's time zone minus UTC at the instant `t` (ms). */
function zoneOffset(t) {
  const parts = Object.fromEntries(new Intl.DateTimeFormat('en-US', { timeZone: timeZoneName(), hourCycle: 'h23', year: 'numeric', month: '2-digit', day: '2-digit', hour: '2-digit', minute: '2-digit', second: '2-digit' }).formatToParts(t).map((p) => [p.type, p.value]));
  return Date.UTC(+parts.year, +parts.month - 1, +parts.day, +parts.hour, +parts.minute, +parts.second) - Math.floor(t / 1000) * 1000;
}

/**
 * A datetime-local value ("2026-12-04T10:30") read as wall time in the screen's time zone (not the browser's), as
 * epoch ms; NaN if it is not one. A wall time that a DST change skips reads with the offset before the change.
 */
export function zonedEpoch(value) {
  const m = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2})(?::(\d{2}))?/.exec(value ?? '');
  if (!m) return Number.NaN;
  const wall = Date.UTC(+m[1], +m[2] - 1, +m[3], +m[4], +m[5], +(m[6] ?? 0));
  const guess = wall - zoneOffset(wall);
  return wall - zoneOffset(guess);
}

export const clockTime = (t) => timeFmt.format(t);
export const shortTime = (t) => shortTimeFmt.format(t);
export const dateTime = (t) => dateTimeFmt.format(t);

/** A value with the precision its parameter is read in (temperature one decimal, the rest whole numbers). */
export function num(v, param) {
  const digits = param === 'temp' || !Number.isInteger(v) ? 1 : 0;
  let f = numFmts.get(digits);
  if (!f) numFmts.set(digits, (f = new Intl.NumberFormat(display.locale, { minimumFractionDigits: digits, maximumFractionDigits: digits, useGrouping: false })));
  return f.format(v);
}

export const paramShort = (p) => vocab.params[p]?.short ?? vocab.news2Inputs?.[p]?.split(' ')[0] ?? p;
export const paramLabel = (p) => vocab.params[p]?.label ?? vocab.news2Inputs?.[p] ?? p;
export const unitText = (param, unit) => vocab.params[param]?.unitText ?? unit ?? '';
export const marker = (priority) => vocab.priorities[priority]?.marker ?? '';
export const priorityLabel = (priority) => vocab.priorities[priority]?.label ?? priority;
export const news2Risk = (risk) => vocab.news2Risk[risk] ?? risk;
export const deviceState = (s) => vocab.deviceStates[s] ?? s;

/** An alarm condition in words: "Heart rate high", "Sensor off". */
export function conditionText(condition) {
  return vocab.conditions[condition] ?? condition.replace(/-/g, ' ').replace(/^./, (c) => c.toUpperCase());
}

/** The central service's status of an alarm's incident, with who has it: "In progress: Ada (RN)". */
export function centralText(c) {
  if (!c) return '';
  const status = vocab.centralStatus[c.status] ?? c.status.toLowerCase().replace(/_/g, ' ');
  const a = c.assignedTo;
  const who = a ? `: ${a.name}${a.role && !a.name.includes('(') ? ` (${a.role})` : ''}` : '';
  return `${status}${who}`;
}

/** What is known of the patient, as the gateway allowed (initials, name, or only that one is admitted). */
export function patientText(p) {
  if (!p) return '';
  if (p.name) return p.id ? `${p.name} · ${p.id}` : p.name;
  if (p.initials) return p.initials;
  if (p.id) return p.id;
  return 'Patient admitted';
}

/** "42 s", "3 min", "2 h 10 min". */
export function age(ms) {
  const s = Math.max(0, Math.floor(ms / 1000));
  if (s < 60) return `${s} s`;
  if (s < 3600) return `${Math.floor(s / 60)} min`;
  return `${Math.floor(s / 3600)} h ${String(Math.floor((s % 3600) / 60)).padStart(2, '0')} min`;
}

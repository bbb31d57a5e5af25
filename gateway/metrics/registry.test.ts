import { describe, expect, it } from 'vitest';
import type { AlarmEvent } from '../../rules/types.js';
import { createMetrics } from './registry.js';

/**
 * A strict parser for the Prometheus text exposition format 0.0.4
 * (https://prometheus.io/docs/instrumenting/exposition_formats/#text-based-format): HELP/TYPE comments, samples
 * `name{label="value",...} value [timestamp]`, label-value escapes \\ \" \n, Go float values incl. +Inf/-Inf/NaN.
 * Throws on any line that does not follow the grammar.
 */
interface Sample {
  name: string;
  labels: Record<string, string>;
  value: number;
}
interface Family {
  name: string;
  type: string;
  help: string;
  samples: Sample[];
}
const NAME = /^[a-zA-Z_:][a-zA-Z0-9_:]*$/;
const LABEL_NAME = /^[a-zA-Z_][a-zA-Z0-9_]*$/;
const TYPES = new Set(['counter', 'gauge', 'histogram', 'summary', 'untyped']);

function parseValue(text: string): number {
  if (text === '+Inf') return Infinity;
  if (text === '-Inf') return -Infinity;
  if (text === 'NaN') return NaN;
  if (!/^[-+]?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?$/.test(text)) throw new Error(`bad value ${text}`);
  return Number(text);
}

function parseSampleLine(line: string): Sample {
  const m = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(\{(.*)\})? (\S+)( -?\d+)?$/.exec(line);
  if (!m) throw new Error(`bad sample line: ${line}`);
  const labels: Record<string, string> = {};
  let rest = m[3] ?? '';
  while (rest.length > 0) {
    const lm = /^([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\\n]|\\[\\"n])*)"(,|$)/.exec(rest);
    if (!lm) throw new Error(`bad labels in: ${line}`);
    if (!LABEL_NAME.test(lm[1]!) || lm[1]! in labels) throw new Error(`bad/duplicate label in: ${line}`);
    labels[lm[1]!] = lm[2]!.replace(/\\(.)/g, (_, c: string) => (c === 'n' ? '\n' : c));
    rest = rest.slice(lm[0].length);
    if (lm[3] === ',' && rest.length === 0) break; // trailing comma is allowed
  }
  return { name: m[1]!, labels, value: parseValue(m[4]!) };
}

function parseExposition(text: string): Map<string, Family> {
  const families = new Map<string, Family>();
  if (!text.endsWith('\n')) throw new Error('exposition must end with a newline');
  for (const line of text.split('\n').slice(0, -1)) {
    if (line === '') continue;
    if (line.startsWith('#')) {
      const c = /^# (HELP|TYPE) (\S+) (.*)$/.exec(line);
      if (!c) {
        if (/^# (HELP|TYPE)/.test(line)) throw new Error(`bad comment: ${line}`);
        continue;
      }
      const [, kind, name, rest] = c as unknown as [string, string, string, string];
      if (!NAME.test(name)) throw new Error(`bad metric name ${name}`);
      const fam = families.get(name) ?? { name, type: 'untyped', help: '', samples: [] };
      if (kind === 'TYPE') {
        if (!TYPES.has(rest)) throw new Error(`bad type ${rest}`);
        if (fam.samples.length > 0) throw new Error(`TYPE after samples for ${name}`);
        fam.type = rest;
      } else {
        if (fam.help) throw new Error(`second HELP for ${name}`);
        fam.help = rest;
      }
      families.set(name, fam);
      continue;
    }
    const sample = parseSampleLine(line);
    const base = [...families.keys()].find(
      (f) =>
        sample.name === f ||
        (families.get(f)!.type === 'histogram' && ['_bucket', '_sum', '_count'].some((s) => sample.name === f + s)) ||
        (families.get(f)!.type === 'summary' && ['_sum', '_count'].some((s) => sample.name === f + s)),
    );
    if (!base) throw new Error(`sample without TYPE/HELP family: ${line}`);
    families.get(base)!.samples.push(sample);
  }
  for (const fam of families.values()) checkFamily(fam);
  return families;
}

/** Histogram invariants: cumulative buckets, a +Inf bucket equal to _count, one _sum and _count per label set. */
function checkFamily(fam: Family): void {
  if (fam.type !== 'histogram') return;
  const series = new Map<string, Sample[]>();
  for (const s of fam.samples) {
    const { le, ...rest } = s.labels;
    const key = JSON.stringify(rest);
    series.set(key, [...(series.get(key) ?? []), s]);
  }
  for (const [key, samples] of series) {
    const buckets = samples.filter((s) => s.name === `${fam.name}_bucket`);
    const count = samples.filter((s) => s.name === `${fam.name}_count`);
    const sum = samples.filter((s) => s.name === `${fam.name}_sum`);
    if (count.length !== 1 || sum.length !== 1) throw new Error(`${fam.name}${key}: needs one _sum and _count`);
    const les = buckets.map((b) => parseValue(b.labels.le ?? 'missing'));
    if (les.at(-1) !== Infinity) throw new Error(`${fam.name}${key}: last bucket must be +Inf`);
    for (let i = 1; i < buckets.length; i++) {
      if (!(les[i]! > les[i - 1]!)) throw new Error(`${fam.name}${key}: le not increasing`);
      if (buckets[i]!.value < buckets[i - 1]!.value) throw new Error(`${fam.name}${key}: buckets not cumulative`);
    }
    if (buckets.at(-1)!.value !== count[0]!.value) throw new Error(`${fam.name}${key}: +Inf bucket != count`);
  }
}

function value(families: Map<string, Family>, name: string, labels: Record<string, string> = {}): number | undefined {
  for (const fam of families.values()) {
    for (const s of fam.samples) {
      if (s.name === name && Object.entries(labels).every(([k, v]) => s.labels[k] === v)) return s.value;
    }
  }
  return undefined;
}

function alarm(transition: AlarmEvent['transition'], priority: AlarmEvent['priority'], raisedAt: number, at: number) {
  const state = transition === 'acknowledged' ? 'acknowledged' : transition === 'cleared' ? 'cleared' : 'active';
  return {
    id: 'a1', bed: '12', condition: 'spo2-low', kind: 'physiological', priority, state, transition,
    audible: state === 'active', latched: false, latching: true, escalated: false, raisedAt, at, by: 'rules',
    incidentId: 'i1', message: 'SpO2 low',
  } satisfies AlarmEvent;
}

describe('exposition parser (self-check: it must reject what Prometheus rejects)', () => {
  it.each([
    ['no newline at end', '# TYPE a counter\na 1'],
    ['sample without family', 'a 1\n'],
    ['bad value', '# TYPE a gauge\na one\n'],
    ['unquoted label', '# TYPE a gauge\na{x=1} 1\n'],
    ['bad escape', '# TYPE a gauge\na{x="\\q"} 1\n'],
    ['non-cumulative histogram', '# TYPE h histogram\nh_bucket{le="1"} 2\nh_bucket{le="+Inf"} 1\nh_sum 1\nh_count 1\n'],
    ['+Inf != count', '# TYPE h histogram\nh_bucket{le="+Inf"} 2\nh_sum 1\nh_count 1\n'],
    ['bad type', '# TYPE a countr\n'],
  ])('rejects %s', (_name, text) => {
    expect(() => parseExposition(text)).toThrow();
  });
  it('accepts a well-formed document with escapes', () => {
    const f = parseExposition('# HELP a x\n# TYPE a gauge\na{x="q\\"\\\\\\n"} -1.5e3\n');
    expect(value(f, 'a', { x: 'q"\\\n' })).toBe(-1500);
  });
});

describe('createMetrics', () => {
  it('scrapes as valid Prometheus text with every gateway metric and the Node default metrics', async () => {
    let outbox = { depth: 0, oldestAgeSeconds: 0 };
    const m = createMetrics({ version: '0.1.0-test', outbox: () => outbox });
    m.recordObservation('serial-mindray', 'hr');
    m.recordObservation('serial-mindray', 'hr');
    m.recordObservation('ble-nonin', 'spo2');
    m.recordDecodeError('hl7v2');
    m.recordDrop('implausible');
    m.recordAlarm(alarm('raised', 'high', 1_000, 1_000));
    m.recordAlarm(alarm('escalated', 'high', 1_000, 5_000));
    m.recordAlarm(alarm('acknowledged', 'high', 1_000, 43_000)); // 42 s to acknowledge
    m.recordAlarm(alarm('cleared', 'high', 1_000, 601_000)); // 600 s to resolve
    m.recordAlarm(alarm('acknowledged', 'medium', 0, 7_000));
    m.recordSyncLatency(0.3);
    m.recordSyncLatency(2);
    m.recordSyncLatency(Number.NaN); // ignored
    m.recordAlarmCommit(0.003);
    m.recordAlarmCommit(0.015);
    m.recordAlarmCommit(-1); // ignored
    outbox = { depth: 17, oldestAgeSeconds: 93.5 };
    // Let the event-loop delay monitor take samples.
    await new Promise((r) => setTimeout(r, 100));

    const text = await m.scrape();
    expect(m.contentType).toMatch(/^text\/plain; version=0\.0\.4/);
    const f = parseExposition(text);

    expect(value(f, 'wardgate_observations_total', { driver: 'serial-mindray', param: 'hr' })).toBe(2);
    expect(value(f, 'wardgate_observations_total', { driver: 'ble-nonin', param: 'spo2' })).toBe(1);
    expect(value(f, 'wardgate_decode_errors_total', { codec: 'hl7v2' })).toBe(1);
    expect(value(f, 'wardgate_dropped_observations_total', { reason: 'implausible' })).toBe(1);
    expect(value(f, 'wardgate_alarms_total', { priority: 'high', state: 'active' })).toBe(1); // escalation not counted
    expect(value(f, 'wardgate_alarms_total', { priority: 'high', state: 'acknowledged' })).toBe(1);
    expect(value(f, 'wardgate_alarms_total', { priority: 'high', state: 'cleared' })).toBe(1);
    expect(value(f, 'wardgate_alarm_time_to_ack_seconds_sum', { priority: 'high' })).toBe(42);
    expect(value(f, 'wardgate_alarm_commit_seconds_count')).toBe(2); // the negative one is not a duration
    expect(value(f, 'wardgate_alarm_commit_seconds_bucket', { le: '0.005' })).toBe(1);
    expect(value(f, 'wardgate_alarm_commit_seconds_bucket', { le: '0.02' })).toBe(2);
    expect(value(f, 'wardgate_alarm_time_to_ack_seconds_count', { priority: 'high' })).toBe(1);
    expect(value(f, 'wardgate_alarm_time_to_ack_seconds_bucket', { priority: 'high', le: '30' })).toBe(0);
    expect(value(f, 'wardgate_alarm_time_to_ack_seconds_bucket', { priority: 'high', le: '60' })).toBe(1);
    expect(value(f, 'wardgate_alarm_time_to_ack_seconds_sum', { priority: 'medium' })).toBe(7);
    expect(value(f, 'wardgate_alarm_time_to_resolve_seconds_sum', { priority: 'high' })).toBe(600);
    expect(value(f, 'wardgate_sync_latency_seconds_count')).toBe(2);
    expect(value(f, 'wardgate_sync_latency_seconds_sum')).toBeCloseTo(2.3, 9);
    expect(value(f, 'wardgate_outbox_depth')).toBe(17);
    expect(value(f, 'wardgate_outbox_oldest_age_seconds')).toBe(93.5);
    expect(value(f, 'wardgate_build_info', { version: '0.1.0-test', node: process.version })).toBe(1);
    expect(f.get('wardgate_alarm_time_to_ack_seconds')?.type).toBe('histogram');
    expect(f.get('wardgate_observations_total')?.type).toBe('counter');
    expect(f.get('wardgate_outbox_depth')?.type).toBe('gauge');

    // Node defaults: event-loop lag and memory.
    expect(value(f, 'nodejs_eventloop_lag_seconds')).toBeGreaterThanOrEqual(0);
    expect(value(f, 'nodejs_eventloop_lag_p99_seconds')).toBeGreaterThan(0);
    expect(value(f, 'process_resident_memory_bytes')).toBeGreaterThan(1_000_000);
    expect(value(f, 'nodejs_heap_size_used_bytes')).toBeGreaterThan(1_000_000);
    for (const fam of f.values()) expect(fam.help, fam.name).not.toBe('');
  });

  it('reads the outbox probe at every scrape and can be rebound', async () => {
    const m = createMetrics({ version: '0.1.0', defaultMetrics: false });
    expect(value(parseExposition(await m.scrape()), 'wardgate_outbox_depth')).toBe(0);
    let depth = 3;
    m.setOutboxProbe(() => ({ depth, oldestAgeSeconds: depth * 10 }));
    expect(value(parseExposition(await m.scrape()), 'wardgate_outbox_depth')).toBe(3);
    depth = 0;
    const f = parseExposition(await m.scrape());
    expect(value(f, 'wardgate_outbox_depth')).toBe(0);
    expect(value(f, 'wardgate_outbox_oldest_age_seconds')).toBe(0);
    expect(value(f, 'nodejs_eventloop_lag_seconds')).toBeUndefined();
  });

  it('keeps two metric sets apart (one registry each)', async () => {
    const a = createMetrics({ version: 'a', defaultMetrics: false });
    const b = createMetrics({ version: 'b', defaultMetrics: false });
    a.recordDecodeError('x');
    expect(value(parseExposition(await b.scrape()), 'wardgate_decode_errors_total', { codec: 'x' })).toBeUndefined();
    expect(value(parseExposition(await a.scrape()), 'wardgate_decode_errors_total', { codec: 'x' })).toBe(1);
  });
});

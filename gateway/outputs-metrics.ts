import { Counter, Gauge, type Registry } from 'prom-client';
import type { HospitalOutputs } from './outputs.js';

/**
 * Prometheus figures of the hospital outputs (docs/integration-ihe.md), read at scrape time: queue depth and age per
 * destination, delivery attempts by outcome, watchdogs, and whether the alarm manager is reachable.
 */
export function registerOutputMetrics(registry: Registry, outputs: HospitalOutputs, now: () => number): void {
  const destinations = (): Array<[string, { counters: { sent: number; acked: number; retries: number; refused: number } } | undefined]> => [
    ['alarm-manager', outputs.alarmReporter],
    ['ehr', outputs.observationReporter?.sender],
  ];
  new Gauge({
    name: 'wardgate_output_queue_depth',
    help: 'HL7 messages for the hospital (PCD-04 alarm manager, PCD-01 EHR) queued and not yet confirmed',
    labelNames: ['destination'],
    registers: [registry],
    collect() {
      for (const [d, r] of destinations()) if (r) this.set({ destination: d }, outputs.outbox.stats(d).depth);
    },
  });
  new Gauge({
    name: 'wardgate_output_oldest_unconfirmed_seconds',
    help: 'Age of the oldest HL7 message the hospital system has not confirmed yet (0 when none)',
    labelNames: ['destination'],
    registers: [registry],
    collect() {
      for (const [d, r] of destinations()) {
        if (!r) continue;
        const oldest = outputs.outbox.stats(d).oldestCreatedAt;
        this.set({ destination: d }, oldest === null ? 0 : Math.max(0, (now() - oldest) / 1000));
      }
    },
  });
  new Counter({
    name: 'wardgate_output_messages_total',
    help: 'HL7 message deliveries since start by outcome: sent (attempts), acked, retried (no answer, lost connection or refused), refused (CE/CR/AE/AR)',
    labelNames: ['destination', 'outcome'],
    registers: [registry],
    collect() {
      this.reset();
      for (const [d, r] of destinations()) {
        if (!r) continue;
        const c = r.counters;
        this.inc({ destination: d, outcome: 'sent' }, c.sent);
        this.inc({ destination: d, outcome: 'acked' }, c.acked);
        this.inc({ destination: d, outcome: 'retried' }, c.retries);
        this.inc({ destination: d, outcome: 'refused' }, c.refused);
      }
    },
  });
  new Counter({
    name: 'wardgate_alarm_manager_watchdogs_total',
    help: 'Watchdogs (keep-alive PCD-04) sent to the alarm manager, by outcome: answered or missed',
    labelNames: ['outcome'],
    registers: [registry],
    collect() {
      this.reset();
      const r = outputs.alarmReporter;
      if (!r) return;
      this.inc({ outcome: 'answered' }, r.counters.watchdogsAnswered);
      this.inc({ outcome: 'missed' }, r.counters.watchdogsMissed);
    },
  });
  new Gauge({
    name: 'wardgate_alarm_manager_reachable',
    help: '1 while the alarm manager confirms messages and watchdogs in time, 0 while the unreachable alarm stands',
    registers: [registry],
    collect() {
      if (outputs.alarmReporter) this.set(outputs.alarmReporter.isReachable ? 1 : 0);
    },
  });
}

/**
 * Chaos soak at ward scale: 50 beds, one MQTT wearable each (its own login), one sample a second with all six
 * vitals, against ONE real gateway process syncing to Debian mosquitto, for RELIABILITY.chaosSoakSeconds real
 * seconds (30 short, 1800 long). Meanwhile, on fixed periods (CHAOS below):
 *  - wearables drop off (connection ended) and come back after 5-45 s (over 30 s raises `no-data`);
 *  - the upstream mosquitto is stopped and started again (its persistent session keeps the central's queue);
 *  - the gateway gets SIGHUP (its config re-read and applied) and must log 'config: reloaded' each time;
 *  - a burst of alarms: ten beds go tachycardic and desaturated for a few seconds, then back; a nurse then
 *    acknowledges what is still shown so latched alarms clear and the next burst raises afresh.
 * At the end: every alarm transition in the store's alarm_events was seen on alarms/#, every alarm raised has
 * incident events at the central, every outbox row reached the central, each incident's events there have no
 * gap in incidentSeq, every closed incident's closing event arrived, and PRAGMA integrity_check is ok. Measured:
 * the daemon's RSS (growth, last quarter vs second quarter; < 5 MB asserted in the long form) and the latency from
 * a sample to the alarm it raised on alarms/#, p99 in the first and last five minutes (recorded; asserted only
 * loosely because the test box is shared). The gateway runs built, with the systemd unit's Node.js flags.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import mqtt, { type MqttClient } from 'mqtt';
import { afterAll, describe, expect, it } from 'vitest';
import { startGatewayProcess, writeConfig, type GatewayProcess } from '../helpers/gateway-process.js';
import { startMosquitto, type Mosquitto } from '../helpers/mosquitto.js';
import { waitFor } from '../helpers/wait.js';
import { acknowledgeEverything, beds, collectAlarms, connectMqtt, enterManualInputs, gatewayConfig, percentile, rssMb, sleep, type AlarmMessage } from './live-gateway.js';
import { metricValue } from '../../bench/load/metrics-text.js';
import { figure, LONG, RELIABILITY } from './profile.js';

const SECONDS = RELIABILITY.chaosSoakSeconds;
const BEDS = 50;
/** Periods and durations of the chaos, in real seconds. */
const CHAOS = LONG
  ? { dropEvery: 10, outageEvery: 300, outageFor: 20, reloadEvery: 120, burstEvery: 180, burstFor: 8, window: 300 }
  : { dropEvery: 2, outageEvery: 12, outageFor: 4, reloadEvery: 7, burstEvery: 10, burstFor: 4, window: 10 };
const BURST_BEDS = 10;

interface Central {
  client: MqttClient;
  events: Map<string, { incidentId: string; incidentSeq: number; type: string; alarmId: string }>;
}

async function startCentral(upstream: Mosquitto): Promise<Central> {
  const events: Central['events'] = new Map();
  const client = mqtt.connect(upstream.url, { username: 'central', password: 'central-secret', clientId: 'central-chaos', clean: false, protocolVersion: 5, properties: { sessionExpiryInterval: 7200 }, reconnectPeriod: 200 });
  await new Promise<void>((resolve, reject) => {
    client.once('connect', () => resolve());
    client.once('error', reject);
  });
  client.on('message', (_t, p) => {
    const m = JSON.parse(p.toString()) as { eventId?: string; incident?: { incidentId: string; incidentSeq: number; type: string; alarmId: string } };
    if (m.eventId && m.incident) events.set(m.eventId, m.incident);
  });
  await client.subscribeAsync('wardgate/+/+/+/incidents', { qos: 1 });
  return { client, events };
}

describe(`chaos soak: ${BEDS} beds at 1 Hz for ${SECONDS} s with drops, upstream outages, SIGHUP and alarm bursts`, () => {
  const dir = mkdtempSync(join(tmpdir(), 'wg-chaos-'));
  let upstream: Mosquitto | undefined;
  let central: Central | undefined;
  let gw: GatewayProcess | undefined;
  let observer: MqttClient | undefined;
  const clients = new Map<string, MqttClient>();
  let running = true;

  afterAll(async () => {
    running = false;
    for (const c of clients.values()) c.end(true);
    observer?.end(true);
    central?.client.end(true);
    await gw?.kill();
    await upstream?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('delivers every alarm locally and upstream with memory bounded and latency steady', async () => {
    upstream = await startMosquitto(join(dir, 'mosquitto'), { 'gw-rel': 'gw-secret', central: 'central-secret' });
    central = await startCentral(upstream);
    const list = beds(BEDS);
    const config = gatewayConfig(dir, list, {
      sync: { enabled: true, transport: 'mqtt', mqtt: { url: upstream.url, username: 'gw-rel', password: 'gw-secret', protocolVersion: 5 }, retryMinMs: 200, retryMaxMs: 2000 },
      maxSilenceSeconds: 30, // a drop-off over 30 s raises no-data (each device's own bound)
    });
    config.rules = { incidents: { rejoinWindowSeconds: 2 } };
    const configPath = writeConfig(dir, config);
    // Built, with the unit's Node.js flags: the memory measured is that of the gateway a ward runs.
    // WARDGATE_SOAK_HEAP_SNAPSHOTS=DIR: heap snapshots into DIR at the end of the second and of the last quarter, to
    // compare what grew. A snapshot stops the gateway for seconds and takes memory itself: a diagnosis, not a record.
    const snapshotDir = process.env.WARDGATE_SOAK_HEAP_SNAPSHOTS;
    gw = await startGatewayProcess(configPath, {}, 60_000, { asInstalled: true, ...(snapshotDir ? { nodeArgs: ['--heapsnapshot-signal=SIGUSR2', `--diagnostic-dir=${snapshotDir}`] } : {}) });
    const pid = gw.child.pid!;
    let alarms: AlarmMessage[];
    ({ client: observer, alarms } = await collectAlarms(gw.brokerPort));
    await enterManualInputs(gw.screenPort, list.map((b) => b.bed));

    const connect = (b: (typeof list)[number]) => connectMqtt(gw!.brokerPort, { username: b.device, password: b.password, clientId: b.device, reconnectPeriod: 500 });
    for (const b of list) clients.set(b.device, await connect(b));

    const t0 = Date.now();
    const elapsed = () => (Date.now() - t0) / 1000;
    const high = new Set<string>();
    const dropped = new Set<string>();
    let sent = 0;
    let seq = 0;
    // One sample per bed per second, all six vitals; a burst bed sends tachycardia and desaturation.
    const sampler = setInterval(() => {
      seq += 1;
      for (const b of list) {
        const c = clients.get(b.device);
        if (!c?.connected || dropped.has(b.device)) continue;
        const h = high.has(b.bed);
        c.publish(`vitals/${b.device}`, JSON.stringify({ t: Date.now(), seq, hr: h ? 160 : 72 + (seq % 5), spo2: h ? 85 : 97, rr: 16, temp: 36.8, sbp: 122, dbp: 78 }), { qos: 0 });
        sent += 1;
      }
    }, 1000);

    const rss: Array<{ atS: number; mb: number }> = [];
    const rssTimer = setInterval(() => {
      try {
        rss.push({ atS: elapsed(), mb: rssMb(pid) });
      } catch {
        // exiting
      }
    }, 2000);
    // The V8 heap beside RSS, from the gateway's /metrics: tells a growing heap from native memory finding its size.
    const heap: Array<{ atS: number; usedMb: number; totalMb: number; externalMb: number; newMb: number; oldMb: number }> = [];
    const heapTimer = setInterval(() => {
      void fetch(`http://127.0.0.1:${gw!.screenPort}/metrics`)
        .then((r) => r.text())
        .then((text) => {
          const read = (name: string): number => (metricValue(text, name) ?? NaN) / 1048576;
          heap.push({
            atS: elapsed(),
            usedMb: read('nodejs_heap_size_used_bytes'),
            totalMb: read('nodejs_heap_size_total_bytes'),
            externalMb: read('nodejs_external_memory_bytes'),
            newMb: read('nodejs_heap_space_size_total_bytes{space="new"}'),
            oldMb: read('nodejs_heap_space_size_total_bytes{space="old"}'),
          });
        })
        .catch(() => undefined);
    }, 30_000);

    const snapshotTimers = snapshotDir ? [SECONDS / 2, SECONDS - 20].map((atS) => setTimeout(() => gw!.child.kill('SIGUSR2'), atS * 1000)) : [];

    // Chaos loops, each on its own period until the end.
    let drops = 0;
    let outages = 0;
    let reloads = 0;
    let bursts = 0;
    let acknowledged = 0;
    const burstBeds: string[][] = [];
    const every = async (periodS: number, firstAtS: number, act: () => Promise<void>) => {
      await sleep(firstAtS * 1000);
      while (running && elapsed() < SECONDS - periodS / 2) {
        const started = elapsed();
        await act();
        await sleep(Math.max(0, (periodS - (elapsed() - started)) * 1000));
      }
    };
    // Wearables of beds 26-50 drop (burst beds are 1-25, so a burst is never sent into a dropped link).
    const dropLoop = every(CHAOS.dropEvery, 1, async () => {
      const b = list[25 + Math.floor(Math.random() * 25)]!;
      if (dropped.has(b.device)) return;
      dropped.add(b.device);
      drops += 1;
      clients.get(b.device)!.end(true);
      const away = (LONG ? 5 + Math.random() * 40 : 1 + Math.random() * 2) * 1000;
      void sleep(away).then(async () => {
        if (!running) return;
        try {
          clients.set(b.device, await connect(b));
        } finally {
          dropped.delete(b.device);
        }
      });
    });
    const outageLoop = every(CHAOS.outageEvery, CHAOS.outageEvery / 2, async () => {
      outages += 1;
      await upstream!.stop();
      await sleep(CHAOS.outageFor * 1000);
      await upstream!.restart();
    });
    const reloadLoop = every(CHAOS.reloadEvery, CHAOS.reloadEvery / 2, async () => {
      const before = gw!.logs.filter((l) => l.msg === 'config: reloaded').length;
      gw!.child.kill('SIGHUP');
      reloads += 1;
      await gw!.waitForLog(() => gw!.logs.filter((l) => l.msg === 'config: reloaded').length > before, 60_000);
    });
    const burstLoop = every(CHAOS.burstEvery, 3, async () => {
      const chosen = list.slice(0, 25).sort(() => Math.random() - 0.5).slice(0, BURST_BEDS).map((b) => b.bed);
      burstBeds.push(chosen);
      bursts += 1;
      for (const b of chosen) high.add(b);
      await sleep(CHAOS.burstFor * 1000);
      for (const b of chosen) high.delete(b);
      await sleep(2000);
      acknowledged += await acknowledgeEverything(gw!.screenPort);
    });
    await Promise.all([dropLoop, outageLoop, reloadLoop, burstLoop]);

    // Settle: everything still shown is acknowledged, incidents close (rejoin window 2 s), the outbox drains.
    const dbPath = join(dir, 'data', 'wardgate.db');
    const pending = () => {
      const db = new Database(dbPath, { readonly: true });
      try {
        const p = (db.prepare('SELECT COUNT(*) AS n FROM outbox_deliveries WHERE delivered_at IS NULL').get() as { n: number }).n;
        const open = db.prepare("SELECT bed, condition FROM incidents WHERE status <> 'closed'").all() as Array<{ bed: string; condition: string }>;
        return { p, open: open.length, conditions: [...new Set(open.map((o) => o.condition))] };
      } finally {
        db.close();
      }
    };
    await waitFor(async () => {
      acknowledged += await acknowledgeEverything(gw!.screenPort);
      const s = pending();
      return s.p === 0 && s.open === 0;
    }, 120_000, () => `the outbox to drain and every incident to close: ${JSON.stringify(pending())}`);
    // The wearables keep sending until here: stopped earlier, every bed would raise no-data.
    clearInterval(sampler);
    clearInterval(rssTimer);
    clearInterval(heapTimer);
    for (const t of snapshotTimers) clearTimeout(t);
    const realSeconds = elapsed();
    await gw.stop();

    const db = new Database(dbPath, { readonly: true });
    const integrity = db.pragma('integrity_check', { simple: true });
    const stored = db.prepare('SELECT alarm_id, transition FROM alarm_events').all() as Array<{ alarm_id: string; transition: string }>;
    const outbox = db.prepare("SELECT id, incident_id, incident_seq, kind FROM outbox WHERE kind = 'incident-event'").all() as Array<{ id: string; incident_id: string | null; incident_seq: number | null; kind: string }>;
    const incidents = db.prepare('SELECT id, status, last_seq FROM incidents').all() as Array<{ id: string; status: string; last_seq: number }>;
    db.close();

    await waitFor(() => outbox.every((o) => central!.events.has(o.id)), 30_000, () => `the central to hold every outbox row (${outbox.filter((o) => !central!.events.has(o.id)).length} missing)`);
    const onBus = new Set(alarms.map((a) => `${a.id} ${a.transition}`));
    const missingOnBus = stored.filter((s) => !onBus.has(`${s.alarm_id} ${s.transition}`));
    const centralEvents = [...central.events.values()];
    const alarmIdsUpstream = new Set(centralEvents.map((e) => e.alarmId));
    const raisedIds = [...new Set(alarms.map((a) => a.id))];
    const missingUpstream = raisedIds.filter((id) => !alarmIdsUpstream.has(id));
    const byIncident = new Map<string, Set<number>>();
    const closedUpstream = new Set<string>();
    for (const e of centralEvents) {
      byIncident.set(e.incidentId, (byIncident.get(e.incidentId) ?? new Set()).add(e.incidentSeq));
      if (e.type === 'closed') closedUpstream.add(e.incidentId);
    }
    const gaps = incidents.filter((i) => {
      const seqs = byIncident.get(i.id);
      return !seqs || Array.from({ length: i.last_seq }, (_, k) => k + 1).some((s) => !seqs.has(s));
    });
    const lostClosing = incidents.filter((i) => i.status === 'closed' && !closedUpstream.has(i.id));
    const burstBedsRaised = burstBeds.flat();
    const bedsWithAlarm = new Set(alarms.filter((a) => a.transition === 'raised' || a.transition === 'retriggered').map((a) => a.bed));

    // Latency: the causing sample's device time -> arrival on alarms/#, first vs last window. Raised (or retriggered)
    // alarms only: a later transition (acknowledged, cleared after the nurse's acknowledgement) carries the last
    // sample's time too, but a nurse, not that sample, caused it.
    const lat = (fromS: number, toS: number) =>
      alarms
        .filter((a) => (a.transition === 'raised' || a.transition === 'retriggered') && a.sourceTs !== undefined && (a.receivedAtWallMs - t0) / 1000 >= fromS && (a.receivedAtWallMs - t0) / 1000 < toS)
        .map((a) => a.receivedAtWallMs - a.sourceTs!);
    const first = lat(0, CHAOS.window);
    const last = lat(SECONDS - CHAOS.window, SECONDS + 1);
    const q = Math.floor(rss.length / 4);
    const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / Math.max(1, xs.length);
    const rssGrowth = mean(rss.slice(3 * q).map((r) => r.mb)) - mean(rss.slice(q, 2 * q).map((r) => r.mb));

    figure('chaos: real seconds', realSeconds);
    figure('chaos: samples sent (six vitals each)', sent);
    figure('chaos: device drops / upstream outages / SIGHUP reloads / alarm bursts', `${drops} / ${outages} / ${reloads} / ${bursts}`);
    figure('chaos: alarm transitions on alarms/# / in alarm_events', `${alarms.length} / ${stored.length}`);
    figure('chaos: alarms acknowledged by the nurse', acknowledged);
    figure('chaos: incidents / outbox rows / events at the central', `${incidents.length} / ${outbox.length} / ${central.events.size}`);
    figure('chaos: alarm transitions missing on alarms/#', missingOnBus.length);
    figure('chaos: alarms with no incident event upstream', missingUpstream.length);
    figure('chaos: incidents with a gap upstream / closed without closing event upstream', `${gaps.length} / ${lostClosing.length}`);
    figure('chaos: RSS min / max', `${Math.min(...rss.map((r) => r.mb)).toFixed(1)} / ${Math.max(...rss.map((r) => r.mb)).toFixed(1)}`, 'MB');
    figure('chaos: RSS growth, mean of last quarter - mean of second quarter', rssGrowth, 'MB');
    figure(`chaos: sample->raised alarm p99 first ${CHAOS.window} s (n=${first.length})`, percentile(first, 99), 'ms');
    figure(`chaos: sample->raised alarm p99 last ${CHAOS.window} s (n=${last.length})`, percentile(last, 99), 'ms');
    figure('chaos: sample->raised alarm p50 / p99 / max over the run', `${percentile(lat(0, 1e9), 50)} / ${percentile(lat(0, 1e9), 99)} / ${Math.max(...lat(0, 1e9))}`, 'ms');
    for (let i = 0; i < rss.length; i += Math.max(1, Math.floor(rss.length / 20))) figure('chaos: rss sample', `t=${rss[i]!.atS.toFixed(0)} s ${rss[i]!.mb.toFixed(1)} MB`);
    for (const h of heap) figure('chaos: V8 heap used / committed (new space, old space), external', `t=${h.atS.toFixed(0)} s ${h.usedMb.toFixed(1)} / ${h.totalMb.toFixed(1)} (${h.newMb.toFixed(1)}, ${h.oldMb.toFixed(1)}) MB, ${h.externalMb.toFixed(1)} MB`);

    expect(integrity).toBe('ok');
    expect(bursts).toBeGreaterThanOrEqual(LONG ? 9 : 2);
    expect(outages).toBeGreaterThanOrEqual(LONG ? 5 : 1);
    expect(reloads).toBeGreaterThanOrEqual(LONG ? 10 : 2);
    expect(drops).toBeGreaterThan(LONG ? 100 : 5);
    expect(burstBedsRaised.filter((b) => !bedsWithAlarm.has(b))).toEqual([]);
    expect(missingOnBus).toEqual([]);
    expect(missingUpstream).toEqual([]);
    expect(gaps.map((g) => g.id)).toEqual([]);
    expect(lostClosing.map((g) => g.id)).toEqual([]);
    expect(first.length).toBeGreaterThan(0);
    expect(last.length).toBeGreaterThan(0);
    if (LONG) {
      expect(rssGrowth).toBeLessThan(5);
      // "Unchanged" with room for a shared box: a leak or a growing queue shows as a multiple, not as noise.
      const p99First = percentile(first, 99);
      expect(percentile(last, 99)).toBeLessThan(Math.max(2 * p99First, p99First + 500));
    }
  }, (SECONDS + 300) * 1000);
});

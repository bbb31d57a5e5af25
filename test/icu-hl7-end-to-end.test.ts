import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import Database from 'better-sqlite3';
import type { MqttClient } from 'mqtt';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { pcd01Message } from '../drivers/serial/hl7/fixtures.js';
import { encodeMllp } from '../drivers/serial/hl7/mllp.js';
import { validateMessage } from '../sync/json-schema.js';
import { startGatewayProcess, writeConfig, type GatewayProcess } from './helpers/gateway-process.js';
import { startMosquitto, type Mosquitto } from './helpers/mosquitto.js';
import { waitFor } from './helpers/wait.js';
import { connectMqtt, wardConfig } from './helpers/ward-config.js';

const run = promisify(execFile);

/**
 * An ICU monitor's PCD-01 feed: PA and CVP, EtCO2, PVCs, one code the table does not map, and a low arterial line
 * (last, so the incident's vitals snapshot carries everything before it).
 */
function icuMessage(controlId: string): string {
  return pcd01Message({
    controlId,
    bed: 'ICU-1',
    obx: [
      'OBX|1|NM|147842^MDC_ECG_HEART_RATE^MDC|1.1.1.147842|96|264864^MDC_DIM_BEAT_PER_MIN^MDC|||||F',
      'OBX|2|NM|148065^MDC_ECG_V_P_C_CNT^MDC|1.1.1.148065|4|264864^MDC_DIM_BEAT_PER_MIN^MDC|||||F',
      'OBX|3|NM|150045^MDC_PRESS_BLD_ART_PULM_SYS^MDC|1.3.1.150045|34|266016^MDC_DIM_MMHG^MDC|||||F',
      'OBX|4|NM|150046^MDC_PRESS_BLD_ART_PULM_DIA^MDC|1.3.1.150046|15|266016^MDC_DIM_MMHG^MDC|||||F',
      'OBX|5|NM|150047^MDC_PRESS_BLD_ART_PULM_MEAN^MDC|1.3.1.150047|22|266016^MDC_DIM_MMHG^MDC|||||F',
      'OBX|6|NM|150087^MDC_PRESS_BLD_VEN_CENT_MEAN^MDC|1.4.1.150087|11|266016^MDC_DIM_MMHG^MDC|||||F',
      'OBX|7|NM|151728^MDC_AWAY_CO2_ET^MDC|1.5.1.151728|36|266016^MDC_DIM_MMHG^MDC|||||F',
      'OBX|8|NM|152872^MDC_CONC_MAC^MDC|1.6.1.152872|0.8|262688^MDC_DIM_PERCENT^MDC|||||F',
      'OBX|9|NM|150037^MDC_PRESS_BLD_ART_ABP_SYS^MDC|1.2.1.150037|72|266016^MDC_DIM_MMHG^MDC|||||F',
      'OBX|10|NM|150038^MDC_PRESS_BLD_ART_ABP_DIA^MDC|1.2.1.150038|41|266016^MDC_DIM_MMHG^MDC|||||F',
      'OBX|11|NM|150039^MDC_PRESS_BLD_ART_ABP_MEAN^MDC|1.2.1.150039|58|266016^MDC_DIM_MMHG^MDC|||||F',
    ],
  });
}

describe('an ICU PCD-01 feed through the MLLP listener, on the high-dependency profile', () => {
  const dir = mkdtempSync(join(tmpdir(), 'wardgate-icu-'));
  let upstream: Mosquitto;
  let central: MqttClient;
  const received: Array<{ incident: { condition: string; type: string; bed: string; vitals: Record<string, number>; news2?: { subscores: Record<string, number>; sbpFrom?: string }; unmapped?: Array<Record<string, unknown>> } }> = [];
  let gw: GatewayProcess;

  beforeAll(async () => {
    upstream = await startMosquitto(join(dir, 'mosquitto'), { 'gw-icu': 'gw-secret', central: 'central-secret' });
    central = await connectMqtt(upstream.url, { username: 'central', password: 'central-secret', clientId: 'central-icu', protocolVersion: 5 });
    central.on('message', (_t, p) => received.push(JSON.parse(p.toString()) as (typeof received)[number]));
    await central.subscribeAsync('wardgate/+/+/+/incidents', { qos: 1 });
    gw = await startGatewayProcess(
      writeConfig(
        dir,
        wardConfig(dir, {
          gateway: { id: 'gw-icu', site: 's', ward: 'icu' },
          nurseCall: { username: 'nc', password: 'nc-pw' },
          beds: [{ id: 'icu-1', profile: 'high-dependency', overrides: { abp_sys: { delaySeconds: 0 } } }],
          devices: [{ id: 'icu-mon', bed: 'icu-1', transport: 'hl7-tcp', hl7: { bed: 'ICU-1' } }],
          upstream: { url: upstream.url, username: 'gw-icu', password: 'gw-secret' },
          extra: { hl7Listener: { enabled: true, port: 0 } },
        }),
      ),
    );
  });

  afterAll(async () => {
    await gw?.kill();
    central?.end(true);
    await upstream?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('stores, shows and syncs every pressure, EtCO2 and PVCs, keeps the unknown code as unmapped, and alarms on the arterial line', async () => {
    const port = (await gw.waitForLog((l) => l.msg === 'hl7: MLLP listener listening')).port as number;
    const alarms: Array<Record<string, unknown>> = [];
    const nc = await connectMqtt(`mqtt://127.0.0.1:${gw.brokerPort}`, { username: 'nc', password: 'nc-pw', protocolVersion: 4 });
    nc.on('message', (_t, p) => alarms.push(JSON.parse(p.toString()) as Record<string, unknown>));
    await nc.subscribeAsync('alarms/#', { qos: 1 });
    const login = await fetch(`http://127.0.0.1:${gw.screenPort}/api/login`, { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify({ staffId: 'n1', pin: '2468' }) });
    const cookie = login.headers.get('set-cookie')!.split(';')[0]!;
    const ws = new WebSocket(`ws://127.0.0.1:${gw.screenPort}/ws`, { headers: { cookie } });
    const screen: Array<{ type: string; param?: string; more?: { code: string; value: number } }> = [];
    ws.on('message', (m) => screen.push(JSON.parse(m.toString()) as (typeof screen)[number]));
    await waitFor(() => screen.find((m) => m.type === 'snapshot'), 5000, 'snapshot');

    // The feed goes in with python3-hl7's own MLLP client.
    const file = join(dir, 'icu.hl7');
    writeFileSync(file, encodeMllp(icuMessage('ICU1')));
    const sent = await run('/usr/bin/mllp_send', ['-p', String(port), '-f', file, '127.0.0.1']);
    expect(sent.stdout).toMatch(/MSA\|AA\|ICU1/);

    const alarm = await waitFor(() => alarms.find((a) => a.condition === 'abp_sys-low' && a.state === 'active'), 10_000, 'abp_sys-low on alarms/#');
    expect(alarm).toMatchObject({ bed: 'icu-1', priority: 'high' });
    for (const p of ['abp_sys', 'abp_mean', 'pap_sys', 'pap_mean', 'cvp', 'etco2', 'pvc']) {
      await waitFor(() => screen.find((m) => m.type === 'vitals' && m.param === p), 5000, `${p} on the screen`);
    }
    const more = await waitFor(() => screen.find((m) => m.type === 'more'), 5000, 'the unmapped code on the screen');
    expect(more.more).toMatchObject({ code: 'MDC:152872', value: 0.8 });
    const opened = await waitFor(() => received.find((r) => r.incident.condition === 'abp_sys-low' && r.incident.type === 'opened'), 10_000, 'incident upstream');
    expect(opened.incident.vitals).toMatchObject({ abp_sys: 72, pap_sys: 34, pap_dia: 15, pap_mean: 22, cvp: 11, etco2: 36, pvc: 4 });
    expect(opened.incident.vitals.sbp).toBeUndefined(); // the arterial line is never taken for the cuff
    // NEWS2 scores the arterial systolic (there is no cuff reading) and says so: 72 mmHg is RCP NEWS2 Chart 1's
    // band <= 90, 3, a single red score. The limit alarm's incident is judged before the reading enters NEWS2; the
    // NEWS2 incident that follows carries it.
    const news2 = await waitFor(() => received.find((r) => r.incident.bed === 'icu-1' && r.incident.news2?.subscores.sbp !== undefined), 10_000, 'an incident whose NEWS2 scored the systolic');
    expect(news2.incident.news2).toMatchObject({ sbpFrom: 'arterial', subscores: { sbp: 3 } });
    // The code the table does not map travels beside the vitals, as sent, marked by where it is (never in vitals).
    expect(opened.incident.unmapped).toEqual([
      expect.objectContaining({ code: 'MDC:152872', label: 'MDC_CONC_MAC', value: 0.8, unit: 'MDC_DIM_PERCENT', channel: '1.6.1.152872', deviceId: 'icu-mon' }),
    ]);
    expect(Object.keys(opened.incident.vitals).some((k) => k.includes('152872'))).toBe(false);
    expect(validateMessage('incident-event', opened)).toEqual([]);

    const metrics = await (await fetch(`http://127.0.0.1:${gw.screenPort}/metrics`)).text();
    expect(metrics).toMatch(/wardgate_unmapped_codes_total\{code="MDC:152872"\} 1/);
    await gw.waitForLog((l) => String(l.msg).startsWith('ingest: numeric with an unmapped code') && l.code === 'MDC:152872');
    ws.close();
    nc.end(true);

    expect(await gw.stop('SIGTERM')).toBe(0);
    const db = new Database(join(dir, 'data', 'wardgate.db'), { readonly: true });
    const rows = db.prepare('SELECT param, value, unit, flags FROM observation_readings WHERE bed = ?').all('icu-1') as Array<{ param: string; value: number; unit: string; flags: string | null }>;
    db.close();
    const byParam = new Map(rows.map((r) => [r.param, r]));
    for (const p of ['abp_sys', 'abp_dia', 'abp_mean', 'pap_sys', 'pap_dia', 'pap_mean', 'cvp', 'etco2', 'pvc', 'hr']) expect(byParam.has(p), p).toBe(true);
    expect(byParam.get('unmapped:MDC:152872')).toMatchObject({ value: 0.8, unit: 'MDC_DIM_PERCENT', flags: 'unmapped' });
  });
  it("annunciates the monitor's own high-priority alarm within 1 s; acknowledged at the gateway it stays shown and quiet while the device lists it, a new alarm at its priority sounds again, and it clears with the device", async () => {
    // A gateway of its own (no alarm of the first test already sounding).
    gw = await startGatewayProcess(
      writeConfig(
        dir,
        wardConfig(dir, {
          gateway: { id: 'gw-icu2', site: 's', ward: 'icu' },
          dataDir: join(dir, 'data2'),
          beds: [{ id: 'icu-1', profile: 'high-dependency' }],
          devices: [{ id: 'icu-mon', bed: 'icu-1', transport: 'hl7-tcp', hl7: { bed: 'ICU-1' } }],
          extra: { hl7Listener: { enabled: true, port: 0 }, buzzer: { backend: 'record', record: { file: join(dir, 'buzzer2.jsonl') } } },
        }),
        'device-alarm.yaml',
      ),
    );
    const port = (await gw.waitForLog((l) => l.msg === 'hl7: MLLP listener listening')).port as number;
    const base = `http://127.0.0.1:${gw.screenPort}`;
    const login = await fetch(`${base}/api/login`, { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify({ staffId: 'n1', pin: '2468' }) });
    const cookie = login.headers.get('set-cookie')!.split(';')[0]!;
    const ws = new WebSocket(`ws://127.0.0.1:${gw.screenPort}/ws`, { headers: { cookie } });
    type ScreenAlarm = { id: string; condition: string; state: string; transition: string; priority: string; audible: boolean; deviceId?: string; deviceAlarms?: Array<{ kind: string; text: string }> };
    const screen: Array<{ at: number; type: string; alarm?: ScreenAlarm }> = [];
    ws.on('message', (m) => screen.push({ at: Date.now(), ...(JSON.parse(m.toString()) as { type: string; alarm?: ScreenAlarm }) }));
    await waitFor(() => screen.find((m) => m.type === 'snapshot'), 5000, 'snapshot');
    const buzzer = join(dir, 'buzzer2.jsonl');
    const sounding = () =>
      existsSync(buzzer)
        ? readFileSync(buzzer, 'utf8').trim().split('\n').map((l) => JSON.parse(l) as { at: number; sounding?: string | null }).filter((l) => 'sounding' in l)
        : [];
    const deviceAlarm = (since: number, pred: (a: ScreenAlarm) => boolean) => screen.find((m) => m.at >= since && m.type === 'alarm' && m.alarm?.condition === 'device-alarm-high' && pred(m.alarm));
    const texts = (a: ScreenAlarm | undefined) => a?.deviceAlarms?.map((d) => d.text);

    // IHE PCD-04-style alarm rows: MDC event code, OBX-8 PH (high priority) and SP (physiological); the whole list each time.
    const asystole = 'OBX|1|CWE|^MDC_EVT_ECG_ASYSTOLE^MDC|1.1.1.1|^Asystole|||PH~SP|||F';
    const vf = 'OBX|2|CWE|196616^MDC_EVT_ALARM^MDC|1.1.1.2|^VF|||PH~SP|||F'; // an alarm without a more specific event code
    const socket = connect(port, '127.0.0.1');
    await new Promise<void>((r) => socket.once('connect', () => r()));
    let acks = '';
    socket.on('data', (b) => (acks += b.toString('latin1')));
    const send = async (controlId: string, obx: string[]) => {
      const at = Date.now();
      socket.write(encodeMllp(pcd01Message({ controlId, bed: 'ICU-1', obx })));
      await waitFor(() => acks.includes(`MSA|AA|${controlId}`), 5000, `the ACK of ${controlId}`);
      return at;
    };

    const t0 = await send('AL1', [asystole]);
    const shown = await waitFor(() => deviceAlarm(t0, (a) => a.state === 'active'), 2000, 'device alarm on the screen');
    expect(shown.alarm).toMatchObject({ priority: 'high', deviceId: 'icu-mon', transition: 'raised' });
    expect(texts(shown.alarm)).toEqual(['Asystole']);
    const loud = await waitFor(() => sounding().find((l) => l.at >= t0 && l.sounding === 'high'), 2000, 'the buzzer sounding high');
    // Within 1 s of the message's arrival (it was written at t0, on a connection already open): the buzzer, and the
    // screen (the alarm event as the screen's WebSocket delivered it).
    console.log(`device alarm: buzzer high ${loud.at - t0} ms, on the screen ${shown.at - t0} ms after the message was sent`);
    expect(loud.at - t0).toBeLessThan(1000);
    expect(shown.at - t0).toBeLessThan(1000);

    // A nurse acknowledges at the gateway: the buzzer goes quiet; the device still lists asystole, and the alarm stays
    // shown, acknowledged: acknowledging here silences the gateway's annunciation only.
    const tAck = Date.now();
    expect((await fetch(`${base}/api/alarms/${encodeURIComponent(shown.alarm!.id)}/ack`, { method: 'POST', headers: { 'Content-Type': 'application/json', cookie }, body: '{}' })).status).toBe(200);
    await waitFor(() => { const l = sounding(); return l.length > 0 && l[l.length - 1]!.at >= tAck && l[l.length - 1]!.sounding === null; }, 2000, 'the buzzer quiet after the acknowledgement');
    await send('AL2', [asystole]);
    await new Promise((r) => setTimeout(r, 300));
    expect(sounding().filter((l) => l.at >= tAck && l.sounding === 'high')).toEqual([]);
    const state = (await (await fetch(`${base}/api/state`, { headers: { cookie } })).json()) as { alarms: ScreenAlarm[]; beds: Array<{ id: string; deviceAlarms?: Record<string, Array<{ text: string }>> }> };
    expect(state.alarms.filter((a) => a.condition === 'device-alarm-high')).toMatchObject([{ id: shown.alarm!.id, state: 'acknowledged', audible: false }]);
    expect(state.beds.find((b) => b.id === 'icu-1')?.deviceAlarms?.['icu-mon']?.map((d) => d.text)).toEqual(['Asystole']);

    // VF joins asystole at the same priority: a new alarm condition, so the same alarm sounds high again and shows both.
    const tVf = await send('AL3', [asystole, vf]);
    const again = await waitFor(() => sounding().find((l) => l.at >= tVf && l.sounding === 'high'), 2000, 'the buzzer high again for VF');
    expect(again.at - tVf).toBeLessThan(1000);
    const vfShown = await waitFor(() => deviceAlarm(tVf, (a) => a.transition === 'retriggered'), 2000, 'VF on the screen');
    expect(vfShown.alarm).toMatchObject({ id: shown.alarm!.id, state: 'active', audible: true });
    expect(vfShown.at - tVf).toBeLessThan(1000);
    expect(texts(vfShown.alarm)).toEqual(['Asystole', 'VF']);

    // The device clears all its alarms (the row with no value): the gateway clears it too, and the buzzer stops.
    const tEnd = await send('AL4', ['OBX|1|CWE|^MDC_EVT_ECG_ASYSTOLE^MDC|1.1.1.1||||||F']);
    await waitFor(() => deviceAlarm(tEnd, (a) => a.state === 'cleared'), 5000, 'device alarm cleared');
    await waitFor(() => { const l = sounding(); return l.length > 0 && l[l.length - 1]!.sounding === null && l[l.length - 1]!.at >= tEnd; }, 2000, 'the buzzer quiet after the device cleared');
    socket.end();
    ws.close();
  });
});

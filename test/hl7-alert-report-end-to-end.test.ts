import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import mqtt, { type MqttClient } from 'mqtt';
import WebSocket from 'ws';
import { pcd04Message } from '../drivers/serial/hl7/fixtures.js';
import { encodeMllp } from '../drivers/serial/hl7/mllp.js';
import { startGatewayProcess, writeConfig, type GatewayProcess } from './helpers/gateway-process.js';
import { startMosquitto, type Mosquitto } from './helpers/mosquitto.js';
import { waitFor } from './helpers/wait.js';

const run = promisify(execFile);

/**
 * IHE PCD-04 alert reports (ORU^R40) into the real daemon's MLLP listener with python3-hl7's mllp_send: the device's
 * alarm is annunciated as the device's own (screen, /api/state, buzzer) and ends with the device's `end` report.
 */
describe('ORU^R40 alert reports through the MLLP listener', () => {
  const dir = mkdtempSync(join(tmpdir(), 'wardgate-r40-'));
  const buzzer = join(dir, 'buzzer.jsonl');
  let gw: GatewayProcess;
  let configPath: string;
  let upstream: Mosquitto;
  let central: MqttClient;
  const received: Array<{ incident: { condition: string; type: string; bed: string; message: string } }> = [];

  beforeAll(async () => {
    upstream = await startMosquitto(join(dir, 'mosquitto'), { 'gw-r40': 'gw-secret', central: 'central-secret' });
    central = mqtt.connect(upstream.url, { username: 'central', password: 'central-secret', clientId: 'central-r40', protocolVersion: 5, reconnectPeriod: 200 });
    await new Promise<void>((resolve, reject) => {
      central.once('connect', () => resolve());
      central.once('error', reject);
    });
    central.on('message', (_t, p) => received.push(JSON.parse(p.toString()) as (typeof received)[number]));
    await central.subscribeAsync('wardgate/+/+/+/incidents', { qos: 1 });
    configPath = writeConfig(dir, {
      gateway: { id: 'gw-r40', site: 's', ward: 'icu' },
      dataDir: join(dir, 'data'),
      log: { level: 'debug' }, // the arrival time below is a debug line
      broker: { port: 0 },
      screen: { port: 0, staff: [{ id: 'n1', name: 'Nurse', pin: '2468' }] },
      hl7Listener: { enabled: true, port: 0 },
      beds: [{ id: 'icu-2', profile: 'high-dependency' }, { id: 'hdu-3' }],
      devices: [
        { id: 'icu-mon-2', bed: 'icu-2', transport: 'hl7-tcp', hl7: { bed: 'ICU-2' } },
        { id: 'mindray-507-3', bed: 'hdu-3', transport: 'hl7-tcp', hl7: { bed: '3', facility: 'MINDRAY' } },
      ],
      buzzer: { backend: 'record', record: { file: buzzer } },
      sync: { enabled: true, transport: 'mqtt', mqtt: { url: upstream.url, username: 'gw-r40', password: 'gw-secret', protocolVersion: 5 }, retryMinMs: 100, retryMaxMs: 1000 },
    });
    gw = await startGatewayProcess(configPath);
  });

  afterAll(async () => {
    await gw?.kill();
    central?.end(true);
    await upstream?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('annunciates a high-priority R40 start on the screen and the buzzer within 1 s, and clears it on the R40 end', async () => {
    const port = (await gw.waitForLog((l) => l.msg === 'hl7: MLLP listener listening')).port as number;
    const login = await fetch(`http://127.0.0.1:${gw.screenPort}/api/login`, { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify({ staffId: 'n1', pin: '2468' }) });
    const cookie = login.headers.get('set-cookie')!.split(';')[0]!;
    const ws = new WebSocket(`ws://127.0.0.1:${gw.screenPort}/ws`, { headers: { cookie } });
    type Shown = { type: string; alarm?: { condition: string; state: string; priority: string; kind?: string; deviceId?: string; message?: string } };
    // Each message with the time the screen's WebSocket delivered it.
    const screen: Array<Shown & { at: number }> = [];
    ws.on('message', (m) => screen.push({ at: Date.now(), ...(JSON.parse(m.toString()) as Shown) }));
    await waitFor(() => screen.find((m) => m.type === 'snapshot'), 5000, 'snapshot');
    const sounding = (since: number) =>
      existsSync(buzzer)
        ? readFileSync(buzzer, 'utf8').trim().split('\n').map((l) => JSON.parse(l) as { at: number; sounding?: string | null }).filter((l) => 'sounding' in l && l.at >= since)
        : [];
    const deviceAlarms = async () => {
      const state = (await (await fetch(`http://127.0.0.1:${gw.screenPort}/api/state`, { headers: { cookie } })).json()) as { beds: Array<{ id: string; deviceAlarms?: Record<string, Array<{ kind: string; priority: string; text: string }>> }> };
      return state.beds.find((b) => b.id === 'icu-2')?.deviceAlarms?.['icu-mon-2'] ?? [];
    };
    const send = async (name: string, message: string) => {
      const file = join(dir, name);
      writeFileSync(file, encodeMllp(message));
      return (await run('/usr/bin/mllp_send', ['-p', String(port), '-f', file, '127.0.0.1'])).stdout;
    };
    const asystole = { bed: 'ICU-2', event: '^MDC_EVT_ECG_ASYSTOLE^MDC', at: '1.1.1.1', priority: 'PH', type: 'SP' } as const;

    const t0 = Date.now();
    const ack = await send('start.hl7', pcd04Message({ ...asystole, controlId: 'R40S', phase: 'start', state: 'active' }));
    expect(ack).toMatch(/\|ACK\^R40\^ACK\|/);
    expect(ack).toMatch(/MSA\|AA\|R40S/);
    const shown = await waitFor(() => screen.find((m) => m.type === 'alarm' && m.alarm?.condition === 'device-alarm-high' && m.alarm.state === 'active'), 2000, 'device alarm on the screen');
    expect(shown.alarm).toMatchObject({ priority: 'high', deviceId: 'icu-mon-2' });
    const loud = await waitFor(() => sounding(t0).find((l) => l.sounding === 'high'), 2000, 'the buzzer sounding high');
    // Arrival: the listener opens the device's link on its first message, before it hands on the message's alarms
    // (logged at debug level); mllp_send's own python start-up is not the gateway's time.
    const arrived = await gw.waitForLog((l) => String(l.msg).startsWith('device: link state') && l.deviceId === 'icu-mon-2' && l.state === 'connected');
    console.log(`R40 start: buzzer high ${loud.at - (arrived.time as number)} ms, on the screen ${shown.at - (arrived.time as number)} ms after arrival; ${loud.at - t0} ms after mllp_send was started`);
    expect(loud.at - (arrived.time as number)).toBeLessThan(1000);
    expect(loud.at).toBeGreaterThanOrEqual(arrived.time as number);
    expect(shown.at - (arrived.time as number)).toBeLessThan(1000);
    expect(shown.at).toBeGreaterThanOrEqual(arrived.time as number);
    expect(await deviceAlarms()).toEqual([{ kind: 'physiological', priority: 'high', text: 'MDC_EVT_ECG_ASYSTOLE' }]);

    // A continue report for the same alert changes nothing; the end report clears it.
    expect(await send('continue.hl7', pcd04Message({ ...asystole, controlId: 'R40C', phase: 'continue', state: 'active' }))).toMatch(/MSA\|AA\|R40C/);
    expect(screen.filter((m) => m.type === 'alarm' && m.alarm?.condition === 'device-alarm-high' && m.alarm.state === 'cleared')).toEqual([]);
    expect(await send('end.hl7', pcd04Message({ ...asystole, controlId: 'R40E', phase: 'end', state: 'inactive' }))).toMatch(/MSA\|AA\|R40E/);
    await waitFor(() => screen.find((m) => m.type === 'alarm' && m.alarm?.condition === 'device-alarm-high' && m.alarm.state === 'cleared'), 5000, 'device alarm cleared');
    expect(await deviceAlarms()).toEqual([]);
    // Upstream: the incident of the device's alarm, opened and then marked cleared with it.
    await waitFor(() => received.find((r) => r.incident.condition === 'device-alarm-high' && r.incident.type === 'opened' && r.incident.bed === 'icu-2'), 10_000, 'incident opened upstream');
    const cleared = await waitFor(() => received.find((r) => r.incident.condition === 'device-alarm-high' && r.incident.type === 'updated'), 10_000, 'incident updated upstream');
    expect(cleared.incident.message).toMatch(/cleared/); // the incident closes after the gateway's re-trigger window
    await waitFor(() => { const s = sounding(t0); return s.length > 0 && s[s.length - 1]!.sounding !== 'high' ? true : undefined; }, 5000, 'the buzzer no longer sounding high');

    // A broken R40 (no alert row) is answered AE and raises nothing.
    const noAlert = pcd04Message({ ...asystole, controlId: 'R40X' }).split('\r').filter((s) => !s.startsWith('OBX|1|')).join('\r');
    expect(await send('broken.hl7', noAlert)).toMatch(/MSA\|AE\|R40X/);
    ws.close();
  });

  it("takes the Mindray eGateway's captured lead-off report as the device's own low-priority technical alarm", async () => {
    const port = (await gw.waitForLog((l) => l.msg === 'hl7: MLLP listener listening')).port as number;
    const login = await fetch(`http://127.0.0.1:${gw.screenPort}/api/login`, { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify({ staffId: 'n1', pin: '2468' }) });
    const cookie = login.headers.get('set-cookie')!.split(';')[0]!;
    const r40 = readFileSync(new URL('./fixtures/captures/mindray-egateway.hl7', import.meta.url), 'utf8').split(/\n\s*\n/)[0]!.trim().split('\n').join('\r');
    const file = join(dir, 'mindray-r40.hl7');
    writeFileSync(file, encodeMllp(`${r40}\r`));
    const ack = (await run('/usr/bin/mllp_send', ['-p', String(port), '-f', file, '127.0.0.1'])).stdout;
    expect(ack).toMatch(/\|ACK\^R40\^ACK\|A1\|P\|2\.6[\r\n]+MSA\|CA\|1/); // MSH-15 AL, MSH-16 NE: the commit accept
    const alarm = await gw.waitForLog((l) => l.msg === 'alarm' && l.condition === 'device-alarm-low' && l.state === 'active');
    expect(alarm).toMatchObject({ bed: 'hdu-3' });
    const state = (await (await fetch(`http://127.0.0.1:${gw.screenPort}/api/state`, { headers: { cookie } })).json()) as { beds: Array<{ id: string; deviceAlarms?: Record<string, unknown[]> }> };
    expect(state.beds.find((b) => b.id === 'hdu-3')?.deviceAlarms?.['mindray-507-3']).toEqual([{ kind: 'technical', priority: 'low', text: 'MDC_EVT_LEAD_OFF' }]);
  });

  it("clears a device alarm restored after a gateway restart when the device's end report comes", async () => {
    // Runs after the Mindray test: its lead-off alarm is active on hdu-3 and stored.
    await gw.stop();
    gw = await startGatewayProcess(configPath); // resolves once the restarted daemon is ready
    const login = await fetch(`http://127.0.0.1:${gw.screenPort}/api/login`, { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify({ staffId: 'n1', pin: '2468' }) });
    const cookie = login.headers.get('set-cookie')!.split(';')[0]!;
    const active = async () => {
      const state = (await (await fetch(`http://127.0.0.1:${gw.screenPort}/api/state`, { headers: { cookie } })).json()) as { alarms: Array<{ condition: string; bed: string }> };
      return state.alarms.filter((a) => a.bed === 'hdu-3' && a.condition === 'device-alarm-low');
    };
    expect(await active()).toHaveLength(1); // restored from the store
    const port = (await gw.waitForLog((l) => l.msg === 'hl7: MLLP listener listening')).port as number;
    // The capture's alert, ended: same event and OBX-4 position, phase end, state inactive.
    const r40 = readFileSync(new URL('./fixtures/captures/mindray-egateway.hl7', import.meta.url), 'utf8').split(/\n\s*\n/)[0]!.trim().split('\n');
    const ended = r40.map((s) => s.replace('|start|', '|end|').replace('|active|', '|inactive|')).join('\r');
    const file = join(dir, 'mindray-r40-end.hl7');
    writeFileSync(file, encodeMllp(`${ended}\r`));
    expect((await run('/usr/bin/mllp_send', ['-p', String(port), '-f', file, '127.0.0.1'])).stdout).toMatch(/MSA\|CA\|1/);
    await gw.waitForLog((l) => l.msg === 'alarm' && l.condition === 'device-alarm-low' && l.state === 'cleared');
    expect(await active()).toEqual([]);
  });
});

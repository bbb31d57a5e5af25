import { execFile } from 'node:child_process';
import { connect } from 'node:net';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import mqtt, { type MqttClient } from 'mqtt';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { pcd01Message } from '../../drivers/serial/hl7/fixtures.js';
import { encodeMllp } from '../../drivers/serial/hl7/mllp.js';
import { startGatewayProcess, writeConfig, type GatewayProcess } from '../helpers/gateway-process.js';
import { waitFor } from '../helpers/wait.js';

const run = promisify(execFile);

type Alarm = { bed: string; condition: string; priority: string; state: string; kind: string; transition: string; message: string };

/** One OBX as a PCD-01 monitor sends it: OBX-8 (abnormal flags / measurement status), OBX-11 R (live data). */
const obx = (n: number, id: string, value: string, unit: string, obx8 = '') => `OBX|${n}|NM|${id}|1.1.${n}|${value}|${unit}||${obx8}|||R`;
const SPO2 = '150456^MDC_PULS_OXIM_SAT_O2^MDC';
const PR = '149530^MDC_PULS_OXIM_PULS_RATE^MDC';
const RR = '151562^MDC_RESP_RATE^MDC';
const SBP = '150021^MDC_PRESS_BLD_NONINV_SYS^MDC';
const TEMP = '150364^MDC_TEMP_BODY^MDC';
const SKIN = '150388^MDC_TEMP_SKIN^MDC';
const PCT = '262688^MDC_DIM_PERCENT^MDC';
const PER_MIN = '264864^MDC_DIM_BEAT_PER_MIN^MDC';
const MMHG = '266016^MDC_DIM_MMHG^MDC';
const DEGC = '268192^MDC_DIM_DEGC^MDC';

/** Everything normal (NEWS2 0), with `extra` OBX lines in place of the ones they name. */
function normal(bed: string, controlId: string, over: { rr?: string; temp?: string[] } = {}): string {
  return pcd01Message({
    bed,
    controlId,
    obx: [
      obx(1, SPO2, '97', PCT),
      obx(2, PR, '72', PER_MIN),
      obx(3, RR, over.rr ?? '16', '264928^MDC_DIM_RESP_PER_MIN^MDC'),
      obx(4, SBP, '128', MMHG),
      ...(over.temp ?? [obx(5, TEMP, '37.1', DEGC)]),
    ],
  });
}

/**
 * Issue "only real, trustworthy values raise alarms", through the real daemon: HL7 ORU^R01 sent over MLLP by
 * python3-hl7's `mllp_send` (a real third-party client), alarms read on alarms/# by an MQTT client.
 */
describe('alarm safety through the daemon: HL7 over MLLP from mllp_send', () => {
  const dir = mkdtempSync(join(tmpdir(), 'wardgate-alarm-safety-'));
  let gw: GatewayProcess;
  let sub: MqttClient;
  let hl7Port = 0;
  const alarms: Alarm[] = [];

  /** Sends the messages with `mllp_send` and returns what it printed (the ACKs). */
  async function mllpSend(name: string, messages: string[]): Promise<string> {
    const file = join(dir, `${name}.hl7`);
    writeFileSync(file, Buffer.concat(messages.map((m) => encodeMllp(m))));
    const { stdout } = await run('mllp_send', ['-p', String(hl7Port), '-f', file, '127.0.0.1'], { timeout: 10_000 });
    return stdout;
  }

  /** Sends one message from node over MLLP and waits for its ACK. */
  async function nodeSend(message: string, controlId: string): Promise<string> {
    const socket = connect(hl7Port, '127.0.0.1');
    const chunks: Buffer[] = [];
    socket.on('data', (b) => chunks.push(b));
    await new Promise<void>((r) => socket.once('connect', () => r()));
    socket.write(encodeMllp(message));
    const ack = await waitFor(() => (Buffer.concat(chunks).toString('latin1').includes(`MSA|AA|${controlId}`) ? Buffer.concat(chunks).toString('latin1') : undefined), 5000, `ACK of ${controlId}`);
    socket.destroy();
    return ack;
  }

  beforeAll(async () => {
    const config = writeConfig(dir, {
      gateway: { id: 'gw-safety', site: 's', ward: 'w' },
      dataDir: join(dir, 'data'),
      broker: { port: 0, users: [{ username: 'nc', password: 'nc-pw', subscribe: ['alarms/#'] }] },
      screen: { port: 0, staff: [{ id: 's1', name: 'Staff', pin: '1357' }] },
      hl7Listener: { enabled: true, port: 0, maxSilenceSeconds: 120 },
      beds: [{ id: 'bed-demo' }, { id: 'bed-skin' }, { id: 'bed-rr' }, { id: 'bed-trace', overrides: { hr: { delaySeconds: 0 } } }],
      devices: [
        { id: 'mon-demo', bed: 'bed-demo', transport: 'hl7-tcp', hl7: { bed: 'DEMO-1' }, maxSilenceSeconds: 10 },
        { id: 'mon-skin', bed: 'bed-skin', transport: 'hl7-tcp', hl7: { bed: 'SKIN-1' } },
        { id: 'mon-rr', bed: 'bed-rr', transport: 'hl7-tcp', hl7: { bed: 'RR-1' } },
        { id: 'mon-trace', bed: 'bed-trace', transport: 'hl7-tcp', hl7: { bed: 'TRACE-1' } },
      ],
      rules: { technical: { noDataSeconds: 10 } },
      sync: { enabled: false },
    });
    gw = await startGatewayProcess(config);
    hl7Port = (await gw.waitForLog((l) => l.msg === 'hl7: MLLP listener listening')).port as number;
    sub = mqtt.connect(`mqtt://127.0.0.1:${gw.brokerPort}`, { username: 'nc', password: 'nc-pw', protocolVersion: 4 });
    sub.on('message', (_t, p) => alarms.push(JSON.parse(p.toString()) as Alarm));
    await new Promise<void>((r) => sub.once('connect', () => r()));
    await sub.subscribeAsync('alarms/#', { qos: 1 });
  });

  afterAll(async () => {
    sub?.end(true);
    await gw?.kill();
    rmSync(dir, { recursive: true, force: true });
  });

  it('SpO2 70 with OBX-8 DEMO, every second for 20 s (mllp_send, every fifth from node), raises no alarm but technical ones', async () => {
    const acks: string[] = [];
    for (let i = 0; i < 20; i++) {
      const started = Date.now();
      const demo = pcd01Message({ bed: 'DEMO-1', controlId: `DEMO${i}`, obx: [obx(1, SPO2, '70', PCT, 'DEMO'), obx(2, PR, '72', PER_MIN, 'DEMO')] });
      acks.push(i % 5 === 4 ? await nodeSend(demo, `DEMO${i}`) : await mllpSend(`demo-${i}`, [demo]));
      await new Promise((r) => setTimeout(r, Math.max(0, 1000 - (Date.now() - started))));
    }
    expect(acks.join('')).toContain('MSA|AA|DEMO19'); // every message was taken
    await new Promise((r) => setTimeout(r, 1500));
    const onBed = alarms.filter((a) => a.bed === 'bed-demo');
    expect(onBed.filter((a) => a.kind !== 'technical')).toEqual([]);
    // ... but the bed is not silently unmonitored: a device sending only unusable values raises no-valid-data.
    expect(onBed.find((a) => a.condition === 'no-valid-data' && a.transition === 'raised')).toMatchObject({ kind: 'technical', priority: 'medium' });
  }, 60_000);

  it('a skin temperature of 33.0 raises no temperature or NEWS2 alarm', async () => {
    for (let i = 0; i < 3; i++) {
      await mllpSend(`skin-${i}`, [normal('SKIN-1', `SKIN${i}`, { temp: [obx(5, SKIN, '33.0', DEGC)] })]);
      await new Promise((r) => setTimeout(r, 700));
    }
    await new Promise((r) => setTimeout(r, 1500));
    const fromSkin = alarms.filter((a) => a.bed === 'bed-skin');
    expect(fromSkin.filter((a) => a.condition === 'news2' || a.condition.startsWith('temp-'))).toEqual([]);
    // The control: a body temperature of 33.0 on the same bed does alarm, so the skin reading was not just ignored.
    await mllpSend('body', [normal('SKIN-1', 'BODY1', { temp: [obx(5, TEMP, '33.0', DEGC)] })]);
    await waitFor(() => alarms.find((a) => a.bed === 'bed-skin' && a.condition === 'news2'), 10_000, 'NEWS2 from a body temperature of 33.0');
  }, 30_000);

  it('RR 26 with everything else normal raises a NEWS2 alarm of medium priority (sent from node and from mllp_send)', async () => {
    await nodeSend(normal('RR-1', 'RR26', { rr: '26' }), 'RR26');
    await mllpSend('rr', [normal('RR-1', 'RR26B', { rr: '26' })]);
    const a = await waitFor(() => alarms.find((x) => x.bed === 'bed-rr' && x.condition === 'news2' && x.transition === 'raised'), 10_000, 'NEWS2 on bed-rr');
    expect(a.priority).toBe('medium');
  }, 20_000);

  it('an alarm is traced to the device message that caused it: deviceMessageId is the HL7 MSH-10 control id', async () => {
    await mllpSend('trace', [pcd01Message({ bed: 'TRACE-1', controlId: 'TRACE42', obx: ['OBX|1|NM|147842^MDC_ECG_HEART_RATE^MDC|1.2.1.147842|160|264864^MDC_DIM_BEAT_PER_MIN^MDC|50-120|H|||R'] })]);
    const a = await waitFor(() => alarms.find((x) => x.bed === 'bed-trace' && x.condition === 'hr-high'), 10_000, 'hr-high on bed-trace');
    expect(a).toMatchObject({ deviceMessageId: 'TRACE42', priority: 'high' });
  }, 20_000);
});

/**
 * The four recipes of docs/architecture.md ("Add a serial dialect / BLE profile / parameter / output"), each done
 * once with a test fixture, and seen accepted by config validation and used by the real gateway: a serial port on
 * a socat PTY pair, a BLE device on the fake BlueZ over a private dbus-daemon, the real SQLite store and outbox.
 *
 * The parameter row must exist before the modules that derive from the table load (rules/config.ts builds its
 * schema at import), as an edited drivers/core/parameters.ts would: so this file imports only the table
 * statically and everything else after registering.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SerialPort } from 'serialport';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { registerParameter } from '../drivers/core/parameters.js';
import { waitFor } from './helpers/wait.js';

// Recipe "add a parameter": one row. A fixture name and codes, not a claim about any vocabulary.
registerParameter('fixco2', { label: 'Fixture CO2', unit: 'mm[Hg]', loinc: '0000-0', mdc: 0, mdcRef: 'FIXTURE_CO2', min: 0, max: 150 });

const { registerSerialDialect } = await import('../drivers/serial/dialects.js');
const { ETX, STX, ACK, stxEtxDialect } = await import('../drivers/serial/testing/stx-etx-dialect.js');
const { PtyPair } = await import('../drivers/serial/testing/pty-pair.js');
const { registerBleProfile } = await import('../drivers/ble/profiles.js');
const { registerUpstreamTransport } = await import('../sync/transports.js');
const { parseConfig, ConfigError } = await import('../config/load.js');
const { Gateway } = await import('../gateway/daemon.js');
const { defaultDriverFactories } = await import('../gateway/drivers.js');
const { createDecodeSession, decodeCodecNames } = await import('../gateway/commands/decode.js');
const { decodeVitalsPayload } = await import('../drivers/mqtt/payload.js');
const { startPrivateBus } = await import('../simulator/ble/private-bus.js');
const { FakeBluez } = await import('../simulator/ble/fake-bluez.js');
const { heartRateStrap } = await import('../simulator/ble/device-presets.js');
const pino = (await import('pino')).default;

import type { OutboxPort, Upstream, UpstreamStatus } from '../sync/upstream.js';

// Recipe "add a serial dialect": its codec file (drivers/serial/testing/stx-etx-dialect.ts) and one registry line.
registerSerialDialect(stxEtxDialect('stx-etx'));

// Recipe "add a BLE profile": one entry, here a heart-rate-only profile over the existing 0x2A37 codec.
registerBleProfile({
  name: 'fixture-pulse',
  summary: 'fixture: Heart Rate 0x180D, 0x2A37 notify only',
  service16: '180d',
  characteristics: [{ uuid16: '2a37', access: 'subscribe' }],
  minPresent: 1,
});

// Recipe "add an output": an Upstream and one registry entry. This one keeps what it delivers in memory.
class MemoryUpstream implements Upstream {
  readonly status: UpstreamStatus = { online: true, lastDeliveredAt: null, delivered: 0, lastError: null };
  readonly bodies: unknown[] = [];
  private last = 0;
  constructor(private readonly outbox: OutboxPort) {}
  start(): void {
    this.kick();
  }
  kick(): void {
    const rows = this.outbox.pending(100, this.last);
    if (rows.length === 0) return;
    for (const r of rows) this.bodies.push(JSON.parse(r.body));
    this.last = rows.at(-1)!.gwSeq;
    this.outbox.markDelivered(rows.map((r) => r.gwSeq), Date.now());
    this.status.delivered += rows.length;
    this.status.lastDeliveredAt = Date.now();
  }
  publishHeartbeat(): void {}
  async stop(): Promise<void> {}
}
let upstream: MemoryUpstream | undefined;
registerUpstreamTransport({
  name: 'fixture-memory',
  summary: 'fixture: delivers into memory',
  create: ({ deps }) => (upstream = new MemoryUpstream(deps.outbox)),
});

const STRAP = 'C0:FF:EE:00:00:11';
const dir = mkdtempSync(join(tmpdir(), 'wardgate-recipes-'));
const pty = new PtyPair(dir);
let bus: Awaited<ReturnType<typeof startPrivateBus>>;
let fake: Awaited<ReturnType<typeof FakeBluez.start>>;

function rawConfig(over: { dialect?: string; profile?: string; transport?: string; param?: string } = {}): Record<string, unknown> {
  return {
    dataDir: join(dir, 'data'),
    broker: { port: 0 },
    screen: { port: 0 },
    beds: [{ id: 'bed-1', overrides: { [over.param ?? 'fixco2']: { delaySeconds: 0, high: [{ above: 50, priority: 'high' }] } } }],
    devices: [
      { id: 'mon-1', bed: 'bed-1', transport: 'serial', serial: { path: pty.b, dialect: over.dialect ?? 'stx-etx' } },
      { id: 'strap-1', bed: 'bed-1', transport: 'ble', ble: { address: STRAP, profiles: [over.profile ?? 'fixture-pulse'] } },
    ],
    sync: { transport: over.transport ?? 'fixture-memory' },
  };
}

function configError(raw: Record<string, unknown>): string {
  try {
    parseConfig(raw, 'test');
  } catch (e) {
    if (e instanceof ConfigError) return e.message;
    throw e;
  }
  return 'accepted';
}

beforeAll(async () => {
  await pty.start();
  bus = await startPrivateBus();
  fake = await FakeBluez.start(bus.address);
  fake.addDevice(heartRateStrap(STRAP));
});

afterAll(async () => {
  await pty.kill();
  await fake?.stop();
  await bus?.stop();
  rmSync(dir, { recursive: true, force: true });
});

describe('the extension recipes, each done once with a fixture', () => {
  it('config validation accepts the registered names and still names the field of an unknown one', () => {
    expect(configError(rawConfig())).toBe('accepted');
    expect(configError(rawConfig({ dialect: 'stx-etx-nope' }))).toMatch(/devices\[0\]\.serial\.dialect: .*"stx-etx"/);
    expect(configError(rawConfig({ profile: 'nope' }))).toMatch(/devices\[1\]\.ble\.profiles\[0\]: .*"fixture-pulse"/);
    expect(configError(rawConfig({ transport: 'nope' }))).toMatch(/sync\.transport: .*"fixture-memory"/);
    expect(configError(rawConfig({ param: 'nope' }))).toMatch(/beds\[0\]\.overrides/);
  });

  it('wardgate decode knows the dialect; the MQTT contract knows the parameter', () => {
    expect(decodeCodecNames()).toContain('stx-etx');
    const out: string[] = [];
    const session = createDecodeSession('stx-etx', false, { out: (l) => out.push(l), err: (l) => out.push(`ERR ${l}`) })!;
    session.chunk!(Buffer.concat([Buffer.of(STX), Buffer.from('fixco2=41'), Buffer.of(ETX)]));
    session.end();
    expect(out.map((l) => JSON.parse(l))).toEqual([{ param: 'fixco2', value: 41, unit: 'mm[Hg]' }]);
    expect(decodeVitalsPayload('{"fixco2": 38}', 0).items).toMatchObject([{ kind: 'reading', param: 'fixco2', value: 38, unit: 'mm[Hg]' }]);
  });

  it('the gateway reads the dialect and the profile, alarms on the parameter, and syncs through the output', async () => {
    const saved = process.env.DBUS_SYSTEM_BUS_ADDRESS;
    process.env.DBUS_SYSTEM_BUS_ADDRESS = bus.address;
    const gw = new Gateway({ config: parseConfig(rawConfig(), 'test'), log: pino({ level: 'silent' }), driverFactories: defaultDriverFactories() });
    await gw.start();
    const monitor = new SerialPort({ path: pty.a, baudRate: 9600, autoOpen: false });
    try {
      await new Promise<void>((res, rej) => monitor.open((e) => (e ? rej(e) : res())));
      const answers: number[] = [];
      monitor.on('data', (b: Buffer) => answers.push(...b));
      await waitFor(() => fake.isNotifying(STRAP, '2a37'), 10_000, 'the fixture profile subscribed to 0x2A37');
      fake.notify(STRAP, '2a37', Uint8Array.from([0x06, 0x48]));
      await waitFor(() => gw.ward.bed('bed-1')?.vitals.hr?.value === 72, 10_000, 'hr 72 from the BLE fixture profile');

      monitor.write(Buffer.concat([Buffer.of(STX), Buffer.from('fixco2=62,spo2=97'), Buffer.of(ETX)]));
      await waitFor(() => gw.rules.activeAlarms().find((a) => a.bed === 'bed-1' && a.condition === 'fixco2-high'), 10_000, 'fixco2-high alarm');
      expect(gw.ward.bed('bed-1')?.vitals.spo2?.value).toBe(97);
      await waitFor(() => answers.includes(ACK) || undefined, 5000, 'ACK from the dialect reply hook');
      const incident = await waitFor(
        () => upstream?.bodies.find((b) => JSON.stringify(b).includes('fixco2-high')),
        10_000,
        'the incident delivered through the fixture output',
      );
      expect(incident).toMatchObject({ incident: { bed: 'bed-1', condition: 'fixco2-high', message: 'Fixture CO2 rose to 62 mm[Hg] (limit 50, high)' } });
    } finally {
      await new Promise<void>((res) => (monitor.isOpen ? monitor.close(() => res()) : res()));
      await gw.stop();
      if (saved === undefined) delete process.env.DBUS_SYSTEM_BUS_ADDRESS;
      else process.env.DBUS_SYSTEM_BUS_ADDRESS = saved;
    }
  });
});

/**
 * End to end over a real PTY pair (socat): the emulated monitor on one end, IntellivueDriver on the other.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { DriverSink } from '../../core/driver.js';
import type { ConditionReport, Reading } from '../../core/observation.js';
import { Backoff } from '../../core/backoff.js';
import { IntellivueDriver } from './driver.js';
import type { SessionOptions } from './session.js';
import { IntellivueEmulator, type EmulatorOptions } from '../../../simulator/intellivue/emulator.js';
import type { DeviceAlarm } from './poll-data.js';
import { waitFor } from '../../../test/helpers/wait.js';

class RecordingSink implements DriverSink {
  readings: { at: number; r: Reading }[] = [];
  conditions: ConditionReport[] = [];
  states: string[] = [];
  errors: string[] = [];
  reading(_d: string, r: Reading): void {
    this.readings.push({ at: Date.now(), r });
  }
  condition(_d: string, c: ConditionReport): void {
    this.conditions.push(c);
  }
  event(): void {}
  connection(_d: string, s: string): void {
    this.states.push(s);
  }
  decodeError(_c: string, _d: string, e: string): void {
    this.errors.push(e);
  }
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

let dir: string;
let socat: ChildProcess;
let emu: IntellivueEmulator | undefined;
let driver: IntellivueDriver | undefined;

beforeEach(async () => {
  dir = mkdtempSync(join(tmpdir(), 'ivue-'));
  socat = spawn('socat', [`pty,raw,echo=0,link=${dir}/mon`, `pty,raw,echo=0,link=${dir}/gw`], { stdio: 'ignore' });
  await waitFor(() => existsSync(`${dir}/mon`) && existsSync(`${dir}/gw`), 5000, 'socat PTYs');
});

afterEach(async () => {
  await driver?.stop();
  await emu?.stop();
  driver = undefined;
  emu = undefined;
  socat.kill('SIGTERM');
  rmSync(dir, { recursive: true, force: true });
});

async function setup(e: Partial<EmulatorOptions> = {}, s: SessionOptions = {}, alarms?: DeviceAlarm[][]): Promise<{ sink: RecordingSink; emu: IntellivueEmulator; driver: IntellivueDriver }> {
  emu = new IntellivueEmulator({ path: `${dir}/mon`, reportEveryMs: 250, ...e });
  await emu.start();
  const sink = new RecordingSink();
  const opts: ConstructorParameters<typeof IntellivueDriver>[0] = {
    deviceId: 'mx450-1',
    path: `${dir}/gw`,
    sink,
    session: { backoff: new Backoff(100, 500), associateRetryMs: 1000, silenceMs: 1500, ...s },
    tickMs: 25,
  };
  if (alarms) opts.onDeviceAlarms = (_d, a) => alarms.push(a);
  driver = new IntellivueDriver(opts);
  await driver.start();
  return { sink, emu, driver };
}

describe('IntelliVue over a PTY', () => {
  it('associates, answers MDS Create and delivers the monitor numerics to the sink', async () => {
    const nbpAt = new Date(Date.UTC(2024, 5, 1, 8, 30));
    const { sink, emu } = await setup({ values: { hr: 118, spo2: 89, pr: 117, rr: 26, temp: 38.4, nbp: { sys: 92, dia: 55, mean: 67, at: nbpAt } } });
    await waitFor(() => new Set(sink.readings.map((x) => x.r.param)).size >= 8, 5000, 'all parameters');
    const last = (p: string): Reading | undefined => [...sink.readings].reverse().find((x) => x.r.param === p)?.r;
    expect(last('hr')).toMatchObject({ value: 118, unit: '/min' });
    expect(last('spo2')).toMatchObject({ value: 89, unit: '%' });
    expect(last('pr')).toMatchObject({ value: 117, channel: 'spo2' });
    expect(last('rr')).toMatchObject({ value: 26, unit: '/min' });
    expect(last('temp')).toMatchObject({ value: 38.4, unit: 'Cel' });
    expect(last('sbp')).toMatchObject({ value: 92, unit: 'mm[Hg]', sourceTs: nbpAt.getTime() });
    expect(last('map')).toMatchObject({ value: 67 });
    expect(sink.readings.every((x) => x.r.flags === undefined)).toBe(true);
    expect(emu.stats.mdsResults).toBe(1);
    expect(emu.stats.badMdsResults).toBe(0);
    expect(sink.states).toContain('connected');
    // values change on the monitor and follow on the gateway
    emu.values.hr = 64;
    await waitFor(() => last('hr')?.value === 64, 3000, 'changed hr');
  });

  it('demo data is flagged and never plain', async () => {
    const { sink, emu } = await setup();
    emu.demo = true;
    await waitFor(() => sink.readings.length >= 10, 5000, 'readings');
    expect(sink.readings.every((x) => x.r.flags?.includes('demo'))).toBe(true);
  });

  it('keeps the association alive within the monitor timeout', async () => {
    const { sink, emu } = await setup({ keepAliveTimeoutMs: 1500 }, { keepAliveMs: 600, repollMs: 60_000 });
    await waitFor(() => sink.readings.length > 0, 5000, 'first readings');
    await sleep(4000);
    expect(emu.stats.keepAliveExpiries).toBe(0);
    expect(emu.stats.associations).toBe(1);
    expect(emu.stats.polls).toBeGreaterThanOrEqual(6); // extended poll + keep-alive polls
  });

  it('keep-alive expiry: the monitor drops the association, the gateway raises the condition and re-associates', async () => {
    const { sink, emu } = await setup({ keepAliveTimeoutMs: 1200 }, { keepAliveMs: 60_000, repollMs: 60_000, silenceMs: 1000 });
    await waitFor(() => sink.readings.length > 0, 5000, 'first readings');
    await waitFor(() => emu.stats.keepAliveExpiries >= 1, 5000, 'monitor timeout');
    await waitFor(() => sink.conditions.some((c) => c.condition === 'device-disconnected' && c.active), 4000, 'condition');
    await waitFor(() => emu.stats.associations >= 2 && emu.associated, 6000, 're-association');
    const n = sink.readings.length;
    await waitFor(() => sink.readings.length > n, 4000, 'readings after re-association');
    expect(sink.conditions.at(-1)).toMatchObject({ condition: 'device-disconnected', active: false });
  });

  it('a monitor reboot (new MDS Create) starts a new session and data continues', async () => {
    const { sink, emu, driver } = await setup();
    await waitFor(() => sink.readings.length > 0, 5000, 'first readings');
    emu.reboot(300);
    await waitFor(() => emu.stats.mdsResults >= 2, 5000, 'second MDS Create result');
    const n = sink.readings.length;
    await waitFor(() => sink.readings.length > n, 4000, 'readings after reboot');
    expect(emu.stats.badMdsResults).toBe(0);
    expect(emu.stats.associations).toBe(1);
    expect(driver.sessionState).toBe('POLLING');
  });

  it('an Abort from the monitor leads to re-association', async () => {
    const { sink, emu } = await setup();
    await waitFor(() => sink.readings.length > 0, 5000, 'first readings');
    emu.abortAssociation();
    await waitFor(() => emu.stats.associations >= 2 && emu.associated, 5000, 're-association');
    expect(sink.conditions.some((c) => c.active && /abort/.test(c.detail ?? ''))).toBe(true);
  });

  it('bad FCS and aborted frames from the monitor are counted and skipped, data goes on', async () => {
    const { sink, emu: e, driver } = await setup();
    await waitFor(() => sink.readings.length > 0, 5000, 'first readings');
    e.corruptNextFrames(2);
    e.abortNextFrames(1);
    const n = sink.readings.length;
    await waitFor(() => sink.readings.length > n + 5, 5000, 'readings after faults');
    expect(sink.errors.filter((x) => x === 'frame bad-fcs')).toHaveLength(2);
    expect(sink.errors.filter((x) => x === 'frame abort')).toHaveLength(1);
    expect(driver.frameStats.badFcs).toBe(2);
    expect(sink.readings.every((x) => Number.isFinite(x.r.value))).toBe(true);
  });

  it('a refused association is retried after backoff', async () => {
    emu = new IntellivueEmulator({ path: `${dir}/mon`, reportEveryMs: 250 });
    emu.refuseNext(2);
    await emu.start();
    const sink = new RecordingSink();
    driver = new IntellivueDriver({ deviceId: 'd', path: `${dir}/gw`, sink, session: { backoff: new Backoff(100, 300), silenceMs: 1500 }, tickMs: 25 });
    await driver.start();
    await waitFor(() => sink.readings.length > 0, 6000, 'readings after refusals');
    expect(emu.stats.refused).toBe(2);
    expect(emu.stats.associations).toBe(1);
  });

  it('polls the alarm lists and hands the monitor alarms over apart from readings', async () => {
    const alarms: DeviceAlarm[][] = [];
    const { emu } = await setup({}, { alarmPollMs: 300 }, alarms);
    emu.alarms = [{ list: 'physiological', source: 0x4bb8, code: 0x3001, type: 0x0400, state: 0x0008, textId: 0x00025001, text: '**Desat' }];
    await waitFor(() => alarms.some((a) => a.length === 1), 5000, 'device alarms');
    expect(alarms.find((a) => a.length === 1)?.[0]).toMatchObject({ list: 'physiological', priority: 'high', text: '**Desat' });
  });

  it('stop releases the association', async () => {
    const { sink, emu, driver: d } = await setup();
    await waitFor(() => sink.readings.length > 0, 5000, 'first readings');
    await d.stop();
    driver = undefined;
    expect(emu.stats.releases).toBe(1);
    expect(emu.associated).toBe(false);
  });
});

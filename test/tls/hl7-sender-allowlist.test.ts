import { execFile, spawnSync } from 'node:child_process';
import { promisify } from 'node:util';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { DriverSink } from '../../drivers/core/driver.js';
import { pcd01Message } from '../../drivers/serial/hl7/fixtures.js';
import { MllpListener } from '../../drivers/tcp/mllp-listener.js';
import { encodeMllp } from '../../drivers/serial/hl7/mllp.js';
import { senderAllowlist } from '../../gateway/tls/sender-allowlist.js';

/**
 * Per-device HL7 sender allowlists on the MLLP listener, driven by python3-hl7's `mllp_send` (a real third-party
 * MLLP client): a device whose allowlist holds the sender's address gets AA and its readings; one whose allowlist
 * does not gets AR and nothing is delivered.
 */
describe.skipIf(spawnSync('which', ['mllp_send']).status !== 0)('HL7 sender allowlist with mllp_send', () => {
  const dir = mkdtempSync(join(tmpdir(), 'wardgate-hl7-allow-'));
  const readings: Array<{ deviceId: string; param: string }> = [];
  const errors: Array<{ codec: string; deviceId: string; error: string }> = [];
  const sink: DriverSink = {
    reading: (deviceId, r) => readings.push({ deviceId, param: r.param }),
    condition: () => undefined,
    event: () => undefined,
    connection: () => undefined,
    decodeError: (codec, deviceId, error) => errors.push({ codec, deviceId, error }),
  };
  const devices = [
    { id: 'mon-local', hl7: { bed: 'BED-1', allowFrom: ['127.0.0.0/8'] } },
    { id: 'mon-remote', hl7: { bed: 'BED-2', allowFrom: ['10.20.0.0/16', '192.168.7.7'] } },
  ];
  const listener = new MllpListener({
    sink,
    port: 0,
    maxSilenceMs: 60_000,
    deviceIdOf: (info) => devices.find((d) => d.hl7.bed === info.bed)?.id ?? 'unknown',
    senderAllowed: senderAllowlist(devices),
  });
  beforeAll(() => listener.start());
  afterAll(async () => {
    await listener.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  // Asynchronously: the listener runs in this process and must answer while mllp_send waits for the ACK.
  const send = async (bed: string, controlId: string) => {
    const file = join(dir, `${controlId}.hl7`);
    writeFileSync(file, encodeMllp(pcd01Message({ controlId, bed }))); // mllp_send reads MLLP-framed messages
    const r = await promisify(execFile)('mllp_send', ['--port', String(listener.address().port), '--file', file, '127.0.0.1'], { encoding: 'utf8', timeout: 10_000 });
    expect(r.stderr).toBe('');
    return r.stdout.replace(/\r/g, '\n');
  };

  it('accepts the allowed sender (AA, readings delivered) and refuses one outside the list (AR, nothing delivered)', async () => {
    expect(await send('BED-1', 'OK1')).toMatch(/^MSA\|AA\|OK1/m);
    expect(readings.filter((r) => r.deviceId === 'mon-local').length).toBeGreaterThan(0);

    expect(await send('BED-2', 'NO1')).toMatch(/^MSA\|AR\|NO1\|sender not allowed/m);
    expect(readings.filter((r) => r.deviceId === 'mon-remote')).toEqual([]);
    expect(errors).toEqual([{ codec: 'hl7-sender', deviceId: 'mon-remote', error: 'message from 127.0.0.1 refused: not an allowed sender for mon-remote' }]);
    expect(listener.stats.refused).toBe(1);
  });
});

import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { connect, type ConnectionOptions } from 'node:tls';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { DriverSink } from '../../drivers/core/driver.js';
import { pcd01Message } from '../../drivers/serial/hl7/fixtures.js';
import { encodeMllp } from '../../drivers/serial/hl7/mllp.js';
import { MllpListener } from '../../drivers/tcp/mllp-listener.js';
import { hl7TlsServer } from '../../gateway/tls/hl7-tls.js';
import { makeWardPki, type WardPki } from '../helpers/tls-pki.js';

/**
 * MLLP over TLS with `hl7Listener.tls.clientCa`: a sender with a certificate from that CA gets its ACK; one without a
 * certificate, or with one from another CA, is refused at the connection and the refusal is logged with its reason.
 */
describe('HL7 over mutual TLS', () => {
  const dir = mkdtempSync(join(tmpdir(), 'wardgate-hl7-mtls-'));
  let pki: WardPki;
  let other: WardPki;
  const logs: Array<{ msg: string; reason?: string }> = [];
  let listener: MllpListener;
  const sink: DriverSink = { reading: () => undefined, condition: () => undefined, event: () => undefined, connection: () => undefined, decodeError: () => undefined };

  beforeAll(async () => {
    pki = makeWardPki(join(dir, 'pki'));
    other = makeWardPki(join(dir, 'other'), 'other');
    const log = pino({ level: 'info' }, { write: (line: string) => void logs.push(JSON.parse(line) as { msg: string }) });
    const tls = hl7TlsServer({ cert: pki.serverCert, key: pki.serverKey, clientCa: pki.ca }, '127.0.0.1', log);
    listener = new MllpListener({ sink, port: 0, maxSilenceMs: 60_000, createServer: tls.createServer, reloadTls: tls.reload });
    await listener.start();
  });
  afterAll(async () => {
    await listener.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  /** Sends one message; resolves with the ACK text, or with 'closed: ...' if the gateway ends the connection first. */
  const send = (extra: Partial<ConnectionOptions>) =>
    new Promise<string>((resolve) => {
      let got = '';
      const s = connect({ host: '127.0.0.1', port: listener.address().port, servername: 'localhost', ca: readFileSync(pki.ca), ...extra }, () => s.write(encodeMllp(pcd01Message({ controlId: 'M1' }))));
      s.setEncoding('utf8').on('data', (c: string) => {
        got += c;
        if (got.includes('\x1c\r')) {
          s.end();
          resolve(got);
        }
      });
      s.on('error', (err) => resolve(`closed: ${err.message}`));
      s.on('close', () => resolve(`closed: ${got}`));
    });

  it('accepts a sender with a certificate from the client CA', async () => {
    const c = pki.device('monitor-1');
    expect(await send({ cert: readFileSync(c.cert), key: readFileSync(c.key) })).toMatch(/MSA\|AA\|M1/);
  });

  it('refuses a sender without a certificate, and one whose certificate is from another CA, logging why', async () => {
    expect(await send({})).toMatch(/^closed: /);
    expect(logs.some((l) => l.msg === 'hl7: TLS client certificate refused: no client certificate')).toBe(true);
    const foreign = other.device('monitor-1');
    expect(await send({ cert: readFileSync(foreign.cert), key: readFileSync(foreign.key) })).toMatch(/^closed: /);
    expect(logs.some((l) => /^hl7: TLS client certificate refused: the certificate is not issued by the trusted CA/.test(l.msg))).toBe(true);
    expect(listener.stats.messages).toBe(1);
  });
});

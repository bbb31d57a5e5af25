import { readFileSync } from 'node:fs';
import { connect, type Socket } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { pcd01Message } from '../serial/hl7/fixtures.js';
import { encodeMllp, MllpFramer } from '../serial/hl7/mllp.js';
import { RecordingSink } from '../serial/testing/recording-sink.js';
import { MllpListener } from './mllp-listener.js';

let listener: MllpListener | undefined;
const clients: Socket[] = [];

afterEach(async () => {
  for (const c of clients.splice(0)) c.destroy();
  await listener?.stop();
  listener = undefined;
});

async function client(port: number): Promise<{ socket: Socket; acks: string[] }> {
  const socket = connect(port, '127.0.0.1');
  clients.push(socket);
  await new Promise<void>((r) => socket.once('connect', () => r()));
  const acks: string[] = [];
  const framer = new MllpFramer();
  socket.on('data', (b: Buffer) => acks.push(...framer.push(b).map(String)));
  return { socket, acks };
}

describe('MllpListener over real TCP sockets', () => {
  it('decodes split and merged frames, keys devices by bed, reports locations and ACKs each message', async () => {
    const sink = new RecordingSink();
    const locations: [string, string][] = [];
    listener = new MllpListener({ sink, port: 0, maxSilenceMs: 5000, onLocation: (id, loc) => locations.push([id, loc.bed]) });
    await listener.start();
    const { socket, acks } = await client(listener.address().port);

    const wire = Buffer.concat([
      encodeMllp(pcd01Message({ controlId: 'M1', bed: 'BED-1' })),
      encodeMllp(pcd01Message({ controlId: 'M2', bed: 'BED-2' })),
    ]);
    // first frame split in three writes, the second merged with the tail of the first
    socket.write(wire.subarray(0, 7));
    await new Promise((r) => setTimeout(r, 30));
    socket.write(wire.subarray(7, 300));
    await new Promise((r) => setTimeout(r, 30));
    socket.write(wire.subarray(300));

    await sink.waitFor('16 readings', () => sink.readings.length >= 16);
    await sink.waitFor('2 acks', () => acks.length >= 2);
    expect(acks.map((a) => /\rMSA\|(\w+)\|(\w+)/.exec(a)?.slice(1))).toEqual([
      ['AA', 'M1'],
      ['AA', 'M2'],
    ]);
    expect(new Set(sink.readings.map((r) => r.deviceId))).toEqual(new Set(['hl7:WARD7:BED-1', 'hl7:WARD7:BED-2']));
    expect(locations).toEqual([
      ['hl7:WARD7:BED-1', 'BED-1'],
      ['hl7:WARD7:BED-2', 'BED-2'],
    ]);
    expect(sink.lastState('hl7:WARD7:BED-1')).toBe('connected');

    // A sender closing its connection says nothing about the device: its state stays as the data left it.
    socket.end();
    await new Promise((r) => setTimeout(r, 200));
    expect(sink.lastState('hl7:WARD7:BED-1')).toBe('connected');
    expect(sink.connections.filter((c) => c.state === 'disconnected')).toEqual([]);
  });

  it('answers every frame (AR for an unsupported type or an oversize frame), honours MSH-16 NE, and keeps the connection', async () => {
    const sink = new RecordingSink();
    listener = new MllpListener({ sink, port: 0, maxSilenceMs: 5000, maxFrameBytes: 4096 });
    await listener.start();
    const { socket, acks } = await client(listener.address().port);
    socket.write(
      Buffer.concat([
        Buffer.from('junk before any frame'),
        encodeMllp('MSH|^~\\&|APP|FAC|||20240101||ADT^A01|X9|P|2.5\r'),
        encodeMllp(pcd01Message({ controlId: 'Q1', msh15: 'NE', msh16: 'NE' })),
        encodeMllp('X'.repeat(10_000)),
        encodeMllp(pcd01Message({ controlId: 'Q2' })),
      ]),
    );
    await sink.waitFor('16 readings', () => sink.readings.length >= 16);
    await sink.waitFor('3 acks', () => acks.length >= 3);
    await new Promise((r) => setTimeout(r, 100));
    const codes = acks.map((a) => /\rMSA\|(\w+)\|(\w*)/.exec(a)?.slice(1));
    expect(codes).toHaveLength(3);
    expect(codes).toEqual(expect.arrayContaining([['AR', 'X9'], ['AR', ''], ['AA', 'Q2']]));
    expect(sink.errors.map((e) => e.error)).toEqual(expect.arrayContaining([expect.stringMatching(/unsupported message type/), expect.stringMatching(/size cap/)]));
    expect(listener.stats).toMatchObject({ messages: 3, oversize: 1, acks: 3 });
    // garbage in a frame: AR with an empty MSA-2, then the next message on the same connection is taken
    socket.write(Buffer.concat([encodeMllp(Buffer.from([0xff, 0xfe, 0x00, 0x07])), encodeMllp(pcd01Message({ controlId: 'Q3' }))]));
    await sink.waitFor('5 acks', () => acks.length >= 5);
    expect(acks.slice(3).map((a) => /\rMSA\|(\w+)\|(\w*)/.exec(a)?.slice(1))).toEqual([['AR', ''], ['AA', 'Q3']]);
  });

  it('answers AE naming PV1-3 for a bed no device has, and delivers a resent message once', async () => {
    const sink = new RecordingSink();
    listener = new MllpListener({ sink, port: 0, maxSilenceMs: 5000, deviceIdOf: (info) => (info.bed === 'BED-1' ? 'mon-1' : undefined) });
    await listener.start();
    const { socket, acks } = await client(listener.address().port);
    socket.write(encodeMllp(pcd01Message({ controlId: 'U1', bed: 'BED-404' })));
    await sink.waitFor('1 ack', () => acks.length >= 1);
    expect(acks[0]).toMatch(/\rMSA\|AE\|U1\|.*\rERR\|\|PV1\^1\^3\|204\^Unknown key identifier\^HL70357\|E\|/);
    expect(sink.readings).toEqual([]);
    expect(sink.rejections).toMatchObject([{ reason: 'unknown-bed' }]);
    expect(sink.rejections[0]!.detail).toMatch(/BED-404.*hl7-tcp/);
    const msg = encodeMllp(pcd01Message({ controlId: 'D1', bed: 'BED-1' }));
    socket.write(msg);
    socket.write(msg);
    await sink.waitFor('3 acks', () => acks.length >= 3);
    expect(acks.slice(1).map((a) => /\rMSA\|(\w+)\|(\w*)/.exec(a)?.slice(1))).toEqual([['AA', 'D1'], ['AA', 'D1']]);
    expect(sink.readings).toHaveLength(8);
    expect(listener.stats.duplicates).toBe(1);
  });

  it('answers and then closes a connection that sends 1 MB without a start block', async () => {
    const sink = new RecordingSink();
    listener = new MllpListener({ sink, port: 0, maxSilenceMs: 5000 });
    await listener.start();
    const { socket, acks } = await client(listener.address().port);
    const closed = new Promise<void>((r) => socket.once('close', () => r()));
    socket.write(Buffer.alloc(1024 * 1024 + 10, 0x41));
    await closed;
    expect(acks.map((a) => /\rMSA\|(\w+)\|(\w*)/.exec(a)?.slice(1))).toEqual([['AR', '']]);
  });

  it('goes quiet when a device stops sending while its connection stays open', async () => {
    const sink = new RecordingSink();
    listener = new MllpListener({ sink, port: 0, maxSilenceMs: 300 });
    await listener.start();
    const { socket } = await client(listener.address().port);
    socket.write(encodeMllp(pcd01Message({ bed: 'B9', controlId: 'S1' })));
    await sink.waitFor('connected', () => sink.lastState('hl7:WARD7:B9') === 'connected');
    await sink.waitFor('quiet', () => sink.lastState('hl7:WARD7:B9') === 'quiet', 2000);
    socket.write(encodeMllp(pcd01Message({ bed: 'B9', controlId: 'S2' })));
    await sink.waitFor('connected again', () => sink.lastState('hl7:WARD7:B9') === 'connected');
  });
});

describe('MllpListener: a central station forwarding many beds on one connection', () => {
  it('keeps patients apart by OBX-18 equipment or PID-3 when PV1-3 is absent, and passes on unmapped values and device alarms', async () => {
    const sink = new RecordingSink();
    listener = new MllpListener({ sink, port: 0, maxSilenceMs: 5000 });
    await listener.start();
    const { socket, acks } = await client(listener.address().port);
    const noBed = (msg: string) => msg.replace(/\rPV1\|[^\r]*/, '');
    const obx = (eq: string) => [`OBX|1|NM|150456^MDC_PULS_OXIM_SAT_O2^MDC|1.1.1|96|%|||||F|||||||${eq}^EUI-64`, 'OBX|2|NM|152872^MDC_CONC_MAC^MDC|1.6.1|0.8|%|||||F'];
    socket.write(encodeMllp(noBed(pcd01Message({ controlId: 'C1', obx: obx('00AA00FFFE000001') }))));
    socket.write(encodeMllp(noBed(pcd01Message({ controlId: 'C2', obx: obx('00AA00FFFE000002') }))));
    socket.write(encodeMllp(noBed(pcd01Message({ controlId: 'C3', obx: ['OBX|1|CWE|^MDC_EVT_ECG_ASYSTOLE^MDC|1.1.1.1|^Asystole|||PH~SP|||F'] }).replace('010-11-1111', 'PAT-9'))));
    await sink.waitFor('3 acks', () => acks.length >= 3);
    expect([...new Set(sink.readings.map((r) => r.deviceId))].sort()).toEqual(['hl7:WARD7:00AA00FFFE000001', 'hl7:WARD7:00AA00FFFE000002']);
    expect(sink.unmappedReadings.map((u) => [u.deviceId, u.reading.code])).toEqual([
      ['hl7:WARD7:00AA00FFFE000001', 'MDC:152872'],
      ['hl7:WARD7:00AA00FFFE000002', 'MDC:152872'],
    ]);
    expect(sink.alarmLists).toEqual([{ deviceId: 'hl7:WARD7:pid-PAT-9', alarms: [expect.objectContaining({ priority: 'high', text: 'Asystole' })] }]);
  });

  it("answers a Philips Information Center's NMD keep-alive with AA, not as a message from an unknown bed", async () => {
    // The capture's NMD block as the Information Center sent it (test/fixtures/captures/PROVENANCE.md).
    const capture = readFileSync(new URL('../../test/fixtures/captures/philips-iic-hl7-export.hl7', import.meta.url));
    const start = capture.indexOf('\x0bMSH|^~\\&|||||||NMD|');
    const block = capture.subarray(start, capture.indexOf('\x1c\r', start) + 2);
    expect(block.toString('latin1')).toMatch(/^\x0bMSH\|[^\r]*\|NMD\|HP0802104856591B02WIN879\|P\|2\.3\|\|\|\|\|\|8859\/1\rNCK\|20160802104856\r\x1c\r$/);
    const sink = new RecordingSink();
    // As the gateway configures it: only a configured bed is a device.
    listener = new MllpListener({ sink, port: 0, maxSilenceMs: 5000, deviceIdOf: (info) => (info.bed === 'iDemo4' ? 'icu-4' : undefined) });
    await listener.start();
    const { socket, acks } = await client(listener.address().port);
    socket.write(block);
    await sink.waitFor('1 ack', () => acks.length >= 1);
    expect(acks[0]).toMatch(/\rMSA\|AA\|HP0802104856591B02WIN879\r$/);
    expect(sink.errors).toEqual([]);
    expect(sink.rejections).toEqual([]);
    expect(sink.readings).toEqual([]);
  });

  it('answers every block of the Philips Information Center capture sent as one stream: AR for each demo (MSH-11 T) message, AA for each keep-alive', async () => {
    const capture = readFileSync(new URL('../../test/fixtures/captures/philips-iic-hl7-export.hl7', import.meta.url));
    const sink = new RecordingSink();
    listener = new MllpListener({ sink, port: 0, maxSilenceMs: 5000 });
    await listener.start();
    const { socket, acks } = await client(listener.address().port);
    socket.write(capture);
    await sink.waitFor('105 answers', () => acks.length >= 105);
    const codes = acks.map((a) => /\rMSA\|(\w+)\|/.exec(a)?.[1]);
    expect(codes.filter((c) => c === 'AR')).toHaveLength(101);
    expect(codes.filter((c) => c === 'AA')).toHaveLength(4);
    expect(sink.readings).toEqual([]);
    expect(listener.stats).toMatchObject({ messages: 105, decodeErrors: 101 });
  });
});

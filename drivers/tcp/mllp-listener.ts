import { createServer, type AddressInfo, type Server, type Socket } from 'node:net';
import { createHash } from 'node:crypto';
import { DeviceConnection } from '../core/connection.js';
import type { Driver, DriverSink } from '../core/driver.js';
import { closeServer, listen } from '../core/listen.js';
import { RecentKeys } from '../core/recent-keys.js';
import { buildUnreadableReject } from '../serial/hl7/ack.js';
import { encodeMllp, MllpFramer } from '../serial/hl7/mllp.js';
import { DeviceAlertLists } from '../core/device-alarm-list.js';
import { hl7Dialect } from '../serial/hl7/dialect.js';
import type { Hl7Decoded, Hl7Location } from '../serial/hl7/oru.js';
import { rejectAck } from './reject-ack.js';

/** Bytes without a start block after which a connection is answered and closed (it is not speaking MLLP). */
const MAX_BYTES_WITHOUT_START = 1024 * 1024;
/** A sender that missed our ACK resends the same message (same MSH-10): it is answered again, delivered once. */
const RESEND_WINDOW_MS = 10 * 60_000;

/**
 * HL7 v2 over TCP with MLLP (HL7 v2.5.1 Appendix C): monitors and central stations connect and send
 * ORU^R01 (and ORU^R40 alert reports) messages; each message is decoded, its readings delivered, and the ACK its MSH-15/16 asks for
 * is written back on the same connection.
 *
 * Beds: the DriverSink has no bed field. One TCP connection (a central station) often carries many beds,
 * so the listener gives each bed its own device id: by default `hl7:<MSH-4 sending facility>:<PV1-3 bed>`
 * (or `...:<MSH-3 sending application>` when PV1-3 is absent), overridable with `deviceIdOf`. The PV1-3
 * location is also passed to `onLocation(deviceId, location)` before the message's readings, so the
 * gateway can map device ids to its beds. Connection state is tracked per device id: opened on its first
 * message, quiet after maxSilenceMs. A connection closing says nothing about the device (many senders open one
 * per message), so it changes no device's state.
 *
 * Every frame is answered (HL7 v2.5.1 2.9): unreadable ones with AR and an empty MSA-2, the rest as the decoder
 * decides; a message for a bed `deviceIdOf` does not know (it returns undefined) with AE and an ERR naming PV1-3,
 * except an NMD keep-alive, which names no bed and is answered AA.
 * After a bad frame the connection stays open and the framer re-synchronises on the next start block; only 1 MB
 * without any start block is answered and then closed. A message resent with the same MSH-10 and the same bytes
 * is answered AA again and not delivered twice.
 */
export interface Hl7MessageInfo {
  sendingFacility?: string;
  sendingApplication?: string;
  bed?: string;
  location?: Hl7Location;
  /** OBX-18 equipment instance identifier (EUI-64 in IHE PCD). */
  equipmentId?: string;
  /** PID-3. */
  patientId?: string;
  remoteAddress: string;
}

export interface MllpListenerOptions {
  sink: DriverSink;
  /** TCP port; 0 picks a free one (see address()). */
  port: number;
  /** Default 127.0.0.1: listening on the ward LAN is a deliberate configuration choice. */
  host?: string;
  maxSilenceMs: number;
  maxFrameBytes?: number;
  maxConnections?: number;
  /** The device id of a message; undefined when the message's bed belongs to no known device (answered AE). */
  deviceIdOf?: (info: Hl7MessageInfo) => string | undefined;
  onLocation?: (deviceId: string, location: Hl7Location & { bed: string }) => void;
  /** A device's messages only from its allowed senders: false refuses the message (counted, AR/CR ACK, nothing delivered). */
  senderAllowed?: (deviceId: string, remoteIp: string) => boolean;
  /** Builds the listening server (e.g. a TLS server that calls `accept` per verified connection); default plain TCP. */
  createServer?: (accept: (socket: Socket) => void) => Server;
  /** Re-reads certificates for a TLS server made by createServer (SIGHUP). */
  reloadTls?: () => void;
}

export function defaultHl7DeviceId(info: Hl7MessageInfo): string {
  const who = info.sendingFacility || info.sendingApplication || info.remoteAddress;
  // A central station forwards many beds on one connection: the bed, else the equipment, else the patient keeps
  // them apart, so two patients are never folded into one device.
  const which = info.bed || info.equipmentId || (info.patientId ? `pid-${info.patientId}` : '') || info.sendingApplication || info.remoteAddress;
  return `hl7:${who}:${which}`;
}

export class MllpListener implements Driver {
  private server: Server | undefined;
  private readonly sockets = new Set<Socket>();
  private readonly conns = new Map<string, DeviceConnection>();
  private readonly resent = new RecentKeys(RESEND_WINDOW_MS, 4096);
  /** Each device's own alarms, from ORU^R01 alarm rows and ORU^R40 alert reports (IHE PCD-04). */
  private readonly alerts = new DeviceAlertLists();
  readonly stats = { connections: 0, messages: 0, decodeErrors: 0, oversize: 0, acks: 0, duplicates: 0, unknownBed: 0, refused: 0 };

  constructor(private readonly opts: MllpListenerOptions) {}

  async start(): Promise<void> {
    if (this.server) return;
    const accept = (socket: Socket): void => this.accept(socket);
    const server = this.opts.createServer ? this.opts.createServer(accept) : createServer(accept);
    server.maxConnections = this.opts.maxConnections ?? 64;
    this.server = server;
    await listen(server, this.opts.port, this.opts.host ?? '127.0.0.1');
    server.on('error', (err) => this.safe(() => this.opts.sink.decodeError('hl7', 'hl7-listener', `listener error: ${err.message}`)));
  }

  reloadTls(): void {
    this.opts.reloadTls?.();
  }

  address(): AddressInfo {
    const a = this.server?.address();
    if (!a || typeof a === 'string') throw new Error('listener not started');
    return a;
  }

  async stop(): Promise<void> {
    const server = this.server;
    this.server = undefined;
    await closeServer(server, this.sockets);
    for (const c of this.conns.values()) {
      c.disconnected('listener stopped');
      c.stop();
    }
    this.conns.clear();
  }

  private accept(socket: Socket): void {
    this.sockets.add(socket);
    this.stats.connections++;
    const remote = `${socket.remoteAddress ?? '?'}:${socket.remotePort ?? '?'}`;
    const maxFrameBytes = this.opts.maxFrameBytes ?? 1024 * 1024;
    const framer = new MllpFramer({ maxFrameBytes });
    socket.setNoDelay(true);
    socket.on('data', (chunk: Buffer) => {
      const before = framer.stats.oversize;
      const frames = framer.push(chunk);
      for (const frame of frames) this.handle(socket, frame, remote);
      if (framer.stats.oversize > before) {
        this.stats.oversize += framer.stats.oversize - before;
        this.safe(() => this.opts.sink.decodeError('hl7', `hl7:${remote}`, 'MLLP frame over the size cap dropped'));
        this.answer(socket, buildUnreadableReject(`frame over ${maxFrameBytes} bytes`));
      }
      if (framer.bytesWithoutStart > MAX_BYTES_WITHOUT_START && !socket.destroyed) {
        this.safe(() => this.opts.sink.decodeError('hl7', `hl7:${remote}`, `no MLLP start block in ${MAX_BYTES_WITHOUT_START} bytes: connection closed`));
        this.answer(socket, buildUnreadableReject('no MLLP start block'));
        socket.end();
        socket.pause();
      }
    });
    socket.on('error', () => undefined); // 'close' follows
    socket.on('close', () => this.sockets.delete(socket));
  }

  private handle(socket: Socket, frame: Buffer, remote: string): void {
    this.stats.messages++;
    const d: Hl7Decoded = hl7Dialect.decodeMessage(frame);
    const info: Hl7MessageInfo = { remoteAddress: remote };
    if (d.sendingFacility) info.sendingFacility = d.sendingFacility;
    if (d.sendingApplication) info.sendingApplication = d.sendingApplication;
    if (d.bed) info.bed = d.bed;
    if (d.location) info.location = d.location;
    if (d.equipmentId) info.equipmentId = d.equipmentId;
    if (d.patientId) info.patientId = d.patientId;
    const known = (this.opts.deviceIdOf ?? defaultHl7DeviceId)(info);
    const deviceId = known ?? defaultHl7DeviceId(info);
    const sink = this.opts.sink;
    const remoteIp = (socket.remoteAddress ?? '').replace(/^::ffff:(?=\d+\.\d+\.\d+\.\d+$)/, '');
    if (this.opts.senderAllowed && !this.opts.senderAllowed(deviceId, remoteIp)) {
      this.stats.refused++;
      this.safe(() => sink.decodeError('hl7-sender', deviceId, `message from ${remoteIp} refused: not an allowed sender for ${deviceId}`));
      const nack = rejectAck(frame, 'sender not allowed');
      if (nack) this.answer(socket, nack);
      return;
    }

    if (d.result.error !== undefined) {
      this.stats.decodeErrors++;
      this.safe(() => sink.decodeError('hl7', deviceId, d.result.error!));
    } else if (d.messageType === 'NMD') {
      // A central station's keep-alive (a Philips Information Center sends one a minute): no bed, nothing to
      // deliver; answered as the decoder decided (AA).
    } else if (known === undefined) {
      this.stats.unknownBed++;
      const where = `bed ${JSON.stringify(d.bed ?? '')}${d.sendingFacility ? ` of facility ${JSON.stringify(d.sendingFacility)}` : ''}`;
      const text = `PV1-3 ${where} matches no configured hl7-tcp device`;
      this.safe(() => sink.rejected?.('hl7', deviceId, 'unknown-bed', `${text} (from ${remote}): add a device with transport hl7-tcp and hl7.bed ${JSON.stringify(d.bed ?? '')}, or correct the monitor's bed label`));
      d.verdict = 'error';
      d.errors = [{ segment: 'PV1', sequence: 1, field: 3, code: 204, text }];
    } else if (this.isResend(deviceId, d, frame)) {
      this.stats.duplicates++;
      this.safe(() => sink.rejected?.('hl7', deviceId, 'duplicate', `message ${d.controlId ?? ''} resent: answered again, not delivered twice`));
    } else {
      this.deliver(deviceId, d, remote);
    }
    // The answer the verdict calls for, built by the HL7 dialect's hook as on a serial port.
    const reply = hl7Dialect.answer(d, 'mllp');
    if (reply) this.write(socket, reply);
  }

  private deliver(deviceId: string, d: Hl7Decoded, remote: string): void {
    const sink = this.opts.sink;
    const conn = this.connection(deviceId);
    if (conn.state !== 'connected' && conn.state !== 'quiet') conn.opened(`HL7 messages from ${remote}`);
    conn.dataReceived();
    if (d.bed && this.opts.onLocation) {
      const loc = { ...d.location, bed: d.bed };
      this.safe(() => this.opts.onLocation!(deviceId, loc));
    }
    const alarms = this.alerts.apply(deviceId, d);
    if (alarms && sink.deviceAlarms) this.safe(() => sink.deviceAlarms!(deviceId, alarms));
    for (const r of d.rejected) this.safe(() => sink.rejected?.('hl7', deviceId, r.reason, r.text));
    for (const item of d.result.items) {
      if (item.kind === 'reading') {
        const { kind: _k, ...reading } = item;
        this.safe(() => sink.reading(deviceId, reading));
      } else if (item.kind === 'condition') {
        const { kind: _k, ...report } = item;
        this.safe(() => sink.condition(deviceId, report));
      } else if (item.kind === 'unmapped') {
        const { kind: _k, ...unmapped } = item;
        this.safe(() => sink.unmapped?.(deviceId, unmapped));
      }
    }
  }

  /** The same control id with the same bytes from the same device within the window (a resend after a lost ACK). */
  private isResend(deviceId: string, d: Hl7Decoded, frame: Buffer): boolean {
    if (!d.controlId) return false;
    const digest = createHash('sha1').update(frame).digest('base64');
    return this.resent.seen(`${deviceId}\n${d.controlId}\n${digest}`);
  }

  /** The listener's own refusals (sender not allowed, oversize frame, no MLLP): not a verdict on a message's content. */
  private answer(socket: Socket, ack: string): void {
    this.write(socket, encodeMllp(ack));
  }

  private write(socket: Socket, bytes: Buffer): void {
    if (socket.destroyed || !socket.writable) return;
    socket.write(bytes);
    this.stats.acks++;
  }

  private connection(deviceId: string): DeviceConnection {
    let c = this.conns.get(deviceId);
    if (!c) {
      c = new DeviceConnection({ deviceId, sink: this.opts.sink, maxSilenceMs: this.opts.maxSilenceMs });
      this.conns.set(deviceId, c);
    }
    return c;
  }

  private safe(fn: () => void): void {
    try {
      fn();
    } catch {
      // the gateway's sink logs its own failures
    }
  }
}

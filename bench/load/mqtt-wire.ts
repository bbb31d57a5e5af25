/**
 * A minimal MQTT 3.1.1 publisher over a raw TCP socket, for the load generator only: CONNECT, PUBLISH (QoS 0/1),
 * PUBACK, PINGREQ. It costs far less CPU per message than a full client, so on a 2-core machine the generator
 * leaves the cores to the process under test. Packet layouts: MQTT 3.1.1 (OASIS, 2014) sections 2.2.3
 * (remaining length), 3.1 (CONNECT), 3.2 (CONNACK), 3.3 (PUBLISH), 3.4 (PUBACK).
 */
import { connect, type Socket } from 'node:net';

function remainingLength(n: number): number[] {
  const out: number[] = [];
  do {
    let byte = n % 128;
    n = Math.floor(n / 128);
    if (n > 0) byte |= 0x80;
    out.push(byte);
  } while (n > 0);
  return out;
}

function utf8Field(s: string): Buffer {
  const b = Buffer.from(s, 'utf8');
  const len = Buffer.alloc(2);
  len.writeUInt16BE(b.length);
  return Buffer.concat([len, b]);
}

function connectPacket(clientId: string, username: string, password: string): Buffer {
  const variable = Buffer.from([0x00, 0x04, 0x4d, 0x51, 0x54, 0x54, 0x04, 0xc2, 0x00, 0x3c]); // "MQTT", level 4, user+pass+clean, keepalive 60 s
  const body = Buffer.concat([variable, utf8Field(clientId), utf8Field(username), utf8Field(password)]);
  return Buffer.concat([Buffer.from([0x10, ...remainingLength(body.length)]), body]);
}

export interface PublisherOptions {
  host: string;
  port: number;
  clientId: string;
  username: string;
  password: string;
}

/** One device connection. `inFlight` counts QoS 1 publishes not yet acknowledged. */
export class RawPublisher {
  inFlight = 0;
  acked = 0;
  closed = false;
  /** Called on every PUBACK. */
  onAck: (() => void) | undefined;
  private nextId = 1;
  private buf: Buffer = Buffer.alloc(0);
  private readonly topicField: Buffer;

  private constructor(
    private readonly socket: Socket,
    topic: string,
  ) {
    this.topicField = utf8Field(topic);
  }

  static open(o: PublisherOptions, topic: string, timeoutMs = 5000): Promise<RawPublisher> {
    return new Promise((resolve, reject) => {
      const socket = connect({ host: o.host, port: o.port, noDelay: true });
      const p = new RawPublisher(socket, topic);
      const timer = setTimeout(() => reject(new Error(`${o.clientId}: no CONNACK within ${timeoutMs} ms`)), timeoutMs);
      let connected = false;
      socket.on('error', (err) => {
        if (!connected) {
          clearTimeout(timer);
          reject(err);
        }
      });
      socket.on('close', () => {
        p.closed = true;
      });
      socket.on('data', (chunk: Buffer) => {
        p.buf = p.buf.length ? Buffer.concat([p.buf, chunk]) : chunk;
        while (p.buf.length >= 2) {
          const type = p.buf[0]! >> 4;
          const len = p.buf[1]!; // CONNACK, PUBACK and PINGRESP all have remaining length < 128
          if (p.buf.length < 2 + len) break;
          if (type === 2) {
            const code = p.buf[3];
            clearTimeout(timer);
            if (code !== 0) reject(new Error(`${o.clientId}: CONNACK return code ${String(code)}`));
            else {
              connected = true;
              resolve(p);
            }
          } else if (type === 4) {
            p.inFlight -= 1;
            p.acked += 1;
            p.onAck?.();
          }
          p.buf = p.buf.subarray(2 + len);
        }
      });
      socket.write(connectPacket(o.clientId, o.username, o.password));
    });
  }

  /** Bytes queued in this process, not yet handed to the kernel. */
  get backlog(): number {
    return this.socket.writableLength;
  }

  publish(payload: string, qos: 0 | 1): void {
    const body = Buffer.from(payload, 'utf8');
    const idLen = qos === 1 ? 2 : 0;
    const rl = remainingLength(this.topicField.length + idLen + body.length);
    const head = Buffer.allocUnsafe(1 + rl.length + this.topicField.length + idLen);
    head[0] = qos === 1 ? 0x32 : 0x30;
    for (let i = 0; i < rl.length; i++) head[1 + i] = rl[i]!;
    this.topicField.copy(head, 1 + rl.length);
    if (qos === 1) {
      head.writeUInt16BE(this.nextId, head.length - 2);
      this.nextId = this.nextId === 0xffff ? 1 : this.nextId + 1;
      this.inFlight += 1;
    }
    this.socket.write(Buffer.concat([head, body]));
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.socket.end(Buffer.from([0xe0, 0x00])); // DISCONNECT
  }
}
